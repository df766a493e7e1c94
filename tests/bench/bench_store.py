"""Figures of the journal store. Run from the repository: python -m tests.bench.bench_store

Prints each figure with its target. Writes its databases to a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from georisk import commands as c
from georisk.store import Query, SQLiteStore
from georisk.timeutil import utc_now
from tests.bench.common import (
    median_seconds,
    random_point,
    report,
    seed_incidents,
    seed_units,
)
from tests.factories import RESCUE, incident


def single_appends(folder: Path) -> None:
    store = SQLiteStore(folder / "single.db")
    n = 500
    counter = iter(range(10**9))

    def run() -> None:
        for _ in range(n):
            store.apply([c.ReportIncident(incident(f"inc-{next(counter)}"))], RESCUE)

    seconds = median_seconds(run, 5)
    report("single-event durable appends (1 transaction each)", n / seconds, "events/s",
           ">= 500", n / seconds >= 500)  # fmt: skip
    store.close()


def batched_moves(folder: Path) -> None:
    store = SQLiteStore(folder / "moves.db")
    rng = random.Random(1)
    ids = seed_units(store, 5_000, rng)

    now = utc_now()
    batches = iter(
        [[c.MoveUnit(u, random_point(rng), now) for u in rng.sample(ids, 1_000)] for _ in range(30)]
    )  # built beforehand: only the store is timed

    seconds = median_seconds(lambda: store.apply(next(batches), RESCUE), 30)
    report("batched unit positions (1,000 per transaction)", 1_000 / seconds, "positions/s",
           ">= 20,000", 1_000 / seconds >= 20_000)  # fmt: skip
    store.close()


def bbox_query(folder: Path) -> None:
    store = SQLiteStore(folder / "incidents.db")
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
           "ms", "<= 20", seconds * 1e3 <= 20)  # fmt: skip
    store.close()


def state_at_million(folder: Path, total: int) -> None:
    path = folder / "million.db"
    store = SQLiteStore(path)
    rng = random.Random(3)
    started = time.perf_counter()
    seed_incidents(store, 50_000, rng)
    ids = seed_units(store, 5_000, rng)
    marks = []
    while store.last_seq() < total:
        now = utc_now()
        batch = min(5_000, total - store.last_seq())
        store.apply([c.MoveUnit(rng.choice(ids), random_point(rng), now) for _ in range(batch)],
                    RESCUE)  # fmt: skip
        marks.append(now)
    seeded = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    print(f"  (seeded {store.last_seq():,} events in {seeded:.0f} s; database {size_mb:.0f} MB)")
    store.close()
    store = SQLiteStore(path)  # a cold process-level start: nothing cached
    for label, moment in (("middle", marks[len(marks) // 2]), ("end", marks[-1] + timedelta(1))):
        t0 = time.perf_counter()
        picture = store.state_at(moment)
        seconds = time.perf_counter() - t0
        n = sum(len(r) for r in picture.records.values())
        report(f"state_at({label}) on {total:,} events: {n:,} records", seconds, "s", "<= 2",
               seconds <= 2)  # fmt: skip
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="journal length for the state_at figure")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        single_appends(folder)
        batched_moves(folder)
        bbox_query(folder)
        state_at_million(folder, args.events)


if __name__ == "__main__":
    main()
