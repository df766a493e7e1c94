"""Fixtures shared by the whole suite.

`../shared` (beside the repository) holds openly licensed reference data and feed
samples. The project never needs it to run; tests that check against it skip when
it is absent. ``GEORISK_SHARED`` points elsewhere if needed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEORISK_SHARED", ROOT.parent / "shared"))


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
