"""Benchmark: a year of scenario at benchmark scale (50,000 incidents, 5,000 units).

Run from the repository root: ``python -m tests.bench.bench_scenario``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app.demo import database_size
from georisk.scenario import ScenarioOptions, generate
from georisk.scenario.world import load_world
from georisk.store import SQLiteStore

INCIDENTS = 50_000
UNITS = 5_000
DAYS = 365


def main() -> None:
    options = ScenarioOptions(
        seed=1, incidents=INCIDENTS, units=UNITS, days=DAYS,
        end=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    world = load_world()  # the shared ground; not part of the scenario's own cost
    stages: dict[str, float] = {}
    began = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter() - began)
        if stage == "writing" and total and done % 250_000 < 5_000:
            print(f"  writing {done:,}/{total:,}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        store = SQLiteStore(path)
        summary = generate(store, options, world=world, progress=progress)
        store.close()
        size = database_size(path)
    planning = stages.get("writing", summary.seconds)
    print(f"scenario: {INCIDENTS:,} incidents, {UNITS:,} units, {DAYS} days")
    print(f"  total time        {summary.seconds:10.1f} s")
    print(f"  planning          {planning:10.1f} s")
    print(f"  writing           {summary.seconds - planning:10.1f} s")
    print(f"  events written    {summary.events:12,}")
    print(f"  events/s overall  {summary.events / summary.seconds:12,.0f}")
    print(f"  events/s writing  {summary.events / max(summary.seconds - planning, 1e-9):12,.0f}")
    print(f"  dispatches        {summary.dispatches:12,}")
    print(f"  blockages         {summary.blockages:12,}")
    print(f"  database size     {size / 1e6:12,.1f} MB")


if __name__ == "__main__":
    main()
