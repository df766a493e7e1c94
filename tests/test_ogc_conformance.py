"""OGC API - Features conformance of ``/ogc``, checked on the running service from the
standards' Abstract Test Suites: OGC 17-069r4 (Part 1) Annex A and OGC 18-058r1 (Part 2)
Annex A. One test per abstract test, named after its id (``/ats/core/fc-md-op`` is
``test_ats_core_fc_md_op``). What the viewer must be shown comes from the store and the
access policy (tests/ogc_support.py), never from the service's own answers.

Covered:

* Part 1, Core: /ats/core/http, root-op, root-success, api-definition-op,
  api-definition-success, conformance-op, conformance-success, fc-md-op, fc-md-success,
  fc-md-links, fc-md-items, fc-md-items-links, fc-md-extent, sfc-md-op, sfc-md-success,
  fc-op, fc-limit-definition, fc-limit-response, fc-bbox-definition, fc-bbox-response,
  fc-time-definition, fc-time-response, query-param-invalid, query-param-unknown,
  fc-response, fc-links, fc-timeStamp, fc-numberMatched, fc-numberReturned, f-op, f-success
* Part 1, GeoJSON: /ats/geojson/definition, /ats/geojson/content
* Part 1, OpenAPI 3.0: /ats/oas30/oas-definition-1, oas-definition-2, oas-impl,
  completeness, exceptions-codes, security
* Part 2, CRS by Reference: /conf/crs/crs-uri, default-crs, storageCrs, crs-parameter,
  crs-parameter-invalid, crs-parameter-default, crs-parameter-transform,
  bbox-crs-parameter, bbox-crs-parameter-invalid, bbox-crs-parameter-default
* Part 3, Filtering (OGC 19-079r2), classes Queryables and Queryables as Query
  Parameters: /ats/queryables/get-queryables-uris, get-queryables-definition,
  /ats/queryables-query-parameters/query-param

Not covered: the HTML, GML SF0 and GML SF2 classes, which the service does not offer.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import numpy as np
import pyproj
import pytest
import shapely

from app.ogc import COLLECTIONS as OGC_COLLECTIONS
from app.ogc import DEFAULT_LIMIT, OPENAPI_30
from georisk.crs import CRS84, SUPPORTED
from georisk.queryparams import MAX_LIMIT
from georisk.timeutil import parse_instant
from tests.api_support import running_service
from tests.factories import T0
from tests.ogc_support import (
    COLLECTIONS,
    SECRET_SHOWN,
    Client,
    build_world,
    converted_box,
    ids,
    meeting,
    shape,
    shown,
    with_parameters_inlined,
)

GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CRS_CLASS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
QUERYABLES_CLASSES = {
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
}
OFFERED_CLASSES = {CORE, CRS_CLASS, *QUERYABLES_CLASSES,
                   "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                   "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"}
LIVE = [cid for cid, kind in COLLECTIONS.items() if kind is not None]
TIMES = {  # each live collection's temporal geometry: (start, end) properties
    "incidents": ("reported_at", "closed_at"),
    "units": ("position_time", "position_time"),
    "blockages": ("start", "lifted_at"),
    "riskzones": ("valid_from", "valid_to"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("ogc-ats") / "georisk.db"
    token = build_world(db)
    expected = shown(db)
    with running_service(db) as base:
        yield Client(base, token), expected


@pytest.fixture(scope="module")
def api(world):
    client, _ = world
    return client.ok("/ogc/api")


def _rel(document: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    return [link for link in document["links"] if link["rel"] == rel]


def _links_typed(links: list[dict[str, Any]]) -> None:
    for link in links:
        assert link["href"] and link["rel"] and link["type"], link


def _items_parameter(api: dict[str, Any], name: str) -> dict[str, Any]:
    operation = with_parameters_inlined(api)["paths"]["/collections/{collectionId}/items"]
    operation = operation["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)


# -- GeoJSON structure (RFC 7946), used by several tests ----------------------------------

_NESTING = {"Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2,
            "MultiLineString": 2, "MultiPolygon": 3}


def _check_geometry(geometry: dict[str, Any] | None) -> None:
    if geometry is None:
        return
    if geometry["type"] == "GeometryCollection":
        for member in geometry["geometries"]:
            _check_geometry(member)
        return
    depth = _NESTING[geometry["type"]]
    _check_positions(geometry["coordinates"], depth)
    if geometry["type"] == "LineString":
        assert len(geometry["coordinates"]) >= 2
    rings = {"Polygon": [geometry["coordinates"]],
             "MultiPolygon": geometry["coordinates"]}.get(geometry["type"], [])
    for polygon in rings:
        for ring in polygon:
            assert len(ring) >= 4 and ring[0] == ring[-1], "a ring is closed, of 4+ positions"


def _check_positions(coordinates: Any, depth: int) -> None:
    if depth == 0:
        assert 2 <= len(coordinates) <= 3
        assert all(isinstance(v, int | float) and math.isfinite(v) for v in coordinates)
        return
    assert isinstance(coordinates, list)
    for part in coordinates:
        _check_positions(part, depth - 1)


def _check_feature(feature: dict[str, Any]) -> None:
    assert feature["type"] == "Feature"
    assert isinstance(feature["id"], str | int)
    assert "geometry" in feature and "properties" in feature
    assert feature["properties"] is None or isinstance(feature["properties"], dict)
    _check_geometry(feature["geometry"])


def _check_collection(page: dict[str, Any]) -> None:
    assert page["type"] == "FeatureCollection"
    assert isinstance(page["features"], list)
    for feature in page["features"]:
        _check_feature(feature)
    _links_typed(page["links"])
    assert page["numberReturned"] == len(page["features"])
    parse_instant(page["timeStamp"])


# -- Part 1, Core -------------------------------------------------------------------------


def test_ats_core_http(world):
    """/ats/core/http: the service speaks HTTP 1.1."""
    client, _ = world
    assert client.get("/ogc").version == 11


def test_ats_core_root_op(world):
    """/ats/core/root-op: GET of the landing page answers 200, with or without a slash."""
    client, _ = world
    for path in ("/ogc", "/ogc/"):
        answer = client.get(path)
        assert answer.status == 200 and answer.type == "application/json"


def test_ats_core_root_success(world):
    """/ats/core/root-success: the landing page links to the API definition, the
    conformance declaration and the data, each link with rel and type."""
    client, _ = world
    landing = client.ok("/ogc")
    _links_typed(landing["links"])
    assert _rel(landing, "service-desc")[0]["type"] == OPENAPI_30
    assert _rel(landing, "conformance")[0]["href"].endswith("/ogc/conformance")
    assert _rel(landing, "data")[0]["href"].endswith("/ogc/collections")
    assert _rel(landing, "self")[0]["href"].endswith("/ogc")


def test_ats_core_api_definition_op(world):
    """/ats/core/api-definition-op: the service-desc link answers 200 with the OpenAPI
    3.0 media type."""
    client, _ = world
    href = _rel(client.ok("/ogc"), "service-desc")[0]["href"]
    answer = client.get(href)
    assert answer.status == 200
    assert answer.headers["Content-Type"].replace(" ", "") == OPENAPI_30


def test_ats_core_api_definition_success(api):
    """/ats/core/api-definition-success: an OpenAPI 3.0 document of every resource."""
    assert api["openapi"].startswith("3.0.") and api["info"]["title"]
    assert set(api["paths"]) == {
        "/", "/conformance", "/collections", "/collections/{collectionId}",
        "/collections/{collectionId}/queryables",
        "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}",
    }
    for path in api["paths"].values():
        assert "200" in path["get"]["responses"]


def test_ats_core_conformance_op(world):
    """/ats/core/conformance-op: the conformance link answers 200 with JSON."""
    client, _ = world
    href = _rel(client.ok("/ogc"), "conformance")[0]["href"]
    answer = client.get(href)
    assert answer.status == 200 and answer.type == "application/json"


def test_ats_core_conformance_success(world):
    """/ats/core/conformance-success: it declares Core and exactly the classes offered."""
    client, _ = world
    declared = client.ok("/ogc/conformance")["conformsTo"]
    assert CORE in declared
    assert set(declared) == OFFERED_CLASSES and len(declared) == len(OFFERED_CLASSES)


def test_ats_core_fc_md_op(world):
    """/ats/core/fc-md-op: the data link answers 200 with JSON."""
    client, _ = world
    answer = client.get(_rel(client.ok("/ogc"), "data")[0]["href"])
    assert answer.status == 200 and answer.type == "application/json"


def test_ats_core_fc_md_success(world):
    """/ats/core/fc-md-success: links and a collection entry per collection."""
    client, _ = world
    document = client.ok("/ogc/collections")
    assert isinstance(document["links"], list) and isinstance(document["collections"], list)
    for entry in document["collections"]:
        assert entry["id"] and entry["links"] and entry["itemType"] == "feature"


def test_ats_core_fc_md_links(world):
    """/ats/core/fc-md-links: a self link; every link has rel and type (no other media
    type is offered, so there is no alternate)."""
    client, _ = world
    document = client.ok("/ogc/collections")
    _links_typed(document["links"])
    assert _rel(document, "self")[0]["href"].endswith("/ogc/collections")
    assert not _rel(document, "alternate")


def test_ats_core_fc_md_items(world):
    """/ats/core/fc-md-items: one entry per collection, each with an id and a title."""
    client, _ = world
    entries = client.ok("/ogc/collections")["collections"]
    assert [e["id"] for e in entries] == list(COLLECTIONS) == list(OGC_COLLECTIONS)
    assert all(e["title"] and e["description"] for e in entries)


def test_ats_core_fc_md_items_links(world):
    """/ats/core/fc-md-items-links: each entry links its items as GeoJSON, and the link
    works."""
    client, _ = world
    for entry in client.ok("/ogc/collections")["collections"]:
        _links_typed(entry["links"])
        (items,) = _rel(entry, "items")
        assert items["type"] == GEOJSON
        assert items["href"].endswith(f"/ogc/collections/{entry['id']}/items")
        assert client.get(items["href"]).status == 200


def test_ats_core_fc_md_extent(world):
    """/ats/core/fc-md-extent: each spatial extent holds every geometry of its collection
    (as shown) and each temporal extent every time; null is an open end."""
    client, expected = world
    for entry in client.ok("/ogc/collections")["collections"]:
        spatial = entry["extent"]["spatial"]
        assert spatial["crs"] == CRS84
        (bbox,) = spatial["bbox"]
        box = shapely.box(*bbox).buffer(1e-9)
        shapes = [shape(f) for f in expected[entry["id"]].values()]
        assert all(box.covers(s) for s in shapes if s is not None), entry["id"]
        if entry["id"] in TIMES:  # a live collection: the operating area, not the continent
            west, south, east, north = bbox
            assert 10.5 < west < 11.5 and 56.5 < south < 57.5, bbox
            assert 16.5 < east < 17.5 and 62.0 < north < 63.0, bbox
            assert entry["extent"]["temporal"]["interval"] == [[None, None]]


def test_ats_core_sfc_md_op(world):
    """/ats/core/sfc-md-op: each collection answers 200; an unknown one 404."""
    client, _ = world
    for cid in COLLECTIONS:
        assert client.get(f"/ogc/collections/{cid}").status == 200
    answer = client.get("/ogc/collections/nowhere")
    assert answer.status == 404 and answer.type == PROBLEM


def test_ats_core_sfc_md_success(world):
    """/ats/core/sfc-md-success: a collection is its entry in /collections: id, title,
    description and extent identical, every link there also here."""
    client, _ = world
    for entry in client.ok("/ogc/collections")["collections"]:
        one = client.ok(f"/ogc/collections/{entry['id']}")
        for key in ("id", "title", "description", "extent"):
            assert one[key] == entry[key]
        assert all(link in one["links"] for link in entry["links"])


def test_ats_core_fc_op(world):
    """/ats/core/fc-op: each collection's items answer 200 with a FeatureCollection."""
    client, _ = world
    for cid in COLLECTIONS:
        answer = client.get(f"/ogc/collections/{cid}/items")
        assert answer.status == 200, cid
        _check_collection(answer.json())


