"""Times at the edge of the calendar, in every place the API takes a time, are refused
with the field named (400 for a query parameter, 422 for a body field) and write nothing.

``0001-01-01T00:00:00+14:00`` and ``9999-12-31T23:59:59-14:00`` are valid RFC 3339 but
are not instants Python can hold in UTC; the tables below send both to every time
parameter and every time field, and the first tests check that the tables are complete:
a new route or a new time field that is not in them fails here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import shapely

from app import create_app
from app.api import API
from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, RESCUE, T0, blockage, incident, incident_input, unit
from tests.ogc_support import with_parameters_inlined

PROBLEM = "application/problem+json"
EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
# Also outside the accepted range, though Python can hold them: the same refusal.
OUTSIDE = ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T23:59:59Z",
           "2200-01-01T00:00:00Z")
GOOD = "2026-01-15T08:00:00Z"
LATER = "2026-01-15T09:00:00Z"
POINT = {"type": "Point", "coordinates": list(OREBRO)}
LINE = {"type": "LineString", "coordinates": [[14.52, 59.33], [14.60, 59.31]]}

# -- query parameters: (path, parameters with "{t}" where the time goes, the field) -----

QUERY_CASES: list[tuple[str, dict[str, str], str]] = [
    *[(f"/api/v1/{kind}", {"datetime": window}, "datetime")
      for kind in ("incidents", "units", "blockages")
      for window in ("{t}", "{t}/..", "../{t}", f"{{t}}/{LATER}", f"{GOOD}/{{t}}")],
    ("/api/v1/units/unit-1/track", {"datetime": "{t}/.."}, "datetime"),
    ("/api/v1/units/unit-1/track", {"datetime": "../{t}"}, "datetime"),
    ("/api/v1/units/unit-1/track", {"datetime": "{t}"}, "datetime"),
    ("/api/v1/history", {"at": "{t}"}, "at"),
    ("/api/v1/export", {"at": "{t}"}, "at"),
    ("/api/v1/export", {"from": "{t}", "to": LATER}, "from"),
    ("/api/v1/export", {"from": GOOD, "to": "{t}"}, "to"),
    ("/api/v1/export", {"exported_at": "{t}"}, "exported_at"),
    *[(f"/api/v1/analysis/{table}", {"from": "{t}"}, "from")
      for table in ("history", "hotspots", "forecast", "blockages", "response", "availability")],
    *[(f"/api/v1/analysis/{table}", {"to": "{t}"}, "to")
      for table in ("history", "hotspots", "forecast", "blockages", "response", "availability")],
    *[(f"/ogc/collections/{collection}/items", {"datetime": window}, "datetime")
      for collection in ("incidents", "units", "blockages", "riskzones", "counties",
                         "municipalities")
      for window in ("{t}", "{t}/..", "../{t}")],
]


def _positions(t: str) -> dict[str, Any]:
    good = {"unit": "unit-1", "geometry": POINT, "time": GOOD}
    return {"positions": [good, {**good, "time": t}]}


def _blockage(**properties: str) -> dict[str, Any]:
    return {"type": "Feature", "geometry": LINE,
            "properties": {"road": "E18", "reason": "accident", **properties}}


def _unit(t: str) -> dict[str, Any]:
    props = {"callsign": "RÖR 2020", "agency": "rescue", "unit_kind": "engine",
             "position_time": t}
    return {"type": "Feature", "geometry": POINT, "properties": props}


# -- body fields: (method, path, the body with the time in it, the field) ----------------

BODY_CASES: list[tuple[str, str, Any, str]] = [
    ("post", "/api/v1/incidents", lambda t: incident_input(reported_at=t),
     "properties.reported_at"),
    ("post", "/api/v1/incidents/inc-1/close", lambda t: {"at": t}, "at"),
    ("post", "/api/v1/units", _unit, "properties.position_time"),
    ("post", "/api/v1/units/unit-1/positions", lambda t: {"geometry": POINT, "time": t},
     "time"),
    ("post", "/api/v1/positions", _positions, "positions.1.time"),
    ("post", "/api/v1/blockages", lambda t: _blockage(start=t), "properties.start"),
    ("post", "/api/v1/blockages", lambda t: _blockage(expected_end=t),
     "properties.expected_end"),
    ("patch", "/api/v1/blockages/blk-1", lambda t: {"properties": {"expected_end": t}},
     "properties.expected_end"),
    ("post", "/api/v1/blockages/blk-1/lift", lambda t: {"at": t}, "at"),
]

# Routes that take no time at all, and why (everything else is in the tables above).
NO_TIME = {
    "/": "the map page", "/api/stream": "after and Last-Event-ID are sequence numbers",
    "/api/v1/picture": "the current picture", "/api/v1/docs": "Swagger UI",
    "/api/v1/picture/incidents": "the current picture's incidents",
    "/api/v1/docs/assets/<path:filename>": "Swagger UI", "/api/v1/openapi.json": "a document",
    "/assets/<name>/<path:file>": "static", "/static/<path:filename>": "static",
    "/health": "a probe", "/signin": "name and password", "/signout": "no parameters",
    "/ogc": "landing", "/ogc/": "landing", "/ogc/api": "a document",
    "/ogc/api.html": "Swagger UI",
    "/ogc/conformance": "a document", "/ogc/collections": "a document",
    "/ogc/collections/<collection_id>": "a document",
    "/ogc/collections/<collection_id>/queryables": "a document",
    "/ogc/collections/<collection_id>/items/<path:feature_id>": "one feature",
    "/tiles/<z>/<x>/<y>.<ext>": "a background map tile",
    "/analys": "the analyst page (its tables take the times)",
}
OGC_TIMED = {"/ogc/collections/<collection_id>/items": "datetime"}


@pytest.fixture
def app(db_path):
    store = SQLiteStore(db_path)
    store.apply([
        c.ReportIncident(incident("inc-1")),
        c.RegisterUnit(unit("unit-1", position=shapely.Point(*OREBRO), position_time=T0)),
        c.ReportBlockage(blockage("blk-1")),
    ], RESCUE)
    store.close()
    return create_app({"DB": str(db_path), "TESTING": True})


@pytest.fixture
def send(app, db_path):
    """Send a request as a rescue operator; the answer and whether the journal grew."""
    token = make_token(db_path)
    client = app.test_client()
    store = SQLiteStore(db_path)

    def sender(method: str, url: str, **kwargs: Any) -> tuple[Any, bool]:
        before = store.last_seq()
        answer = getattr(client, method)(url, headers=bearer(token), **kwargs)
        return answer, store.last_seq() != before

    yield sender
    store.close()


def _refused(answer: Any, wrote: bool, status: int, field: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.data[:300])
    assert answer.mimetype == PROBLEM
    body = answer.json
    assert field in [e["field"] for e in body["errors"]], body
    assert field in body["detail"], body
    reason = next(e["reason"] for e in body["errors"] if e["field"] == field)
    assert "1900" in reason and "2199" in reason, reason  # the accepted range is said
    assert not wrote, "a refused request wrote to the journal"


def _url(path: str, query: dict[str, str], t: str) -> str:
    return f"{path}?{urlencode({k: v.replace('{t}', t) for k, v in query.items()})}"


@pytest.mark.parametrize("t", EDGES + OUTSIDE)
@pytest.mark.parametrize(("path", "query", "field"), QUERY_CASES)
def test_edge_times_in_query_parameters_are_a_400_naming_the_parameter(
    send, path, query, field, t
):
    _refused(*send("get", _url(path, query, t)), 400, field)


@pytest.mark.parametrize("t", EDGES + OUTSIDE)
@pytest.mark.parametrize(("method", "path", "body", "field"), BODY_CASES)
def test_edge_times_in_body_fields_are_a_422_naming_the_field(send, method, path, body,
                                                               field, t):
    _refused(*send(method, path, json=body(t)), 422, field)


def test_times_just_inside_the_range_are_taken(send):
    answer, _ = send("get", "/api/v1/incidents?datetime=1900-01-01T00:00:00Z/"
                            "2199-12-31T23:59:59.999999Z")
    assert answer.status_code == 200 and answer.json["numberReturned"] == 1
    answer, wrote = send("post", "/api/v1/blockages",
                         json=_blockage(expected_end="2199-12-31T23:59:59+00:00"))
    assert answer.status_code == 201 and wrote, answer.json
    assert answer.json["feature"]["properties"]["expected_end"] == "2199-12-31T23:59:59Z"


# -- the tables are complete -------------------------------------------------------------


def _time_fields(schema: Any, schemas: dict[str, Any], path: str = "") -> set[str]:
    """Dotted paths of every date-time field of a body schema (array items as ``0``)."""
    if isinstance(schema, list):
        return set().union(*(_time_fields(s, schemas, path) for s in schema))
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        return _time_fields(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, path)
    found = {path} if schema.get("format") == "date-time" else set()
    for name, inner in (schema.get("properties") or {}).items():
        found |= _time_fields(inner, schemas, f"{path}.{name}".lstrip("."))
    if "items" in schema:
        found |= _time_fields(schema["items"], schemas, f"{path}.0".lstrip("."))
    for key in ("anyOf", "oneOf", "allOf"):
        found |= _time_fields(schema.get(key, []), schemas, path)
    return found


def test_every_time_parameter_and_body_field_of_the_api_is_in_the_tables(app):
    with app.test_request_context():
        document = API.document("http://localhost/api/v1")
    schemas = document["components"]["schemas"]
    documented_queries, documented_bodies = set(), set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                timed = param["schema"].get("format") == "date-time"
                if param["in"] == "query" and (timed or param["name"] == "datetime"):
                    documented_queries.add((f"/api/v1{path}", param["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for field in _time_fields(body["schema"], schemas) if body else ():
                documented_bodies.add((method, f"/api/v1{path}", field))
    tested_queries = {(p.replace("unit-1", "{id}"), f) for p, _, f in QUERY_CASES
                      if p.startswith("/api/")}
    tested_bodies = {(m, p.replace("inc-1", "{id}").replace("unit-1", "{id}")
                      .replace("blk-1", "{id}"), f.replace(".1.", ".0."))
                     for m, p, _, f in BODY_CASES}
    assert documented_queries == tested_queries
    assert documented_bodies == tested_bodies


def test_every_route_of_the_app_is_in_the_tables_or_takes_no_time(app, send):
    api_rules = {"/api/v1" + o.path.replace("{", "<").replace("}", ">") for o in API.operations}
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert rules - api_rules == set(NO_TIME) | set(OGC_TIMED)
    ogc = with_parameters_inlined(send("get", "/ogc/api")[0].json)["paths"]
    timed = {path for path, item in ogc.items()
             if any(p["name"] == "datetime" for p in item["get"]["parameters"])}
    assert {"/ogc" + p.replace("{collectionId}", "<collection_id>") for p in timed} == set(
        OGC_TIMED
    )
    ogc_tested = {c.replace("/ogc/collections/", "").split("/")[0] for c, _, _ in QUERY_CASES
                  if c.startswith("/ogc/")}
    collections = send("get", "/ogc/collections")[0].json["collections"]
    assert ogc_tested == {collection["id"] for collection in collections}
