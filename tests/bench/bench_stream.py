"""The event stream under load: 50 clients, 200 unit position updates per second.

The real service (`georisk serve`, gunicorn gthread) on loopback; 50 SSE clients as
threads in 5 separate processes (so their parsing does not share the writer's GIL);
one writer POSTs positions through the JSON API at the target rate and notes when
each write was acknowledged. Latency is client receipt minus acknowledgement, on the
system-wide monotonic clock. Every client must receive every event exactly once.

Run: ``.venv/bin/python -m tests.bench.bench_stream [seconds]`` (default 60).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from georisk import commands as c
from georisk.identity import Tokens
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import service_process
from tests.bench.common import worker_pids
from tests.factories import unit
from tests.sse import messages, open_stream

CLIENTS = 50
PROCESSES = 5
RATE = 200
UNITS = 1_000
WRITERS = 8


def _client_process(index: int, base: str, token: str, after: int, stop_at: int, out) -> None:
    results: list[tuple[int, int, float]] = []  # (client, seq, receipt)
    lock = threading.Lock()

    def client(number: int) -> None:
        response = open_stream(f"{base}/api/stream?after={after}", token, timeout=30)
        got = []
        for message in messages(response):
            if message.event != "change":
                continue
            seq = int(message.id)
            got.append((number, seq, time.monotonic()))
            if seq >= stop_at:
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


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        store = SQLiteStore(db)
        cmds: list[c.Command] = []
        for i in range(UNITS):
            cmds.append(c.RegisterUnit(unit(f"u-{i}", callsign=f"ENH {i}")))
        store.apply(cmds, c.Actor("bench", c.Agency.RESCUE))
        store.close()
        token = Tokens(db).create("bench", "rescue", "operator")[1]
        with service_process(db, "--workers", "1", "--threads", "80") as (base, server):
            workers = worker_pids(server.pid)
            after = SQLiteStore(db).last_seq()
            total = seconds * RATE
            stop_at = after + total
            queue: mp.Queue = mp.Queue()
            procs = [
                mp.Process(target=_client_process, args=(k, base, token, after, stop_at, queue))
                for k in range(PROCESSES)
            ]
            for p in procs:
                p.start()
            time.sleep(3)  # every client connected
            rss_before = sum(_rss_kb(pid) for pid in workers)
            acked: dict[int, float] = {}
            started = time.monotonic()

            def write(lane: int) -> None:
                # WRITERS lanes, each paced at RATE / WRITERS: one HTTP client alone
                # cannot keep 200 requests/s on a small machine.
                for i in range(lane, total, WRITERS):
                    pause = started + i / RATE - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    body = json.dumps({
                        "geometry": {"type": "Point",
                                     "coordinates": [13 + (i % 300) / 100, 59 + (i % 97) / 100]},
                        "time": format_utc(utc_now()),
                    }).encode()
                    request = urllib.request.Request(
                        f"{base}/api/v1/units/u-{i % UNITS}/positions", data=body, method="POST",
                        headers={"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=10) as response:
                        seq = json.loads(response.read())["seq"]
                    acked[seq] = time.monotonic()

            samples: list[tuple[float, float]] = []  # (seconds, worker RSS MB)

            def watch() -> None:  # memory over the run: it must level off, not climb
                while any(w.is_alive() for w in writers):
                    samples.append((time.monotonic() - started,
                                    sum(_rss_kb(pid) for pid in workers) / 1024))
                    time.sleep(15)

            writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
            for w in writers:
                w.start()
            watcher = threading.Thread(target=watch)
            watcher.start()
            for w in writers:
                w.join()
            watcher.join()
            rate = total / (time.monotonic() - started)
            results = []
            for _ in procs:
                results.extend(queue.get(timeout=120))
            for p in procs:
                p.join(timeout=10)
            rss_after = sum(_rss_kb(pid) for pid in workers)
    per_client: dict[int, list[int]] = {}
    latencies = []
    for client, seq, receipt in results:
        per_client.setdefault(client, []).append(seq)
        if seq in acked:
            latencies.append(max(0.0, receipt - acked[seq]))
    expected = set(acked)
    lost = sum(len(expected - set(seqs)) for seqs in per_client.values())
    lost += (CLIENTS - len(per_client)) * len(expected)
    duplicates = sum(len(seqs) - len(set(seqs)) for seqs in per_client.values())
    disordered = sum(any(a >= b for a, b in itertools.pairwise(s))
                     for s in per_client.values())
    clients_seen = len(results) / len(expected) if expected else 0
    valid = sorted(latencies)
    p50 = valid[len(valid) // 2] * 1000
    p99 = valid[int(len(valid) * 0.99)] * 1000
    print(
        f"writes: {len(expected):,} in {seconds} s at {rate:.0f}/s; "
        f"deliveries: {len(results):,} ({clients_seen:.2f} per event, {CLIENTS} clients)"
    )
    print(f"latency ack→client: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {valid[-1] * 1000:.1f} ms")
    print(f"lost: {lost}, duplicates: {duplicates}, clients out of order: {disordered}")
    print(f"RSS of the worker: {rss_before / 1024:.1f} MB before, {rss_after / 1024:.1f} MB after")
    print("RSS over the run: " + ", ".join(f"{t:.0f} s {mb:.0f} MB" for t, mb in samples))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
