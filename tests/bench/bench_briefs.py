"""A new incident's brief on the stream under load: 50 SSE clients of three agencies,
200 unit position updates per second and one incident reported every second.

The real service (`georisk serve`, one gunicorn worker) on loopback, as in
bench_stream: clients are threads in 5 processes; the writers POST positions and
incidents through the JSON API and note when each incident was acknowledged (it is
journaled by then). The figure is brief receipt minus acknowledgement, per client and
incident, on the system-wide monotonic clock; every client must get every brief.

Run: ``.venv/bin/python -m tests.bench.bench_briefs [seconds]`` (default 60).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import sys
import tempfile
import threading
import time
import urllib.error
from pathlib import Path

import shapely

from georisk import commands as c
from georisk.identity import Tokens
from georisk.model import Agency, UnitKind
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import service_process
from tests.bench.common import post_json
from tests.factories import T0, unit
from tests.sse import messages, open_stream

CLIENTS = 50
PROCESSES = 5
RATE = 200
INCIDENTS_PER_S = 1
UNITS = 1_000
WRITERS = 8
AGENCIES = ("rescue", "police", "sos")
KIND_OF = {"rescue": UnitKind.ENGINE, "police": UnitKind.PATROL, "sos": UnitKind.AMBULANCE}


def stream_clients(index: int, base: str, tokens: dict, count: int, out,
                   event: str = "brief") -> None:
    """CLIENTS // PROCESSES stream readers (threads), each of the agencies in turn: the
    (client, incident id, receipt) of each new incident's ``event`` message (its brief,
    or its ``change`` when reported), until ``count`` of them; put on ``out``."""
    results: list[tuple[str, str, float]] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        token = tokens[AGENCIES[number % len(AGENCIES)]]
        response = open_stream(f"{base}/api/stream", token, timeout=60)
        got = []
        for message in messages(response):
            incident = _incident_of(message, event)
            if incident is None:
                continue
            got.append((f"c{number}", incident, time.monotonic()))
            if len(got) >= count:
                break
        response.close()
        with lock:
            results.extend(got)

    per = CLIENTS // PROCESSES
    threads = [threading.Thread(target=client, args=(index * per + n,)) for n in range(per)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def _incident_of(message, event: str) -> str | None:
    if message.event != event:
        return None
    data = json.loads(message.data)
    if event == "brief":
        return data["incident"]
    return data["entity_id"] if data.get("kind") == "incident.reported" else None


def send_load(base: str, tokens: dict, seconds: int, rng: random.Random,
              prefix: str = "inc") -> tuple[dict[str, float], list[int], float]:
    """For ``seconds``: RATE position reports a second (WRITERS lanes, the agencies'
    units in turn) and INCIDENTS_PER_S new incidents (rescue's), all to ``base``. Gives
    each incident's acknowledgement time (the system-wide monotonic clock) by id, the
    reports refused as older than their unit's last (two lanes, one unit), and the
    reports' rate achieved."""
    acked: dict[str, float] = {}
    started = time.monotonic()
    total = seconds * RATE
    refused: list[int] = []

    def positions(lane: int) -> None:
        for i in range(lane, total, WRITERS):
            pause = started + i / RATE - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            agency = AGENCIES[i % 3]
            body = {"geometry": {"type": "Point", "coordinates": [
                12 + (i % 450) / 100, 57.8 + (i % 370) / 100]},
                "time": format_utc(utc_now())}
            try:
                post_json(base, tokens[agency],
                          f"/api/v1/units/{agency}-{i % (UNITS // 3)}/positions", body)
            except urllib.error.HTTPError as exc:
                if exc.code != 409:
                    raise
                refused.append(i)

    def incidents() -> None:
        for n in range(seconds * INCIDENTS_PER_S):
            pause = started + n / INCIDENTS_PER_S + 0.5 - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            lon, lat = rng.uniform(12.5, 16), rng.uniform(58, 61)
            answer = post_json(base, tokens["rescue"], "/api/v1/incidents", {
                "type": "Feature", "id": f"{prefix}-{n}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"type": "traffic", "title": f"Trafikolycka {n}",
                               "severity": 3, "agency": "rescue"}})
            acked[answer["feature"]["id"]] = time.monotonic()

    writers = [threading.Thread(target=positions, args=(n,)) for n in range(WRITERS)]
    writers.append(threading.Thread(target=incidents))
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    return acked, refused, total / (time.monotonic() - started)


def register_units(store, rng: random.Random) -> None:
    """UNITS units, a third per agency of AGENCIES, at random places in the area."""
    for agency in AGENCIES:
        store.apply([c.RegisterUnit(unit(
            f"{agency}-{i}", agency=Agency(agency), unit_kind=KIND_OF[agency],
            position=shapely.Point(rng.uniform(12, 16.5), rng.uniform(57.8, 61.5)),
            position_time=T0)) for i in range(UNITS // 3)],
            c.Actor("bench", Agency(agency)))


def main(seconds: int) -> None:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        store = SQLiteStore(db)
        register_units(store, rng)
        store.close()
        tokens = {agency: Tokens(db).create(f"bench-{agency}", agency, "operator")[1]
                  for agency in AGENCIES}
        count = seconds * INCIDENTS_PER_S
        with service_process(db, "--workers", "1", "--threads", "80") as (base, _):
            queue: mp.Queue = mp.Queue()
            procs = [mp.Process(target=stream_clients, args=(k, base, tokens, count, queue))
                     for k in range(PROCESSES)]
            for p in procs:
                p.start()
            time.sleep(5)  # every client connected, the brief thread warmed up
            acked, refused, rate = send_load(base, tokens, seconds, rng)
            results = []
            for _ in procs:
                results.extend(queue.get(timeout=120))
            for p in procs:
                p.join(timeout=10)
    delays = sorted(max(0.0, receipt - acked[incident]) for _, incident, receipt in results
                    if incident in acked)
    per_client: dict[str, set[str]] = {}
    for client, incident, _ in results:
        per_client.setdefault(client, set()).add(incident)
    missing = sum(count - len(got) for got in per_client.values()) + (
        CLIENTS - len(per_client)) * count
    p50 = delays[len(delays) // 2] * 1000
    p99 = delays[int(len(delays) * 0.99)] * 1000
    print(f"positions: {seconds * RATE:,} at {rate:.0f}/s ({len(refused)} refused as older "
          f"than the unit's last); incidents: {count} (1/s); briefs received: "
          f"{len(results):,} by {CLIENTS} clients of {len(AGENCIES)} agencies")
    print(f"brief delay, incident journaled (acknowledged) → client: p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms, max {delays[-1] * 1000:.0f} ms; briefs missing: {missing}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
