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

Spatial extents of the live collections are the operating area's (its counties and the
feeds' margin, `georisk.area.operating`): where the picture is, so a client's "zoom to
layer" frames the region, and a bound that reveals nothing a viewer may not see, unlike
the bounds of the records themselves.

Times are RFC 3339 in UTC (``Z``), except to QGIS (its ``User-Agent``), which are given
Stockholm's offset (`_times_for_client`): QGIS 3.22 (Debian 12's) drops any offset and
reads the rest as the desktop's local time, so with ``Z`` every time was an hour or two
early on an analyst's machine in Sweden. Written in Stockholm's offset it reads them
right there, and a QGIS that honours offsets reads the same instants either way.

Each resource's query parameters are a model (`Resource`, `Feature`, and `ITEMS`: the
items' of each collection, its queryables among them), named where its route is
declared (`_get`): that declaration checks every request's query and writes the
resource into the OpenAPI 3.0 document at ``/ogc/api``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import numpy as np
import orjson
import shapely
from flask import Blueprint, Response, current_app, request, url_for
from pydantic import Field, TypeAdapter, create_model, model_validator

from app import cursors, listing, params, presenting
from app.api import swagger_page
from app.auth import current_viewer
from app.openapi import URI_TOO_LONG, query_parameters
from app.problems import Problem
from georisk import crs
from georisk import queryparams as qp
from georisk.area import counties, municipalities, operating
from georisk.model import RECORD_TYPES
from georisk.store import Query
from georisk.store.base import SORTABLE
from georisk.timeutil import format_utc, in_stockholm_offset, utc_now

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
DEFAULT_LIMIT = 1_000  # QGIS pages at this: 15 round trips for the demo's incidents, not 147
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#: What ``f`` may name: this API speaks (Geo)JSON only; some clients name the media type.
FORMATS = ("json", "geojson", JSON, GEOJSON)


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
}


# -- queryables: properties the items can be filtered by -----------------------------


@dataclass(frozen=True)
class Queryable:
    """A property the items can be filtered by, as a query parameter of its name whose
    value is a comma-separated set: the features whose property is one of them."""

    field: str  # the `Query` field it filters
    title: str
    values: Any  # the parameter's type (`georisk.queryparams`): its vocabulary, its form


_AGENCY = Queryable("agency", "Owning agency", qp.Agencies)
_CLASSIFICATION = Queryable("classification", "Classification", qp.Classifications)
_AREA_QUERYABLES = {
    "county": Queryable("county", "SCB county code (2 digits)", qp.CountyCodes),
    "municipality": Queryable("municipality", "SCB municipality code (4 digits)",
                              qp.MunicipalityCodes),
}
QUERYABLES: dict[str, dict[str, Queryable]] = {
    "incidents": {
        "type": Queryable("category", "Incident type", qp.IncidentTypes),
        "severity": Queryable("severity", "Severity", qp.Severities),
        "status": Queryable("status", "Status", qp.IncidentStatuses),
        "agency": _AGENCY,
        "classification": _CLASSIFICATION,
        **_AREA_QUERYABLES,
    },
    "units": {
        "unit_kind": Queryable("category", "Unit kind", qp.UnitKinds),
        "status": Queryable("status", "Status", qp.UnitStatuses),
        "agency": _AGENCY,
        "classification": _CLASSIFICATION,
    },
    "blockages": {
        "reason": Queryable("category", "Reason", qp.BlockageReasons),
        "status": Queryable("status", "Status", qp.BlockageStatuses),
        "agency": _AGENCY,
        "classification": _CLASSIFICATION,
        **_AREA_QUERYABLES,
    },
    "riskzones": {
        "risk_class": Queryable("category", "Fire-risk class", qp.Words),
        "status": Queryable("status", "Status", qp.RiskZoneStatuses),
    },
}


# -- the query parameters of each resource ---------------------------------------------

