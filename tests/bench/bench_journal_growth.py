"""How a long stream of position batches wears on the journal: the same 5,000 units
move in every batch, and the write-ahead log each batch adds and the time of its
durable commit are printed as the journal grows.

Each batch adds one entry per unit to the journal's index by entity. A unit's entries
sit together in that index, so a batch touches a page per unit once each unit's run of
entries fills a page: the log written per batch, and the fsync that makes it durable,
grow with the history until then. This script shows how far, on this machine.

Run: .venv/bin/python -m tests.bench.bench_journal_growth [--batches 200]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import shapely

from georisk import commands as c
from georisk.store import SQLiteStore
from georisk.timeutil import utc_now
from tests.bench.common import seed_units
from tests.factories import RESCUE

UNITS = 5_000
SHOWN = {1, 2, 5, 10, 20, 40, 60, 100, 150, 200, 300, 400}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=200)
    batches = parser.parse_args().batches
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "growth.db"
        store = SQLiteStore(path)
        ids = seed_units(store, UNITS, random.Random(5))
        wal = Path(f"{path}-wal")
        checkpoint = sqlite3.connect(path, isolation_level=None)  # empties the log between
        start = utc_now() - timedelta(seconds=batches + 1)  # batches, so each is measured
        for number in range(1, batches + 1):
            moment = start + timedelta(seconds=number)
            offset = number / 100_000
            moves = [
                c.MoveUnit(unit_id, shapely.Point(15 + i / 10_000 + offset, 59.3), moment)
                for i, unit_id in enumerate(ids)
            ]
            checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            began = time.perf_counter()
            store.apply(moves, RESCUE)
            seconds = time.perf_counter() - began
            if number in SHOWN or number == batches:
                print(
                    f"batch {number:>4} ({store.last_seq():>9,} events): log written"
                    f" {wal.stat().st_size / 1e6:5.1f} MB, apply with its commit"
                    f" {seconds * 1000:6.1f} ms"
                )
        checkpoint.close()
        store.close()


if __name__ == "__main__":
    main()
