"""The demo scenario: deterministic, inside the area, on the roads, consistent, and its CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely

from georisk import commands as c
from georisk.area import attribute
from georisk.crs import to_sweref
from georisk.model import IncidentType
from georisk.scenario import ScenarioOptions, build, generate
from georisk.scenario.world import load_world
from georisk.store import SQLiteStore
from georisk.timeutil import parse_instant

END = datetime(2026, 2, 10, 16, 30, tzinfo=UTC)
SMALL = ScenarioOptions(seed=7, incidents=400, units=40, days=30, end=END)
NEAR_M = 2_000.0  # a reported unit position is this close to a road, its home or a scene


def _generate(path: Path, options: ScenarioOptions) -> list:
    store = SQLiteStore(path)
    try:
        generate(store, options)
        return _all_events(store)
    finally:
        store.close()


def _all_events(store: SQLiteStore) -> list:
    events, after = [], 0
    while batch := store.events_after(after, 50_000):
        events += batch
        after = batch[-1].seq
    return events


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, list]:
    path = tmp_path_factory.mktemp("scenario") / "small.db"
    return path, _generate(path, SMALL)


def _key(events: list) -> list:
    return [(e.kind, e.entity_id, e.time, e.payload) for e in events]


def test_the_same_seed_gives_the_same_journal(small, tmp_path):
    _, events = small
    again = _generate(tmp_path / "again.db", SMALL)
    assert _key(again) == _key(events)


def test_another_seed_gives_another_journal(small, tmp_path):
    _, events = small
    other = _generate(tmp_path / "other.db", ScenarioOptions(**{**SMALL.__dict__, "seed": 8}))
    assert _key(other) != _key(events)


def test_incidents_lie_in_the_area_with_their_codes(small):
    _, events = small
    reported = [e.record() for e in events if e.kind == "incident.reported"]
    assert len(reported) == SMALL.incidents
    lon = np.array([i.location.x for i in reported])
    lat = np.array([i.location.y for i in reported])
    found = attribute(lon, lat)
    assert set(found["method"]) <= {"inside", "nearest"}
    assert all(i.county and i.municipality for i in reported)
    assert [i.county for i in reported] == found["county_code"].astype(str).tolist()
    assert [i.municipality for i in reported] == found["municipality_code"].astype(str).tolist()
    assert {i.classification for i in reported} >= {"open", "agency"}
    owners = {(i.type, i.agency) for i in reported}
    assert ("medical", "sos") in owners and ("police", "police") in owners


@pytest.fixture(scope="module")
def year_plan():
    options = ScenarioOptions(seed=3, incidents=3_000, units=10, days=365,
                              end=datetime(2026, 1, 1, tzinfo=UTC))
    plan, _, _, _ = build(options)
    return plan


def test_forest_fires_come_in_summer_and_traffic_accidents_in_winter(year_plan):
    months: dict[IncidentType, Counter] = defaultdict(Counter)
    for command in year_plan._commands:
        if isinstance(command, c.ReportIncident):
            months[command.incident.type][command.incident.reported_at.month] += 1
    fires, traffic = months[IncidentType.FOREST_FIRE], months[IncidentType.TRAFFIC]
    assert fires[7] > 5 * max(fires[1], 1)
    assert traffic[1] > 1.5 * traffic[7]


def test_fire_risk_zones_are_issued_every_day_of_the_season_and_only_then(year_plan):
    zones = [cmd.zone for cmd in year_plan._commands if isinstance(cmd, c.IssueRiskZone)]
    days = {zone.valid_date for zone in zones}
    assert len(days) == 153
    assert min(days) == "2025-05-01" and max(days) == "2025-09-30"
    assert {zone.risk_class for zone in zones} >= {"2", "3", "4"}  # the season varies


def test_units_stay_on_or_near_the_roads(small):
    _, events = small
    world = load_world()
    homes = {e.entity_id: e.record().position for e in events if e.kind == "unit.registered"}
    scenes = [e.record().location for e in events if e.kind == "incident.reported"]
    moves = [e.record() for e in events if e.kind == "unit.moved"]
    assert len(moves) > 100
    lon = np.array([m.position.x for m in moves])
    lat = np.array([m.position.y for m in moves])
    x, y = to_sweref(lon, lat)
    points = shapely.points(x, y)
    roads = shapely.STRtree(world.roads.geometry.values)
    near_road = np.zeros(len(moves), dtype=bool)
    near_road[roads.query(points, predicate="dwithin", distance=NEAR_M)[0]] = True
    hx, hy = to_sweref(np.array([homes[m.id].x for m in moves]),
                             np.array([homes[m.id].y for m in moves]))
    near_home = np.hypot(x - hx, y - hy) <= NEAR_M
    sx, sy = to_sweref(np.array([p.x for p in scenes]), np.array([p.y for p in scenes]))
    scene_tree = shapely.STRtree(shapely.points(sx, sy))
    near_scene = np.zeros(len(moves), dtype=bool)
    near_scene[scene_tree.query(points, predicate="dwithin", distance=NEAR_M)[0]] = True
    assert (near_road | near_home | near_scene).all()
    assert near_road.mean() > 0.5  # most reports are made while driving on the roads


def test_the_journal_is_consistent(small):
    _, events = small
    reported: dict[str, datetime] = {}
    last_position: dict[str, datetime] = {}
    for e in events:
        record = e.record()
        if e.kind == "incident.reported":
            reported[e.entity_id] = e.time
        elif e.kind == "incident.closed":
            assert e.entity_id in reported and record.closed_at >= reported[e.entity_id]
        elif e.kind == "blockage.lifted":
            assert record.lifted_at > record.start
        elif e.kind == "unit.moved":
            assert record.position_time >= last_position.get(e.entity_id, record.position_time)
            last_position[e.entity_id] = record.position_time
            assert record.speed_kmh is not None and 0 <= record.heading < 360
    assert [e.time for e in events] == sorted(e.time for e in events)
    assert events[-1].time <= END


def test_the_scenario_ends_in_a_live_picture(small):
    path, _ = small
    store = SQLiteStore(path)
    try:
        picture = store.state_at(END)
    finally:
        store.close()
    assert any(i.status == "open" for i in picture.incidents)
    assert any(i.status == "closed" for i in picture.incidents)
    assert any(b.status == "active" for b in picture.blockages)
    assert any(b.status == "lifted" for b in picture.blockages)
    assert len({u.status for u in picture.units}) >= 3
    assert {b.road for b in picture.blockages} & {"E18", "E20", "E45", "E16", "E6"}


def _demo(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GEORISK_DB": ""}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "demo", "--db", str(db), "--no-serve", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )


DEMO = ["--incidents", "80", "--units", "10", "--days", "4", "--seed", "2",
        "--end", "2026-02-10T16:30:00Z"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, int]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    first = _demo(db, *DEMO)
    store = SQLiteStore(db)
    count = store.last_seq()
    store.close()
    return db, first, count


def test_demo_seeds_a_new_database_and_shows_progress(demo_db):
    _, first, count = demo_db
    assert first.returncode == 0, first.stderr
    assert "incidents     80" in first.stdout and "database" in first.stdout
    assert "writing 100%" in first.stderr
    assert count > 80


def test_demo_reuses_a_database_that_holds_events(demo_db):
    db, _, count = demo_db
    again = _demo(db, *DEMO)
    assert again.returncode == 0, again.stderr
    assert "already holds" in again.stdout
    store = SQLiteStore(db)
    assert store.last_seq() == count
    store.close()


def test_demo_fresh_writes_the_same_scenario_again(demo_db):
    db, _, count = demo_db
    fresh = _demo(db, *DEMO, "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert "wrote a synthetic scenario" in fresh.stdout
    store = SQLiteStore(db)
    assert store.last_seq() == count  # the same seed writes the same scenario again
    assert store.events_after(0, 1)[0].time == parse_instant("2026-02-06T16:30:00Z")
    store.close()


def test_demo_refuses_to_replace_a_file_that_is_not_a_georisk_database(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a database\n")
    refused = _demo(other, "--fresh")
    assert refused.returncode != 0
    assert "not a georisk database" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert other.read_text() == "not a database\n"


def test_demo_option_errors_are_one_line_and_write_nothing(tmp_path):
    bad = _demo(tmp_path / "x.db", "--days", "0")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "--days" in bad.stderr
    bad_end = _demo(tmp_path / "x.db", "--end", "2026-02-10 16:30")
    assert bad_end.returncode != 0 and "timezone" in bad_end.stderr
    assert not (tmp_path / "x.db").exists()
