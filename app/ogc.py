"""OGC API - Features, Part 1: Core, under ``/ogc``, for GIS clients (QGIS, GDAL, OWSLib).

Conformance classes: Core, GeoJSON and OpenAPI 3.0. Collections: the live records
(incidents, units, blockages, risk zones) from the store, through the same listing and
access policy as the JSON API, and the counties and municipalities of the operating
area (SCB open data). Everything is served in CRS84 (lon, lat).

Spatial extents of the live collections are the box every record is validated to lie
in (`georisk.validation.ACCEPTED_EXTENT`): a true bound that reveals nothing a viewer
may not see, unlike the bounds of the data itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import orjson
import shapely
from flask import Blueprint, Response, current_app, request

from app import cursors, listing, params, presenting
from app.auth import current_viewer
from app.problems import Problem
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

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
DEFAULT_LIMIT = 100
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    kind: str | None  # the store's record kind; None for the static area layers
    temporal: bool


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


def _json(data: Any, mimetype: str = JSON) -> Response:
    return Response(orjson.dumps(data), mimetype=mimetype)


def _base() -> str:
    return request.url_root.rstrip("/") + blueprint.url_prefix


def _only(*known: str) -> None:
    params.refuse_unknown(request.args, (*known, "f"))
    form = request.args.get("f")
    if form is not None and form not in ("json", "geojson"):
        raise Problem.field(400, "f", f"{form!r} is not offered; use json")


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
        "crs": [CRS84],
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


@blueprint.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    c = _collection_or_404(collection_id)
    queryables = QUERYABLES.get(c.id, {})
    _only("bbox", "datetime", "limit", "cursor", *queryables, *(["sortby"] if c.kind else []))
    box = params.bbox(request.args.get("bbox"))
    start, end = params.datetime_window(request.args.get("datetime"))
    limit = params.limit(request.args.get("limit"), DEFAULT_LIMIT)
    cursor = request.args.get("cursor")
    if c.kind is not None:
        query = Query(c.kind, bbox=box, start=start, end=end, limit=limit,
                      sort=params.sortby(request.args.get("sortby"), SORTABLE[c.kind]),
                      **_property_filters(queryables))  # fmt: skip
        found = listing.page(current_viewer(), query, cursor)
        features, following = found.features, found.next_cursor
    else:
        features, following = _area_page(c.id, box, limit, cursor)
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
    )


@blueprint.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    c = _collection_or_404(collection_id)
    _only()
    if c.kind is not None:
        record = listing.store().get(c.kind, feature_id)
        found = None if record is None else presenting.feature(current_viewer(), record)
    else:
        found = _area_features(c.id)[1].get(feature_id)
    if found is None:
        raise Problem(404, f"no feature {feature_id!r} in collection {c.id!r}")
    href = f"{_base()}/collections/{c.id}"
    out = dict(found)
    out["links"] = [
        {"href": f"{href}/items/{quote(feature_id, safe='')}", "rel": "self", "type": GEOJSON},
        {"href": href, "rel": "collection", "type": JSON},
    ]
    return _json(out, GEOJSON)


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
    collection_id: str,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], np.ndarray]:
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
    collection_id: str, box: tuple[float, float, float, float] | None, limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    key: bytes = current_app.extensions["georisk.cursor_key"]
    filters = {"collection": collection_id, "bbox": box}
    (offset,) = cursors.decode(key, cursor, filters) or (0,)
    features, _, geometries = _area_features(collection_id)
    selected = range(len(features))
    if box is not None:
        hits = shapely.intersects(geometries, shapely.box(*box))
        selected = [i for i in selected if hits[i]]
    chosen = [features[i] for i in selected[offset : offset + limit]]
    more = offset + limit < len(selected)
    return chosen, cursors.encode(key, (offset + limit,), filters) if more else None


# -- the OpenAPI 3.0 document of this API --------------------------------------------


@blueprint.get("/api")
def api_document() -> Response:
    _only()
    return _json(_openapi(_base()), OPENAPI_30)


def _openapi(base: str) -> dict[str, Any]:
    ok = {"description": "Success.", "content": {JSON: {"schema": {"type": "object"}}}}
    features = {"description": "Features.", "content": {GEOJSON: {"schema": {"type": "object"}}}}
    problem = {"description": "An error (RFC 9457).",
               "content": {"application/problem+json": {"schema": {"type": "object"}}}}  # fmt: skip
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(COLLECTIONS)}}  # fmt: skip
    query = [
        {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
         "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        {"name": "datetime", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_LIMIT,
                    "default": DEFAULT_LIMIT}},
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
    ]  # fmt: skip

    def get(summary: str, answer: dict, parameters: list | None = None) -> dict:
        return {"get": {"summary": summary, "parameters": parameters or [],
                        "responses": {"200": answer, "default": problem}}}  # fmt: skip

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
                "A feature", features, [collection_id, feature_id]),
        },
    }  # fmt: skip