Crs = Annotated[qp.one_of(crs.SUPPORTED), Field(json_schema_extra={"format": "uri"})]


class Resource(qp.QueryModel):
    """What every resource takes: ``f``, the format, which is always (Geo)JSON."""

    f: qp.one_of(FORMATS) | None = Field(  # type: ignore[valid-type]
        None, description="The format: JSON (GeoJSON for features), the only one offered.")


class Feature(Resource):
    crs: Crs = Field(CRS84, description="The CRS of the answer's coordinates (Part 2).")


class Items(Feature):
    """The items of a collection: Part 1's bbox, datetime and limit, Part 2's bbox-crs;
    a live collection adds its queryables and ``sortby`` (`items_query`)."""

    bbox_crs: Crs = Field(CRS84, alias="bbox-crs", description="The CRS of bbox (Part 2).")
    bbox: qp.Box | None = Field(
        None, description="The lower corner, then the upper one, in the axis order of "
        "bbox-crs; 6 numbers (CRS84 only) give heights, which are ignored. Features "
        "without a geometry match any box.")
    window: qp.Interval | None = Field(
        None, alias="datetime", description="An instant or an interval start/end (`..` "
        "or nothing for an open end), RFC 3339. Features without a time match any.")
    limit: qp.ClampedLimit = Field(
        DEFAULT_LIMIT, description=f"Features per page (default {DEFAULT_LIMIT}); a larger "
        f"limit than {qp.MAX_LIMIT} gives at most {qp.MAX_LIMIT}.")
    cursor: str | None = Field(None, description="From the `next` link of the previous page.")

    @model_validator(mode="after")
    def _box_in_its_crs(self) -> Items:
        """The box's ranges depend on its CRS: those of CRS84 are checked here, the
        others' where the box is carried into CRS84 (`_area`)."""
        if self.bbox is None:
            return self
        if self.bbox_crs == CRS84:
            try:
                qp.lon_lat(self.bbox)
            except ValueError as exc:
                raise qp.Refused("bbox", str(exc)) from None
        elif len(self.bbox) != 4:
            raise qp.Refused("bbox", f"expected 4 numbers (in the axis order of bbox-crs), "
                             f"got {len(self.bbox)}")
        return self


def items_query(c: Collection) -> type[Items]:
    """The items' parameters of ``c``: `Items`, its queryables and, for a live
    collection, the properties it can be sorted by."""
    fields: dict[str, Any] = {
        name: (q.values, Field(frozenset(), description=f"{q.title}: the features whose "
                               f"{name} is one of these, comma-separated."))
        for name, q in QUERYABLES.get(c.id, {}).items()
    }
    if c.kind is not None:
        fields["sortby"] = (qp.sort_keys(SORTABLE[c.kind]), Field(
            (), description="Properties to order by, comma-separated, `-` for descending; "
            "ties keep the order records were created in."))
    name = "".join(part.title() for part in c.id.split("_")) + "Items"
    return create_model(name, __base__=Items, **fields)


ITEMS = {c.id: items_query(c) for c in COLLECTIONS.values()}


# -- the routes, each declared with its parameters ------------------------------------


@dataclass(frozen=True)
class _Operation:
    path: str  # as the OpenAPI document names it
    summary: str
    answer: str  # "json", "features" or "schema"
    queries: tuple[type[qp.QueryModel], ...]  # the query's model; the items', one per collection


_OPERATIONS: list[_Operation] = []


