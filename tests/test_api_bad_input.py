"""Bad input: each gets a precise problem+json answer and writes nothing."""

from __future__ import annotations

import json

import pytest

from app import create_app
from georisk.store import SQLiteStore
from georisk.validation import MAX_BATCH
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, incident_input

PROBLEM = "application/problem+json"


@pytest.fixture
def app(db_path):
    return create_app({"DB": str(db_path), "TESTING": True})


@pytest.fixture
def call(app, db_path):
    """Send a request and check it was refused with ``status`` and wrote nothing."""
    token = make_token(db_path)
    client = app.test_client()
    unit = {"callsign": "RÖR 2010", "agency": "rescue", "unit_kind": "engine"}
    client.post("/api/v1/units", headers=bearer(token),
                json={"type": "Feature", "id": "unit-1", "geometry": None, "properties": unit})
    store = SQLiteStore(db_path)

    def refused(method, url, status, field=None, **kwargs):
        before = store.last_seq()
        headers = dict(bearer(token), **kwargs.pop("headers", {}))
        answer = getattr(client, method)(url, headers=headers, **kwargs)
        assert answer.status_code == status, answer.data
        assert answer.mimetype == PROBLEM
        body = answer.json
        assert body["status"] == status and body["title"] and body["detail"]
        if field is not None:
            assert field in [e["field"] for e in body["errors"]], body
        assert store.last_seq() == before, "a refused request wrote to the journal"
        return body

    yield refused
    store.close()


def with_coordinates(lon, lat):
    data = incident_input()
    data["geometry"]["coordinates"] = [lon, lat]
    return data


def test_malformed_json(call):
    body = call("post", "/api/v1/incidents", 400, data='{"type": "Feature",',
                content_type="application/json")
    assert "malformed JSON" in body["detail"]


def test_wrong_content_type(call):
    call("post", "/api/v1/incidents", 415, data=json.dumps(incident_input()),
         content_type="text/plain")
    call("post", "/api/v1/incidents", 415, data=json.dumps(incident_input()))  # none given


def test_swapped_lat_lon_is_named(call):
    body = call("post", "/api/v1/incidents", 422, "geometry.coordinates",
                json=with_coordinates(OREBRO[1], OREBRO[0]))
    assert "(latitude, longitude)" in body["errors"][0]["reason"]


def test_coordinates_out_of_range(call):
    call("post", "/api/v1/incidents", 422, "geometry.coordinates",
         json=with_coordinates(200.0, 59.0))
    call("post", "/api/v1/incidents", 422, "geometry.coordinates",
         json=with_coordinates(15.0, 95.0))


def test_invalid_geometry(call):
    crossing = {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": [[[14.5, 59.3]]]},
        "properties": {"road": "E18", "reason": "accident"},
    }
    call("post", "/api/v1/blockages", 422, "geometry.MultiLineString.coordinates.0",
         json=crossing)
    polygon = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
        [[14.5, 59.3], [14.6, 59.3], [14.5, 59.4], [14.6, 59.4], [14.5, 59.3]]]},
        "properties": {"road": "E18", "reason": "accident"}}
    body = call("post", "/api/v1/blockages", 422, json=polygon)
    assert any(e["field"].startswith("geometry") for e in body["errors"])


def test_unknown_fields(call):
    data = incident_input()
    data["properties"]["colour"] = "red"
    body = call("post", "/api/v1/incidents", 422, "properties.colour", json=data)
    assert body["errors"][0]["reason"] == "unknown field"


def test_enum_value_not_in_the_list(call):
    body = call("post", "/api/v1/incidents", 422, "properties.type",
                json=incident_input(type="explosion"))
    assert "'explosion' is not one of" in body["errors"][0]["reason"]
    call("get", "/api/v1/incidents?status=burning", 400, "status")
    call("put", "/api/v1/units/unit-1/status", 422, "status", json={"status": "asleep"})


