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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import orjson
import shapely
from flask import Blueprint, Response, current_app, request, url_for

from app import cursors, listing, params, presenting
from app.api import swagger_page
from app.auth import current_viewer
from app.openapi import URI_TOO_LONG
from app.problems import Problem
from georisk import crs
from georisk.area import counties, municipalities
from georisk.model import (
    Agency,
    BlockageReason,
    BlockageStatus,
    Classification,
    IncidentStatus,
    IncidentType,
    RiskZoneStatus,
    UnitKind,
    UnitStatus,
)
from georisk.store import Query
from georisk.store.base import SORTABLE
from georisk.timeutil import format_utc, utc_now
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
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
DEFAULT_LIMIT = 100
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#: What ``f`` may name: this API speaks (Geo)JSON only; some clients name the media type.
FORMATS = ("json", "geojson", JSON, GEOJSON)
#: Query parameters of the items request (Part 1 and Part 2), besides ``f``, the
#: collection's queryables and (for the live collections) ``sortby``.
ITEMS_PARAMETERS = ("bbox", "bbox-crs", "datetime", "limit", "cursor", "crs")


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


COLLECTIONS = {
    c.id: c
    for c in (
        Collection("incidents", "Incidents", "Reported incidents, open and closed.",
                   "incident", True),
        Collection("units", "Units", "Vehicles and teams at their last reported position.",
                   "unit", True),
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
            *([{"href": f"{href}/queryables", "rel": QUERYABLES_REL,
                "type": "application/schema+json", "title": "Queryables"}]
              if c.id in QUERYABLES else []),
        ],
    }


