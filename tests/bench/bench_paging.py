"""Paging figures: what one page costs as the store grows (10,000, 50,000 and 1,000,000
open incidents, random places in the region, a third each of police, rescue and SOS).

For each size, medians of in-process calls:
* the store: the first page of ten in the default order, a page of ten after a cursor
  half-way through the store, a page of 1,000 from the box below, all for a police
  viewer (the access policy's scope in the SQL), and one record by id;
* the service (the real app, a centre analyst's bearer token): the OGC API's
  ``items?limit=10``, ``items?limit=1000&bbox=`` (a full page of 1,000 from a 2° × 1.5°
  box) and one item.

A page should cost the same at every size (an index in the sort's order, keyset cursors);
the ratio of the 1,000,000 figure to the 10,000 one is printed beside each.

Run: ``.venv/bin/python -m tests.bench.bench_paging`` (stores are written once into
``bench-data/``; the million takes a few minutes the first time).

``bench_paging peer [N]`` (N = 50,000 unless given) serves the N-incident store with the
production server and pygeoapi beside it (its SQLiteGPKG provider on a SpatiaLite copy of
the same incidents, its fastest documented configuration; same gunicorn workers and
threads), checks that both answer the same features, and alternates wrk between them
(`tests.bench.bench_api`: its setup notes, ROUNDS and DURATION) for ``limit=10``,
``limit=1000&bbox`` and one item: requests per second and the ratio of the medians; then
georisk's floor, its ``/health`` with the same token (the check of the token and the
journal's position, which every request of ours makes before its own work). The
service runs without the map's warm-up (`race`). `tests.bench.bench_paging_pg` gives the
same figures on PostGIS, and races pygeoapi's PostgreSQL provider.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from app import create_app
from georisk.access import Scope
from georisk.identity import Tokens
from georisk.model import Agency
from georisk.store import Query, SQLiteStore, open_store
from tests.bench.common import median_seconds, seed_incidents

DATA = Path(__file__).resolve().parent.parent.parent / "bench-data"
SIZES = (10_000, 50_000, 1_000_000)
BOX = "14.0,59.0,16.0,60.5"  # 3 square degrees: over 1,000 incidents at every size
BOX_BOUNDS = (14.0, 59.0, 16.0, 60.5)


def store_of(n: int) -> Path:
    DATA.mkdir(exist_ok=True)
    db = DATA / f"paging-{n}.db"
    if not db.exists():
        print(f"writing {db} ...", flush=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        store = SQLiteStore(partial)
        try:
            seed_incidents(store, n, random.Random(n), batch=20_000)
        finally:
            store.close()
        partial.rename(db)
    return db


def measure(n: int, location: str | None = None) -> dict[str, float]:
    """The figures of ``n`` incidents from the store at ``location`` (a SQLite file or a
    PostgreSQL URL; the SQLite store of that size when None)."""
    location = location or str(store_of(n))
    police = Scope(Agency.POLICE)
    figures: dict[str, float] = {}
    store = open_store(location, create=False)
    try:
        middle = (f"inc-{n // 2}",)
        figures["store: first page of 10"] = median_seconds(
            lambda: store.query(Query("incident", limit=10, seen_by=police)), 200)
        figures["store: page of 10 half-way in"] = median_seconds(
            lambda: store.query(Query("incident", limit=10, seen_by=police, after=middle)), 200)
        figures["store: one record"] = median_seconds(
            lambda: store.get("incident", f"inc-{n // 3}"), 200)
        figures["store: page of 1,000 from a box"] = median_seconds(
            lambda: store.query(Query("incident", bbox=BOX_BOUNDS, limit=1000, seen_by=police,
                                      unplaced_match=True)), 20)
    finally:
        store.close()
    token = Tokens(location).create(f"paging-analyst-{random.random()}", "centre", "analyst")[1]
    app = create_app({"DB": location, "TESTING": True})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    items = "/ogc/collections/incidents/items"

    def get(url: str) -> None:
        answer = client.get(url, headers=auth)
        assert answer.status_code == 200, (url, answer.status_code)
        if "limit=1000" in url:
            assert answer.get_json()["numberReturned"] == 1000

    figures["service: items?limit=10"] = median_seconds(lambda: get(f"{items}?limit=10"), 50)
    figures["service: items?limit=1000&bbox"] = median_seconds(
        lambda: get(f"{items}?limit=1000&bbox={BOX}"), 10)
    figures["service: one item"] = median_seconds(lambda: get(f"{items}/inc-{n // 3}"), 50)
    return figures


def table(results: dict[int, dict[str, float]]) -> None:
    """The figures of every size, in milliseconds, and the ratio of the largest to the
    smallest."""
    sizes = list(results)

    def short(n: int) -> str:
        return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"

    print(f"{'median, ms':<36}" + "".join(f"{n:>12,}" for n in sizes)
          + f"   {short(sizes[-1])} / {short(sizes[0])}")
    for name in results[sizes[0]]:
        row = [results[n][name] * 1000 for n in sizes]
        print(f"{name:<36}" + "".join(f"{v:>12.3f}" for v in row) + f"   {row[-1] / row[0]:.2f}")


def peer(n: int) -> None:
    """pygeoapi's SQLiteGPKG provider on a SpatiaLite copy of the N-incident SQLite store."""
    import tempfile

    from tests.bench import bench_api

    db = store_of(n)
    with tempfile.TemporaryDirectory() as work:
        store = SQLiteStore(db, create=False)
        try:
            data = bench_api.peer_database(Path(work), store)
        finally:
            store.close()
        race(n, str(db), Path(work), data, f"inc-{n // 3}", lambda f: f["id"])


