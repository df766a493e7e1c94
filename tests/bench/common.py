"""Helpers for the benchmark scripts: timing by median, seeding, reporting."""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import shapely

from georisk import commands as c
from georisk.model import Agency, IncidentType, UnitKind, UnitStatus
from georisk.store import Store
from tests.factories import RESCUE, T0, incident, unit

AGENCIES = [Agency.POLICE, Agency.RESCUE, Agency.SOS]


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is ``master`` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled(master: int, idle: float = 0.05, timeout: float = 300) -> float:
    """Wait until a started service's workers have done their start-up work (warming
    the picture rows and the analyst tables, `GEORISK_MAP_WARM`, `GEORISK_ANALYSIS_WARM`):
    less than ``idle`` seconds of CPU in a second. Seconds waited. A client measured
    before then shares the host with that work (on 2 cores, ~12 s of CPU for the demo)."""
    started = time.monotonic()
    last = None
    while time.monotonic() - started < timeout:
        used = sum(_cpu_seconds(pid) for pid in worker_pids(master))
        if last is not None and used - last < idle:
            break
        last = used
        time.sleep(1)
    return time.monotonic() - started


def _host_busy(window: float) -> float:
    """The share of the host's CPU time spent working over the next ``window`` seconds."""
    def times() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    busy0, all0 = times()
    time.sleep(window)
    busy1, all1 = times()
    return (busy1 - busy0) / max(all1 - all0, 1)


def quiet(busy: float = 0.2, timeout: float = 60) -> float:
    """Wait until the host is nearly idle (under ``busy`` of its CPU over half a second):
    a server raced before may still be working through requests a load generator left
    queued, and would take the CPU from the next run. Seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout and _host_busy(0.5) >= busy:
        pass
    return time.monotonic() - started


def post_json(base: str, token: str, path: str, body: dict) -> dict:
    """POST ``body`` as JSON to the service at ``base`` with a bearer token; the answer."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def report(name: str, value: float, unit_: str, target: str, ok: bool) -> None:
    print(f"{name:<58} {value:>12,.3f} {unit_:<12} target {target:<12} {'OK' if ok else 'MISSED'}")


def random_point(rng: random.Random) -> shapely.Point:
    return shapely.Point(rng.uniform(11.0, 17.0), rng.uniform(57.5, 62.5))


def seed_incidents(store: Store, n: int, rng: random.Random, batch: int = 5_000) -> None:
    types = list(IncidentType)
    for start in range(0, n, batch):
        store.apply(
            [
                c.ReportIncident(incident(
                    f"inc-{i}", location=random_point(rng), type=rng.choice(types),
                    agency=rng.choice(AGENCIES), severity=rng.randint(1, 5),
                    reported_at=T0 + timedelta(seconds=i),
                ))
                for i in range(start, min(n, start + batch))
            ],
            RESCUE,
        )


def seed_units(store: Store, n: int, rng: random.Random) -> list[str]:
    kinds = [UnitKind.ENGINE, UnitKind.AMBULANCE, UnitKind.PATROL, UnitKind.TANKER]
    statuses = list(UnitStatus)
    ids = [f"unit-{i}" for i in range(n)]
    store.apply(
        [
            c.RegisterUnit(unit(
                id_, callsign=f"ENH {i}", agency=rng.choice(AGENCIES), unit_kind=rng.choice(kinds),
                status=rng.choice(statuses), position=random_point(rng), position_time=T0,
            ))
            for i, id_ in enumerate(ids)
        ],
        RESCUE,
    )
    return ids
