"""Validation at the edge: every refusal names the field and the reason, writes nothing."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime

import orjson
import pytest

from georisk import validation as v
from georisk.errors import Conflict, NotFound, ValidationError
from georisk.validation import MAX_BATCH, MAX_VERTICES
from tests.factories import OREBRO, RESCUE, T0, incident_input


def feature(geometry, **properties):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


BLOCKAGE = {"road": "E18", "reason": "accident"}
LINE = {"type": "LineString", "coordinates": [[14.52, 59.33], [14.60, 59.31]]}


def with_geometry(geometry):
    data = incident_input()
    data["geometry"] = geometry
    return data


def with_props(**changes):
    data = incident_input()
    data["properties"].update(changes)
    return data


BAD_INCIDENTS = [
    (with_geometry(point(math.nan, 59.0)), "geometry.coordinates.0", "finite"),
    (with_geometry(point(15.0, math.inf)), "geometry.coordinates.1", "finite"),
    (with_geometry(point(200.0, 59.0)), "geometry.coordinates", "not a WGS84"),
    (with_geometry(point(59.27, 15.21)), "geometry.coordinates",
     "looks like (latitude, longitude)"),
    (with_geometry(point(-74.0, 40.7)), "geometry.coordinates", "outside the accepted area"),
    (with_geometry(point(15.0, 95.0)), "geometry.coordinates", "GeoJSON order"),
    (with_geometry(LINE), "geometry.type", "'Point'"),
    (with_geometry({"type": "Point", "coordinates": [15.0]}), "geometry.coordinates",
     "at least 2"),
    (with_props(reported_at="2026-01-15T08:00:00"), "properties.reported_at", "timezone"),
    (with_props(reported_at="yesterday"), "properties.reported_at", "datetime"),
    (with_props(reported_at="2099-01-01T00:00:00Z"), "properties.reported_at", "future"),
    (with_props(type="volcano"), "properties.type", "'volcano' is not one of"),
    (with_props(agency="fbi"), "properties.agency", "not one of"),
    (with_props(classification="secret"), "properties.classification", "not one of"),
    (with_props(severity=9), "properties.severity", "less than or equal to 5"),
    (with_props(severity=0), "properties.severity", "greater than or equal to 1"),
    (with_props(colour="red"), "properties.colour", "unknown field"),
    (with_props(title=""), "properties.title", "at least 1 character"),
    (with_props(title="x" * 201), "properties.title", "at most 200 characters"),
    (with_props(description="x" * 5_001), "properties.description", "at most 5000"),
    ({**incident_input(), "extra": 1}, "extra", "unknown field"),
    ({"type": "Feature", "geometry": point(*OREBRO)}, "properties", "required field"),
    ({**incident_input(), "id": "has spaces"}, "id", "pattern"),
]


@pytest.mark.parametrize(("data", "field", "reason"), BAD_INCIDENTS)
def test_bad_incident_reports_name_field_and_reason_and_write_nothing(
    store, data, field, reason
):
    with pytest.raises(ValidationError) as caught:
        store.apply([v.report_incident(data)], RESCUE)
    assert any(e.field == field and reason in e.reason for e in caught.value.errors), (
        caught.value.errors
    )
    assert store.last_seq() == 0


BAD_BLOCKAGES = [
    (feature({"type": "LineString", "coordinates": [[14.5, 59.3], [14.5, 59.3]]}, **BLOCKAGE),
     "geometry", "Too few points"),
    (feature({"type": "LineString", "coordinates": [[14.5, 59.3]]}, **BLOCKAGE),
     "geometry.LineString.coordinates", "at least 2"),
    (feature({"type": "LineString",
              "coordinates": [[14.5 + i * 1e-5, 59.3] for i in range(MAX_VERTICES + 1)]},
             **BLOCKAGE), "geometry.LineString.coordinates", f"at most {MAX_VERTICES}"),
    (feature({"type": "LineString", "coordinates": [[14.5, 59.3], [59.4, 14.6]]}, **BLOCKAGE),
     "geometry.coordinates.1", "looks like (latitude, longitude)"),
    (feature({"type": "Polygon", "coordinates": [[[14, 59], [15, 59], [15, 60], [14, 59]]]},
             **BLOCKAGE), "geometry", "does not match any of the expected tags"),
    (feature(LINE, road="E18", reason="aliens"), "properties.reason", "not one of"),
    (feature(LINE, **BLOCKAGE, start="2026-01-15T10:00:00Z", expected_end="2026-01-15T09:00:00Z"),
     "properties.expected_end", "not after the start"),
    (feature(LINE, road="x" * 101, reason="fire"), "properties.road", "at most 100"),
]


@pytest.mark.parametrize(("data", "field", "reason"), BAD_BLOCKAGES)
def test_bad_blockages_are_refused(store, data, field, reason):
    with pytest.raises(ValidationError) as caught:
        store.apply([v.report_blockage(data)], RESCUE)
    assert any(e.field == field and reason in e.reason for e in caught.value.errors), (
        caught.value.errors
    )
    assert store.last_seq() == 0


def unit_input(**properties):
    props = {"callsign": "RÖR 2010", "agency": "rescue", "unit_kind": "engine"}
    props.update(properties)
    return {"type": "Feature", "geometry": None, "properties": props}


def test_units_and_positions(store):
    store.apply([v.register_unit(unit_input(), now=T0)], RESCUE)
    cases = [
        (lambda: v.register_unit(unit_input(unit_kind="tank")), "properties.unit_kind",
         "not one of"),
        (lambda: v.register_unit({**unit_input(), "geometry": point(*OREBRO)}),
         "properties.position_time", "required when a position is given"),
        (lambda: v.move_unit("u", {"geometry": point(*OREBRO), "time": "2026-01-15T08:00"}),
         "time", "timezone"),
        (lambda: v.move_unit("u", {"geometry": point(*OREBRO), "time": T0.isoformat(),
                                   "heading": 360}), "heading", "less than 360"),
        (lambda: v.move_unit("u", {"geometry": point(*OREBRO), "time": T0.isoformat(),
                                   "speed_kmh": -3}), "speed_kmh", "greater than or equal to 0"),
        (lambda: v.set_unit_status("u", {"status": "asleep"}), "status", "not one of"),
        (lambda: v.update_unit("u", {"properties": {}}), "properties", "nothing to change"),
        (lambda: v.update_unit("u", {"properties": {"callsign": None}}),
         "properties.callsign", "may not be null"),
    ]
    for make, field, reason in cases:
        with pytest.raises(ValidationError) as caught:
            make()
        assert any(e.field == field and reason in e.reason for e in caught.value.errors), (
            field, caught.value.errors)
    assert store.last_seq() == 1


def test_a_batch_with_one_bad_report_is_refused_whole(store):
    store.apply([v.register_unit({**unit_input(), "id": "u1"})], RESCUE)
    good = {"unit": "u1", "geometry": point(*OREBRO), "time": "2026-01-15T08:00:00Z"}
    bad = {**good, "geometry": point(59.27, 15.2)}
    with pytest.raises(ValidationError) as caught:
        v.move_units({"positions": [good, good, bad]})
    assert caught.value.errors[0].field == "positions.2.geometry.coordinates"
    with pytest.raises(ValidationError, match=f"at most {MAX_BATCH}"):
        v.move_units({"positions": [good] * (MAX_BATCH + 1)})
    # a valid batch naming an unknown unit is refused by the store, whole
    with pytest.raises(NotFound, match="ghost"):
        store.apply(v.move_units({"positions": [good, {**good, "unit": "ghost"}]}), RESCUE)
    assert store.last_seq() == 1
    moves = v.move_units({"positions": [good]})
    store.apply(moves, RESCUE)
    assert store.get("unit", "u1").position.coords[0] == OREBRO


def test_batch_times_are_checked_per_report_and_kept_in_utc():
    good = {"unit": "u1", "geometry": point(*OREBRO), "time": "2026-01-15T08:00:00Z"}
    now = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    local = {**good, "time": "2026-01-15T09:30:00+01:00"}
    (moved,) = v.move_units({"positions": [local]}, now=now)
    assert moved.time == datetime(2026, 1, 15, 8, 30, tzinfo=UTC) and moved.time.tzinfo is UTC
    for time, reason in (("2026-01-15T09:30:00Z", "in the future"),
                         ("2026-01-15T08:00:00", "timezone")):
        with pytest.raises(ValidationError) as caught:
            v.move_units({"positions": [good, {**good, "time": time}]}, now=now)
        (error,) = caught.value.errors
        assert error.field == "positions.1.time" and reason in error.reason, error


def test_updates_to_missing_entities_and_double_closes(store):
    report = v.report_incident({**incident_input(), "id": "inc-1"})
    store.apply([report], RESCUE)
    with pytest.raises(NotFound, match="no incident with id 'inc-2'"):
        store.apply([v.update_incident("inc-2", {"properties": {"severity": 4}})], RESCUE)
    store.apply([v.close_incident("inc-1")], RESCUE)
    with pytest.raises(Conflict, match="already closed"):
        store.apply([v.close_incident("inc-1")], RESCUE)
    with pytest.raises(NotFound, match="no blockage"):
        store.apply([v.lift_blockage("blk-x")], RESCUE)
    assert store.last_seq() == 2


def test_valid_input_becomes_the_expected_records(store):
    data = copy.deepcopy(incident_input(reported_at="2026-01-15T09:00:00+01:00"))
    data["id"] = "inc-7"
    store.apply([v.report_incident(data)], RESCUE)
    stored = store.get("incident", "inc-7")
    assert stored.reported_at == T0  # 09:00+01:00 is 08:00 UTC
    assert stored.location.coords[0] == OREBRO
    store.apply([v.update_incident("inc-7", {"geometry": point(15.0, 59.1),
                                             "properties": {"severity": 5}})], RESCUE)
    updated = store.get("incident", "inc-7")
    assert (updated.severity, updated.location.coords[0]) == (5, (15.0, 59.1))
    generated = v.report_incident(incident_input()).incident.id
    assert generated.startswith("inc-") and len(generated) == 20

    blk = v.report_blockage(feature(LINE, **BLOCKAGE, expected_end="2099-01-01T00:00:00Z"))
    store.apply([blk], RESCUE)
    with pytest.raises(ValidationError, match="not after the start"):
        store.apply([v.update_blockage(blk.blockage.id, {"properties": {
            "expected_end": "2000-01-01T00:00:00Z"}})], RESCUE)


def test_a_batch_from_raw_json_refuses_edge_times_string_coordinates_and_altitudes():
    """The fast path (raw JSON, reports as dicts, no Python validator per report) keeps
    every rule of the single report."""
    good = {"unit": "u1", "geometry": point(*OREBRO), "time": "2026-01-15T08:00:00Z"}
    now = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    cases = [
        ({"time": "0001-01-01T00:00:00+14:00"}, "positions.1.time", "accepted range"),
        ({"time": "9999-12-31T23:59:59-14:00"}, "positions.1.time", "accepted range"),
        ({"time": "1899-12-31T23:59:59Z"}, "positions.1.time", "accepted range"),
        ({"time": "2199-12-31T23:59:59Z"}, "positions.1.time", "in the future"),
        ({"geometry": {"type": "Point", "coordinates": [15.2, "59.3"]}},
         "positions.1.geometry.coordinates.1", "valid number"),
        ({"geometry": {"type": "Point", "coordinates": [15.2, 59.3, 1e308]}},
         "positions.1.geometry.coordinates.2", "altitude"),
        ({"unit": "u\x001"}, "positions.1.unit", "pattern"),
    ]
    for change, field, reason in cases:
        raw = orjson.dumps({"positions": [good, {**good, **change}, good]})
        with pytest.raises(ValidationError) as caught:
            v.move_units(raw, now=now)
        assert [(e.field, reason in e.reason) for e in caught.value.errors] == [(field, True)], (
            change, caught.value.errors)
    raw = b'{"positions": [{"unit": "u1", "time": "2026-01-15T08:00:00Z", "geometry": ' \
          b'{"type": "Point", "coordinates": [15.2, 59.3, 1e400]}}]}'
    with pytest.raises(ValidationError, match=r"coordinates\.2: Input should be a finite number"):
        v.move_units(raw, now=now)
    (moved,) = v.move_units(orjson.dumps({"positions": [{**good, "geometry": point(15, 59)}]}))
    assert moved.position.coords[0] == (15.0, 59.0)
