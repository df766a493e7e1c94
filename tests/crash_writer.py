"""A writer that appends to the journal as fast as it can, printing each acknowledged seq.

Run by test_crash.py, which kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import random
import sys
from datetime import timedelta

import shapely

from georisk import commands as c
from georisk.store import open_store
from georisk.timeutil import utc_now
from tests.factories import RESCUE, incident, unit


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = open_store(path)  # a SQLite file or a PostgreSQL URL
    units = [f"unit-{seed}-{i}" for i in range(50)]
    store.apply([c.RegisterUnit(unit(u)) for u in units], RESCUE)
    clock = utc_now()
    n = 0
    while True:
        n += 1
        clock += timedelta(milliseconds=1)
        roll = rng.random()
        if roll < 0.4:
            commands = [c.ReportIncident(incident(f"inc-{seed}-{n}", reported_at=clock))]
        elif roll < 0.5 and n > 2:
            commands = [c.UpdateIncident(f"inc-{seed}-{n - 1}", {"severity": 5})]
        else:
            commands = [
                c.MoveUnit(u, shapely.Point(rng.uniform(12, 17), rng.uniform(58, 62)), clock)
                for u in rng.sample(units, rng.randint(1, 20))
            ]
        try:
            events = store.apply(commands, RESCUE)
        except Exception:  # e.g. updating an incident whose report was refused: go on
            continue
        print(events[-1].seq, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