def test_ats_core_fc_limit_definition(api):
    """/ats/core/fc-limit-definition: limit is an optional integer form parameter."""
    limit = _items_parameter(api, "limit")
    assert (limit["in"], limit["required"], limit["style"], limit["explode"]) == (
        "query", False, "form", False)
    assert limit["schema"]["type"] == "integer"
    assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == MAX_LIMIT


def test_limit_is_declared_where_gis_clients_read_their_page_size(api):
    """QGIS 3.22 and GDAL read the page size to ask for from ``limit`` under
    ``components/parameters`` (where OGC's building blocks keep it), nowhere else: the
    items operation refers to that one."""
    limit = api["components"]["parameters"]["limit"]
    assert limit["name"] == "limit" and limit["in"] == "query"
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (DEFAULT_LIMIT, MAX_LIMIT)
    operation = api["paths"]["/collections/{collectionId}/items"]["get"]
    assert {"$ref": "#/components/parameters/limit"} in operation["parameters"]
    assert not [p for p in operation["parameters"] if p.get("name") == "limit"]


def test_ats_core_fc_limit_response(world):
    """/ats/core/fc-limit-response: never more features than limit; a limit over the
    maximum is no error and gives at most the maximum."""
    client, expected = world
    for cid in COLLECTIONS:
        for limit in (1, 7, 50):
            page = client.ok(f"/ogc/collections/{cid}/items", limit=limit)
            assert len(page["features"]) <= limit
    assert len(client.ok("/ogc/collections/incidents/items", limit=7)["features"]) == 7
    page = client.ok("/ogc/collections/incidents/items", limit=MAX_LIMIT + 1)
    assert len(page["features"]) == len(expected["incidents"]) <= MAX_LIMIT


