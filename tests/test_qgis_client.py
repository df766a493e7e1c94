"""QGIS as the desktop analysts run it: Debian's QGIS 3.22, headless, opens every
collection of the live service through its OAPIF provider with default settings and a
Basic authentication configuration (the token's name and the token), and reads what the
API shows that viewer: the same ids, coordinates within 1e-7 degrees, and every time as
the same instant on a desktop in Europe/Stockholm (QGIS 3.22 drops a time's offset and
reads the rest as local time: `app.ogc`).

QGIS runs in its own process under Debian's Python (`tests/qgis_reader.py`); QGIS 3.22
may crash on exit after its work is done, so the test judges by the file it wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import shapely

from app.ogc import DEFAULT_LIMIT
from tests.api_support import running_service
from tests.ogc_support import COLLECTIONS, build_world, shown

DEBIAN_PYTHON = "/usr/bin/python3"
READER = Path(__file__).with_name("qgis_reader.py")
DEGREES = 1e-7


def _qgis_missing() -> str | None:
    try:
        found = subprocess.run([DEBIAN_PYTHON, "-c", "import qgis.core"], capture_output=True,
                               timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        found = None
    if found is None or found.returncode != 0:
        return ("QGIS's Python bindings (Debian packages qgis python3-qgis qgis-providers) "
                "are not installed; .ci/run installs them")
    return None


@pytest.fixture(scope="module")
def read_by_qgis(tmp_path_factory):
    missing = _qgis_missing()
    if missing:
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("qgis")
    db = work / "georisk.db"
    token = build_world(db)
    out = work / "read.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TZ": "Europe/Stockholm",
           "HOME": str(work), "XDG_RUNTIME_DIR": str(work)}
    log = work / "access.log"
    with running_service(db, access_log=log) as base:
        finished = subprocess.run(
            [DEBIAN_PYTHON, str(READER), base, "gis", token, str(out), *COLLECTIONS],
            env=env, capture_output=True, text=True, timeout=300,
        )
    assert out.exists(), f"QGIS wrote nothing (exit {finished.returncode}): {finished.stderr}"
    return json.loads(out.read_text()), shown(db), log.read_text(encoding="utf-8")


def test_qgis_opens_every_collection_with_basic_credentials(read_by_qgis):
    read, expected, _ = read_by_qgis
    assert read["qgis"].startswith("3.")
    for cid in COLLECTIONS:
        layer = read[cid]
        assert layer["valid"], (cid, layer.get("error"))
        assert layer["crs"] == "EPSG:4326", cid
        assert sorted(f["id"] for f in layer["features"]) == sorted(expected[cid]), cid


def test_qgis_reads_the_coordinates_the_api_shows(read_by_qgis):
    read, expected, _ = read_by_qgis
    for cid in COLLECTIONS:
        for feature in read[cid]["features"]:
            want = expected[cid][feature["id"]]["geometry"]
            wanted = (np.empty((0, 2)) if want is None
                      else shapely.get_coordinates(shapely.geometry.shape(want)))
            got = np.asarray(feature["xy"], dtype=float).reshape(-1, 2)
            assert got.shape == wanted.shape, (cid, feature["id"])
            if len(got):
                assert np.abs(got - wanted).max() < DEGREES, (cid, feature["id"])
    secret = next(f for f in read["incidents"]["features"] if f["id"] == "inc-secret")
    shown_there = expected["incidents"]["inc-secret"]["geometry"]["coordinates"]
    assert secret["xy"] == [pytest.approx(shown_there, abs=DEGREES)]  # generalised, as shown


def test_qgis_reads_every_time_as_the_instant_the_api_means(read_by_qgis):
    read, expected, _ = read_by_qgis
    compared = 0
    for cid in ("incidents", "units", "blockages", "riskzones"):
        for feature in read[cid]["features"]:
            properties = expected[cid][feature["id"]]["properties"]
            for name, seconds in feature["times"].items():
                meant = properties[name]
                assert seconds == (None if meant is None
                                   else int(datetime.fromisoformat(meant).timestamp())), (
                    cid, feature["id"], name)
                compared += meant is not None
    assert compared > 150  # reported, closed, position, start, lifted, valid from and to


def test_qgis_pages_at_the_limit_the_api_document_declares(read_by_qgis):
    """QGIS 3.22 takes its page size from the API document's ``limit`` default, where it
    looks for it (``components/parameters``, `app.ogc.SHARED_PARAMETERS`); not finding
    it, it asks for 100 features a page: 147 round trips for a year's incidents, not 15."""
    _, _, log = read_by_qgis
    asked = [int(limit) for limit in re.findall(
        r'"GET /ogc/collections/incidents/items\?(?:[^" ]*&)?limit=(\d+)[^"]*"[^\n]*QGIS/',
        log)]
    assert asked and max(asked) == DEFAULT_LIMIT, asked
