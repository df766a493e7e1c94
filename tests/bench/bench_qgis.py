"""QGIS figures: how long Debian's QGIS 3.22, with its default settings, takes to open
and read the demo's incidents (the default demo: 15,000 incidents over a year) from the
live service (gunicorn, as `georisk serve` runs it) with Basic credentials.

QGIS pages through a collection at the ``limit`` default the API document declares
(`app.ogc.DEFAULT_LIMIT`). Each run is a fresh QGIS process (`tests/qgis_reader.py`);
the figure is the time from creating the layer to the last feature read, median of
``RUNS``.

Run: ``.venv/bin/python -m tests.bench.bench_qgis`` (needs Debian's ``qgis``,
``python3-qgis`` and ``qgis-providers``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from app.ogc import DEFAULT_LIMIT
from georisk.identity import Tokens
from tests.api_support import running_service
from tests.bench.bench_analysis import DEMO, journal

READER = Path(__file__).resolve().parent.parent / "qgis_reader.py"
RUNS = 3


def main() -> None:
    db = journal("demo", DEMO)
    name = f"bench-qgis-{os.getpid()}"
    token = Tokens(db).create(name, "centre", "analyst")[1]
    times, count = [], 0
    with running_service(db) as base, tempfile.TemporaryDirectory() as work:
        out = Path(work) / "read.json"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": work,
               "XDG_RUNTIME_DIR": work}
        for run in range(RUNS):
            out.unlink(missing_ok=True)
            subprocess.run(["/usr/bin/python3", str(READER), base, name, token, str(out),
                            "incidents"], env=env, capture_output=True, timeout=600)
            read = json.loads(out.read_text())["incidents"]
            times.append(read["seconds"])
            count = read["count"]
            print(f"run {run + 1}: {count:,} incidents in {times[-1]:.2f} s", flush=True)
    median = statistics.median(times)
    print(f"QGIS 3.22 opens the demo's {count:,} incidents with default settings (pages of "
          f"{DEFAULT_LIMIT:,}): median {median:.2f} s  target <= 3 s  "
          f"{'OK' if median <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
