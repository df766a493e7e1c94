"""The CoT listener at 2,000 reports/s while 50 live maps follow the stream.

The real service (`georisk serve`) and the CoT listener share one database; a sender
streams Cursor-on-Target position reports over loopback TCP (200 units every 100 ms);
50 SSE clients (threads in 5 processes) follow `/api/stream`. Latency is a client's
receipt (wall clock) minus the event's journal time, which the store sets just before
it writes: from the listener's write, including its commit, to the map. Every client
must see every event exactly once.

Run: ``.venv/bin/python -m tests.bench.bench_cot_stream [seconds]`` (default 60).
"""

from __future__ import annotations

import multiprocessing as mp
import re
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path

import numpy as np

from georisk.feeds.listener import CotListener
from georisk.identity import Tokens
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, utc_now
from tests.api_support import running_service
from tests.sse import open_stream

CLIENTS, PROCESSES = 50, 5
UNITS, TICK_S = 200, 0.1  # 2,000 reports per second


CHANGE = re.compile(rb"id: (\d+)\nevent: change\n")


def _clients(base: str, token: str, after: int, out) -> None:
    """CLIENTS // PROCESSES stream readers; each reports the seqs it saw and when.

    They read the SSE framing only (the id of each change), as cheaply as possible: on
    2 cores, 50 readers that decode every event's JSON would take the CPU the service
    needs, and measure themselves. The event's journal time is looked up afterwards.
    """
    results = []
    lock = threading.Lock()

    def read() -> None:
        seqs, counts, times = array("q"), array("q"), array("d")  # per chunk: count, time
        response = open_stream(f"{base}/api/stream?after={after}", token, timeout=60)
        pending = b""
        while chunk := response.read1(1 << 16):
            now = time.time()
            complete, _, pending = (pending + chunk).rpartition(b"\n\n")
            found = CHANGE.findall(complete)
            seqs.extend(map(int, found))
            counts.append(len(found))
            times.append(now)
            if STOP in complete:
                break
        response.close()
        with lock:
            results.append((seqs, counts, times))

    threads = [threading.Thread(target=read) for _ in range(CLIENTS // PROCESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


STOP = b"cot-stop"


def _report(uid: str, tick: int, stamp: str) -> bytes:
    return (f"<event version='2.0' uid='{uid}' type='a-f-G-U-C' time='{stamp}' start='{stamp}' "
            f"stale='2099-01-01T00:00:00Z' how='m-g'><point lat='{59.0 + (hash(uid) % 100) * 0.01}'"
            f" lon='{14.0 + tick * 1e-5}' hae='0' ce='5' le='5'/>"
            f"<detail><contact callsign='{uid}'/></detail></event>").encode()


def _run(base: str, token: str, store: SQLiteStore, listener: CotListener, seconds: float):
    """Readers connected, then the CoT sender for ``seconds``; what the readers saw."""
    listener.start()
    queue = mp.Queue()
    after = store.last_seq()
    procs = [mp.Process(target=_clients, args=(base, token, after, queue))
             for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    time.sleep(3)  # every client connected
    sent, started = 0, time.monotonic()
    with socket.create_connection(listener.tcp_address) as tcp:
        tick = 0
        while time.monotonic() - started < seconds:
            tick += 1
            stamp = format_utc(utc_now())
            tcp.sendall(b"".join(_report(f"U{u}", tick, stamp) for u in range(UNITS)))
            sent += UNITS
            time.sleep(max(0.0, started + tick * TICK_S - time.monotonic()))
        elapsed = time.monotonic() - started
        time.sleep(2)  # the last batch committed
        tcp.sendall(_report("stop", tick + 1, format_utc(utc_now())))
    results = []
    for _ in procs:
        results.extend(queue.get(timeout=120))
    for p in procs:
        p.join(timeout=10)
    return results, sent, elapsed, after


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "cot.db"
        store = SQLiteStore(db)
        _, token = Tokens(db).create("bench", "centre", "viewer")
        listener = CotListener(store, tcp_port=0, flush=0.075)
        try:
            with running_service(db, "--threads", "72") as base:
                results, sent, elapsed, after = _run(base, token, store, listener, seconds)
            written = store.last_seq() - after - 1  # less the stop marker
            with sqlite3.connect(db) as journal:  # each event's journal time, in seconds
                journal_s = dict(journal.execute(
                    "SELECT seq, time_us / 1e6 FROM events WHERE seq > ?", (after,)))
        finally:
            listener.stop()
            store.close()
    expected = set(range(after + 1, after + written + 1))
    lags, complete, duplicates = [], 0, 0
    for seqs, counts, times in results:
        received = np.repeat(np.asarray(times), np.asarray(counts))
        stamps = np.array([journal_s[seq] for seq in seqs])
        lags.append((received - stamps) * 1000)
        complete += set(seqs) >= expected
        duplicates += len(seqs) - len(set(seqs))
    every = np.concatenate(lags)
    p50, p99 = np.percentile(every, [50, 99])
    print(f"CoT sent {sent:,} in {elapsed:.0f} s ({sent / elapsed:,.0f}/s); journaled "
          f"{written:,} ({written / elapsed:,.0f}/s)")
    print(f"stream: {len(results)} clients, {complete} saw every event, {duplicates} duplicates;"
          f" latency journal time→client p50 {p50:.0f} ms, p99 {p99:.0f} ms "
          f"(target ≤ 250 ms), max {every.max():.0f} ms")


if __name__ == "__main__":
    main()