def race(n: int, location: str, work: Path, source: Path | dict, their_one: str,
         their_id: Callable[[dict], str]) -> None:
    """The production server on ``location`` and pygeoapi on ``source`` (its key of
    the record ours calls inc-{n // 3} is ``their_one``; ``their_id`` reads our id from
    one of its features), checked to answer the same features, then wrk alternated."""
    import json
    import urllib.request

    from tests.api_support import service_process
    from tests.bench import bench_api
    from tests.bench.common import quiet, settled

    token = Tokens(location).create(f"paging-peer-{random.random()}", "centre", "analyst")[1]
    auth = {"Authorization": f"Bearer {token}"}
    asks = {  # name: (ours, pygeoapi's)
        "limit=10": ("/ogc/collections/incidents/items?limit=10",
                     "/collections/incidents/items?f=json&limit=10"),
        "limit=1000&bbox": (f"/ogc/collections/incidents/items?limit=1000&bbox={BOX}",
                            f"/collections/incidents/items?f=json&limit=1000&bbox={BOX}"),
        "one item": (f"/ogc/collections/incidents/items/inc-{n // 3}",
                     f"/collections/incidents/items/{their_one}?f=json"),
    }

    def features(url: str, headers: dict[str, str]) -> list[dict]:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=120) as answer:
            body = json.loads(answer.read())
        return body.get("features", [body])

    serve = ("--workers", str(bench_api.WORKERS), "--threads", str(bench_api.THREADS))
    # Without the map's warm-up (every agency's picture rows, the live index): with a
    # million open incidents it holds both cores for minutes after the start, and the race
    # would time it instead of paging (bench_map_scale times it).
    os.environ["GEORISK_MAP_WARM"] = "0"
    with service_process(location, *serve) as (base, server), \
            bench_api.pygeoapi_server(work, source) as peer_base:
        if peer_base is None:
            raise SystemExit("pygeoapi is needed for this comparison")
        # the analyst tables are computed at the start, for the analyst token made above
        print(f"service settled {settled(server.pid):.0f} s after it answered", flush=True)
        for name, (ours, theirs) in asks.items():
            mine = [f["id"] for f in features(base + ours, auth)]
            if mine != [their_id(f) for f in features(peer_base + theirs, {})]:
                raise RuntimeError(f"{name}: pygeoapi answers other features")
            a, b = bench_api.alternate(base + ours, auth, peer_base + theirs)
            ratio = statistics.median(a) / statistics.median(b)
            print(f"{n:,} incidents, {name}: georisk {statistics.median(a):,.0f} req/s, "
                  f"pygeoapi {statistics.median(b):,.0f} req/s: {ratio:.1f}x", flush=True)
        # What every request of ours costs before its own work: the same production
        # server's /health with the token (its check, and the journal's position).
        floor = []
        for _ in range(3):
            quiet()
            floor.append(bench_api.wrk(base + "/health", auth))
        print(f"georisk's floor, an authenticated /health: {statistics.median(floor):,.0f} "
              f"req/s", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["peer"]:
        peer(int(sys.argv[2]) if len(sys.argv) > 2 else 50_000)
        return
    table({n: measure(n) for n in SIZES})


if __name__ == "__main__":
    main()