def test_ats_core_fc_bbox_definition(api):
    """/ats/core/fc-bbox-definition: bbox is an optional array of 4 to 6 numbers, form
    style, not exploded."""
    bbox = _items_parameter(api, "bbox")
    assert (bbox["in"], bbox["required"], bbox["style"], bbox["explode"]) == (
        "query", False, "form", False)
    schema = bbox["schema"]
    assert (schema["type"], schema["minItems"], schema["maxItems"]) == ("array", 4, 6)
    assert schema["items"]["type"] == "number"


BOXES = [
    (14.05, 59.05, 14.35, 59.25),
    (15.0, 59.0, 15.3, 59.35),
    (14.5, 59.2, 14.62, 59.34),  # the blockage lines and spot
    (15.3, 59.1, 15.45, 59.25),  # beside the triangle zone, inside its bounds
    (SECRET_SHOWN.x - 0.001, SECRET_SHOWN.y - 0.001, SECRET_SHOWN.x + 0.001,
     SECRET_SHOWN.y + 0.001),  # where the restricted incident is shown
    (20.0, 65.0, 21.0, 66.0),  # nothing there
]


def test_ats_core_fc_bbox_response(world):
    """/ats/core/fc-bbox-response: exactly the features whose geometry (as shown) meets
    the box, and every feature without a geometry; in CRS84, since no bbox-crs was sent."""
    client, expected = world
    for cid in COLLECTIONS:
        for box in BOXES:
            area = shapely.box(*box)
            want = sorted(i for i, f in expected[cid].items()
                          if f["geometry"] is None or area.intersects(shape(f)))
            assert ids(client.every_page(cid, bbox=_csv(box), limit=40)) == want, (cid, box)
            heights = f"{box[0]},{box[1]},0,{box[2]},{box[3]},100"  # six numbers: heights
            assert ids(client.every_page(cid, bbox=heights)) == want
        answer = client.get(f"/ogc/collections/{cid}/items", bbox=_csv(BOXES[0]))
        assert answer.headers["Content-Crs"] == f"<{CRS84}>"
    far = ids(client.every_page("units", bbox=_csv(BOXES[-1])))
    assert far == ["unit-unplaced"]  # a unit with no position yet matches any box
    assert "inc-secret" in ids(client.every_page("incidents", bbox=_csv(BOXES[4])))


