"""Fixtures shared by the whole suite.

`../shared` (beside the repository) holds openly licensed reference data and feed
samples. The project never needs it to run; tests that check against it skip when
it is absent. ``GEORISK_SHARED`` points elsewhere if needed.

Tests that need a system tool (Chromium, GDAL's command-line tools) or `../shared` skip
with the reason when it is missing on a developer's machine. CI installs all of them and
sets ``GEORISK_CI=1``: there a skip is a failure, so nothing silently goes untested.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEORISK_SHARED", ROOT.parent / "shared"))
IN_CI = os.environ.get("GEORISK_CI") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI, a skipped test fails, with the reason it gave for skipping."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which installs everything the tests use: {reason}"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference data folder {SHARED} is absent (set GEORISK_SHARED)")
    return SHARED


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "georisk.db"


@pytest.fixture
def store(db_path: Path):
    from georisk.store import SQLiteStore

    opened = SQLiteStore(db_path)
    yield opened
    opened.close()


# -- both store backends ---------------------------------------------------------------
#: The store backends the parametrised suites run on: the embedded SQLite file and
#: PostgreSQL + PostGIS (`tests.pg_support`).
BACKENDS = ["sqlite", "postgis"]


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL + PostGIS server for the whole session (skips with the
    reason when the operating system's packages are not installed)."""
    from tests import pg_support

    reason = pg_support.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with pg_support.running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new, empty database with PostGIS."""
    from georisk.store.connections import close_pool

    url = pg_server.database()
    yield url
    close_pool(url)  # the service tables' connections of this process


@pytest.fixture(params=BACKENDS)
def store_location(request, tmp_path: Path) -> str:
    """Where a store of each backend is: a SQLite file's path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "georisk.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(store_location: str):
    """A store of each backend in turn."""
    from georisk.store import open_store

    opened = open_store(store_location)
    yield opened
    opened.close()


#: The analysis tests' and notebooks' demo journal: four months, small enough to write in
#: about half a minute, long enough for weekly forecasts and a fire season's risk zones.
ANALYSIS_DEMO = ["--incidents", "1500", "--units", "40", "--days", "120", "--seed", "3",
                 "--end", "2026-09-30T00:00:00+02:00"]


@pytest.fixture(scope="session")
def analysis_db(tmp_path_factory) -> Path:
    """A demo database written by `georisk demo --no-serve` (once per test session)."""
    import subprocess
    import sys

    db = tmp_path_factory.mktemp("analysis") / "demo.db"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo", "--db", str(db), "--no-serve", *ANALYSIS_DEMO],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "GEORISK_DB": ""},
    )
    assert done.returncode == 0, done.stderr
    return db
