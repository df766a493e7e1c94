"""OGC API - Features under ``/ogc``, for GIS clients (QGIS, GDAL, OWSLib).

Conformance classes: Part 1 Core, GeoJSON and OpenAPI 3.0, and Part 2 (Coordinate
Reference Systems by Reference). Collections: the live records (incidents, units,
blockages, risk zones) from the store, through the same listing and access policy as
the JSON API, and the counties and municipalities of the operating area (SCB open
data). Records are stored in CRS84 (lon, lat); ``crs`` asks for another of
`georisk.crs.SUPPORTED` and ``bbox-crs`` gives the bbox in one.

Filters act on what the viewer is shown: the store is asked for a box widened by as
far as the policy may move a record, and the exact test runs on the presented features
(a generalised record is found where it is shown, never where it truly is).

Spatial extents of the live collections are the box every record is validated to lie
in (`georisk.validation.ACCEPTED_EXTENT`): a true bound that reveals nothing a viewer
may not see, unlike the bounds of the data itself.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import orjson
import shapely
from flask import Blueprint, Response, current_app, request, url_for

from app import cursors, listing, params, presenting
from app.api import swagger_page
from app.auth import current_viewer
from app.problems import Problem
from georisk import crs
from georisk.access import DEFAULT_GRID_M
from georisk.area import counties, municipalities
from georisk.store import Query
from georisk.timeutil import format_utc, parse_instant, utc_now
from georisk.validation import ACCEPTED_EXTENT

blueprint = Blueprint("ogc", __name__, url_prefix="/ogc")

CRS84 = crs.CRS84
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
DEFAULT_LIMIT = 100
#: What ``f`` may name: this API speaks (Geo)JSON only; some clients name the media type.
FORMATS = ("json", "geojson", JSON, GEOJSON)
#: Query parameters of the items request (Part 1 and Part 2), besides ``f``.
ITEMS_PARAMETERS = ("bbox", "bbox-crs", "datetime", "limit", "cursor", "crs")

#: How far the store's box is widened (metres): a generalised location is the centre
#: of its grid cell, at most half the cell's diagonal (0.71 of the cell) from the truth.
POLICY_MARGIN_M = DEFAULT_GRID_M
_METRES_PER_DEGREE = 110_000  # a degree of latitude is 110.6-111.7 km: this errs wide


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    kind: str | None  # the store's record kind; None for the static area layers
    temporal: bool
    # Records that may have no place and no time yet (units before their first
    # position report) keep their time here; Part 1 has bbox and datetime match such
    # features, which the store's filters cannot, so both are applied after it.
    unplaced_time: str | None = None


COLLECTIONS = {
    c.id: c
    for c in (
        Collection("incidents", "Incidents", "Reported incidents, open and closed.",
                   "incident", True),
        Collection("units", "Units", "Vehicles and teams at their last reported position.",
                   "unit", True, unplaced_time="position_time"),
        Collection("blockages", "Road blockages", "Closed or restricted road sections.",
                   "blockage", True),
        Collection("riskzones", "Fire-risk zones", "Areas of one fire-risk class on one day.",
                   "riskzones", True),
        Collection("counties", "Counties", "Counties (län) of the operating area, SCB.",
                   None, False),
        Collection("municipalities", "Municipalities",
                   "Municipalities (kommuner) of the operating area, SCB.", None, False),
    )
}  # fmt: skip


def _json(data: Any, mimetype: str = JSON, content_crs: str | None = None) -> Response:
    response = Response(orjson.dumps(data), mimetype=mimetype)
    if content_crs is not None:
        response.headers["Content-Crs"] = f"<{content_crs}>"  # Part 2: a URI in brackets
    return response


def _base() -> str:
    return request.url_root.rstrip("/") + blueprint.url_prefix


def _only(*known: str) -> None:
    params.refuse_unknown(request.args, (*known, "f"))
    form = request.args.get("f")
    if form is not None and form not in FORMATS:
        raise Problem.field(400, "f", f"{form!r} is not offered; use json")


def _crs(name: str) -> str:
    """The CRS named by query parameter ``name`` (one of those every collection offers),
    CRS84 when it is absent."""
    uri = request.args.get(name)
    if uri is None:
        return CRS84
    if uri not in crs.SUPPORTED:
        offered = ", ".join(crs.SUPPORTED)
        raise Problem.field(400, name, f"{uri!r} is not offered; offered: {offered}")
    return uri


def _collection_or_404(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise Problem(404, f"no collection {collection_id!r}; see {_base()}/collections")
    return found


@blueprint.get("")
@blueprint.get("/")
def landing() -> Response:
    _only()
    base = _base()
    return _json({
        "title": "georisk OGC API - Features",
        "description": "The shared picture of the joint control centre, for GIS clients.",
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": "This document"},
            {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI_30,
             "title": "The API definition"},
            {"href": f"{base}/api.html", "rel": "service-doc", "type": HTML,
             "title": "The API definition as a web page"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": JSON,
             "title": "Conformance classes"},
            {"href": f"{base}/collections", "rel": "data", "type": JSON,
             "title": "Collections"},
        ],
    })  # fmt: skip


@blueprint.get("/conformance")
def conformance() -> Response:
    _only()
    return _json({"conformsTo": CONFORMANCE})


@blueprint.get("/collections")
def collections() -> Response:
    _only()
    base = _base()
    return _json({
        "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
        "collections": [_describe(c) for c in COLLECTIONS.values()],
    })  # fmt: skip


@blueprint.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    _only()
    return _json(_describe(_collection_or_404(collection_id)))


def _describe(c: Collection) -> dict[str, Any]:
    href = f"{_base()}/collections/{c.id}"
    bbox = list(ACCEPTED_EXTENT) if c.kind is not None else _area_bounds(c.id)
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    if c.temporal:
        extent["temporal"] = {
            "interval": [[None, None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": list(crs.SUPPORTED),
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            {"href": href, "rel": "self", "type": JSON, "title": c.title},
            {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": c.title},
        ],
    }


# -- features -------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The ``bbox`` of a request: the box in the CRS it was given in, and the CRS84 box
    the store is asked for (the box's extent, widened by `POLICY_MARGIN_M`)."""

    crs: str
    box: shapely.Polygon  # on the plane of ``crs``'s first and second axes
    search: tuple[float, float, float, float]

    def holds(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The features whose geometry, as shown, meets the box in its own CRS; features
        without a geometry match any box (Part 1)."""
        if not features:
            return features
        shapes = shapely.from_geojson(np.array(
            [None if f["geometry"] is None else orjson.dumps(f["geometry"]) for f in features],
            dtype=object,
        ))  # fmt: skip
        hits = self.meets(crs.transform_shapes(shapes, CRS84, self.crs))
        return [feature for feature, hit in zip(features, hits, strict=True) if hit]

    def meets(self, shapes: np.ndarray) -> np.ndarray:
        """For shapes already in ``crs``: which meet the box (missing ones do)."""
        return shapely.intersects(shapes, self.box) | shapely.is_missing(shapes)


def _area() -> Area | None:
    box_crs = _crs("bbox-crs")
    text = request.args.get("bbox")
    if text is None:
        return None
    if box_crs == CRS84:
        lon_lat = params.bbox(text)
        assert lon_lat is not None
        box = shapely.box(*lon_lat)
        return Area(CRS84, box, _widened(box.bounds))
    numbers = params.bbox_values(text, "in the axis order of bbox-crs", heights=False)
    assert numbers is not None
    try:
        box = crs.box_in(numbers, box_crs)
        area = crs.box_area(box, box_crs)
    except crs.OutsideCrs as exc:
        raise Problem.field(400, "bbox", str(exc)) from None
    return Area(box_crs, box, _widened(area.bounds))


def _widened(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    min_x, min_y, max_x, max_y = bounds
    dlat = POLICY_MARGIN_M / _METRES_PER_DEGREE
    widest = min(89.0, max(abs(min_y), abs(max_y)) + dlat)  # a degree of longitude is
    dlon = dlat / math.cos(math.radians(widest))  # shortest at the box's highest latitude
    return (max(-180.0, min_x - dlon), max(-90.0, min_y - dlat),
            min(180.0, max_x + dlon), min(90.0, max_y + dlat))  # fmt: skip


@blueprint.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    c = _collection_or_404(collection_id)
    _only(*ITEMS_PARAMETERS)
    target = _crs("crs")
    area = _area()
    start, end = params.datetime_window(request.args.get("datetime"))
    limit = params.limit(request.args.get("limit"), DEFAULT_LIMIT, clamp=True)
    cursor = request.args.get("cursor")
    if c.kind is not None:
        features, following = _live_page(c.kind, c.unplaced_time, area, start, end, limit,
                                         cursor)  # fmt: skip
        features = _in_crs(features, target)
    else:
        features, following = _area_page(c.id, area, target, limit, cursor)
    base = f"{_base()}/collections/{c.id}/items"
    links = [{"href": request.url, "rel": "self", "type": GEOJSON, "title": "This page"}]
    if following is not None:
        query_args = {k: v for k, v in request.args.items() if k != "cursor"}
        query_args.update(cursor=following, limit=str(limit))
        links.append({"href": f"{base}?{urlencode(query_args)}", "rel": "next",
                      "type": GEOJSON, "title": "Next page"})  # fmt: skip
    return _json(
        {
            "type": "FeatureCollection",
            "features": features,
            "links": links,
            "numberReturned": len(features),
            "timeStamp": format_utc(utc_now()),
        },
        GEOJSON,
        content_crs=target,
    )


def _live_page(
    kind: str, unplaced_time: str | None, area: Area | None, start: datetime | None,
    end: datetime | None, limit: int, cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    """A page of the store's records as the viewer is shown them, the bbox tested
    exactly on what is shown; the cursor is bound to the filters as asked."""
    query = Query(
        kind,
        bbox=None if area is None or unplaced_time else area.search,
        start=None if unplaced_time else start,
        end=None if unplaced_time else end,
        limit=limit,
    )
    asked = {name: request.args.get(name) for name in ("bbox", "bbox-crs", "datetime")}
    found = listing.page(current_viewer(), query, cursor, asked)
    features = found.features if area is None else area.holds(found.features)
    if unplaced_time and (start is not None or end is not None):
        features = [f for f in features if _meets(f, unplaced_time, start, end)]
    return features, found.next_cursor


def _meets(
    feature: dict[str, Any], name: str, start: datetime | None, end: datetime | None
) -> bool:
    """Whether the feature's instant ``name`` lies in [start, end]; no instant matches."""
    text = feature["properties"].get(name)
    if text is None:
        return True
    moment = parse_instant(text)
    return (start is None or start <= moment) and (end is None or moment <= end)


def _in_crs(features: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    if target == CRS84:
        return features
    moved = crs.transform_geometries([f["geometry"] for f in features], CRS84, target)
    return [{**f, "geometry": g} for f, g in zip(features, moved, strict=True)]


@blueprint.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    c = _collection_or_404(collection_id)
    _only("crs")
    target = _crs("crs")
    if c.kind is not None:
        record = listing.store().get(c.kind, feature_id)
        found = None if record is None else presenting.feature(current_viewer(), record)
        if found is not None:
            found = _in_crs([found], target)[0]
    else:
        found = _area_features(c.id, target)[1].get(feature_id)
    if found is None:
        raise Problem(404, f"no feature {feature_id!r} in collection {c.id!r}")
    href = f"{_base()}/collections/{c.id}"
    out = dict(found)
    out["links"] = [
        {"href": f"{href}/items/{quote(feature_id, safe='')}", "rel": "self", "type": GEOJSON},
        {"href": href, "rel": "collection", "type": JSON},
    ]
    return _json(out, GEOJSON, content_crs=target)


# -- the area layers (open data, the same for every viewer) --------------------------


@functools.cache
def _area_features(
    collection_id: str, uri: str = CRS84
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], np.ndarray]:
    """The layer's features in ``uri``, by id, and their shapes in ``uri``: made once per
    CRS (the boundaries do not change while the service runs)."""
    if uri != CRS84:
        features, _, shapes = _area_features(collection_id)
        moved = _in_crs(features, uri)
        return moved, {f["id"]: f for f in moved}, crs.transform_shapes(shapes, CRS84, uri)
    frame = counties() if collection_id == "counties" else municipalities()
    rows = orjson.loads(frame.to_json(drop_id=True))["features"]
    features = []
    for row in rows:
        props = row["properties"]
        features.append({"type": "Feature", "id": props["code"], "geometry": row["geometry"],
                         "properties": props})  # fmt: skip
    return features, {f["id"]: f for f in features}, np.asarray(frame.geometry.values)


@functools.cache
def _area_bounds(collection_id: str) -> list[float]:
    return [float(x) for x in shapely.total_bounds(_area_features(collection_id)[2])]


def _area_page(
    collection_id: str, area: Area | None, target: str, limit: int, cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    key: bytes = current_app.extensions["georisk.cursor_key"]
    filters: Mapping[str, Any] = {
        "collection": collection_id, "bbox": request.args.get("bbox"),
        "bbox-crs": request.args.get("bbox-crs"),
    }  # fmt: skip
    offset = cursors.decode(key, cursor, filters) or 0
    features = _area_features(collection_id, target)[0]
    selected: list[int] | range = range(len(features))
    if area is not None:
        hits = area.meets(_area_features(collection_id, area.crs)[2])
        selected = [i for i in selected if hits[i]]
    chosen = [features[i] for i in selected[offset : offset + limit]]
    more = offset + limit < len(selected)
    return chosen, cursors.encode(key, offset + limit, filters) if more else None


# -- the OpenAPI 3.0 document of this API, and its page --------------------------------


@blueprint.get("/api")
def api_document() -> Response:
    _only()
    return _json(_openapi(_base()), OPENAPI_30)


@blueprint.get("/api.html")
def api_page() -> Response:
    _only()
    return swagger_page(url_for("ogc.api_document"), "georisk OGC API - Features")


def _openapi(base: str) -> dict[str, Any]:
    ok = {"description": "Success.", "content": {JSON: {"schema": {"type": "object"}}}}
    content_crs = {"Content-Crs": {
        "description": "The CRS of the coordinates, as a URI in angle brackets.",
        "schema": {"type": "string"}}}  # fmt: skip
    features = {"description": "Features.", "headers": content_crs,
                "content": {GEOJSON: {"schema": {"type": "object"}}}}  # fmt: skip
    problem = {"description": "An error (RFC 9457).",
               "content": {"application/problem+json": {"schema": {"type": "object"}}}}  # fmt: skip
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(COLLECTIONS)}}  # fmt: skip
    crs_schema = {"type": "string", "format": "uri", "enum": list(crs.SUPPORTED),
                  "default": CRS84}  # fmt: skip
    crs_param = {"name": "crs", "in": "query", "required": False, "style": "form",
                 "explode": False, "schema": crs_schema}  # fmt: skip
    query = [
        {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
         "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        {"name": "bbox-crs", "in": "query", "required": False, "style": "form",
         "explode": False, "schema": crs_schema},
        {"name": "datetime", "in": "query", "required": False, "style": "form",
         "explode": False, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_LIMIT,
                    "default": DEFAULT_LIMIT}},
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
        crs_param,
    ]  # fmt: skip
    form = {"name": "f", "in": "query", "required": False,
            "schema": {"type": "string", "enum": list(FORMATS)}}  # fmt: skip

    def get(summary: str, answer: dict, parameters: list | None = None) -> dict:
        return {"get": {"summary": summary, "parameters": [*(parameters or []), form],
                        "responses": {"200": answer, "400": problem, "401": problem,
                                      "404": problem, "default": problem}}}  # fmt: skip

    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "georisk OGC API - Features", "version": "1.0"},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/": get("Landing page", ok),
            "/conformance": get("Conformance classes", ok),
            "/collections": get("Collections", ok),
            "/collections/{collectionId}": get("A collection", ok, [collection_id]),
            "/collections/{collectionId}/items": get("Features", features,
                                                     [collection_id, *query]),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature", features, [collection_id, feature_id, crs_param]),
        },
    }  # fmt: skip