def _csv(values: tuple[float, ...]) -> str:
    return ",".join(repr(v) for v in values)


def test_ats_core_fc_time_definition(api):
    """/ats/core/fc-time-definition: datetime is an optional string form parameter."""
    when = _items_parameter(api, "datetime")
    assert (when["in"], when["required"], when["style"], when["explode"]) == (
        "query", False, "form", False)
    assert when["schema"]["type"] == "string"


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_ats_core_fc_time_response(world):
    """/ats/core/fc-time-response: an instant, a bounded interval and intervals open at
    either end (".." and empty) select the features whose time meets them, and every
    feature with no time (the area layers, a unit never placed)."""
    client, expected = world
    a, b = T0 + timedelta(hours=10), T0 + timedelta(hours=40)
    windows = {
        _z(a): (a, a),
        f"{_z(a)}/{_z(b)}": (a, b),
        f"../{_z(a)}": (None, a), f"/{_z(a)}": (None, a),
        f"{_z(b)}/..": (b, None), f"{_z(b)}/": (b, None),
    }
    for cid in COLLECTIONS:
        for text, (start, end) in windows.items():
            want = sorted(i for i, f in expected[cid].items() if _meets(cid, f, start, end))
            got = ids(client.every_page(cid, datetime=text, limit=50))
            assert got == want, (cid, text)
            if cid == "incidents":  # the windows do select: neither none nor all
                assert 0 < len(want) < len(expected[cid]), text
    assert "unit-unplaced" in ids(client.every_page("units", datetime=_z(a)))


def _meets(cid: str, feature: dict[str, Any], start: datetime | None, end: datetime | None):
    if cid not in TIMES:
        return True
    first, last = (feature["properties"][name] for name in TIMES[cid])
    if first is None:
        return True
    begins = parse_instant(first)
    ends = None if last is None else parse_instant(last)
    return (end is None or begins <= end) and (start is None or ends is None or ends >= start)


def test_ats_core_query_param_invalid(world):
    """/ats/core/query-param-invalid: invalid values answer 400 (problem+json naming the
    parameter)."""
    client, _ = world
    bad = {"bbox": "14,59,15", "limit": "0", "datetime": "soon", "cursor": "forged",
           "crs": "EPSG:3006", "bbox-crs": "nonsense"}
    for name, value in bad.items():
        query = {name: value, **({"bbox": "14,59,15,60"} if name == "bbox-crs" else {})}
        answer = client.get("/ogc/collections/incidents/items", **query)
        assert answer.status == 400 and answer.type == PROBLEM, name
        assert answer.json()["errors"][0]["field"] == name
    assert client.get("/ogc/collections/incidents/items", limit="many").status == 400


def test_ats_core_query_param_unknown(world):
    """/ats/core/query-param-unknown: a parameter the API definition does not name
    answers 400 on every resource."""
    client, _ = world
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/units",
                 "/ogc/collections/units/items", "/ogc/collections/incidents/items/inc-1",
                 "/ogc/api"):
        answer = client.get(path, colour="red")
        assert answer.status == 400 and answer.json()["errors"][0]["field"] == "colour", path
    answer = client.get("/ogc/collections/incidents/items/inc-1", bbox="14,59,15,60")
    assert answer.status == 400  # bbox belongs to items, not to one feature


