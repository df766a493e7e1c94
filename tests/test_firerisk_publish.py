"""Risk zones into the journal: issued per day, replaced, withdrawn, queried at a point."""

from __future__ import annotations

import pytest
import shapely

from georisk.firerisk.publish import day_bounds, publish, risk_at, zone_records
from georisk.firerisk.station_weather import daily_fire_weather, read_station_weather
from georisk.firerisk.synthetic import season_dates, station_weather_frame
from georisk.firerisk.zones import fire_risk_grid, point_risk, risk_zones
from georisk.store import Query

DATES = season_dates()[40:100]
AREA = shapely.Polygon([(13.0, 58.9), (15.8, 58.7), (16.4, 59.8), (14.9, 60.5), (13.2, 60.0)])


@pytest.fixture(scope="module")
def risk():
    frame = station_weather_frame(25, DATES, bbox=(12.5, 58.4, 16.9, 60.8), seed=5)
    return fire_risk_grid(daily_fire_weather(read_station_weather(frame)), AREA, cell_size=5000.0)


def test_a_days_zones_become_records_that_cover_the_area(risk):
    day = DATES[-1]
    zones = risk_zones(risk, day)
    records = zone_records(zones)
    assert len(records) == len(zones) > 1
    assert len({r.id for r in records}) == len(records)
    covered = shapely.union_all([r.area for r in records])
    assert covered.symmetric_difference(AREA).area / AREA.area < 0.01  # simplified edges only
    start, end = day_bounds(day)
    assert all((r.valid_from, r.valid_to) == (start, end) for r in records)
    assert (end - start).total_seconds() == 86_400
    assert {r.risk_class for r in records} == set(zones["class"])


def test_publishing_replaces_the_day_and_withdraws_what_is_gone(store, risk):
    day = DATES[-1]
    events = publish(store, risk_zones(risk, day), day)
    assert {e.kind for e in events} == {"riskzones.issued"}
    first = {z.id for z in store.query(Query("riskzones")).records}

    # issue the same day again from an earlier, different grid: old parts are withdrawn
    replacement = risk_zones(risk, DATES[0])
    replacement["valid_date"] = day
    again = publish(store, replacement, day)
    kept = {z.id for z in zone_records(replacement)}
    withdrawn = {e.entity_id for e in again if e.kind == "riskzones.withdrawn"}
    assert withdrawn == first - kept
    issued = store.query(Query("riskzones", status=frozenset({"issued"}))).records
    assert {z.id for z in issued} == kept


def test_risk_at_a_point_agrees_with_the_grid(store, risk):
    day = DATES[-1]
    publish(store, risk_zones(risk, day), day)
    for lon, lat in [(14.0, 59.3), (15.2, 59.27), (13.6, 59.8)]:
        zone = risk_at(store, lon, lat, day)
        expected = point_risk(risk, lon, lat, day)
        assert zone is not None and zone.risk_class == expected["class"]
        assert zone.fwi_min - 0.01 <= expected["fwi"] <= zone.fwi_max + 0.01
    assert risk_at(store, 11.0, 64.0, day) is None


def test_the_firerisk_commands_issue_zones_and_answer_for_a_point(tmp_path, db_path):
    import json
    import subprocess
    import sys

    from georisk.store import SQLiteStore
    from tests.conftest import ROOT

    SQLiteStore(db_path).close()
    frame = station_weather_frame(30, DATES, bbox=(11.2, 57.2, 16.9, 62.2), seed=3)
    weather = tmp_path / "weather.csv"
    frame.to_csv(weather, index=False)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "app.cli", *args, "--db", str(db_path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    day = DATES[-1].isoformat()
    issued = run("firerisk", "zones", str(weather), "--cell-size", "10000")
    assert issued.returncode == 0, issued.stderr
    assert f"last: {day}" in issued.stdout
    answer = run("firerisk", "at", "15.2", "59.27", "--day", day)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["scale"] == "se-msb2018"
    missing = run("firerisk", "at", "15.2", "59.27", "--day", "2020-01-01")
    assert missing.returncode == 1 and "no risk zone issued" in missing.stderr
    bad_day = run("firerisk", "at", "15.2", "59.27", "--day", "igår")
    assert bad_day.returncode == 2 and "not a date" in bad_day.stderr


def test_the_live_map_shows_only_current_zones(store, risk):
    """Out of season, last summer's zones must not colour today's map."""
    from datetime import timedelta

    from georisk.picture import current_zones
    from georisk.store import Query

    day = DATES[-1]
    publish(store, risk_zones(risk, day), day)
    issued = store.query(Query("riskzones", status=frozenset({"issued"}))).records
    assert {z.valid_date for z in current_zones(issued, day)} == {day.isoformat()}
    assert current_zones(issued, day + timedelta(days=1))  # yesterday's still shows
    assert current_zones(issued, day + timedelta(days=2)) == []
    assert current_zones(issued, day - timedelta(days=1)) == []  # not yet issued then


def test_the_picture_at_a_past_moment_keeps_the_same_zone_rule(store, risk):
    """A briefing of a past moment shows that day's zones, and none once they are two
    days stale, exactly as the live map would have then."""
    from datetime import UTC, datetime, timedelta

    from georisk.firerisk.publish import FIRE_RISK_ACTOR, issue_commands
    from georisk.picture import picture

    day = DATES[-1]
    issued_at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)  # 05:00 in summer
    store.apply(issue_commands(store, risk_zones(risk, day), day), FIRE_RISK_ACTOR,
                at=issued_at)
    assert picture(store, issued_at - timedelta(hours=1))["riskzones"] == []
    same_day = picture(store, issued_at + timedelta(hours=8))["riskzones"]
    assert same_day and {z.valid_date for z in same_day} == {day.isoformat()}
    assert picture(store, issued_at + timedelta(days=1))["riskzones"]  # yesterday's
    assert picture(store, issued_at + timedelta(days=2, hours=1))["riskzones"] == []
