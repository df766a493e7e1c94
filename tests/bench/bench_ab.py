"""A/B: the same end-to-end work against two checkouts of georisk, alternated in one run.

An optimisation stays only if it pays end to end (at least 10 %), and this shared host's
speed drifts more than that within minutes, so the two versions are measured side by
side: each checkout serves its own copy of one seeded database from its own .venv, and
the benchmark sends the same work to A, then B, then A ... and compares medians.

The work: a batch of 5,000 position reports (POST /api/v1/positions, the write hot path)
and a page of 1,000 incidents in a box (GET /ogc/.../items, the read hot path).

Run: .venv/bin/python -m tests.bench.bench_ab --a /path/to/checkout-a --b /path/to/b
(each checkout needs its .venv: `make install` there).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from georisk import commands as c
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import free_port, make_token
from tests.bench.common import seed_incidents
from tests.factories import RESCUE, unit

UNITS = 5_000
INCIDENTS = 50_000
ITEMS = "/ogc/collections/incidents/items?limit=1000&bbox=14.0,59.0,15.0,60.0"


def _seed(db: Path) -> tuple[str, str]:
    store = SQLiteStore(db)
    seed_incidents(store, INCIDENTS, random.Random(7))
    store.apply([c.RegisterUnit(unit(f"unit-{i}", callsign=f"RÖR {i}")) for i in range(UNITS)],
                RESCUE)
    store.close()
    return make_token(db, "rescue", "operator", "writer"), make_token(db, "centre", "analyst")


def _serve(checkout: Path, db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(checkout / ".venv" / "bin" / "georisk"), "serve", "--db", str(db), "--port",
         str(port)], cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/health", timeout=2).close()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{checkout} did not start")


def _batch(base: str, token: str, minutes_ago: int) -> float:
    when = format_utc(utc_now() - timedelta(minutes=minutes_ago))
    body = json.dumps({"positions": [
        {"unit": f"unit-{i}", "time": when, "speed_kmh": 40.0,
         "geometry": {"type": "Point", "coordinates": [15 + i / 10_000, 59.3]}}
        for i in range(UNITS)]}).encode()
    request = urllib.request.Request(
        base + "/api/v1/positions", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert json.loads(answer.read())["count"] == UNITS
    return time.perf_counter() - started


def _items(base: str, token: str) -> float:
    request = urllib.request.Request(base + ITEMS, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert len(json.loads(answer.read())["features"]) == 1000
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout A (the baseline)")
    parser.add_argument("--b", type=Path, required=True, help="checkout B (the change)")
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        seeded = Path(folder) / "seed.db"
        writer, reader = _seed(seeded)
        servers = {}
        for name, checkout in (("A", options.a), ("B", options.b)):
            db = Path(folder) / f"{name}.db"
            with sqlite3.connect(seeded) as source, sqlite3.connect(db) as copy:
                source.backup(copy)  # the log's pages too, which a file copy would miss
            servers[name] = _serve(checkout.resolve(), db)
        try:
            for _, base in servers.values():  # warm both: the first batch is cold
                _batch(base, writer, options.rounds + 2)
            batches: dict[str, list[float]] = {"A": [], "B": []}
            reads: dict[str, list[float]] = {"A": [], "B": []}
            for n in range(options.rounds):
                order = ("A", "B") if n % 2 == 0 else ("B", "A")  # neither always goes first
                for name in order:
                    base = servers[name][1]
                    batches[name].append(_batch(base, writer, options.rounds - n))
                    reads[name].append(_items(base, reader))
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=15)
    for label, runs in (("5,000-position batch", batches), ("items?limit=1000&bbox", reads)):
        a, b = statistics.median(runs["A"]), statistics.median(runs["B"])
        print(f"{label}: A {a * 1000:.1f} ms, B {b * 1000:.1f} ms (medians of "
              f"{options.rounds}); B takes {b / a:.2f} of A's time")


if __name__ == "__main__":
    main()