def test_ats_core_fc_response(world):
    """/ats/core/fc-response: a FeatureCollection of exactly the features the viewer may
    see, each as the policy presents it (a restricted one generalised, a hidden one
    absent)."""
    client, expected = world
    for cid in COLLECTIONS:
        page = client.ok(f"/ogc/collections/{cid}/items", limit=MAX_LIMIT)
        _check_collection(page)
        got = {f["id"]: f for f in page["features"]}
        assert sorted(got) == sorted(expected[cid]), cid
        for fid, feature in got.items():
            assert feature["geometry"] == expected[cid][fid]["geometry"], fid
            assert feature["properties"] == _plain(expected[cid][fid]["properties"]), fid
    incidents = client.ok("/ogc/collections/incidents/items", limit=MAX_LIMIT)["features"]
    secret = next(f for f in incidents if f["id"] == "inc-secret")
    assert secret["properties"]["generalised"] and secret["properties"]["title"] == "Polisinsats"
    assert secret["geometry"]["coordinates"] == [SECRET_SHOWN.x, SECRET_SHOWN.y]
    assert "inc-hidden" not in {f["id"] for f in incidents}


def _plain(properties: dict[str, Any]) -> dict[str, Any]:
    """Enumerations as the strings JSON carries."""
    return {k: str(v) if hasattr(v, "value") else v for k, v in properties.items()}


def test_ats_core_fc_links(world):
    """/ats/core/fc-links: a self link to the request and next links that walk the whole
    collection once; every link has rel and type."""
    client, expected = world
    answer = client.get("/ogc/collections/incidents/items", limit=50)
    first = answer.json()
    (self_link,) = _rel(first, "self")
    assert self_link["href"] == f"{client.base}/ogc/collections/incidents/items?limit=50"
    seen, page, pages = [], first, 1
    while True:
        _links_typed(page["links"])
        seen += [f["id"] for f in page["features"]]
        following = _rel(page, "next")
        if not following:
            break
        assert following[0]["type"] == GEOJSON
        page, pages = client.ok(following[0]["href"]), pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) and set(seen) == set(expected["incidents"])


def test_ats_core_fc_timeStamp(world):
    """/ats/core/fc-timeStamp: the time the answer was made."""
    client, _ = world
    before = datetime.now(UTC).replace(microsecond=0)
    page = client.ok("/ogc/collections/units/items")
    after = datetime.now(UTC)
    assert before <= parse_instant(page["timeStamp"]) <= after


def test_ats_core_fc_numberMatched(world):
    """/ats/core/fc-numberMatched: when given, the number of features matching the
    request over all its pages. (The service leaves it out: counting what a viewer is
    shown would present every match on every page.)"""
    client, _ = world
    for query in ({}, {"bbox": _csv(BOXES[1])}, {"datetime": f"../{_z(T0)}"}):
        total = len(client.every_page("incidents", limit=40, **query))
        page = client.ok("/ogc/collections/incidents/items", limit=40, **query)
        assert page.get("numberMatched", total) == total


def test_ats_core_fc_numberReturned(world):
    """/ats/core/fc-numberReturned: the number of features in this answer, on every
    page."""
    client, _ = world
    for cid in COLLECTIONS:
        page = client.ok(f"/ogc/collections/{cid}/items", limit=40)
        assert page["numberReturned"] == len(page["features"])
        while following := _rel(page, "next"):
            page = client.ok(following[0]["href"])
            assert page["numberReturned"] == len(page["features"])


def test_ats_core_f_op(world):
    """/ats/core/f-op: every feature of every collection answers 200 at its own URL."""
    client, _ = world
    for cid in COLLECTIONS:
        for feature in client.every_page(cid, limit=MAX_LIMIT):
            path = f"/ogc/collections/{cid}/items/{quote(str(feature['id']), safe='')}"
            assert client.get(path).status == 200, path


def test_ats_core_f_success(world):
    """/ats/core/f-success: a feature is its entry in the collection, with self and
    collection links; a hidden one answers 404."""
    client, _ = world
    for cid in COLLECTIONS:
        for listed in client.every_page(cid, limit=MAX_LIMIT)[:15]:
            path = f"/ogc/collections/{cid}/items/{quote(str(listed['id']), safe='')}"
            one = client.ok(path)
            _check_feature(one)
            assert {k: one[k] for k in listed} == listed
            _links_typed(one["links"])
            assert _rel(one, "self")[0]["href"] == client.base + path
            assert _rel(one, "self")[0]["type"] == GEOJSON
            assert _rel(one, "collection")[0]["href"].endswith(f"/ogc/collections/{cid}")
    assert client.get("/ogc/collections/incidents/items/inc-hidden").status == 404


# -- Part 1, GeoJSON ----------------------------------------------------------------------


