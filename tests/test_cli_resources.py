"""`georisk route`, `suggest` and `coverage` on a real database file: the answers, the
note on the network's precision, and one-line errors."""

from __future__ import annotations

import json

import pytest
import shapely
from click.testing import CliRunner

from app.cli import cli
from georisk import commands as c
from georisk.model import UnitKind
from georisk.store import SQLiteStore
from tests.factories import KARLSTAD, OREBRO, RESCUE, T0, blockage, incident, unit

KARLSKOGA = (14.5241, 59.3267)


@pytest.fixture
def db(db_path):
    store = SQLiteStore(db_path)
    store.apply([
        c.ReportIncident(incident("crash", location=shapely.Point(*OREBRO))),
        c.RegisterUnit(unit("near", callsign="RÖR 1", position=shapely.Point(15.1, 59.28),
                            position_time=T0)),
        c.RegisterUnit(unit("far", callsign="RÖR 2", position=shapely.Point(*KARLSTAD),
                            position_time=T0)),
        c.RegisterUnit(unit("amb", callsign="AMB 1", unit_kind=UnitKind.AMBULANCE,
                            position=shapely.Point(15.0, 59.3), position_time=T0)),
    ], RESCUE)
    store.close()
    return str(db_path)


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_route_goes_around_a_closure_and_says_how_rough_it_is(db, db_path):
    before = _run("route", "--db", db, *map(str, KARLSTAD), *map(str, OREBRO))
    assert before.exit_code == 0, before.output
    assert "engine:" in before.stdout and "via E18" in before.stdout
    assert "schematic road network" in before.stderr
    minutes = int(before.stdout.split(": ")[1].split(" min")[0])
    store = SQLiteStore(db_path)
    closure = blockage("blk-kga", road="E18", section=shapely.Point(*KARLSKOGA))
    store.apply([c.ReportBlockage(closure)], RESCUE)
    store.close()
    after = _run("route", "--db", db, *map(str, KARLSTAD), *map(str, OREBRO), "--geojson")
    feature = json.loads(after.stdout)
    assert feature["properties"]["blockages_avoided"] == ["blk-kga"]
    assert feature["properties"]["eta_s"] > minutes * 60 * 1.2
    assert feature["properties"]["network"]["approximate"] is True


def test_swapped_coordinates_are_refused_on_one_line_with_the_hint(db):
    result = _run("route", "--db", db, "59.27", "15.21", *map(str, KARLSTAD))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line == ("Error: FROM_LON FROM_LAT: (59.27, 15.21) looks like (latitude, "
                    "longitude); give (longitude, latitude): (15.21, 59.27)")


def test_suggest_ranks_by_eta_and_filters_by_kind(db):
    result = _run("suggest", "--db", db, "crash")
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 0 and [line.split()[1:3] for line in lines] == [
        ["RÖR", "1"], ["AMB", "1"], ["RÖR", "2"]]
    only = _run("suggest", "--db", db, "crash", "--kind", "ambulance", "--geojson")
    answer = json.loads(only.stdout)
    assert [f["properties"]["unit"]["id"] for f in answer["features"]] == ["amb"]
    missing = _run("suggest", "--db", db, "nope")
    assert missing.exit_code == 1 and missing.output.strip() == "Error: no incident with id 'nope'"


def test_coverage_writes_isochrones_and_gaps(db, tmp_path):
    out = tmp_path / "gaps.geojson"
    result = _run("coverage", "--db", db, "--minutes", "20", "--kind", "engine", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "2 available; beyond 20 min:" in result.stdout
    body = json.loads(out.read_text())
    assert [f["id"] for f in body["features"]] == ["isochrone-20", "gap-20"]
    assert body["features"][1]["properties"]["population"] > 100_000
    refused = _run("coverage", "--db", db, "--minutes", "0", "-o", str(out))
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: --minutes: must be between 1 and 120"
