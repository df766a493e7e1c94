"""Polisen events: centroid locations, type mapping, re-import, and bad input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from georisk.area import OPERATING_COUNTY_CODES
from georisk.area.operating import OperatingArea
from georisk.errors import ValidationError
from georisk.feeds import adapter
from georisk.feeds.base import MAX_PAYLOAD_BYTES
from georisk.model import IncidentType
from georisk.store import Query
from georisk.timeutil import STOCKHOLM, utc_now
from tests.feeds_support import EDGES, SWEDEN, reasons, run, sample


def polisen_time(moment: datetime) -> str:
    """Polisen's own form, "2026-08-22 09:13:04 +02:00", in Swedish time."""
    local = moment.astimezone(STOCKHOLM)
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S ") + offset[:3] + ":" + offset[3:]


def event(ident: int = 1, **changes) -> dict:
    """An event as Polisen lists it, published an hour ago (so no age rule ends it)."""
    base = {
        "id": ident,
        "datetime": polisen_time(utc_now() - timedelta(hours=1)),
        "name": "22 augusti 09.05, Brand, Karlstad",
        "summary": "Brand i ett förråd.",
        "url": "/aktuellt/handelser/2026/augusti/22/brand-karlstad/",
        "type": "Brand",
        "location": {"name": "Karlstad", "gps": "59.402724,13.511497"},
    }
    base.update(changes)
    return base


def payload(*events: dict) -> bytes:
    return json.dumps(list(events)).encode()


def test_real_payload_imports_every_event_at_its_area(store, shared_dir):
    path = sample(shared_dir, "polisen", "events_2024-09-04T1630Z.json")
    summary = run(store, "polisen", path.read_bytes(), SWEDEN)
    assert (summary.created, len(summary.rejected)) == (500, 0), reasons(summary)
    raw = {e["id"]: e for e in json.loads(path.read_bytes())}
    incidents = store.query(Query("incident")).records
    assert len(incidents) == 500
    by_precision = {inc.precision for inc in incidents}
    assert by_precision == {"municipality_centroid", "county_centroid"}
    for inc in incidents:
        source = raw[int(inc.source_id)]
        area = source["location"]["name"]
        assert inc.precision == ("county_centroid" if area.endswith(" län") else
                                 "municipality_centroid")
        assert inc.source_type == source["type"]
        assert inc.link == "https://polisen.se" + source["url"]
        lat, lon = (float(v) for v in source["location"]["gps"].split(","))
        assert (inc.location.x, inc.location.y) == (lon, lat)
    arvika = next(i for i in incidents if i.title.endswith("Rattfylleri, Arvika"))
    assert (arvika.county, arvika.municipality) == ("17", "1784")
    assert next(i for i in incidents if i.source_type == "Brand").type == IncidentType.FIRE
    assert next(i for i in incidents if i.source_type == "Trafikolycka").type == "traffic"


def test_the_national_list_keeps_only_the_operating_counties(store, shared_dir):
    path = sample(shared_dir, "polisen", "events_2024-09-04T1630Z.json")
    summary = run(store, "polisen", path.read_bytes())
    assert not summary.rejected, reasons(summary)
    assert summary.created + summary.outside == 500 and 0 < summary.created < 200
    assert summary.ignored == summary.outside
    kept = store.query(Query("incident")).records
    assert len(kept) == summary.created
    # the 10 km margin keeps the centroids of two border municipalities (Heby, Kungsbacka)
    assert {inc.county for inc in kept} == {*OPERATING_COUNTY_CODES, "03", "13"}


def test_without_a_margin_only_the_counties_themselves_are_kept(store, shared_dir):
    path = sample(shared_dir, "polisen", "events_2024-09-04T1630Z.json")
    summary = run(store, "polisen", path.read_bytes(), OperatingArea(margin_km=0))
    kept = store.query(Query("incident")).records
    assert kept and len(kept) == summary.created
    assert {inc.county for inc in kept} == set(OPERATING_COUNTY_CODES)


