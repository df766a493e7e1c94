"""Coordinates as JSON numbers, a sane altitude, and no NUL in any text: every body
that takes a position or a text, and every query parameter, refuses the breach with
the field named (422 for a body, 400 for a query) and writes nothing.

The tables are checked against the OpenAPI documents: a new text field, a new body
with coordinates or a new query parameter that is not covered fails here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import shapely

from app import create_app
from app.api import API
from georisk import commands as c
from georisk.store import SQLiteStore
from georisk.validation import MAX_ALTITUDE_M
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, RESCUE, T0, blockage, incident, incident_input, unit
from tests.ogc_support import with_parameters_inlined

PROBLEM = "application/problem+json"
NUL = "Brand\x00i skog"
LON, LAT = OREBRO
TIME = "2026-01-15T08:00:00Z"


def _point(coordinates: list[Any]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": coordinates}


def _line(coordinates: list[Any]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[14.52, 59.33], coordinates]}


def _multi(coordinates: list[Any]) -> dict[str, Any]:
    return {"type": "MultiLineString", "coordinates": [[[14.52, 59.33], coordinates]]}


def _unit(geometry: Any = None, **properties: Any) -> dict[str, Any]:
    props = {"callsign": "RÖR 2020", "agency": "rescue", "unit_kind": "engine", **properties}
    if geometry is not None:
        props["position_time"] = TIME
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _blockage(geometry: Any = None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry or _line([14.60, 59.31]),
            "properties": {"road": "E18", "reason": "accident", **properties}}


def _batch(report: dict[str, Any]) -> dict[str, Any]:
    good = {"unit": "unit-1", "geometry": _point([LON, LAT]), "time": TIME}
    return {"positions": [good, {**good, **report}]}


# -- texts: (method, path, the body with ``text`` in the field, the field) --------------

TEXT_CASES: list[tuple[str, str, Any, str]] = [
    ("post", "/api/v1/incidents", lambda t: incident_input(title=t), "properties.title"),
    ("post", "/api/v1/incidents", lambda t: incident_input(description=t),
     "properties.description"),
    ("post", "/api/v1/incidents", lambda t: {**incident_input(), "id": t}, "id"),
    ("patch", "/api/v1/incidents/inc-1", lambda t: {"properties": {"title": t}},
     "properties.title"),
    ("patch", "/api/v1/incidents/inc-1", lambda t: {"properties": {"description": t}},
     "properties.description"),
    ("post", "/api/v1/incidents/inc-1/units", lambda t: {"unit": t}, "unit"),
    ("post", "/api/v1/incidents/inc-1/links", lambda t: {"incident": t}, "incident"),
    ("post", "/api/v1/units", lambda t: _unit(callsign=t), "properties.callsign"),
    ("post", "/api/v1/units", lambda t: _unit(home_station=t), "properties.home_station"),
    ("post", "/api/v1/units", lambda t: {**_unit(), "id": t}, "id"),
    ("patch", "/api/v1/units/unit-1", lambda t: {"properties": {"callsign": t}},
     "properties.callsign"),
    ("patch", "/api/v1/units/unit-1", lambda t: {"properties": {"home_station": t}},
     "properties.home_station"),
    ("post", "/api/v1/positions", lambda t: _batch({"unit": t}), "positions.1.unit"),
    ("post", "/api/v1/blockages", lambda t: _blockage(road=t), "properties.road"),
    ("post", "/api/v1/blockages", lambda t: _blockage(direction=t), "properties.direction"),
    ("post", "/api/v1/blockages", lambda t: _blockage(source=t), "properties.source"),
    ("post", "/api/v1/blockages", lambda t: {**_blockage(), "id": t}, "id"),
    ("patch", "/api/v1/blockages/blk-1", lambda t: {"properties": {"road": t}},
     "properties.road"),
    ("patch", "/api/v1/blockages/blk-1", lambda t: {"properties": {"direction": t}},
     "properties.direction"),
]

# -- positions: (method, path, the body with ``xyz`` as one position, the field) ----------

POSITION_CASES: list[tuple[str, str, Any, str]] = [
    ("post", "/api/v1/incidents", lambda p: {**incident_input(), "geometry": _point(p)},
     "geometry.coordinates"),
    ("patch", "/api/v1/incidents/inc-1", lambda p: {"geometry": _point(p)},
     "geometry.coordinates"),
    ("post", "/api/v1/units", lambda p: _unit(_point(p)), "geometry.coordinates"),
    ("post", "/api/v1/units/unit-1/positions", lambda p: {"geometry": _point(p), "time": TIME},
     "geometry.coordinates"),
    ("post", "/api/v1/positions", lambda p: _batch({"geometry": _point(p)}),
     "positions.1.geometry.coordinates"),
    ("post", "/api/v1/blockages", lambda p: _blockage(_point(p)),
     "geometry.Point.coordinates"),
    ("post", "/api/v1/blockages", lambda p: _blockage(_line(p)),
     "geometry.LineString.coordinates.1"),
    ("post", "/api/v1/blockages", lambda p: _blockage(_multi(p)),
     "geometry.MultiLineString.coordinates.0.1"),
    ("patch", "/api/v1/blockages/blk-1", lambda p: {"geometry": _line(p)},
     "geometry.LineString.coordinates.1"),
]

# (the position, the index of the refused number, words of the reason)
BAD_POSITIONS = [
    ([str(LON), str(LAT)], 0, "valid number"),
    ([LON, str(LAT)], 1, "valid number"),
    ([LON, LAT, 1e308], 2, f"not within ±{MAX_ALTITUDE_M:,} m"),
    ([LON, LAT, -1e308], 2, f"not within ±{MAX_ALTITUDE_M:,} m"),
    ([LON, LAT, MAX_ALTITUDE_M + 0.5], 2, "altitude"),
    ([LON, LAT, "120"], 2, "valid number"),
    ([LON, LAT, True], 2, "valid number"),
    ([True, LAT], 0, "valid number"),
]


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


def _reason(answer: Any, wrote: bool, status: int, field: str) -> str:
    """The reason given for ``field`` in a refusal that wrote nothing."""
    assert answer.status_code == status, (answer.status_code, answer.data[:400])
    assert answer.mimetype == PROBLEM
    body = answer.json
    assert field in [e["field"] for e in body["errors"]], body
    assert field in body["detail"], body
    assert not wrote, "a refused request wrote to the journal"
    return next(e["reason"] for e in body["errors"] if e["field"] == field)


@pytest.mark.parametrize("text", [NUL, "\x00", "Brand i skog\x00"])
@pytest.mark.parametrize(("method", "path", "body", "field"), TEXT_CASES)
def test_a_nul_in_any_text_field_is_a_422_naming_the_field(send, method, path, body, field,
                                                           text):
    reason = _reason(*send(method, path, json=body(text)), 422, field)
    if not field.endswith(("id", "unit", "incident")):  # ids: their pattern refuses it
        assert "NUL" in reason, reason


@pytest.mark.parametrize(("position", "index", "words"), BAD_POSITIONS)
@pytest.mark.parametrize(("method", "path", "body", "field"), POSITION_CASES)
def test_string_coordinates_and_absurd_altitudes_are_a_422_naming_the_number(
    send, method, path, body, field, position, index, words
):
    reason = _reason(*send(method, path, json=body(position)), 422, f"{field}.{index}")
    assert words in reason, reason


def test_a_sane_altitude_is_taken_and_not_kept(send):
    answer, wrote = send("post", "/api/v1/incidents",
                         json={**incident_input(), "geometry": _point([LON, LAT, 120.5])})
    assert answer.status_code == 201 and wrote, answer.json
    assert answer.json["feature"]["geometry"]["coordinates"] == [LON, LAT]
    answer, _ = send("post", "/api/v1/positions", json=_batch(
        {"geometry": _point([15, 59, -MAX_ALTITUDE_M])}))
    assert answer.status_code == 200 and answer.json["count"] == 2, answer.json
    assert send("get", "/api/v1/units/unit-1")[0].json["geometry"]["coordinates"] == [15, 59]


def _query_params(app: Any, send: Any) -> set[tuple[str, str]]:
    """(path, name) of every query parameter the two OpenAPI documents describe."""
    with app.test_request_context():
        document = API.document("http://localhost/api/v1")
    found = set()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] == "query":
                    found.add(("/api/v1" + path.replace("{id}", "unit-1"), param["name"]))
    for path, item in with_parameters_inlined(send("get", "/ogc/api")[0].json)["paths"].items():
        for param in item["get"]["parameters"]:
            if param["in"] == "query":
                found.add(("/ogc" + path.replace("{collectionId}", "incidents"), param["name"]))
    return found


def test_a_nul_in_any_query_parameter_is_a_400_naming_it(app, send):
    params = _query_params(app, send)
    assert ("/api/v1/incidents", "q") in params and ("/api/v1/export", "title") in params
    for path, name in sorted(params):
        for value in ("\x00", NUL, f"{TIME}\x00"):
            url = f"{path}?{name}={quote(value)}"
            assert "NUL" in _reason(*send("get", url), 400, name), url
    answer, _ = send("get", "/api/v1/incidents?q" + quote("\x00") + "=1")
    assert _reason(answer, False, 400, "q\x00")


def test_a_nul_in_a_query_of_an_anonymous_request_is_still_a_401(app):
    answer = app.test_client().get("/api/v1/incidents?q=" + quote(NUL))
    assert answer.status_code == 401


# -- the tables are complete -------------------------------------------------------------


def _texts_and_positions(schema: Any, schemas: dict[str, Any], path: str = "") -> set[str]:
    """Dotted paths of a body schema's free texts and ids (strings that are not an enum,
    a constant or a time) and of its ``coordinates`` (as ``@coordinates``)."""
    if isinstance(schema, list):
        return set().union(*(_texts_and_positions(s, schemas, path) for s in schema))
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        return _texts_and_positions(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, path)
    if path.endswith("coordinates"):
        return {"@coordinates"}
    found = set()
    if schema.get("type") == "string" and not {"enum", "const", "format"} & set(schema):
        found.add(path)
    for name, inner in (schema.get("properties") or {}).items():
        found |= _texts_and_positions(inner, schemas, f"{path}.{name}".lstrip("."))
    if "items" in schema:
        found |= _texts_and_positions(schema["items"], schemas, f"{path}.0".lstrip("."))
    for key in ("anyOf", "oneOf", "allOf"):
        found |= _texts_and_positions(schema.get(key, []), schemas, path)
    return found


def test_every_text_field_and_every_body_with_positions_is_in_the_tables(app):
    with app.test_request_context():
        document = API.document("http://localhost/api/v1")
    schemas = document["components"]["schemas"]
    documented = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for field in _texts_and_positions(body["schema"], schemas) if body else ():
                documented.add((method, f"/api/v1{path}", field))

    def generic(path: str) -> str:
        for id_ in ("inc-1", "unit-1", "blk-1"):
            path = path.replace(id_, "{id}")
        return path

    tested = {(m, generic(p), f.replace(".1.", ".0."))
              for m, p, _, f in TEXT_CASES}
    tested |= {(m, generic(p), "@coordinates") for m, p, _, _ in POSITION_CASES}
    assert documented == tested


def test_a_body_that_is_not_an_object_is_a_422_on_every_route_that_takes_one(send):
    """The whole body is the field (an empty name): no position in it to look at."""
    routes = [(o.method.lower(), "/api/v1" + o.path.replace("{id}", "unit-1"))
              for o in API.operations if o.body is not None]
    assert len(routes) >= 12
    for method, path in routes:
        for body in (-77015, "text", [1, 2]):
            _reason(*send(method, path, json=body), 422, "")
