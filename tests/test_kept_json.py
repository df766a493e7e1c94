"""Records' kept JSON (`app.kept_json`): written once per record object, and only ever a
record's own form. What the policy makes for one viewer (a generalised record, a unit
whose incident is hidden) is never kept, so it never reaches another viewer, whoever asked
first; an edited record is written anew."""

from __future__ import annotations

import json
import tracemalloc

import orjson
import pytest
import shapely

from app import create_app, kept_json
from app.kept_json import KeptJson
from georisk import commands as c
from georisk.model import Agency, Classification, UnitKind
from georisk.store import open_store
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, POLICE, RESCUE, incident, unit

SECRET_TITLE = "Tillslag Hagaby"  # the police's restricted incident: never to rescue
SECRET_POINT = (15.23456, 59.28765)


def _written(record) -> bytes:
    return orjson.dumps(record.to_feature())


def test_a_record_object_is_written_once_and_an_equal_new_one_again():
    kept, writes = KeptJson(size=10), []

    def write(record):
        writes.append(record)
        return _written(record)

    first = incident("inc-1")
    answer = kept.of(first, write)
    assert kept.of(first, write) is answer
    assert writes == [first]
    assert json.loads(orjson.dumps([answer]))[0] == first.to_feature()
    edited = first.replace(title="Trafikolycka E20")  # an edit is another object
    assert json.loads(orjson.dumps([kept.of(edited, write)]))[0]["properties"]["title"] == (
        "Trafikolycka E20")
    twin = incident("inc-1")  # equal, but another object: found by identity, not contents
    kept.of(twin, write)
    assert writes == [first, edited, twin]


def test_the_oldest_are_dropped_beyond_the_size():
    kept, writes = KeptJson(size=3), []

    def write(record):
        writes.append(record.id)
        return _written(record)

    records = [incident(f"inc-{n}") for n in range(5)]
    for record in records:
        kept.of(record, write)
    assert len(kept) == 3
    kept.of(records[4], write)
    assert writes == [f"inc-{n}" for n in range(5)]  # the newest is still kept
    kept.of(records[0], write)
    assert writes[-1] == "inc-0" and len(kept) == 3  # the oldest was dropped, written again


def test_what_is_kept_is_about_the_size_of_the_json():
    """orjson's bytes hold on to the whole buffer they were written into (~8 KB):
    20,000 of those would be 160 MB a process instead of ~12 MB. Counted: what is still
    held, of what was allocated here and in `app.kept_json`."""
    kept = KeptJson()
    records = [incident(f"inc-{n}") for n in range(500)]
    size = len(_written(records[0]))
    tracemalloc.start()
    try:
        for record in records:
            kept.of(record, _written)
        ours = [tracemalloc.Filter(True, path) for path in (__file__, kept_json.__file__)]
        held = tracemalloc.take_snapshot().filter_traces(ours)
    finally:
        tracemalloc.stop()
    used = sum(stat.size for stat in held.statistics("filename"))
    assert used / len(records) < 2 * size + 300


@pytest.fixture()
def service(tmp_path):
    """The police's restricted incident, a rescue incident open to all, and a rescue
    unit assigned to a police incident only the police may see."""
    db = tmp_path / "kept.db"
    store = open_store(db)
    store.apply([
        c.ReportIncident(incident("inc-secret", agency=Agency.POLICE, title=SECRET_TITLE,
                                  classification=Classification.RESTRICTED,
                                  location=shapely.Point(*SECRET_POINT))),
        c.ReportIncident(incident("inc-police-only", agency=Agency.POLICE,
                                  classification=Classification.AGENCY)),
    ], POLICE)
    store.apply([
        c.ReportIncident(incident("inc-open", location=shapely.Point(*OREBRO))),
        c.RegisterUnit(unit("unit-1", unit_kind=UnitKind.ENGINE)),
        c.MoveUnit("unit-1", shapely.Point(15.21, 59.27), incident("x").reported_at),
        c.AssignUnit("unit-1", "inc-police-only"),
    ], RESCUE)
    store.close()
    app = create_app({"DB": str(db), "TESTING": True})
    tokens = {"police": make_token(db, "police"), "rescue": make_token(db, "rescue")}
    return app.test_client(), tokens


LISTS = ("/api/v1/incidents", "/ogc/collections/incidents/items", "/api/v1/units",
         "/ogc/collections/units/items")


def _features(client, token, url) -> dict[str, dict]:
    answer = client.get(url, headers=bearer(token))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {f["id"]: f for f in answer.get_json()["features"]}


@pytest.mark.parametrize("first", ["police", "rescue"])
def test_no_viewer_gets_what_the_policy_made_for_another(service, first):
    client, tokens = service
    order = [first, "rescue" if first == "police" else "police"]
    seen = {viewer: {} for viewer in order}
    for _ in range(2):  # each list twice, in turn: the second time from what was kept
        for viewer in order:
            for url in LISTS:
                seen[viewer].update(_features(client, tokens[viewer], url))

    police, rescue = seen["police"], seen["rescue"]
    assert police["inc-secret"]["properties"]["title"] == SECRET_TITLE
    assert police["inc-secret"]["geometry"]["coordinates"] == list(SECRET_POINT)
    assert police["unit-1"]["properties"]["assigned_to"] == "inc-police-only"
    hidden = rescue["inc-secret"]
    assert hidden["properties"]["generalised"] is True
    assert SECRET_TITLE not in json.dumps(rescue, ensure_ascii=False)
    assert hidden["geometry"]["coordinates"] != list(SECRET_POINT)
    assert "inc-police-only" not in rescue
    assert rescue["unit-1"]["properties"]["assigned_to"] is None
    assert police["inc-open"] == rescue["inc-open"]  # shown as it is: the same to both


def test_an_edited_record_is_listed_as_it_is_now(service, tmp_path):
    client, tokens = service
    url = "/ogc/collections/incidents/items"
    assert _features(client, tokens["rescue"], url)["inc-open"]["properties"]["severity"] == 3
    store = open_store(tmp_path / "kept.db")
    store.apply([c.UpdateIncident("inc-open", {"severity": 5})], RESCUE)
    store.close()
    for token in tokens.values():
        assert _features(client, token, url)["inc-open"]["properties"]["severity"] == 5