def test_ats_geojson_definition(world):
    """/ats/geojson/definition: features come as application/geo+json, everything else
    as application/json (errors as application/problem+json)."""
    client, _ = world
    for path in ("/ogc/collections/incidents/items", "/ogc/collections/incidents/items/inc-1",
                 "/ogc/collections/counties/items/18"):
        assert client.get(path).type == GEOJSON, path
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/units"):
        assert client.get(path).type == "application/json", path
    assert client.get("/ogc/collections/units/items/none").type == PROBLEM


def test_ats_geojson_content(world):
    """/ats/geojson/content: items are a GeoJSON FeatureCollection and an item a Feature
    (RFC 7946), with the links as a foreign member."""
    client, _ = world
    for cid in COLLECTIONS:
        page = client.ok(f"/ogc/collections/{cid}/items", limit=MAX_LIMIT)
        _check_collection(page)
        assert {f["geometry"]["type"] for f in page["features"] if f["geometry"]}
        first = page["features"][0]
        one = client.ok(f"/ogc/collections/{cid}/items/{quote(str(first['id']), safe='')}")
        _check_feature(one)
        assert isinstance(one["links"], list)
    types = {f["geometry"]["type"] for cid in COLLECTIONS
             for f in client.every_page(cid, limit=MAX_LIMIT) if f["geometry"]}
    assert {"Point", "LineString", "Polygon", "MultiPolygon"} <= types


# -- Part 1, OpenAPI 3.0 ------------------------------------------------------------------


def test_ats_oas30_oas_definition_1(world):
    """/ats/oas30/oas-definition-1: the definition in JSON (service-desc, the OpenAPI 3.0
    media type) and as HTML (service-doc, text/html)."""
    client, _ = world
    landing = client.ok("/ogc")
    (desc,) = _rel(landing, "service-desc")
    assert desc["type"] == OPENAPI_30 and client.get(desc["href"]).status == 200
    (doc,) = _rel(landing, "service-doc")
    page = client.get(doc["href"])
    assert doc["type"] == "text/html" and page.status == 200 and page.type == "text/html"
    assert urlparse(desc["href"]).path in page.body.decode()  # the page shows the document


def test_ats_oas30_oas_definition_2(api):
    """/ats/oas30/oas-definition-2: the document is valid against the OpenAPI 3.0 schema
    (the one schemathesis ships)."""
    from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

    errors = [str(e) for e in OPENAPI_30_VALIDATOR.iter_errors(api)]
    assert not errors, errors
    assert not OPENAPI_30_VALIDATOR.is_valid({**api, "paths": {"/": {"get": {}}}})  # it checks


