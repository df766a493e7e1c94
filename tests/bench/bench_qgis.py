"""QGIS figures: how long Debian's QGIS 3.22, with its default settings, takes to open
and read the demo's incidents (the default demo: 15,000 incidents over a year) from the
live service (gunicorn, as `georisk serve` runs it) with Basic credentials.

QGIS pages through a collection at the ``limit`` default the API document declares
(`app.ogc.DEFAULT_LIMIT`, under ``components/parameters``, where QGIS 3.22 reads it).
Each run is a fresh QGIS process (`tests/qgis_reader.py`); the figure is the time from
creating the layer to the last feature read (QGIS's own start is not counted), median
of ``RUNS``, in wall-clock seconds and in the CPU seconds of the QGIS process (steadier
on a busy host). The runs start once the service's start-up work is done
(`tests.bench.common.settled`). In the same run, alternating with it:

* the same QGIS at 100 features a page, its own fallback when an API document declares no
  default where it looks (as georisk's did before);
* QGIS's floor: the very answers georisk gave it, replayed from memory by a loopback
  server that does no work (`Replay`). No server can answer faster, so what QGIS takes
  there is its own: parsing each page, and writing each feature to its local cache and
  its id to an id table, three SQLite statements per feature outside any transaction
  (QGIS 3.22's ``QgsBackgroundCachedSharedData::serializeFeatures``; ``strace -c``: about
  19 ``pwrite64`` and 12 ``fcntl`` calls a feature).

Run: ``.venv/bin/python -m tests.bench.bench_qgis`` (needs Debian's ``qgis``,
``python3-qgis`` and ``qgis-providers``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextmanager
def replay(service: str) -> Iterator[str]:
    """A loopback server that answers each path the first time from ``service`` (the
    client's credentials, agent and accepted types passed on, links rewritten to itself)
    and every later time from memory, without asking again: a server that does no work."""
    answers: dict[str, tuple[int, str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            answer = answers.get(self.path)
            if answer is None:
                answer = answers[self.path] = self._asked()
            status, kind, body = answer
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _asked(self) -> tuple[int, str, bytes]:
            passed = {k: v for k, v in self.headers.items()
                      if k.lower() in ("authorization", "user-agent", "accept")}
            request = urllib.request.Request(service + self.path, headers=passed)
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    status, body = answer.status, answer.read()
                    kind = answer.headers["Content-Type"]
            except urllib.error.HTTPError as refused:
                status, body = refused.code, refused.read()
                kind = refused.headers["Content-Type"]
            return status, kind or "application/json", body.replace(service.encode(), base.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    db = journal("demo", DEMO)
    name = f"bench-qgis-{os.getpid()}"
    token = Tokens(db).create(name, "centre", "analyst")[1]
    default = f"default (pages of {DEFAULT_LIMIT:,})"
    floor = "floor: the same answers replayed"
    variants = {default: (), f"pages of {FALLBACK_PAGE}": ("--page-size", str(FALLBACK_PAGE)),
                floor: ()}
    reads: dict[str, list[dict]] = {label: [] for label in variants}
    with service_process(db) as (base, server), tempfile.TemporaryDirectory() as work, \
            replay(base) as replayed:
        print(f"service settled {settled(server.pid):.0f} s after it answered", flush=True)
        _read(replayed, name, token, work)  # the replay's first read asks georisk
        for run in range(RUNS):
            for label, options in variants.items():
                read = _read(replayed if label == floor else base, name, token, work, *options)
                reads[label].append(read)
                print(f"run {run + 1} {label}: {read['count']:,} incidents in "
                      f"{read['seconds']:.2f} s ({read['cpu_seconds']:.2f} s CPU)", flush=True)
    for label, runs in reads.items():
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        print(f"{label:<34} median {wall:5.2f} s  ({cpu:.2f} s CPU)")
    ours, least = (statistics.median(r["seconds"] for r in reads[label])
                   for label in (default, floor))
    print(f"QGIS 3.22 opens the demo's {reads[default][0]['count']:,} incidents with default "
          f"settings: median {ours:.2f} s  target <= 3 s  {'OK' if ours <= 3 else 'MISSED'}; "
          f"{least:.2f} s of it is QGIS's own (the replay), {ours - least:.2f} s georisk's")


if __name__ == "__main__":
    main()
