"""QGIS figures: how long Debian's QGIS 3.22, with its default settings, takes to open
and read the demo's incidents (the default demo: 15,000 incidents over a year) from the
live service (gunicorn, as `georisk serve` runs it) with Basic credentials.

QGIS pages through a collection at the ``limit`` default the API document declares
(`app.ogc.DEFAULT_LIMIT`, under ``components/parameters``, where QGIS 3.22 reads it).
Each run is a fresh QGIS process (`tests/qgis_reader.py`); the figure is the time from
creating the layer to the last feature read (QGIS's own start is not counted), median
of ``RUNS``, in wall-clock seconds and in the CPU seconds of the QGIS process (steadier
on a busy host). The runs start once the service's start-up work is done
(`tests.bench.common.settled`). In the same run, alternating with it, the peer: the same
QGIS at 100 features a page, its own fallback when an API document declares no default
where it looks (as georisk's did before).

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
from tests.api_support import service_process
from tests.bench.bench_analysis import DEMO, journal
from tests.bench.common import settled

READER = Path(__file__).resolve().parent.parent / "qgis_reader.py"
RUNS = 5
FALLBACK_PAGE = 100  # what QGIS 3.22 asks for when it finds no limit default


def _read(base: str, name: str, token: str, work: str, *options: str) -> dict:
    out = Path(work) / "read.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": work, "XDG_RUNTIME_DIR": work}
    subprocess.run(["/usr/bin/python3", str(READER), base, name, token, str(out), "incidents",
                    *options], env=env, capture_output=True, timeout=600)
    return json.loads(out.read_text())["incidents"]


def main() -> None:
    db = journal("demo", DEMO)
    name = f"bench-qgis-{os.getpid()}"
    token = Tokens(db).create(name, "centre", "analyst")[1]
    variants = {f"default (pages of {DEFAULT_LIMIT:,})": (),
                f"pages of {FALLBACK_PAGE}": ("--page-size", str(FALLBACK_PAGE))}
    reads: dict[str, list[dict]] = {label: [] for label in variants}
    with service_process(db) as (base, server), tempfile.TemporaryDirectory() as work:
        print(f"service settled {settled(server.pid):.0f} s after it answered", flush=True)
        for run in range(RUNS):
            for label, options in variants.items():
                read = _read(base, name, token, work, *options)
                reads[label].append(read)
                print(f"run {run + 1} {label}: {read['count']:,} incidents in "
                      f"{read['seconds']:.2f} s ({read['cpu_seconds']:.2f} s CPU)", flush=True)
    for label, runs in reads.items():
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        print(f"{label:<26} median {wall:5.2f} s  ({cpu:.2f} s CPU)")
    default = statistics.median(r["seconds"] for r in reads[next(iter(variants))])
    print(f"QGIS 3.22 opens the demo's {reads[next(iter(variants))][0]['count']:,} incidents "
          f"with default settings: median {default:.2f} s  target <= 3 s  "
          f"{'OK' if default <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
