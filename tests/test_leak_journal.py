"""Existence hints: what a viewer could learn from the journal's numbers and events that
it is not shown.

Each agency reads its own view of the journal, numbered 1, 2, 3, ... without gaps: the
events list, the stream's ids and heartbeats, the live picture's and history's ``seq``
and the answers to its own writes all count in that view. Police activity another agency
may not see moves none of its numbers, and a unit sent to an incident it may not see
leaves no trace in its view.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from app import create_app
from georisk import commands as c
from georisk.model import Agency, Classification
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import bearer, make_token
from tests.factories import POLICE, RESCUE, incident, incident_input, unit


@pytest.fixture
def world(tmp_path):
    db = tmp_path / "journal.db"
    store = SQLiteStore(db)
    tokens = {
        "rescue": make_token(db, "rescue", "operator"),
        "police": make_token(db, "police", "operator"),
        "admin": make_token(db, "centre", "admin"),
    }
    app = create_app({"DB": str(db), "TESTING": True, "STREAM_HEARTBEAT_S": 0.2})
    yield app, store, tokens
    store.close()


def _hidden_police_work(store: SQLiteStore, n: int, tag: str) -> None:
    store.apply([c.ReportIncident(incident(f"{tag}-{i}", agency=Agency.POLICE,
                                           classification=Classification.AGENCY))
                 for i in range(n)], POLICE)


def _events(client, token: str, after: int = 0) -> dict:
    answer = client.get(f"/api/v1/events?after={after}", headers=bearer(token))
    assert answer.status_code == 200
    return answer.get_json()


def test_each_agency_counts_its_own_view_without_gaps(world):
    app, store, tokens = world
    client = app.test_client()
    seqs = []
    for n in range(3):  # rescue's writes, with police's hidden work between them
        body = dict(incident_input(agency="rescue"), id=f"r-{n}")
        answer = client.post("/api/v1/incidents", json=body, headers=bearer(tokens["rescue"]))
        assert answer.status_code == 201
        seqs.append(answer.get_json()["seq"])
        _hidden_police_work(store, 5, f"h{n}")
    assert seqs == [1, 2, 3]

    journal = _events(client, tokens["rescue"])
    assert [e["seq"] for e in journal["events"]] == [1, 2, 3] and journal["last_seq"] == 3
    police = _events(client, tokens["police"])
    assert [e["seq"] for e in police["events"]] == list(range(1, 19))

    _hidden_police_work(store, 7, "later")
    assert _events(client, tokens["rescue"], after=3) == {"events": [], "last_seq": 3}
    picture = client.get("/api/v1/picture", headers=bearer(tokens["rescue"])).get_json()
    assert picture["seq"] == 3
    history = client.get(f"/api/v1/history?at={format_utc(utc_now())}",
                         headers=bearer(tokens["rescue"])).get_json()
    assert history["seq"] == 3
    assert client.get("/api/v1/picture", headers=bearer(tokens["police"])).get_json()["seq"] == 25


def test_the_stream_ids_and_heartbeats_stay_in_the_viewers_view(world):
    app, store, tokens = world
    store.apply([c.ReportIncident(incident("open-1"))], RESCUE)
    _hidden_police_work(store, 4, "h")
    store.apply([c.ReportIncident(incident("open-2"))], RESCUE)
    client = app.test_client()
    response = client.get("/api/stream?after=0", headers=bearer(tokens["rescue"]),
                          buffered=False)
    text, deadline, rounds = "", time.monotonic() + 10, 0
    for chunk in response.response:
        text += chunk.decode()
        if ": heartbeat" in chunk.decode():  # more hidden work after each: same heartbeat
            rounds += 1
            _hidden_police_work(store, 3, f"while-open-{rounds}")
        if text.count(": heartbeat") >= 3 or time.monotonic() > deadline:
            break
    response.close()
    ids = re.findall(r"^id: (\d+)$", text, re.M)
    changes = [json.loads(line[6:])["entity_id"] for line in text.splitlines()
               if line.startswith("data: ")]
    assert changes == ["open-1", "open-2"]
    assert ids[:3] == ["0", "1", "2"]  # the opening cursor, then the two events
    assert set(ids[3:]) == {"2"}, ids  # every heartbeat where the view stands


def test_a_unit_sent_to_an_incident_the_viewer_may_not_see_leaves_no_trace(world):
    app, store, tokens = world
    store.apply([c.ReportIncident(incident("secret", agency=Agency.POLICE,
                                           classification=Classification.AGENCY)),
                 c.ReportIncident(incident("open", agency=Agency.POLICE)),
                 c.RegisterUnit(unit("pat-1", agency=Agency.POLICE, callsign="PAT 1"))],
                POLICE)
    client = app.test_client()
    before = _events(client, tokens["rescue"])["last_seq"]

    def as_police(method: str, url: str, **body) -> None:
        answer = getattr(client, method)(url, json=body or None, headers=bearer(tokens["police"]))
        assert answer.status_code == 200, answer.get_data(as_text=True)

    as_police("post", "/api/v1/incidents/secret/units", unit="pat-1")
    assert _events(client, tokens["rescue"], after=before)["events"] == []
    as_police("post", "/api/v1/incidents/open/units", unit="pat-1")  # from hidden to open
    as_police("post", "/api/v1/incidents/secret/units", unit="pat-1")  # from open to hidden
    as_police("delete", "/api/v1/incidents/secret/units/pat-1")  # released from hidden
    seen = _events(client, tokens["rescue"], after=before)["events"]
    assert [(e["kind"], e["payload"]["properties"]["assigned_to"]) for e in seen] == [
        ("unit.assigned", "open"),
        ("unit.released", None),  # it left the incident the viewer saw, for one it may not
    ]
    assert [e["seq"] for e in seen] == [before + 1, before + 2]
    police = _events(client, tokens["police"])["events"]
    assert [e["kind"] for e in police][-4:] == ["unit.assigned"] * 3 + ["unit.released"]


def test_the_audit_view_is_numbered_on_its_own(world):
    app, store, tokens = world
    client = app.test_client()
    for _ in range(3):
        client.post("/signin", data={"name": "nobody", "password": "wrong"})
        _hidden_police_work(store, 2, f"a{time.monotonic_ns()}")
    audit = client.get("/api/v1/audit", headers=bearer(tokens["admin"])).get_json()
    seqs = [e["seq"] for e in audit["events"]]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 3
    assert audit["last_seq"] == seqs[-1]

