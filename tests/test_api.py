"""Contract tests of the JSON API: every endpoint, its answer's shape, and the policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from georisk.timeutil import format_utc, utc_now
from tests.api_support import bearer, make_token
from tests.factories import KARLSTAD, OREBRO, incident_input


@pytest.fixture
def db_path(store_location):
    """Each store backend in turn (tests/conftest.py): a SQLite file or a PostgreSQL URL."""
    return store_location


@pytest.fixture
def app(db_path):
    made = create_app({"DB": str(db_path), "TESTING": True})
    yield made
    made.extensions["georisk.store"].close()  # (its stream poller stops with it)


@pytest.fixture
def tokens(db_path):
    return {
        "rescue": make_token(db_path, "rescue", "operator"),
        "police": make_token(db_path, "police", "operator"),
        "viewer": make_token(db_path, "rescue", "viewer"),
        "analyst": make_token(db_path, "centre", "analyst"),
    }


@pytest.fixture
def client(app, tokens):
    class Client:
        """The Flask test client acting with one token (rescue operator by default)."""

        def __init__(self, who: str = "rescue"):
            self.raw = app.test_client()
            self.headers = bearer(tokens[who])

        def as_(self, who: str):
            return Client(who)

        def __getattr__(self, method):
            def call(url, **kwargs):
                headers = dict(self.headers, **kwargs.pop("headers", {}))
                return getattr(self.raw, method)(url, headers=headers, **kwargs)

            return call

    return Client()


def unit_input(id="unit-1", agency="rescue", **props):
    return {
        "type": "Feature",
        "id": id,
        "geometry": None,
        "properties": {"callsign": "RÖR 2010", "agency": agency, "unit_kind": "engine", **props},
    }


def position(lon_lat=OREBRO, minutes_ago=5):
    when = format_utc(utc_now() - timedelta(minutes=minutes_ago))
    return {"geometry": {"type": "Point", "coordinates": list(lon_lat)}, "time": when}


BLOCKAGE = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[14.52, 59.33], [14.60, 59.31]]},
    "properties": {"road": "E18", "reason": "accident"},
}


def assert_feature(feature):
    assert feature["type"] == "Feature" and isinstance(feature["id"], str)
    assert "generalised" in feature["properties"]


def assert_collection(body):
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == len(body["features"])
    assert any(link["rel"] == "self" for link in body["links"])
    for feature in body["features"]:
        assert_feature(feature)


# -- authentication ----------------------------------------------------------------


def test_anonymous_requests_get_401_problems_except_health(app, tokens):
    raw = app.test_client()
    for url in ("/api/v1/incidents", "/api/v1/openapi.json", "/api/v1/docs", "/ogc",
                "/ogc/collections", "/no/such/route"):
        answer = raw.get(url)
        assert answer.status_code == 401, url
        assert answer.mimetype == "application/problem+json"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert raw.get("/health").status_code == 200
    assert raw.get("/ogc", headers=bearer("grk_not-a-token")).status_code == 401


def test_a_revoked_token_stops_working_at_once(app, db_path):
    from georisk.identity import Tokens

    token = make_token(db_path)
    raw = app.test_client()
    assert raw.get("/api/v1/incidents", headers=bearer(token)).status_code == 200
    (info,) = [t for t in Tokens(db_path).list() if t.active]
    Tokens(db_path).revoke(info.id)
    assert raw.get("/api/v1/incidents", headers=bearer(token)).status_code == 401


# -- incidents ---------------------------------------------------------------------


def test_incident_report_get_update_close_and_journal_numbers(client):
    created = client.post("/api/v1/incidents", json=incident_input(title="Brand i villa"))
    assert created.status_code == 201
    body = created.json
    assert body["seq"] == 1
    assert_feature(body["feature"])
    id_ = body["feature"]["id"]
    assert created.headers["Location"].endswith(f"/api/v1/incidents/{id_}")
    # Örebro is in Örebro county (18), Örebro municipality (1880)
    assert (body["feature"]["properties"]["county"], body["feature"]["properties"]["municipality"]
            ) == ("18", "1880")

    got = client.get(f"/api/v1/incidents/{id_}")
    assert got.status_code == 200 and got.mimetype == "application/geo+json"
    assert got.json["properties"]["title"] == "Brand i villa"

    moved = client.patch(f"/api/v1/incidents/{id_}", json={
        "geometry": {"type": "Point", "coordinates": list(KARLSTAD)},
        "properties": {"severity": 5}})
    assert moved.status_code == 200 and moved.json["seq"] == 2
    assert moved.json["feature"]["properties"]["severity"] == 5
    assert moved.json["feature"]["properties"]["municipality"] == "1780"  # Karlstad

    closed = client.post(f"/api/v1/incidents/{id_}/close")
    assert closed.status_code == 200 and closed.json["seq"] == 3
    assert closed.json["feature"]["properties"]["status"] == "closed"
    again = client.post(f"/api/v1/incidents/{id_}/close", json={})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def test_incident_list_filters_and_cursor_pagination(client):
    for i in range(5):
        data = incident_input(title=f"Brand {i}", type="fire" if i % 2 else "traffic")
        data["id"] = f"inc-{i}"
        assert client.post("/api/v1/incidents", json=data).status_code == 201
    fires = client.get("/api/v1/incidents?type=fire").json
    assert sorted(f["id"] for f in fires["features"]) == ["inc-1", "inc-3"]
    assert client.get("/api/v1/incidents?q=BRAND 4").json["numberReturned"] == 1
    assert client.get("/api/v1/incidents?county=18&municipality=1880").json[
        "numberReturned"] == 5
    assert client.get("/api/v1/incidents?county=20").json["numberReturned"] == 0
    assert client.get("/api/v1/incidents?bbox=15.0,59.0,15.5,59.5").json["numberReturned"] == 5
    assert client.get("/api/v1/incidents?bbox=16,59,17,60").json["numberReturned"] == 0
    assert client.get("/api/v1/incidents?agency=police").json["numberReturned"] == 0
    assert client.get("/api/v1/incidents?status=open").json["numberReturned"] == 5
    past = "2000-01-01T00:00:00Z/2000-01-02T00:00:00Z"
    assert client.get(f"/api/v1/incidents?datetime={past}").json["numberReturned"] == 0
    assert client.get("/api/v1/incidents?datetime=2000-01-01T00:00:00Z/..").json[
        "numberReturned"] == 5

    seen, url = [], "/api/v1/incidents?limit=2&status=open"
    while url:
        page = client.get(url).json
        assert_collection(page)
        seen += [f["id"] for f in page["features"]]
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nexts[0].removeprefix("http://localhost") if nexts else None
    assert seen == [f"inc-{i}" for i in range(5)]  # stable order, no repeats, no gaps

    ordered = client.get("/api/v1/incidents?sortby=-title&limit=2").json
    following = ordered["next"]
    rest = client.get(f"/api/v1/incidents?sortby=-title&limit=10&cursor={following}").json
    titles = [f["properties"]["title"] for f in ordered["features"] + rest["features"]]
    assert titles == [f"Brand {i}" for i in (4, 3, 2, 1, 0)]
    stale = client.get(f"/api/v1/incidents?sortby=title&limit=10&cursor={following}")
    assert stale.status_code == 400  # a cursor continues only the order it was made for


def test_area_collections_page_through_every_feature(client):
    ids, url = [], "/ogc/collections/municipalities/items?limit=40"
    while url:
        page = client.get(url).json
        ids += [f["id"] for f in page["features"]]
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nexts[0].removeprefix("http://localhost") if nexts else None
    everything = client.get("/ogc/collections/municipalities/items?limit=1000").json
    assert len(ids) == len(set(ids)) == everything["numberReturned"] > 40


# -- units and assignments ---------------------------------------------------------


def test_unit_register_status_position_batch_track(client):
    created = client.post("/api/v1/units", json=unit_input())
    assert created.status_code == 201 and created.json["feature"]["id"] == "unit-1"
    assert client.post("/api/v1/units", json=unit_input("unit-2")).status_code == 201
    updated = client.patch("/api/v1/units/unit-1", json={"properties": {"home_station": "Örebro"}})
    assert updated.status_code == 200
    status = client.put("/api/v1/units/unit-1/status", json={"status": "en_route"})
    assert status.json["feature"]["properties"]["status"] == "en_route"
    moved = client.post("/api/v1/units/unit-1/positions", json=position(minutes_ago=9))
    assert moved.status_code == 200
    assert moved.json["feature"]["geometry"]["coordinates"] == list(OREBRO)

    batch = [dict(position((15.2 + i / 1000, 59.27), minutes_ago=8 - i), unit="unit-1")
             for i in range(3)] + [dict(position(KARLSTAD), unit="unit-2")]
    answer = client.post("/api/v1/positions", json={"positions": batch})
    assert answer.status_code == 200
    assert answer.json["count"] == 4 and answer.json["seq"] - answer.json["first_seq"] == 3

    listed = client.get("/api/v1/units?kind=engine&bbox=13,59,14,60").json
    assert [f["id"] for f in listed["features"]] == ["unit-2"]
    assert client.get("/api/v1/units/unit-2").json["geometry"]["coordinates"] == list(KARLSTAD)

    track = client.get("/api/v1/units/unit-1/track").json
    assert_collection(track)
    assert [f["geometry"]["coordinates"][0] for f in track["features"]] == pytest.approx(
        [15.2066, 15.2, 15.201, 15.202])
    recent = format_utc(utc_now() - timedelta(minutes=7, seconds=30))
    window = client.get(f"/api/v1/units/unit-1/track?datetime={recent}/..").json
    assert len(window["features"]) == 2


def test_assign_and_release_units_are_journaled(client):
    incident_id = client.post("/api/v1/incidents", json=incident_input()).json["feature"]["id"]
    client.post("/api/v1/units", json=unit_input())
    assigned = client.post(f"/api/v1/incidents/{incident_id}/units", json={"unit": "unit-1"})
    assert assigned.status_code == 200
    assert assigned.json["feature"]["properties"]["assigned_to"] == incident_id
    assert client.post(f"/api/v1/incidents/{incident_id}/units", json={"unit": "unit-1"}
                       ).status_code == 409
    released = client.delete(f"/api/v1/incidents/{incident_id}/units/unit-1")
    assert released.status_code == 200
    assert released.json["feature"]["properties"]["assigned_to"] is None
    assert client.delete(f"/api/v1/incidents/{incident_id}/units/unit-1").status_code == 409
    kinds = [e["kind"] for e in client.get("/api/v1/events").json["events"]]
    assert kinds[-2:] == ["unit.assigned", "unit.released"]
    assert client.post("/api/v1/incidents/inc-none/units", json={"unit": "unit-1"}
                       ).status_code == 404


# -- blockages and the journal -----------------------------------------------------


def test_blockage_report_update_lift_list(client):
    created = client.post("/api/v1/blockages", json=BLOCKAGE)
    assert created.status_code == 201
    id_ = created.json["feature"]["id"]
    assert created.json["feature"]["properties"]["county"] == "18"  # Karlskoga, Örebro län
    updated = client.patch(f"/api/v1/blockages/{id_}", json={"properties": {"reason": "fire"}})
    assert updated.json["feature"]["properties"]["reason"] == "fire"
    assert client.get(f"/api/v1/blockages/{id_}").json["properties"]["road"] == "E18"
    assert client.get("/api/v1/blockages?reason=fire&status=active").json["numberReturned"] == 1
    lifted = client.post(f"/api/v1/blockages/{id_}/lift", json={})
    assert lifted.json["feature"]["properties"]["status"] == "lifted"
    assert client.get("/api/v1/blockages?status=active").json["numberReturned"] == 0


def test_journal_pages_by_sequence_number(client):
    for i in range(3):
        client.post("/api/v1/incidents", json=incident_input(title=f"H {i}"))
    first = client.get("/api/v1/events?after=0&limit=2").json
    assert [e["seq"] for e in first["events"]] == [1, 2] and first["last_seq"] == 2
    rest = client.get(f"/api/v1/events?after={first['last_seq']}").json
    assert [e["seq"] for e in rest["events"]] == [3]
    assert client.get("/api/v1/events?after=3").json == {"events": [], "last_seq": 3}


# -- the access policy -------------------------------------------------------------


def test_policy_hides_generalises_and_refuses_writes(client):
    secret = incident_input(title="Knivöverfall Storgatan", type="police", agency="police",
                            classification="restricted")
    secret["id"] = "inc-secret"
    hidden = incident_input(title="Spaning", agency="police", classification="agency")
    hidden["id"] = "inc-hidden"
    police = client.as_("police")
    assert police.post("/api/v1/incidents", json=secret).status_code == 201
    assert police.post("/api/v1/incidents", json=hidden).status_code == 201

    listed = client.get("/api/v1/incidents").json["features"]
    assert [f["id"] for f in listed] == ["inc-secret"]
    shown = listed[0]["properties"]
    assert shown["generalised"] is True and shown["title"] == "Polisinsats"
    assert client.get("/api/v1/incidents?q=kniv").json["numberReturned"] == 0  # no leak by search
    assert client.get("/api/v1/incidents/inc-hidden").status_code == 404
    assert client.patch("/api/v1/incidents/inc-hidden", json={"properties": {"severity": 1}}
                        ).status_code == 404
    refused = client.patch("/api/v1/incidents/inc-secret", json={"properties": {"severity": 1}})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.post("/api/v1/incidents", json=incident_input(agency="police")).status_code == 403
    viewer = client.as_("viewer")
    assert viewer.post("/api/v1/incidents", json=incident_input()).status_code == 403
    assert viewer.get("/api/v1/events").status_code == 403
    journal = client.as_("analyst").get("/api/v1/events").json["events"]
    assert [e["entity_id"] for e in journal] == ["inc-secret"]
    assert journal[0]["payload"]["properties"]["title"] == "Polisinsats"
    assert police.get("/api/v1/incidents").json["numberReturned"] == 2


# -- idempotency -------------------------------------------------------------------


def test_idempotency_key_replays_the_first_answer(client):
    key = {"Idempotency-Key": "report-42"}
    first = client.post("/api/v1/incidents", json=incident_input(), headers=key)
    again = client.post("/api/v1/incidents", json=incident_input(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert client.get("/api/v1/events").json["last_seq"] == 1  # written once
    other = client.post("/api/v1/incidents", json=incident_input(title="Annat"), headers=key)
    assert other.status_code == 422 and other.json["errors"][0]["field"] == "Idempotency-Key"
    # keys belong to a credential: another token's same key is a new request
    police = client.as_("police").post(
        "/api/v1/incidents", json=incident_input(agency="police"), headers=key)
    assert police.status_code == 201 and police.json["seq"] == 2
    # a failed request gives its key back
    k2 = {"Idempotency-Key": "k2"}
    bad = client.post("/api/v1/incidents", json={"type": "Feature"}, headers=k2)
    assert bad.status_code == 422
    good = client.post("/api/v1/incidents", json=incident_input(), headers=k2)
    assert good.status_code == 201


# -- the OpenAPI document and docs page --------------------------------------------


def test_openapi_document_describes_every_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    described = {(m.upper(), "/api/v1" + p) for p, ops in doc["paths"].items() for m in ops}
    served = {
        (method, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "docs" not in rule.rule
        and "openapi" not in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert described == served
    schema = doc["components"]["schemas"]["IncidentReport"]
    assert schema["additionalProperties"] is False  # the same pydantic model that validates
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert b"//cdn" not in page.data and b"https://" not in page.data
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
