"""Two service instances on one PostGIS database: the live stream across them under load,
and the read capacity of two instances against one.

A throwaway PostgreSQL 15 + PostGIS cluster (durable: ``fsync=on``; tests/pg_support.py)
holds 50,000 incidents and 1,000 units of three agencies; instances A and B are two
`georisk serve` processes (one gunicorn worker of 80 threads each) on that database.

* Stream: 50 SSE clients of three agencies on B (threads in 5 processes); writers send
  200 unit position reports per second and one incident per second to A. The figure is,
  for every client and incident, the time from the incident's acknowledgement by A (it is
  journaled and committed) to its ``change`` message on B, on the system-wide monotonic
  clock: p50 and p99. Every client must get every incident.
* Reads: ``items?limit=1000&bbox`` under wrk against A alone, then against A and B at
  once (two wrk processes, the rates added), each three 8 s runs: the ratio of the
  medians. Both instances run on this one machine's cores.

Run: ``.venv/bin/python -m tests.bench.bench_instances [seconds]`` (the stream's length,
default 30; needs Debian's postgresql-15-postgis-3 and wrk).
"""

from __future__ import annotations

import multiprocessing as mp
import random
import statistics
import subprocess
import sys
import time

from georisk.identity import Tokens
from georisk.store import open_store
from tests.api_support import service_process
from tests.bench.bench_api import BBOX, WRK
from tests.bench.bench_briefs import (
    AGENCIES,
    CLIENTS,
    PROCESSES,
    RATE,
    register_units,
    send_load,
    stream_clients,
)
from tests.bench.common import seed_incidents

SERVE = ("--workers", "1", "--threads", "80")


def stream_across(a: str, b: str, tokens: dict, seconds: int) -> None:
    count = seconds
    found: mp.Queue = mp.Queue()
    readers = [mp.Process(target=stream_clients, args=(k, b, tokens, count, found, "change"))
               for k in range(PROCESSES)]
    for reader in readers:
        reader.start()
    time.sleep(5)  # every client connected
    acked, refused, rate = send_load(a, tokens, seconds, random.Random(4), "bench")
    results = []
    for _ in readers:
        results.extend(found.get(timeout=120))
    for reader in readers:
        reader.join(timeout=10)
    delays = sorted(max(0.0, at - acked[id_]) for _, id_, at in results if id_ in acked)
    per_client: dict[str, set[str]] = {}
    for client, id_, _ in results:
        per_client.setdefault(client, set()).add(id_)
    missing = sum(count - len(got) for got in per_client.values()) + (
        CLIENTS - len(per_client)) * count
    print(f"positions to A: {seconds * RATE:,} at {rate:.0f}/s ({len(refused)} refused as "
          f"older than the unit's last); incidents to A: "
          f"{count}; received on B: {len(results):,} by {CLIENTS} clients; missing: {missing}")
    print(f"write acknowledged by A -> change on B's stream: p50 "
          f"{delays[len(delays) // 2] * 1000:.0f} ms, p99 "
          f"{delays[int(len(delays) * 0.99)] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")


def _wrk(url: str, token: str) -> subprocess.Popen:
    return subprocess.Popen(["wrk", *WRK, "-d8s", "-H", f"Authorization: Bearer {token}", url],
                            stdout=subprocess.PIPE, text=True)


def _rate(run: subprocess.Popen) -> float:
    out = run.communicate()[0]
    if "Non-2xx" in out:
        raise RuntimeError(out)
    return float(out.split("Requests/sec:")[1].split()[0])


def reads(a: str, b: str, token: str) -> None:
    path = f"/ogc/collections/incidents/items?limit=1000&bbox={BBOX}"
    _rate(_wrk(a + path, token)), _rate(_wrk(b + path, token))  # warm both
    one, two = [], []
    for _ in range(3):
        one.append(_rate(_wrk(a + path, token)))
        both = [_wrk(a + path, token), _wrk(b + path, token)]
        two.append(sum(_rate(run) for run in both))
    print(f"items?limit=1000&bbox: one instance {statistics.median(one):.0f} req/s, two "
          f"instances together {statistics.median(two):.0f} req/s: "
          f"{statistics.median(two) / statistics.median(one):.2f}x")


def main(seconds: int) -> None:
    from tests.pg_support import running_server

    rng = random.Random(3)
    with running_server(fsync=True) as server:
        url = server.database()
        store = open_store(url)
        seed_incidents(store, 50_000, rng)
        register_units(store, rng)
        store.close()
        tokens = {agency: Tokens(url).create(f"bench-{agency}", agency, "operator")[1]
                  for agency in AGENCIES}
        analyst = Tokens(url).create("bench-analyst", "centre", "analyst")[1]
        with service_process(url, *SERVE) as (a, _), service_process(url, *SERVE) as (b, _):
            stream_across(a, b, tokens, seconds)
            reads(a, b, analyst)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