def test_body_over_the_size_limit(call, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = call("post", "/api/v1/incidents", 413, data=b"{" + b" " * 2000 + b"}",
                content_type="application/json")
    assert "1,000 bytes" in body["detail"]


def test_batch_over_the_limit(call):
    report = {"unit": "unit-1", "time": "2026-01-15T08:00:00Z",
              "geometry": {"type": "Point", "coordinates": list(OREBRO)}}
    body = call("post", "/api/v1/positions", 422, "positions",
                json={"positions": [report] * (MAX_BATCH + 1)})
    assert str(MAX_BATCH) in body["errors"][0]["reason"]


def test_bad_bbox(call):
    body = call("get", "/api/v1/incidents?bbox=16,59,15,60", 400, "bbox")
    assert "minimum is greater" in body["detail"]
    call("get", "/api/v1/incidents?bbox=15,59,16", 400, "bbox")
    call("get", "/api/v1/incidents?bbox=15,59,16,60,1", 400, "bbox")
    call("get", "/api/v1/incidents?bbox=a,b,c,d", 400, "bbox")
    call("get", "/ogc/collections/incidents/items?bbox=16,59,15,60", 400, "bbox")


def test_unparseable_datetimes(call):
    call("get", "/api/v1/incidents?datetime=yesterday", 400, "datetime")
    call("get", "/api/v1/incidents?datetime=2026-01-15T08:00:00", 400, "datetime")  # no zone
    call("get", "/api/v1/incidents?datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z", 400,
         "datetime")
    call("get", "/ogc/collections/units/items?datetime=../..", 400, "datetime")
    data = incident_input(reported_at="2026-13-45T99:00:00Z")
    call("post", "/api/v1/incidents", 422, "properties.reported_at", json=data)


def test_tampered_cursors(call, app, db_path):
    token = make_token(db_path, name="reader")
    client = app.test_client()
    for i in range(3):
        client.post("/api/v1/incidents", headers=bearer(token), json=incident_input(title=f"{i}"))
    page = client.get("/api/v1/incidents?limit=1", headers=bearer(token)).json
    cursor = page["next"]
    body, signature = cursor.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    call("get", f"/api/v1/incidents?limit=1&cursor={forged}", 400, "cursor")
    call("get", "/api/v1/incidents?cursor=garbage", 400, "cursor")
    mismatched = call("get", f"/api/v1/incidents?limit=1&status=open&cursor={cursor}", 400,
                      "cursor")
    assert "other filters" in mismatched["detail"]
    call("get", f"/ogc/collections/units/items?cursor={cursor}", 400, "cursor")  # other kind


def test_unknown_collection_and_feature_ids(call):
    call("get", "/ogc/collections/nowhere", 404)
    call("get", "/ogc/collections/nowhere/items", 404)
    call("get", "/ogc/collections/incidents/items/inc-none", 404)
    call("get", "/ogc/collections/counties/items/99", 404)
    call("get", "/api/v1/incidents/inc-none", 404)
    call("patch", "/api/v1/units/unit-none", 404, json={"properties": {"home_station": "x"}})
    call("post", "/api/v1/positions", 404, "positions.0.unit", json={"positions": [
        {"unit": "unit-none", "time": "2026-01-15T08:00:00Z",
         "geometry": {"type": "Point", "coordinates": list(OREBRO)}}]})


def test_unknown_query_parameters_and_methods(call):
    call("get", "/api/v1/incidents?colour=red", 400, "colour")
    call("get", "/ogc/collections/incidents/items?colour=red", 400, "colour")
    call("get", "/ogc/collections/incidents/items?sortby=description", 400, "sortby")
    call("get", "/api/v1/incidents?sortby=title,-title", 400, "sortby")
    call("get", "/api/v1/units?severity=3", 400, "severity")
    call("get", "/api/v1/incidents?severity=6", 400, "severity")
    call("get", "/ogc/collections/counties/items?sortby=code", 400, "sortby")
    call("delete", "/api/v1/incidents", 405)
    call("get", "/api/v1/incidents?limit=0", 400, "limit")
    call("get", "/api/v1/incidents?limit=many", 400, "limit")
    call("post", "/api/v1/incidents", 400, headers={"Idempotency-Key": "with space"},
         json=incident_input())