def test_ats_oas30_oas_impl(world, tmp_path):
    """/ats/oas30/oas-impl: every operation of the document, exercised by schemathesis
    with generated parameters, answers as documented: no server error, the documented
    status codes, media types and schemas."""
    client, _ = world
    runner = Path(sys.executable).with_name("schemathesis")
    command = str(runner) if runner.exists() else shutil.which("schemathesis")
    assert command, "schemathesis is in the test extra: pip install -e '.[test]'"
    result = subprocess.run(
        [command, "run", f"{client.base}/ogc/api",
         "--header", f"Authorization: Bearer {client.token}",
         "--checks", "not_a_server_error,status_code_conformance,"
                     "content_type_conformance,response_schema_conformance",
         "--phases", "examples,fuzzing", "--max-examples", "10", "--seed", "20261205",
         "--generation-codec", "ascii", "--request-timeout", "20"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    report = result.stdout[-6000:]
    assert result.returncode == 0, report
    assert "Tested: 7" in report, report  # every operation was exercised


def test_ats_oas30_completeness(world, api):
    """/ats/oas30/completeness: every status code an operation answers with is described
    for it, with its media type."""
    client, _ = world
    answers = {
        "/": [("/ogc", 200), ("/ogc?x=1", 400)],
        "/conformance": [("/ogc/conformance", 200), ("/ogc/conformance?x=1", 400)],
        "/collections": [("/ogc/collections", 200), ("/ogc/collections?x=1", 400)],
        "/collections/{collectionId}": [("/ogc/collections/units", 200),
                                        ("/ogc/collections/none", 404)],
        "/collections/{collectionId}/queryables": [("/ogc/collections/units/queryables", 200),
                                                   ("/ogc/collections/none/queryables", 404)],
        "/collections/{collectionId}/items": [("/ogc/collections/units/items", 200),
                                              ("/ogc/collections/units/items?limit=0", 400)],
        "/collections/{collectionId}/items/{featureId}": [
            ("/ogc/collections/units/items/unit-1", 200),
            ("/ogc/collections/units/items/none", 404)],
    }
    for template, calls in answers.items():
        responses = api["paths"][template]["get"]["responses"]
        for path, status in calls:
            answer = client.get(path)
            assert answer.status == status, path
            assert answer.type in responses[str(status)]["content"], (path, answer.type)


def test_ats_oas30_exceptions_codes(world, api):
    """/ats/oas30/exceptions-codes: the error codes the service answers with (400 bad
    parameters, 401 no token, 404 unknown ids) are described for every operation."""
    client, _ = world
    anonymous = Client(client.base, None)
    assert anonymous.get("/ogc/collections").status == 401
    for path in api["paths"].values():
        responses = path["get"]["responses"]
        assert {"400", "401", "404"} <= set(responses), path
        assert all(PROBLEM in responses[code]["content"] for code in ("400", "401", "404"))


def test_ats_oas30_security(world, api):
    """/ats/oas30/security: bearer tokens, the only way in, are described as a security
    scheme and required; without one every resource answers 401."""
    client, _ = world
    assert api["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert api["security"] == [{"bearer": []}]
    anonymous = Client(client.base, None)
    for path in ("/ogc", "/ogc/api", "/ogc/collections/incidents/items"):
        assert anonymous.get(path).status == 401, path
        assert client.get(path).status == 200, path


# -- Part 2, Coordinate Reference Systems by Reference ------------------------------------

_OGC_CRS_URI = re.compile(r"^http://www\.opengis\.net/def/crs/(OGC|EPSG)/[0-9.]+/[A-Za-z0-9]+$")


def _described(client: Client) -> list[dict[str, Any]]:
    """Every collection object, from /collections and from /collections/{id}."""
    entries = client.ok("/ogc/collections")["collections"]
    return entries + [client.ok(f"/ogc/collections/{e['id']}") for e in entries]


def test_conf_crs_crs_uri(world):
    """/conf/crs/crs-uri: every crs and storageCrs value is an OGC CRS http-URI."""
    client, _ = world
    for entry in _described(client):
        for uri in [*entry["crs"], entry["storageCrs"]]:
            assert _OGC_CRS_URI.match(uri), uri
            assert urlparse(uri).scheme == "http"


def test_conf_crs_default_crs(world):
    """/conf/crs/default-crs: every spatial collection offers CRS84."""
    client, _ = world
    assert all(CRS84 in entry["crs"] for entry in _described(client))


def test_conf_crs_storageCrs(world):
    """/conf/crs/storageCrs: the storage CRS is one of the collection's CRSs."""
    client, _ = world
    for entry in _described(client):
        assert entry["storageCrs"] == CRS84 and entry["storageCrs"] in entry["crs"]
        assert entry["crs"] == list(SUPPORTED)


def test_conf_crs_crs_parameter(world):
    """/conf/crs/crs-parameter: with each offered CRS, items and an item answer 200,
    valid, with Content-Crs naming that CRS."""
    client, expected = world
    for cid in COLLECTIONS:
        first = sorted(expected[cid])[0]
        for uri in SUPPORTED:
            answer = client.get(f"/ogc/collections/{cid}/items", crs=uri)
            assert answer.status == 200 and answer.headers["Content-Crs"] == f"<{uri}>"
            _check_collection(answer.json())
            one = client.get(f"/ogc/collections/{cid}/items/{quote(first, safe='')}", crs=uri)
            assert one.status == 200 and one.headers["Content-Crs"] == f"<{uri}>"
            _check_feature(one.json())


def test_conf_crs_crs_parameter_invalid(world):
    """/conf/crs/crs-parameter-invalid: a CRS not offered answers 400 on items and an
    item, naming the parameter."""
    client, _ = world
    for uri in ("http://www.opengis.net/def/crs/EPSG/0/32633", "EPSG:3006", ""):
        for path in ("/ogc/collections/units/items", "/ogc/collections/units/items/unit-1"):
            answer = client.get(path, crs=uri)
            assert answer.status == 400 and answer.type == PROBLEM, (path, uri)
            assert answer.json()["errors"][0]["field"] == "crs"


def test_conf_crs_crs_parameter_default(world):
    """/conf/crs/crs-parameter-default: without crs, Content-Crs names CRS84."""
    client, expected = world
    for cid in COLLECTIONS:
        first = quote(sorted(expected[cid])[0], safe="")
        for path in (f"/ogc/collections/{cid}/items", f"/ogc/collections/{cid}/items/{first}"):
            assert client.get(path).headers["Content-Crs"] == f"<{CRS84}>", path


def _positions(feature: dict[str, Any]) -> np.ndarray:
    geometry = feature["geometry"]
    if geometry is None:
        return np.empty((0, 2))
    return shapely.get_coordinates(shapely.geometry.shape(geometry))


def test_conf_crs_crs_parameter_transform(world):
    """/conf/crs/crs-parameter-transform: the answer in each CRS, carried back to CRS84
    with pyproj, is the CRS84 answer (within 1e-7 degrees; 1 cm where the CRS is in
    metres), in the CRS's own axis order."""
    client, _ = world
    for cid in COLLECTIONS:
        plain = {f["id"]: f for f in client.every_page(cid, limit=MAX_LIMIT)}
        for uri in SUPPORTED[1:]:
            back = pyproj.Transformer.from_crs(uri, "OGC:CRS84")  # authority axis order
            forth = pyproj.Transformer.from_crs("OGC:CRS84", uri)
            moved = {f["id"]: f for f in client.every_page(cid, limit=MAX_LIMIT, crs=uri)}
            assert moved.keys() == plain.keys()
            metres = 0.01 if not pyproj.CRS(uri).is_geographic else 1e-7
            for fid, feature in moved.items():
                got, want = _positions(feature), _positions(plain[fid])
                assert got.shape == want.shape
                if not len(got):
                    continue
                lon, lat = back.transform(got[:, 0], got[:, 1])
                assert np.abs(np.column_stack([lon, lat]) - want).max() < 1e-7, (cid, uri, fid)
                first, second = forth.transform(want[:, 0], want[:, 1])
                assert np.abs(np.column_stack([first, second]) - got).max() < metres
    one = client.ok("/ogc/collections/incidents/items/inc-1",
                    crs="http://www.opengis.net/def/crs/EPSG/0/4326")
    assert one["geometry"]["coordinates"] == [59.0, 14.1]  # latitude first


def test_conf_crs_bbox_crs_parameter(world):
    """/conf/crs/bbox-crs-parameter: a box converted to each CRS and given with bbox-crs
    selects what the CRS84 box selects (and the little more the converted box covers):
    exactly the features whose geometry meets the box in that CRS."""
    client, expected = world
    for cid in COLLECTIONS:
        for box in BOXES[:4]:
            plain = ids(client.every_page(cid, bbox=_csv(box)))
            for uri in SUPPORTED[1:]:
                converted = converted_box(box, uri)
                got = ids(client.every_page(cid, bbox=_csv(converted), **{"bbox-crs": uri}))
                assert set(plain) <= set(got), (cid, box, uri)
                assert got == meeting(expected[cid], converted, uri), (cid, box, uri)


def test_conf_crs_bbox_crs_parameter_invalid(world):
    """/conf/crs/bbox-crs-parameter-invalid: a bbox-crs not offered answers 400."""
    client, _ = world
    for cid in COLLECTIONS:
        answer = client.get(f"/ogc/collections/{cid}/items", bbox="14,59,15,60",
                            **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/32633"})
        assert answer.status == 400 and answer.json()["errors"][0]["field"] == "bbox-crs"


def test_conf_crs_bbox_crs_parameter_default(world):
    """/conf/crs/bbox-crs-parameter-default: bbox-crs naming the default CRS selects the
    same features as no bbox-crs."""
    client, _ = world
    for cid in COLLECTIONS:
        for box in BOXES:
            without = ids(client.every_page(cid, bbox=_csv(box)))
            named = ids(client.every_page(cid, bbox=_csv(box), **{"bbox-crs": CRS84}))
            assert named == without, (cid, box)


# -- Part 3, Queryables and Queryables as Query Parameters ----------------------------------

QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def test_ats_queryables_get_queryables_uris(world):
    """/ats/queryables/get-queryables-uris: every collection whose items can be filtered
    links its queryables (rel .../queryables), and that link answers."""
    client, _ = world
    for cid in LIVE:
        links = client.ok(f"/ogc/collections/{cid}")["links"]
        found = [link for link in links if link["rel"] == QUERYABLES_REL]
        assert len(found) == 1 and found[0]["type"] == "application/schema+json", cid
        assert client.get(urlparse(found[0]["href"]).path).status == 200


def test_ats_queryables_get_queryables_definition(world):
    """/ats/queryables/get-queryables-definition: a JSON Schema of an object whose
    properties are the queryables, each with a type, and no others (additionalProperties
    false), served as application/schema+json with its own $id."""
    client, _ = world
    for cid in LIVE:
        answer = client.get(f"/ogc/collections/{cid}/queryables")
        assert answer.status == 200 and answer.type == "application/schema+json"
        schema = answer.json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/ogc/collections/{cid}/queryables")
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert schema["properties"], cid
        for name, definition in schema["properties"].items():
            assert definition["type"] in ("string", "integer"), (cid, name)


def test_ats_queryables_query_parameters_query_param(world):
    """/ats/queryables-query-parameters/query-param: each queryable is a query parameter
    of the items, and selects exactly the features (as shown) whose property has one of
    the given values; a value outside a queryable's enumeration is a 400."""
    client, expected_shown = world
    for cid in LIVE:
        schema = client.ok(f"/ogc/collections/{cid}/queryables")
        every = list(expected_shown[cid].values())
        for name, definition in schema["properties"].items():
            values = sorted({str(f["properties"][name]) for f in every})
            if not values:
                continue
            for wanted in (values[0], values[-1]):
                got = client.every_page(cid, **{name: wanted, "limit": 7})
                expected = {f["id"] for f in every if str(f["properties"][name]) == wanted}
                assert {f["id"] for f in got} == expected, (cid, name, wanted)
            if "enum" in definition:
                refused = client.get(f"/ogc/collections/{cid}/items?{name}=no-such-value")
                assert refused.status == 400 and refused.type == PROBLEM