def test_county_events_get_the_county_and_no_municipality(store, shared_dir):
    path = sample(shared_dir, "polisen", "events_2026-08-22T1754Z.json")
    summary = run(store, "polisen", path.read_bytes(), SWEDEN)
    assert summary.created == 500, reasons(summary)
    varmland = store.query(Query("incident", county=frozenset({"17"}))).records
    assert varmland and all(i.precision == "county_centroid" for i in varmland)
    assert all(i.municipality == "" for i in varmland)


def test_one_digit_hour_and_offset_become_utc(store):
    summary = run(store, "polisen", payload(event(datetime="2026-08-22 9:13:04 +02:00")))
    assert summary.created == 1
    inc = store.get("incident", "polisen-1")
    assert inc.reported_at.isoformat() == "2026-08-22T07:13:04+00:00"
    assert inc.to_feature()["properties"]["precision"] == "municipality_centroid"


def test_reimport_updates_instead_of_duplicating(store):
    run(store, "polisen", payload(event(1), event(2)))
    again = run(store, "polisen", payload(event(1), event(2, summary="Branden är släckt.")))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert store.get("incident", "polisen-2").description == "Branden är släckt."
    assert len(store.query(Query("incident")).records) == 2
    assert len(store.events_of("incident", "polisen-2")) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"datetime": "2026-08-22 09:13:04"}, "datetime"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"location": {"name": "Karlstad", "gps": "13.511497,59.402724"}}, "location.gps"),
        ({"location": {"name": "Karlstad", "gps": "nan,13.5"}}, "location.gps"),
        ({"location": {"name": "Karlstad", "gps": "159.4,13.5"}}, "location.gps"),
        ({"location": {"name": "Karlstad"}}, "location.gps"),
        ({"name": None}, "name"),
        ({"id": "abc"}, "id"),
    ],
)
def test_a_bad_event_is_rejected_by_field_and_the_rest_imports(store, change, field):
    summary = run(store, "polisen", payload(event(1), event(2, **change), event(3)))
    assert summary.created == 2
    assert len(summary.rejected) == 1
    assert any(error.field == field for error in summary.rejected[0].errors), reasons(summary)
    assert store.get("incident", "polisen-2") is None


def test_swapped_coordinates_are_named_as_swapped(store):
    bad = event(2, location={"name": "Karlstad", "gps": "13.511497,59.402724"})
    summary = run(store, "polisen", payload(bad))
    assert "looks like (latitude, longitude)" in reasons(summary)


def test_duplicate_ids_in_one_payload_keep_the_first(store):
    summary = run(store, "polisen", payload(event(1), event(1, summary="other")))
    assert summary.created == 1
    assert "duplicate id" in reasons(summary)
    assert store.get("incident", "polisen-1").description == "Brand i ett förråd."


@pytest.mark.parametrize("body", [b"{not json", b'{"id": 1}', b""])
def test_a_payload_that_is_not_an_event_list_is_refused_whole(body):
    with pytest.raises(ValidationError) as caught:
        adapter("polisen").parse(body)
    assert caught.value.errors[0].field == "payload"


def test_a_payload_over_the_limit_is_refused_before_parsing():
    with pytest.raises(ValidationError, match="over the limit"):
        adapter("polisen").parse(b" " * (MAX_PAYLOAD_BYTES + 1))


def test_the_original_event_is_kept_for_audit(store):
    from georisk.feeds.ledger import Ledger

    run(store, "polisen", payload(event(7)))
    ledger = Ledger(store.path)
    try:
        assert json.loads(ledger.raw("polisen", "7")) == event(7)
    finally:
        ledger.close()


@pytest.mark.parametrize("edge", EDGES)
def test_a_time_at_the_edge_of_the_calendar_rejects_its_event_only(store, edge):
    when = edge.replace("T", " ")  # Polisen's own form: "YYYY-MM-DD HH:MM:SS +HH:MM"
    summary = run(store, "polisen", payload(event(1), event(2, datetime=when)))
    assert summary.created == 1 and len(summary.rejected) == 1, reasons(summary)
    assert "item 1 (id 2): datetime:" in reasons(summary)
    assert "outside the accepted range of times" in reasons(summary)
    assert [i.source_id for i in store.query(Query("incident")).records] == ["1"]
