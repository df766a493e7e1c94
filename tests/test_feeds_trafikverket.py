"""Trafikverket Situations: one blockage per Deviation, lifted when deleted."""

from __future__ import annotations

import json

import pytest

from georisk.errors import ValidationError
from georisk.feeds import adapter
from georisk.store import Query
from tests.feeds_support import EDGES, SWEDEN, reasons, run, sample

LINE = "LINESTRING (15.0321 59.3102, 15.0512 59.3051, 15.0704 59.2987)"  # E18 near Örebro
LINE_TM = "LINESTRING (501800 6575200, 502900 6574650, 504000 6573950)"


def deviation(ident: str = "SE_STA_TRISSID_1_1", **changes) -> dict:
    base = {
        "Id": ident,
        "MessageType": "Vägarbete",
        "MessageCode": "Vägarbete",
        "IconId": "roadwork",
        "RoadNumber": "E18",
        "SeverityCode": 4,
        "SeverityText": "Stor påverkan",
        "Message": "Ett körfält avstängt.",
        "StartTime": "2026-08-22T06:00:00.000+02:00",
        "EndTime": "2026-08-29T18:00:00.000+02:00",
        "Geometry": {"Line": {"WGS84": LINE, "SWEREF99TM": LINE_TM},
                     "Point": {"WGS84": "POINT (15.0321 59.3102)"}},
    }
    base.update(changes)
    return base


def response(*situations: dict) -> bytes:
    return json.dumps({"RESPONSE": {"RESULT": [{"Situation": list(situations)}]}}).encode()


def test_real_response_becomes_a_blockage_at_its_point(store, shared_dir):
    path = sample(shared_dir, "trafikverket", "situation_roadaccident_2022-04-21.json")
    outside = run(store, "trafikverket", path.read_bytes())  # Kågeröd, Skåne
    assert (outside.created, outside.outside, len(outside.rejected)) == (0, 1, 0)
    summary = run(store, "trafikverket", path.read_bytes(), SWEDEN)
    assert summary.created == 1, reasons(summary)
    blockage = store.get("blockage", "trafikverket-SE_STA_TRISSID_1_9879392")
    assert blockage.reason == "accident"
    assert (blockage.section.x, blockage.section.y) == (13.0958767, 55.9722252)
    assert blockage.start.isoformat() == "2022-04-21T18:12:01+00:00"
    assert blockage.expected_end.isoformat() == "2022-04-21T19:15:00+00:00"
    assert blockage.message == "Trafikolycka med flera fordon söder om Kågeröd."
    assert (blockage.source, blockage.precision) == ("trafikverket", "exact")


def test_several_deviations_give_one_record_each_with_their_line(store):
    summary = run(store, "trafikverket", response({"Deviation": [deviation("A"), deviation("B")]}))
    assert summary.created == 2, reasons(summary)
    blockage = store.get("blockage", "trafikverket-A")
    assert blockage.section.geom_type == "LineString"
    assert (blockage.road, blockage.reason, blockage.impact) == ("E18", "roadworks", 4)
    assert blockage.precision == "line"
    assert blockage.source_type == "Vägarbete/Vägarbete/roadwork"
    assert (blockage.county, blockage.municipality) == ("18", "1880")


def test_update_then_deleted_situation_lifts_the_blockage(store):
    run(store, "trafikverket", response({"Deviation": [deviation("A")]}))
    moved = deviation("A", EndTime="2026-08-30T18:00:00+02:00")
    again = run(store, "trafikverket", response({"Deviation": [moved]}))
    assert again.updated == 1
    assert store.get("blockage", "trafikverket-A").expected_end.day == 30
    gone = run(store, "trafikverket", response({"Deleted": True, "Deviation": [moved]}))
    assert gone.closed == 1
    assert store.get("blockage", "trafikverket-A").status == "lifted"
    assert len(store.query(Query("blockage")).records) == 1


def test_ferry_messages_are_ignored_not_rejected(store):
    ferry = deviation("F", MessageType="Färjor", RoadNumber="")
    summary = run(store, "trafikverket", response({"Deviation": [ferry]}))
    assert (summary.created, summary.ignored, len(summary.rejected)) == (0, 1, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"StartTime": "2026-08-22T06:00:00"}, "Deviation.StartTime"),
        ({"StartTime": None}, "Deviation.StartTime"),
        ({"EndTime": "2026-08-21T06:00:00Z"}, "Deviation.EndTime"),
        ({"Geometry": {"WGS84": "POINT (15.03 59.31"}}, "Deviation.Geometry.WGS84"),
        ({"Geometry": {"WGS84": "POINT (59.31 15.03)"}}, "Deviation.Geometry.WGS84"),
        (
            {"Geometry": {"Line": {"WGS84": LINE, "SWEREF99TM": "LINESTRING (15 59, 16 60)"}}},
            "Deviation.Geometry.Line.SWEREF99TM",
        ),
        ({"Geometry": None}, "Deviation.Geometry"),
        ({"Id": ""}, "Deviation.Id"),
        ({"SeverityCode": 9}, "Deviation.SeverityCode"),
    ],
)
def test_a_bad_deviation_is_rejected_by_field_and_the_others_import(store, change, field):
    devs = [deviation("A"), deviation("B", **change), deviation("C")]
    summary = run(store, "trafikverket", response({"Deviation": devs}))
    assert summary.created == 2
    assert [e.field for r in summary.rejected for e in r.errors] == [field], reasons(summary)


def test_an_api_error_or_a_foreign_document_is_reported():
    with pytest.raises(ValidationError, match=r"RESPONSE\.RESULT"):
        adapter("trafikverket").parse(b'{"type": "FeatureCollection"}')
    parsed = adapter("trafikverket").parse(
        b'{"RESPONSE": {"RESULT": [{"ERROR": {"SOURCE": "x", "MESSAGE": "Invalid key"}}]}}'
    )
    assert "Invalid key" in str(parsed.rejected[0])


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("field", ["StartTime", "EndTime"])
def test_a_time_at_the_edge_of_the_calendar_rejects_its_deviation_only(store, field, edge):
    situation = {"Deviation": [deviation("A"), deviation("B", **{field: edge})]}
    summary = run(store, "trafikverket", response(situation))
    assert summary.created == 1 and len(summary.rejected) == 1, reasons(summary)
    assert f"(Id B): Deviation.{field}: {edge} is outside the accepted range" in reasons(summary)
    assert store.get("blockage", "trafikverket-B") is None
