"""A new incident's brief on the stream (the real service, a real SSE reader): it follows
the incident's change, only to the agencies that see the incident, as each sees it."""

from __future__ import annotations

import json

import pytest
import shapely

from georisk import commands as c
from georisk.model import Agency, Classification
from georisk.store import SQLiteStore
from tests.api_support import make_token, running_service
from tests.factories import OREBRO, POLICE, RESCUE, T0, incident, unit
from tests.sse import messages, open_stream


@pytest.fixture
def service(db_path):
    store = SQLiteStore(db_path)
    store.apply([c.RegisterUnit(unit("rtj-1", position=shapely.Point(OREBRO[0] - 0.05, OREBRO[1]),
                                     position_time=T0))], RESCUE)
    store.close()
    with running_service(db_path, "--workers", "1", "--threads", "8") as base:
        yield base


def _until_brief(stream, briefs: int = 1, limit: int = 20) -> list:
    got = []
    for message in messages(stream):
        if message.event in ("change", "brief"):
            got.append(message)
            if sum(m.event == "brief" for m in got) == briefs or len(got) == limit:
                return got
    return got


def test_a_brief_follows_each_incident_to_who_may_see_it(service, db_path):
    tokens = {agency: make_token(db_path, agency, "viewer") for agency in ("rescue", "police")}
    streams = {agency: open_stream(service + "/api/stream", token, timeout=30)
               for agency, token in tokens.items()}
    store = SQLiteStore(db_path)
    try:
        store.apply([c.ReportIncident(incident(
            "pol-secret", agency=Agency.POLICE, classification=Classification.AGENCY,
            title="Hemlig insats"))], POLICE)
        store.apply([c.ReportIncident(incident("crash", title="Trafikolycka E18"))], RESCUE)
        rescue = _until_brief(streams["rescue"])
        # the rescue service: the crash's change, then its brief; nothing of the police's
        assert [m.event for m in rescue] == ["change", "brief"]
        assert json.loads(rescue[0].data)["entity_id"] == "crash"
        brief = json.loads(rescue[1].data)
        assert rescue[1].id is None  # no journal event: the cursor stays
        assert brief["incident"] == "crash" and brief["seq"] == json.loads(rescue[0].data)["seq"]
        assert brief["brief"]["units"][0]["properties"]["unit"]["id"] == "rtj-1"
        assert brief["brief"]["area"]["municipality"]["code"] == "1880"
        assert "Hemlig" not in str(rescue) and "pol-secret" not in str(rescue)
        # the police: both incidents, each brief after its own change
        police = [(m.event, json.loads(m.data)) for m in _until_brief(streams["police"], 2)]
        order = [(kind, data.get("entity_id") or data["incident"]) for kind, data in police]
        assert sorted(order) == [("brief", "crash"), ("brief", "pol-secret"),
                                 ("change", "crash"), ("change", "pol-secret")]
        for name in ("crash", "pol-secret"):
            assert order.index(("change", name)) < order.index(("brief", name))
        # a restricted one: the rescue service's brief is of the generalised incident
        store.apply([c.ReportIncident(incident(
            "pol-coarse", agency=Agency.POLICE, classification=Classification.RESTRICTED,
            title="Skyddad insats", location=shapely.Point(OREBRO[0] + 0.0031, OREBRO[1])))],
            POLICE)
        coarse = _until_brief(streams["rescue"])
        brief = json.loads(coarse[-1].data)["brief"]
        assert brief["incident"]["id"] == "pol-coarse"
        assert brief["incident"]["properties"]["title"] == "Polisinsats"
        assert brief["incident"]["properties"]["generalised"] is True
        assert "Skyddad" not in str([m.data for m in coarse])
    finally:
        store.close()
        for stream in streams.values():
            stream.close()
