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


#: The analysis tests' and notebooks' demo journal: four months, small enough to write in
#: about half a minute, long enough for weekly forecasts and a fire season's risk zones.
ANALYSIS_DEMO = ["--incidents", "1500", "--units", "40", "--days", "120", "--seed", "3",
                 "--end", "2026-09-30T00:00:00+02:00"]  # fmt: skip


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
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return db
