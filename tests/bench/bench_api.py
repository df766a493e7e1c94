"""API figures: items?limit=1000 with a bbox from 50,000 incidents (in-process median,
and requests per second under wrk against the production server, as a ratio to
pygeoapi serving the same incidents from a GeoPackage), and a 5,000-position batch.

Run: .venv/bin/python -m tests.bench.bench_api   (needs wrk; pygeoapi runs from
.bench-venv, a venv of Debian's python3 whose sqlite3 can load SpatiaLite:
apt-get install wrk libsqlite3-mod-spatialite && /usr/bin/python3 -m venv .bench-venv
&& .bench-venv/bin/pip install pygeoapi gunicorn). The Makefile makes .venv from that
same interpreter, so both sides of the ratio run on one build of Python.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import geopandas as gpd

from app import create_app
from georisk import commands as c
from georisk.store import Query, SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import bearer, free_port, make_token, running_service
from tests.bench.common import median_seconds, report, seed_incidents
from tests.conftest import ROOT
from tests.factories import RESCUE, unit

N = 50_000
BBOX = "14.0,59.0,15.0,60.0"  # about 1,700 of the 50,000: a full page of 1,000
ITEMS = f"/ogc/collections/incidents/items?limit=1000&bbox={BBOX}"
WRK = ["-t2", "-c8", "-d10s"]
BATCHES = 41  # position batches: one cold, then the median of the rest (the host is noisy)


def host_reference() -> float:
    """Seconds for a fixed piece of pure Python work: this shared host's speed varies
    about twofold from one second to the next, and the batch times follow it."""
    started = time.perf_counter()
    table: dict[int, tuple[int, int]] = {}
    for i in range(200_000):
        table[i & 4095] = (i, i + 1)
    return time.perf_counter() - started


def wrk(url: str, headers: dict[str, str], strict: bool = True) -> float:
    args = ["wrk", *WRK]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors and not strict:  # the peer's failures are its own; say so and go on
        print(f"note: {errors.group(1)} non-2xx answers from {url.split('/')[2]}")
    elif errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def pygeoapi_rps(work: Path, store: SQLiteStore) -> float | None:
    venv = ROOT / ".bench-venv" / "bin"
    if not (venv / "gunicorn").exists():
        print("pygeoapi: .bench-venv is missing (see this module's docstring); no ratio")
        return None
    records = store.query(Query("incident")).records
    frame = gpd.GeoDataFrame(
        [{"id": r.id, "title": r.title, "type": str(r.type), "severity": r.severity,
          "agency": str(r.agency), "status": str(r.status),
          "reported_at": format_utc(r.reported_at)} for r in records],
        geometry=[r.location for r in records], crs="EPSG:4326",
    )  # fmt: skip
    gpkg = work / "incidents.gpkg"
    frame.to_file(gpkg, layer="incidents", driver="GPKG")
    port = free_port()
    config = work / "pygeoapi.yml"
    config.write_text(json.dumps({
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
                   "languages": ["en-US"], "limits": {"default_items": 100, "max_items": 10000},
                   "map": {"url": "http://localhost/", "attribution": ""}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench",
                                        "keywords": [], "terms_of_service": "",
                                        "url": "http://localhost/"},
                     "license": {"name": "CC0", "url": "http://localhost/"},
                     "provider": {"name": "bench", "url": "http://localhost/"},
                     "contact": {"name": "bench", "url": "http://localhost/"}},
        "resources": {"incidents": {
            "type": "collection", "title": "incidents", "description": "incidents",
            "keywords": [], "links": [],
            "extents": {"spatial": {"bbox": [2, 54, 32, 71.5],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "SQLiteGPKG", "data": str(gpkg),
                           "id_field": "id", "table": "incidents"}]}},
    }))  # fmt: skip
    openapi = work / "pygeoapi-openapi.yml"
    env = dict(os.environ, PYGEOAPI_CONFIG=str(config), PYGEOAPI_OPENAPI=str(openapi))
    made = subprocess.run(
        [venv / "pygeoapi", "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed: {made.stderr[-2000:]}")
    server = subprocess.Popen(
        [venv / "gunicorn", "-w", "1", "--threads", "32", "-k", "gthread",
         "-b", f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/collections/incidents/items?f=json&limit=1000&bbox={BBOX}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    got = len(json.loads(answer.read())["features"])
                break
            except OSError:
                time.sleep(0.2)
        print(f"pygeoapi answers {got} features per page")
        return wrk(url, {}, strict=False)
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    # the figures depend on the interpreter's build (see the Makefile): say which one
    print(f"interpreter: {sys.executable} (Python {platform.python_version()})")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = work / "georisk.db"
        store = SQLiteStore(db)
        seed_incidents(store, N, rng)
        token = make_token(db, "centre", "analyst", "bench")
        writer = make_token(db, "rescue", "operator", "bench-writer")

        app = create_app({"DB": str(db)})
        client = app.test_client()
        headers = bearer(token)
        first = client.get(ITEMS, headers=headers)
        assert first.status_code == 200 and first.json["numberReturned"] == 1000
        in_process = median_seconds(lambda: client.get(ITEMS, headers=headers), 30)
        report("GET items?limit=1000&bbox (50,000 incidents), in-process", in_process * 1000,
               "ms median", "<= 50 ms", in_process <= 0.050)  # fmt: skip

        # a batch of 5,000 position reports, end to end over HTTP on the production server
        store.apply(
            [c.RegisterUnit(unit(f"unit-{i}", callsign=f"RÖR {i}")) for i in range(5_000)], RESCUE
        )  # rescue units: the writer's own

        def batch(minutes_ago: int) -> bytes:
            when = format_utc(utc_now() - timedelta(minutes=minutes_ago))
            return json.dumps({"positions": [
                {"unit": f"unit-{i}", "time": when, "speed_kmh": 40.0,
                 "geometry": {"type": "Point", "coordinates": [15 + i / 10_000, 59.3]}}
                for i in range(5_000)]}).encode()  # fmt: skip

        with running_service(db) as base:
            timings, host = [], []
            for minutes_ago in range(BATCHES, 0, -1):  # the first one also warms the worker
                body = batch(minutes_ago)
                host.append(host_reference())
                started = time.perf_counter()
                request = urllib.request.Request(
                    base + "/api/v1/positions", data=body, method="POST",
                    headers={**bearer(writer), "Content-Type": "application/json"})  # fmt: skip
                with urllib.request.urlopen(request, timeout=60) as answer:
                    assert json.loads(answer.read())["count"] == 5_000
                timings.append(time.perf_counter() - started)
            first, warm = timings[0], statistics.median(timings[1:])
            report("POST /api/v1/positions, 5,000 reports, first (cold worker)", first * 1000,
                   "ms", "<= 250 ms", first <= 0.250)  # fmt: skip
            report(f"POST /api/v1/positions, 5,000 reports, warm median of {BATCHES - 1}",
                   warm * 1000, "ms", "<= 250 ms", warm <= 0.250)  # fmt: skip
            print("  each (ms):", " ".join(f"{t * 1000:.0f}" for t in timings))
            print(f"  host reference before each batch: median {statistics.median(host) * 1000:.0f}"
                  f" ms, range {min(host) * 1000:.0f}-{max(host) * 1000:.0f} ms")  # fmt: skip
            ours = wrk(base + ITEMS, headers)
        report("wrk items?limit=1000&bbox, georisk (gunicorn, 1 worker)", ours, "req/s",
               "", True)  # fmt: skip
        peer = pygeoapi_rps(work, store)
        if peer:
            report("wrk items?limit=1000&bbox, pygeoapi (SQLiteGPKG, gunicorn 1 worker)", peer,
                   "req/s", "", True)  # fmt: skip
            report("georisk / pygeoapi requests per second", ours / peer, "x", ">= 2x",
                   ours / peer >= 2)  # fmt: skip
        store.close()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")


if __name__ == "__main__":
    main()
