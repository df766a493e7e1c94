"""The event stream from the real service (gunicorn, two workers): order, policy, resume."""

from __future__ import annotations

import json
import urllib.request

import pytest

from georisk import commands as c
from georisk.model import Agency, Classification
from georisk.store import SQLiteStore
from tests.api_support import make_token, running_service
from tests.factories import POLICE, RESCUE, incident
from tests.sse import messages, open_stream


@pytest.fixture
def service(db_path):
    SQLiteStore(db_path).close()
    with running_service(db_path, "--workers", "2", "--threads", "8") as base:
        yield base


def _take(response, n: int) -> list:
    got = []
    for message in messages(response):
        if message.event == "change":
            got.append(message)
            if len(got) == n:
                return got
    return got


def test_stream_delivers_in_order_through_the_policy_and_resumes(service, db_path) -> None:
    token = make_token(db_path, "rescue", "viewer")
    store = SQLiteStore(db_path)
    try:
        stream = open_stream(service + "/api/stream?after=0", token)
        store.apply([c.ReportIncident(incident("a"))], RESCUE)
        store.apply([
            c.ReportIncident(incident("secret", agency=Agency.POLICE,
                                      classification=Classification.AGENCY)),
            c.ReportIncident(incident("coarse", agency=Agency.POLICE, title="Skyddad",
                                      classification=Classification.RESTRICTED)),
        ], POLICE)
        store.apply([c.ReportIncident(incident("b"))], RESCUE)
        first = _take(stream, 3)
        stream.close()
        # the viewer's own numbering: the police's agency-only incident leaves no gap
        assert [m.id for m in first] == ["1", "2", "3"]
        assert [json.loads(m.data)["entity_id"] for m in first] == ["a", "coarse", "b"]
        coarse = json.loads(first[1].data)
        assert coarse["seq"] == 2
        assert coarse["payload"]["properties"]["generalised"] is True
        assert coarse["payload"]["properties"]["title"] != "Skyddad"
        assert coarse["actor"] == ""
        # dropped after 1: while away, three more events; a reconnect with Last-Event-ID
        store.apply([c.ReportIncident(incident(f"late-{i}")) for i in range(3)], RESCUE)
        again = open_stream(service + "/api/stream?after=0", token, last_event_id="1")
        resumed = _take(again, 5)
        again.close()
        assert [m.id for m in resumed] == ["2", "3", "4", "5", "6"]
    finally:
        store.close()


def test_a_bad_cursor_is_refused_with_the_field_named(service, db_path) -> None:
    token = make_token(db_path, "rescue", "viewer")
    request = urllib.request.Request(
        service + "/api/stream?after=-1", headers={"Authorization": f"Bearer {token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["errors"][0]["field"] == "after"


def test_maps_of_different_agencies_open_at_once_each_get_their_own_view(service, db_path):
    """A batch is presented once per kind of viewer and shared by the maps of that kind:
    maps of two agencies following the same batches must never get each other's view."""
    tokens = {"rescue": make_token(db_path, "rescue", "viewer", "r"),
              "police": make_token(db_path, "police", "viewer", "p")}
    streams = [(agency, open_stream(service + "/api/stream?after=0", tokens[agency]))
               for agency in ("rescue", "police") for _ in range(2)]
    store = SQLiteStore(db_path)
    try:
        store.apply([
            c.ReportIncident(incident("open")),
            c.ReportIncident(incident("secret", agency=Agency.POLICE,
                                      classification=Classification.AGENCY)),
            c.ReportIncident(incident("coarse", agency=Agency.POLICE, title="Skyddad",
                                      classification=Classification.RESTRICTED)),
        ], POLICE)
        for agency, stream in streams:
            got = _take(stream, 3 if agency == "police" else 2)
            stream.close()
            titles = {m.id: json.loads(m.data)["payload"]["properties"]["title"] for m in got}
            if agency == "police":
                assert list(titles) == ["1", "2", "3"] and titles["3"] == "Skyddad"
            else:
                assert list(titles) == ["1", "2"] and titles["2"] != "Skyddad"  # its own numbers
    finally:
        store.close()