def _get(
    path: str,
    summary: str,
    answer: str,
    query: type[qp.QueryModel] | Mapping[str, type[qp.QueryModel]],
    rules: tuple[str, ...] = (),
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a view for ``path`` (or ``rules``) that the API document describes with
    the parameters of ``query``, and that is given its request's query as ``query``: a
    400 naming the parameter before the view runs. A mapping gives each collection's
    model; an unknown collection is a 404, whatever the query."""

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        assert "query" in inspect.signature(view).parameters

        @functools.wraps(view)
        def checked(**kwargs: Any) -> Response:
            model = query
            if "collection_id" in kwargs:
                c = _collection_or_404(kwargs["collection_id"])
                if isinstance(query, Mapping):
                    model = query[c.id]
            return view(**kwargs, query=params.read(model))  # type: ignore[arg-type]

        rule = path.replace("{collectionId}", "<collection_id>")
        rule = rule.replace("{featureId}", "<path:feature_id>")
        for each in rules or (rule,):
            blueprint.add_url_rule(each, view.__name__, checked)
        models = tuple(query.values()) if isinstance(query, Mapping) else (query,)
        _OPERATIONS.append(_Operation(path, summary, answer, models))
        return checked

    return register


def _json(data: Any, mimetype: str = JSON, content_crs: str | None = None) -> Response:
    response = Response(orjson.dumps(data), mimetype=mimetype)
    if content_crs is not None:
        response.headers["Content-Crs"] = f"<{content_crs}>"  # Part 2: a URI in brackets
    return response


def _base() -> str:
    return request.url_root.rstrip("/") + blueprint.url_prefix


def _collection_or_404(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise Problem(404, f"no collection {collection_id!r}; see {_base()}/collections")
    return found


@_get("/", "Landing page", "json", Resource, rules=("", "/"))
def landing(query: Resource) -> Response:
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
    })


@_get("/conformance", "Conformance classes", "json", Resource)
def conformance(query: Resource) -> Response:
    return _json({"conformsTo": CONFORMANCE})


@_get("/collections", "Collections", "json", Resource)
def collections(query: Resource) -> Response:
    base = _base()
    return _json({
        "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
        "collections": [_describe(c) for c in COLLECTIONS.values()],
    })


@_get("/collections/{collectionId}", "A collection", "json", Resource)
def collection(collection_id: str, query: Resource) -> Response:
    return _json(_describe(COLLECTIONS[collection_id]))


def _describe(c: Collection) -> dict[str, Any]:
    href = f"{_base()}/collections/{c.id}"
    bbox = list(operating.configured().bounds()) if c.kind is not None else _area_bounds(c.id)
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
        ))
        hits = self.meets(crs.transform_shapes(shapes, CRS84, self.crs))
        return [feature for feature, hit in zip(features, hits, strict=True) if hit]

    def meets(self, shapes: np.ndarray) -> np.ndarray:
        """For shapes already in ``crs``: which meet the box (missing ones do)."""
        return shapely.intersects(shapes, self.box) | shapely.is_missing(shapes)


def _area(query: Items) -> Area | None:
    if query.bbox is None:
        return None
    if query.bbox_crs == CRS84:
        box = shapely.box(*qp.lon_lat(query.bbox))
        return Area(CRS84, box, box.bounds)
    try:
        box = crs.box_in(query.bbox, query.bbox_crs)  # type: ignore[arg-type]
        area = crs.box_area(box, query.bbox_crs)
    except crs.OutsideCrs as exc:
        raise Problem.field(400, "bbox", str(exc)) from None
    west, south, east, north = area.bounds  # widened by ~1 cm: the transform's rounding
    slack = 1e-7
    return Area(query.bbox_crs, box, (west - slack, south - slack, east + slack, north + slack))


@_get("/collections/{collectionId}/items", "Features", "features", ITEMS)
def items(collection_id: str, query: Items) -> Response:
    c = COLLECTIONS[collection_id]
    target = query.crs
    area = _area(query)
    start, end = query.window or (None, None)
    limit = query.limit
    if c.kind is not None:
        filters = {q.field: getattr(query, name) for name, q in QUERYABLES.get(c.id, {}).items()}
        reshaped = target != CRS84 or (area is not None and area.crs != CRS84) or _for_qgis()
        found = listing.page(
            current_viewer(),
            Query(c.kind, bbox=None if area is None else area.search, start=start, end=end,
                  limit=limit, unplaced_match=True, sort=query.sortby,  # type: ignore[attr-defined]
                  **filters),
            query.cursor,
            {name: request.args.get(name) for name in ("bbox", "bbox-crs")},
            written=not reshaped,  # features sent as the store's records write them
        )
        features, following = found.features, found.next_cursor
        if area is not None and area.crs != CRS84:  # the store chose by the box's extent
            features = area.holds(features)
        if reshaped:
            features = _in_crs(_times_for_client(features, c.kind), target)
    else:
        features, following = _area_page(c.id, area, target, limit, query.cursor)
    base = f"{_base()}/collections/{c.id}/items"
    links = [{"href": request.url, "rel": "self", "type": GEOJSON, "title": "This page"}]
    if following is not None:
        query_args = {k: v for k, v in request.args.items() if k != "cursor"}
        query_args.update(cursor=following, limit=str(limit))
        links.append({"href": f"{base}?{urlencode(query_args)}", "rel": "next",
                      "type": GEOJSON, "title": "Next page"})
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


def _times_for_client(features: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The features' times in Stockholm's offset for QGIS (see the module's notes), as
    they are for everyone else."""
    if not _for_qgis():
        return features
    names = RECORD_TYPES[kind].time_fields
    out = []
    for feature in features:
        shown = dict(feature["properties"])
        for name in names:
            if shown.get(name):
                shown[name] = in_stockholm_offset(shown[name])
        out.append({**feature, "properties": shown})
    return out


def _for_qgis() -> bool:
    return "QGIS/" in request.headers.get("User-Agent", "")


def _in_crs(features: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    if target == CRS84:
        return features
    moved = crs.transform_geometries([f["geometry"] for f in features], CRS84, target)
    return [{**f, "geometry": g} for f, g in zip(features, moved, strict=True)]


@_get("/collections/{collectionId}/items/{featureId}", "A feature", "features", Feature)
def item(collection_id: str, feature_id: str, query: Feature) -> Response:
    c = COLLECTIONS[collection_id]
    target = query.crs
    if c.kind is not None:
        record = listing.store().get(c.kind, feature_id)
        found = None if record is None else presenting.feature(current_viewer(), record)
        if found is not None:
            found = _in_crs(_times_for_client([found], c.kind), target)[0]
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


@_get("/collections/{collectionId}/queryables", "Queryables", "schema", Resource)
def queryables(collection_id: str, query: Resource) -> Response:
    """The properties items can be filtered by (OGC API - Features Part 3, as query
    parameters), as a JSON Schema: each one's values as its parameter takes them.
    Filters and `sortby` act on the records as the viewer is shown them."""
    c = COLLECTIONS[collection_id]
    href = f"{_base()}/collections/{c.id}/queryables"
    properties = {
        name: {"title": q.title, **TypeAdapter(q.values).json_schema()["items"]}
        for name, q in QUERYABLES.get(c.id, {}).items()
    }
    return _json({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": c.title,
        "properties": properties,
        "additionalProperties": False,
    }, "application/schema+json")


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
                         "properties": props})
    return features, {f["id"]: f for f in features}, np.asarray(frame.geometry.values)