# -- features -------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The ``bbox`` of a request: the box in the CRS it was given in, and the CRS84 box
    the store is asked for (the box itself, or the extent of a box in another CRS: the
    store then chooses by the extent and `holds` by the box, both on what is shown)."""

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
        return Area(CRS84, box, box.bounds)
    numbers = params.bbox_values(text, "in the axis order of bbox-crs", heights=False)
    assert numbers is not None
    try:
        box = crs.box_in(numbers, box_crs)
        area = crs.box_area(box, box_crs)
    except crs.OutsideCrs as exc:
        raise Problem.field(400, "bbox", str(exc)) from None
    west, south, east, north = area.bounds  # widened by ~1 cm: the transform's rounding
    slack = 1e-7
    return Area(box_crs, box, (west - slack, south - slack, east + slack, north + slack))


@blueprint.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    c = _collection_or_404(collection_id)
    queryables = QUERYABLES.get(c.id, {})
    _only(*ITEMS_PARAMETERS, *queryables, *(["sortby"] if c.kind else []))
    target = _crs("crs")
    area = _area()
    start, end = params.datetime_window(request.args.get("datetime"))
    limit = params.limit(request.args.get("limit"), DEFAULT_LIMIT, clamp=True)
    cursor = request.args.get("cursor")
    if c.kind is not None:
        query = Query(c.kind, bbox=None if area is None else area.search, start=start,
                      end=end, limit=limit, unplaced_match=True,
                      sort=params.sortby(request.args.get("sortby"), SORTABLE[c.kind]),
                      **_property_filters(queryables))  # fmt: skip
        found = listing.page(current_viewer(), query, cursor,
                             {name: request.args.get(name) for name in ("bbox", "bbox-crs")})
        features, following = found.features, found.next_cursor
        if area is not None and area.crs != CRS84:  # the store chose by the box's extent
            features = area.holds(features)
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


# -- queryables: properties the items can be filtered by -----------------------------


@dataclass(frozen=True)
class Queryable:
    field: str  # the `Query` field it filters
    title: str
    values: tuple[str, ...] = ()  # the vocabulary, if closed


def _vocabulary(members: type) -> tuple[str, ...]:
    return tuple(member.value for member in members)


_COMMON_QUERYABLES = {
    "status": None,  # per collection below
    "agency": Queryable("agency", "Owning agency", _vocabulary(Agency)),
    "classification": Queryable("classification", "Classification",
                                _vocabulary(Classification)),
}  # fmt: skip
_AREA_QUERYABLES = {
    "county": Queryable("county", "SCB county code (2 digits)"),
    "municipality": Queryable("municipality", "SCB municipality code (4 digits)"),
}
QUERYABLES: dict[str, dict[str, Queryable]] = {
    "incidents": {
        "type": Queryable("category", "Incident type", _vocabulary(IncidentType)),
        "severity": Queryable("severity", "Severity", ("1", "2", "3", "4", "5")),
        "status": Queryable("status", "Status", _vocabulary(IncidentStatus)),
        "agency": _COMMON_QUERYABLES["agency"],
        "classification": _COMMON_QUERYABLES["classification"],
        **_AREA_QUERYABLES,
    },
    "units": {
        "unit_kind": Queryable("category", "Unit kind", _vocabulary(UnitKind)),
        "status": Queryable("status", "Status", _vocabulary(UnitStatus)),
        "agency": _COMMON_QUERYABLES["agency"],
        "classification": _COMMON_QUERYABLES["classification"],
    },
    "blockages": {
        "reason": Queryable("category", "Reason", _vocabulary(BlockageReason)),
        "status": Queryable("status", "Status", _vocabulary(BlockageStatus)),
        "agency": _COMMON_QUERYABLES["agency"],
        "classification": _COMMON_QUERYABLES["classification"],
        **_AREA_QUERYABLES,
    },
    "riskzones": {
        "risk_class": Queryable("category", "Fire-risk class"),
        "status": Queryable("status", "Status", _vocabulary(RiskZoneStatus)),
    },
}


def _property_filters(queryables: dict[str, Queryable]) -> dict[str, frozenset]:
    """``name=value`` (or ``name=a,b``: any of them) for each queryable given."""
    filters: dict[str, frozenset] = {}
    for name, queryable in queryables.items():
        text = request.args.get(name)
        if text is None:
            continue
        if queryable.values:
            values: frozenset = params.choices(text, name, queryable.values)
        elif name in _AREA_QUERYABLES:
            values = params.codes(text, name, 2 if name == "county" else 4)
        else:
            values = frozenset(v.strip() for v in text.split(",") if v.strip())
        if queryable.field == "severity":
            values = frozenset(int(v) for v in values)
        filters[queryable.field] = values
    return filters


@blueprint.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    """The properties items can be filtered by (OGC API - Features Part 3, as query
    parameters), as a JSON Schema. Filters and `sortby` act on the records as the viewer
    is shown them."""
    c = _collection_or_404(collection_id)
    _only()
    href = f"{_base()}/collections/{c.id}/queryables"
    properties: dict[str, Any] = {}
    for name, q in QUERYABLES.get(c.id, {}).items():
        schema: dict[str, Any] = {"title": q.title, "type": "string"}
        if q.field == "severity":
            schema = {"title": q.title, "type": "integer", "minimum": 1, "maximum": 5}
        elif q.values:
            schema["enum"] = list(q.values)
        properties[name] = schema
    return _json({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": c.title,
        "properties": properties,
        "additionalProperties": False,
    }, "application/schema+json")  # fmt: skip


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
    (offset,) = cursors.decode(key, cursor, filters) or (0,)
    features = _area_features(collection_id, target)[0]
    selected: list[int] | range = range(len(features))
    if area is not None:
        hits = area.meets(_area_features(collection_id, area.crs)[2])
        selected = [i for i in selected if hits[i]]
    chosen = [features[i] for i in selected[offset : offset + limit]]
    more = offset + limit < len(selected)
    return chosen, cursors.encode(key, (offset + limit,), filters) if more else None


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
        {"name": "sortby", "in": "query", "required": False, "style": "form",
         "explode": False, "description": "Properties to order by, `-` for descending "
         "(the live collections; see their queryables' neighbours in the JSON API).",
         "schema": {"type": "array", "items": {"type": "string"}}},
    ]  # fmt: skip
    queryable_names = sorted({name for q in QUERYABLES.values() for name in q})
    query += [
        {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
         "description": "A queryable of the collections that list it at .../queryables: "
         "the features whose value is one of these.",
         "schema": {"type": "array", "items": {"type": "string"}}}
        for name in queryable_names
    ]  # fmt: skip
    schema_answer = {"description": "A JSON Schema.", "content": {
        "application/schema+json": {"schema": {"type": "object"}}}}  # fmt: skip
    form = {"name": "f", "in": "query", "required": False,
            "schema": {"type": "string", "enum": list(FORMATS)}}  # fmt: skip

    def get(summary: str, answer: dict, parameters: list | None = None) -> dict:
        return {"get": {"summary": summary, "parameters": [*(parameters or []), form],
                        "responses": {"200": answer, "400": problem, "401": problem,
                                      "404": problem, "414": URI_TOO_LONG,
                                      "default": problem}}}  # fmt: skip

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
            "/collections/{collectionId}/queryables": get("Queryables", schema_answer,
                                                          [collection_id]),
            "/collections/{collectionId}/items": get("Features", features,
                                                     [collection_id, *query]),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature", features, [collection_id, feature_id, crs_param]),
        },
    }  # fmt: skip
