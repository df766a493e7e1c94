"""The georisk command line, run as a user runs it: a real process on a real file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import shapely
from click.testing import CliRunner

from app.cli import cli
from georisk import commands as c
from georisk.store import SQLiteStore
from georisk.store.sqlite import migrations
from tests.conftest import ROOT
from tests.factories import RESCUE, T0, incident, unit


def georisk(*args: str, env: dict[str, str] | None = None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kwargs,
    )


def _seed(path):
    store = SQLiteStore(path)
    store.apply([c.ReportIncident(incident("inc-1")), c.RegisterUnit(unit("u1"))], RESCUE, at=T0)
    store.apply([c.MoveUnit("u1", shapely.Point(15.0, 59.0), T0)], RESCUE,
                at=T0 + timedelta(hours=1))
    store.apply([c.CloseIncident("inc-1")], RESCUE, at=T0 + timedelta(hours=2))
    store.close()


def test_help_lists_the_commands():
    result = georisk("--help")
    assert result.returncode == 0
    for command in ("init-db", "events", "state", "serve"):
        assert command in result.stdout


def test_init_db_then_environment_variable_selects_the_database(db_path):
    result = georisk("init-db", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    newest = migrations()[-1][0]
    assert f"schema version {newest}, 0 events" in result.stdout
    assert db_path.exists()
    _seed(db_path)
    listed = georisk("events", env={"GEORISK_DB": str(db_path)})
    assert listed.returncode == 0
    assert len(listed.stdout.splitlines()) == 4
    assert "incident.closed" in listed.stdout


def test_events_as_json_with_after_and_limit(db_path):
    _seed(db_path)
    result = georisk("events", "--db", str(db_path), "--json", "--after", "1", "--limit", "2")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == [2, 3]
    assert events[1]["kind"] == "unit.moved"
    assert events[1]["payload"]["geometry"]["coordinates"] == [15.0, 59.0]


def test_state_at_a_past_time_prints_that_picture(db_path):
    _seed(db_path)
    result = georisk("state", "--db", str(db_path), "--at", "2026-01-15T09:30:00+01:00")
    assert result.returncode == 0, result.stderr
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    assert collection["picture"]["seq"] == 2  # 08:30 UTC: reported, not yet moved or closed
    by_id = {f["id"]: f for f in collection["features"]}
    assert by_id["inc-1"]["properties"]["status"] == "open"
    assert by_id["u1"]["geometry"] is None
    assert by_id["u1"]["properties"]["kind"] == "unit"
    later = json.loads(georisk("state", "--db", str(db_path), "--kind", "incident").stdout)
    assert [f["properties"]["status"] for f in later["features"]] == ["closed"]


def test_user_errors_are_readable_and_exit_non_zero(tmp_path, db_path):
    missing = georisk("events", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 1
    assert "no database at" in missing.stderr and "georisk init-db" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "nope.db").exists()

    _seed(db_path)
    naive = georisk("state", "--db", str(db_path), "--at", "2026-01-15T09:30:00")
    assert naive.returncode == 2
    assert "has no timezone" in naive.stderr and "Traceback" not in naive.stderr
    bad_kind = georisk("state", "--db", str(db_path), "--kind", "cats")
    assert bad_kind.returncode == 2 and "'cats' is not one of" in bad_kind.stderr


EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def _one_error_line(code: int, stderr: str, *words: str) -> None:
    """Non-zero, no traceback, and one "Error:" line saying ``words``."""
    assert code != 0 and "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert all(word in errors[0] for word in words), errors[0]


def test_times_at_the_edge_of_the_calendar_are_one_error_line(db_path):
    """One real process, then every other time option in-process (the same click code,
    without a second of start-up per option)."""
    _seed(db_path)
    db = ("--db", str(db_path))
    for edge in EDGES:
        result = georisk("state", *db, "--at", edge)
        _one_error_line(result.returncode, result.stderr, "'--at'", edge, "1900", "2199")

    def run(*args: str, words: tuple[str, ...]) -> None:
        result = CliRunner().invoke(cli, [*args, *db])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception)
        _one_error_line(result.exit_code, result.stderr, *words)

    as_analyst = ("-o", str(db_path.with_suffix(".html")), "--agency", "rescue", "--role",
                  "analyst")
    for edge in EDGES:
        for option, more in (("--at", ()), ("--from", ("--to", "2026-01-15T10:00:00Z")),
                             ("--to", ("--from", "2026-01-15T07:00:00Z")),
                             ("--exported-at", ())):
            run("export", *as_analyst, option, edge, *more, words=(f"{option}: {edge}", "1900"))
        run("demo", "--no-serve", "--end", edge, words=("'--end'", "1900"))
    assert not db_path.with_suffix(".html").exists()
    run("events", "--after", "99999999999999999999", words=("'--after'", "0<=x<="))
    run("firerisk", "at", "15.2", "59.27", "--day", "0001-01-01",
        words=("'--day'", "1900-01-01 to 2199-12-31"))
    assert len(georisk("events", *db).stdout.splitlines()) == 4  # nothing was written


def test_events_follow_shows_new_events_as_they_arrive(db_path):
    _seed(db_path)
    follower = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "events", "--db", str(db_path), "--follow",
         "--after", "4", "--interval", "0.05"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        store = SQLiteStore(db_path)
        store.apply([c.ReportIncident(incident("inc-live"))], RESCUE)
        store.close()
        line = follower.stdout.readline()
        assert "incident.reported" in line and "inc-live" in line
    finally:
        follower.kill()
        follower.wait()


def test_an_output_in_a_folder_that_does_not_exist_is_one_error_line(tmp_path, db_path):
    """Nothing is written and no folder made: a slip in a path is named before any work."""
    SQLiteStore(db_path).close()
    weather = tmp_path / "weather.csv"
    weather.write_text("id,lat,long,yr,mon,day,temp,rh,ws,prec\n1,59.3,15.2,2026,6,1,20,40,10,0\n")
    missing = tmp_path / "missing"
    runner = CliRunner()
    for arguments in (
        ["export", "-o", str(missing / "x.html"), "--agency", "police", "--db", str(db_path)],
        ["fwi", str(weather), "-o", str(missing / "out.csv")],
    ):
        result = runner.invoke(cli, arguments)
        assert result.exit_code == 2, result.output
        assert f"the folder {missing} does not exist" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not missing.exists()
    wrote = runner.invoke(cli, ["fwi", str(weather), "-o", str(tmp_path / "out.csv")])
    assert wrote.exit_code == 0 and (tmp_path / "out.csv").exists()


def test_coordinates_in_latitude_first_order_are_named_as_such(db_path):
    SQLiteStore(db_path).close()
    runner = CliRunner()
    swapped = runner.invoke(cli, ["firerisk", "at", "59.27", "15.2", "--day", "2026-07-01",
                                  "--db", str(db_path)])
    assert swapped.exit_code == 1 and "looks like (latitude, longitude)" in swapped.output
    box = runner.invoke(cli, ["export", "-o", os.devnull, "--agency", "police", "--bbox",
                              "59,15,60,16", "--db", str(db_path)])
    assert box.exit_code != 0 and "looks like latitude first" in box.output
    assert "15,59,16,60" in box.output  # the box it probably means
    away = runner.invoke(cli, ["export", "-o", os.devnull, "--agency", "police", "--bbox",
                               "1,1,2,2", "--db", str(db_path)])
    assert away.exit_code != 0 and "does not meet the operating area" in away.output
