"""Figures of the journal store, on each backend in one run.

Run from the repository: python -m tests.bench.bench_store [--backend sqlite|postgis|both]

Prints each figure with its target, for the embedded SQLite file and for PostgreSQL +
PostGIS (a throwaway cluster started like the tests' one, but durable: ``fsync=on``,
``synchronous_commit=on``; see tests/pg_support.py). Then, on PostGIS only, two service
instances on one database: the delay from sending a write to instance A until a stream
connected to instance B delivers it (LISTEN/NOTIFY), as a median and p99. The
``items?limit=1000`` figure needs wrk (apt-get install wrk). Writes its databases to a
temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from georisk import commands as c
from georisk.store import Query, is_url, open_store
from georisk.timeutil import utc_now
from tests.bench.common import (
    median_seconds,
    random_point,
    report,
    seed_incidents,
    seed_units,
)
from tests.factories import RESCUE, incident, incident_input

Place = Callable[[str], str]  # a name -> a new store's location


def single_appends(place: Place) -> None:
    store = open_store(place("single"))
    n = 500
    counter = iter(range(10**9))

    def run() -> None:
        for _ in range(n):
            store.apply([c.ReportIncident(incident(f"inc-{next(counter)}"))], RESCUE)

    seconds = median_seconds(run, 5)
    report("single-event durable appends (1 transaction each)", n / seconds, "events/s",
           ">= 500", n / seconds >= 500)
    store.close()


def batched_moves(place: Place) -> None:
    store = open_store(place("moves"))
    rng = random.Random(1)
    ids = seed_units(store, 5_000, rng)

    now = utc_now()
    batches = iter(
        [[c.MoveUnit(u, random_point(rng), now) for u in rng.sample(ids, 1_000)] for _ in range(30)]
    )  # built beforehand: only the store is timed

    seconds = median_seconds(lambda: store.apply(next(batches), RESCUE), 30)
    report("batched unit positions (1,000 per transaction)", 1_000 / seconds, "positions/s",
           ">= 20,000", 1_000 / seconds >= 20_000)
    store.close()


def bbox_query(place: Place) -> str:
    """The figure, and the store (50,000 incidents) for the items figure."""
    location = place("incidents")
    store = open_store(location)
    rng = random.Random(2)
    seed_incidents(store, 50_000, rng)
    # 50,000 uniform over 6° x 5°: a box of 0.85° x 0.7° holds about 1,000
    boxes = []
    for _ in range(50):
        x, y = rng.uniform(11, 16.15), rng.uniform(57.5, 61.8)
        boxes.append((x, y, x + 0.85, y + 0.7))
    counts = [len(store.query(Query("incident", bbox=box)).records) for box in boxes]
    it = iter(boxes * 3)
    seconds = median_seconds(lambda: store.query(Query("incident", bbox=next(it))), 150)
    report(f"bbox query, median {int(sorted(counts)[25])} of 50,000 incidents", seconds * 1e3,
           "ms", "<= 20", seconds * 1e3 <= 20)
    store.close()
    return location


def state_at_million(place: Place, total: int) -> None:
    location = place("million")
    store = open_store(location)
    rng = random.Random(3)
    started = time.perf_counter()
    seed_incidents(store, 50_000, rng)
    ids = seed_units(store, 5_000, rng)
    marks = []
    while store.last_seq() < total:
        now = utc_now()
        batch = min(5_000, total - store.last_seq())
        store.apply([c.MoveUnit(rng.choice(ids), random_point(rng), now) for _ in range(batch)],
                    RESCUE)
        marks.append(now)
    seeded = time.perf_counter() - started
    print(f"  (seeded {store.last_seq():,} events in {seeded:.0f} s; {_size(location)})")
    store.close()
    store = open_store(location)  # a cold process-level start: nothing cached
    for label, moment in (("middle", marks[len(marks) // 2]), ("end", marks[-1] + timedelta(1))):
        t0 = time.perf_counter()
        picture = store.state_at(moment)
        seconds = time.perf_counter() - t0
        n = sum(len(r) for r in picture.records.values())
        report(f"state_at({label}) on {total:,} events: {n:,} records", seconds, "s", "<= 2",
               seconds <= 2)
    store.close()


def _size(location: str) -> str:
    if is_url(location):
        import psycopg

        with psycopg.connect(location) as con:
            size = con.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        return f"database {size / 1e6:.0f} MB"
    return f"database {Path(location).stat().st_size / 1e6:.0f} MB"


def items_per_second(location: str) -> None:
    """wrk against `georisk serve` (2 workers, 8 threads) on the 50,000 incidents."""
    from tests.api_support import bearer, make_token, running_service
    from tests.bench.bench_api import BBOX, wrk

    if shutil.which("wrk") is None:
        print("  (items?limit=1000: wrk is missing; apt-get install wrk)")
        return
    token = make_token(location, "centre", "analyst", "bench")
    with running_service(location, "--workers", "2", "--threads", "8") as base:
        url = f"{base}/ogc/collections/incidents/items?limit=1000&bbox={BBOX}"
        wrk(url, bearer(token), duration="3s")  # warms both workers
        rates = [wrk(url, bearer(token), duration="8s") for _ in range(3)]
    report("GET items?limit=1000&bbox, 2 workers (wrk), median of 3", statistics.median(rates),
           "req/s", "", True)


def stream_across_instances(place: Place, writes: int = 200) -> None:
    """Write on A, read on B's stream: the delay of each of ``writes`` incidents."""
    from tests.api_support import make_token, service_process
    from tests.sse import messages, open_stream
    from tests.test_instances import _post

    location = place("instances")
    token = make_token(location, "rescue", "operator", "bench")
    with service_process(location) as (a, _), service_process(location) as (b, _):
        received: queue.Queue = queue.Queue()
        response = open_stream(b + "/api/stream", token, timeout=60)

        def read() -> None:
            with contextlib.suppress(AttributeError, OSError, ValueError):  # (closed at the end)
                for message in messages(response):
                    if message.event == "change":
                        received.put((time.perf_counter(), message.data))

        threading.Thread(target=read, daemon=True).start()
        _post(a + "/api/v1/incidents", token, incident_input(title="uppvärmning"))
        received.get(timeout=10)
        delays = []
        for n in range(writes):
            sent = time.perf_counter()
            status, body = _post(a + "/api/v1/incidents", token,
                                 incident_input(title=f"Brand {n}"))
            assert status == 201, body
            arrived, data = received.get(timeout=10)
            assert body["feature"]["id"] in data, data
            delays.append(arrived - sent)
            time.sleep(0.02)
        response.close()
    delays.sort()
    p99 = delays[int(len(delays) * 0.99) - 1]
    report(f"write on A -> stream on B, median of {writes}", statistics.median(delays) * 1e3,
           "ms", "", True)
    report(f"write on A -> stream on B, p99 of {writes}", p99 * 1e3, "ms", "<= 1,000", p99 <= 1)


@contextlib.contextmanager
def places(backend: str, folder: Path) -> Iterator[Place]:
    if backend == "sqlite":
        yield lambda name: str(folder / f"{name}.db")
        return
    from tests.pg_support import running_server

    with running_server(fsync=True) as server:
        yield lambda name: server.database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="journal length for the state_at figure")
    parser.add_argument("--backend", choices=["sqlite", "postgis", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            print(f"== {backend}")
            with places(backend, Path(tmp)) as place:
                single_appends(place)
                batched_moves(place)
                items_per_second(bbox_query(place))
                state_at_million(place, args.events)
                if backend == "postgis":
                    stream_across_instances(place)


if __name__ == "__main__":
    main()