@functools.cache
def _area_bounds(collection_id: str) -> list[float]:
    return [float(x) for x in shapely.total_bounds(_area_features(collection_id)[2])]


def _area_page(
    collection_id: str, area: Area | None, target: str, limit: int, cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    key: bytes = current_app.extensions["georisk.cursor_key"]
    filters: Mapping[str, Any] = {
        "collection": collection_id, "bbox": request.args.get("bbox"),
        "bbox-crs": request.args.get("bbox-crs"),
    }
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


# (Not in the document they are: they take only `f`, as every resource does.)


@blueprint.get("/api")
def api_document() -> Response:
    params.read(Resource)
    return _json(_openapi(_base()), OPENAPI_30)


@blueprint.get("/api.html")
def api_page() -> Response:
    params.read(Resource)
    return swagger_page(url_for("ogc.api_document"), "georisk OGC API - Features")


def _openapi(base: str) -> dict[str, Any]:
    """The document, from the routes' declarations: each operation's parameters are
    those its model takes (`app.openapi.query_parameters`), so what is checked and what
    is documented are one. The items of every collection share one path; there, each
    parameter is described once, with the values any collection takes (each takes its
    own: see its queryables)."""
    content_crs = {"Content-Crs": {
        "description": "The CRS of the coordinates, as a URI in angle brackets.",
        "schema": {"type": "string"}}}
    answers = {
        "json": {"description": "Success.", "content": {JSON: {"schema": {"type": "object"}}}},
        "features": {"description": "Features.", "headers": content_crs,
                     "content": {GEOJSON: {"schema": {"type": "object"}}}},
        "schema": {"description": "A JSON Schema.", "content": {
            "application/schema+json": {"schema": {"type": "object"}}}},
    }
    problem = {"description": "An error (RFC 9457).",
               "content": {"application/problem+json": {"schema": {"type": "object"}}}}
    path_params = {
        "{collectionId}": {"name": "collectionId", "in": "path", "required": True,
                           "schema": {"type": "string", "enum": list(COLLECTIONS)}},
        "{featureId}": {"name": "featureId", "in": "path", "required": True,
                        "schema": {"type": "string"}},
    }
    paths = {}
    shared: dict[str, dict[str, Any]] = {}
    for op in _OPERATIONS:
        parameters = [p for key, p in path_params.items() if key in op.path]
        parameters += _united([query_parameters(model, "3.0") for model in op.queries])
        parameters = [_shared(p, shared) for p in parameters]
        paths[op.path] = {"get": {
            "summary": op.summary, "parameters": parameters,
            "responses": {"200": answers[op.answer], "400": problem, "401": problem,
                          "404": problem, "414": URI_TOO_LONG, "default": problem},
        }}
    return {
        "openapi": "3.0.3",
        "info": {"title": "georisk OGC API - Features", "version": "1.0"},
        "servers": [{"url": base}],
        "components": {"parameters": shared,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


#: Parameters written once under ``components/parameters`` and referred to where they are
#: taken, as OGC's own OpenAPI building blocks write them: QGIS 3.22 looks for the page
#: size to ask for there and nowhere else. Without it QGIS asked for 100 features a page:
#: 147 round trips for the demo's incidents instead of 15 (tests/bench/bench_qgis.py).
#: GDAL asks for 1,000 either way.
SHARED_PARAMETERS = ("limit",)


def _shared(param: dict[str, Any], shared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``param``, or a reference to it once it is kept in ``shared`` (`SHARED_PARAMETERS`);
    every operation taking it takes the same one."""
    name = param["name"]
    if param["in"] != "query" or name not in SHARED_PARAMETERS:
        return param
    if shared.setdefault(name, param) != param:
        raise ValueError(f"the parameter {name} differs between operations")
    return {"$ref": f"#/components/parameters/{name}"}


def _united(per_model: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Parameters of several models as one list, each name once: where the models'
    vocabularies differ (``status``, ``sortby``), the values of all of them."""
    out: dict[str, dict[str, Any]] = {}
    for parameters in per_model:
        for param in parameters:
            known = out.setdefault(param["name"], param)
            if known is param or known == param:
                continue
            mine, theirs = known["schema"], param["schema"]
            if "items" in mine and "items" in theirs:
                mine, theirs = mine["items"], theirs["items"]
            if "enum" in mine and "enum" in theirs:
                mine["enum"] += [value for value in theirs["enum"] if value not in mine["enum"]]
                if not known.get("description", "").endswith(_EACH_ITS_OWN):
                    known["description"] = known.get("description", "") + _EACH_ITS_OWN
    return list(out.values())


_EACH_ITS_OWN = " (The values of every collection: each takes its own, as its queryables say.)"
