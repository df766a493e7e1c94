"""Cursor-on-Target: position reports from files, and hostile or broken XML."""

from __future__ import annotations

import pytest

from georisk.feeds import adapter
from georisk.feeds.cot import event_item
from tests.feeds_support import EDGES, reasons, run, sample

ORIGIN_LON, ORIGIN_LAT = 15.2134, 59.2741  # Örebro


def report(uid: str = "ANDROID-1", lat: float = ORIGIN_LAT, lon: float = ORIGIN_LON,
           time: str = "2026-08-22T10:00:00.000Z", extra: str = "") -> bytes:
    return (
        f"<event version='2.0' uid='{uid}' type='a-f-G-U-C' time='{time}' start='{time}' "
        f"stale='2026-08-22T10:05:00Z' how='m-g'><point lat='{lat}' lon='{lon}' hae='9999999.0' "
        f"ce='9999999.0' le='9999999.0'/><detail><contact callsign='RÄDD 2010'/>"
        f"<track speed='10' course='90'/>{extra}</detail></event>"
    ).encode()


def test_real_atak_report_is_read_field_by_field(shared_dir):
    item = event_item(sample(shared_dir, "cot", "atak_pli_a-f-G-U-C.xml").read_bytes())
    unit = item.record
    assert (item.source_id, unit.callsign, unit.id) == (
        "ANDROID-351811095448994",
        "C0rv0",
        "cot-ANDROID-351811095448994",
    )
    assert (unit.position.x, unit.position.y) == (-66.12627, 43.967295)
    assert unit.position_time.isoformat() == "2020-02-08T18:24:55+00:00"
    assert unit.heading == pytest.approx(209.49418484)
    assert unit.speed_kmh == pytest.approx(0.97000003 * 3.6)


def test_real_reports_outside_the_area_are_rejected_with_the_reason(store, shared_dir):
    payload = b"".join(
        sample(shared_dir, "cot", name).read_bytes()
        for name in ("atak_pli_a-f-G-U-C.xml", "wintak_pli_a-f-G-E-V-C.xml",
                     "atak_spot_marker_b-m-p-s-m.xml")
    )
    summary = run(store, "cot", payload)
    assert summary.ignored == 1  # the spot marker is not a position report
    assert len(summary.rejected) == 2
    assert "outside the accepted area" in reasons(summary)


def test_reports_register_then_move_a_unit_and_ignore_unknown_detail(store):
    track = report(extra="<x-plugin a='1'><y/></x-plugin>") + report(
        lat=ORIGIN_LAT + 0.01, time="2026-08-22T10:00:05Z"
    )
    summary = run(store, "cot", track)
    assert (summary.created, summary.updated) == (1, 1), reasons(summary)
    unit = store.get("unit", "cot-ANDROID-1")
    assert unit.position.y == pytest.approx(ORIGIN_LAT + 0.01)
    assert (unit.callsign, unit.heading, unit.speed_kmh) == ("RÄDD 2010", 90.0, 36.0)
    older = run(store, "cot", report(time="2026-08-22T09:59:00Z"))
    assert (older.unchanged, len(older.rejected)) == (1, 0)


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (report(lat=9999999.0, lon=9999999.0), "no fix"),
        (report(lat=0.0, lon=0.0), "no fix"),
        (report(lat=91.0), "out of range"),
        (report(time="2026-08-22T10:00:00"), "no timezone"),
        (b"<event uid='x' type='a-f-G' time='2026-08-22T10:00:00Z'", "malformed XML"),
        (report().replace(b"<event ", b"<event xmlns='urn:x' "), "namespace"),
        (report().replace(b"<point lat", b"<pnt lat"), "point: missing"),
        (report().replace(b"uid='ANDROID-1'", b""), "event@uid"),
    ],
)
def test_bad_reports_are_rejected_with_the_reason_and_the_rest_imports(store, payload, needle):
    summary = run(store, "cot", report(uid="good") + payload + report(uid="good2"))
    assert summary.created == 2
    assert len(summary.rejected) == 1
    assert needle in reasons(summary)


def test_entity_expansion_and_external_entities_are_refused(store):
    laughs = (
        b"<?xml version='1.0'?><!DOCTYPE event [<!ENTITY a 'aaaaaaaaaa'>"
        b"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
        b"<event uid='&b;' type='a-f-G' time='2026-08-22T10:00:00Z' stale='2026-08-22T10:01:00Z'>"
        b"<point lat='59' lon='15'/></event>"
    )
    external = (
        b"<?xml version='1.0'?><!DOCTYPE event [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        b"<event uid='&x;' type='a-f-G' time='2026-08-22T10:00:00Z' stale='2026-08-22T10:01:00Z'>"
        b"<point lat='59' lon='15'/></event>"
    )
    for payload in (laughs, external):
        parsed = adapter("cot").parse(payload)
        assert not parsed.items
        assert "refused XML construct" in str(parsed.rejected[0])


@pytest.mark.parametrize("edge", EDGES)
def test_a_time_at_the_edge_of_the_calendar_rejects_its_event_only(store, edge):
    stale_edge = report("C").replace(b"stale='2026-08-22T10:05:00Z'", f"stale='{edge}'".encode())
    summary = run(store, "cot", report("A") + report("B", time=edge) + stale_edge)
    assert summary.created == 1 and len(summary.rejected) == 2, reasons(summary)
    assert f"event 1: event@time: {edge} is outside the accepted range" in reasons(summary)
    assert f"event 2: event@stale: {edge} is outside the accepted range" in reasons(summary)
    assert store.get("unit", "cot-B") is None and store.get("unit", "cot-A") is not None
