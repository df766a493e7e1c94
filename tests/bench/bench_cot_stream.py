"""The CoT listener at 2,000 reports/s while 50 live maps follow the stream.

The real service (`georisk serve`) and the CoT listener share one database; a sender
streams Cursor-on-Target position reports over loopback TCP (200 units every 100 ms);
50 SSE clients (threads in 5 processes) follow `/api/stream`. Latency is a client's
receipt (wall clock) minus the event's journal time: from the listener's commit to the
map. Every client must see every event once.

Run: ``.venv/bin/python -m tests.bench.bench_cot_stream [seconds]`` (default 60).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from georisk.feeds.listener import CotListener
from georisk.identity import Tokens
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, parse_instant, utc_now
from tests.api_support import free_port
from tests.conftest import ROOT
from tests.sse import messages, open_stream

CLIENTS, PROCESSES = 50, 5
UNITS, TICK_S = 200, 0.1  # 2,000 reports per second


def _clients(base: str, token: str, after: int, out) -> None:
    """CLIENTS // PROCESSES stream readers; each reports (seqs seen, latencies in ms)."""
    results = []
    lock = threading.Lock()

    def read() -> None:
        seqs, lags = [], []
        response = open_stream(f"{base}/api/stream?after={after}", token, timeout=60)
        for message in messages(response):
            if message.event == "stop":
                break
            if message.event != "change":
                continue
            data = json.loads(message.data)
            if data["kind"] == "unit.registered" and data["entity_id"] == "cot-stop":
                break
            seqs.append(int(message.id))
            lags.append((time.time() - parse_instant(data["time"]).timestamp()) * 1000)
        response.close()
        with lock:
            results.append((seqs, lags))

    threads = [threading.Thread(target=read) for _ in range(CLIENTS // PROCESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def _report(uid: str, tick: int, stamp: str) -> bytes:
    return (f"<event version='2.0' uid='{uid}' type='a-f-G-U-C' time='{stamp}' start='{stamp}' "
            f"stale='2099-01-01T00:00:00Z' how='m-g'><point lat='{59.0 + (hash(uid) % 100) * 0.01}'"
            f" lon='{14.0 + tick * 1e-5}' hae='0' ce='5' le='5'/>"
            f"<detail><contact callsign='{uid}'/></detail></event>").encode()  # fmt: skip


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "cot.db"
        store = SQLiteStore(db)
        _, token = Tokens(db).create("bench", "centre", "viewer")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--db", str(db), "--port", str(port),
             "--threads", "72"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        listener = CotListener(store, tcp_port=0, flush=0.075)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/health", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.1)
            listener.start()
            queue = mp.Queue()
            after = store.last_seq()
            procs = [mp.Process(target=_clients, args=(base, token, after, queue))
                     for _ in range(PROCESSES)]  # fmt: skip
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
            written = store.last_seq() - after - 1  # less the stop marker
        finally:
            listener.stop()
            server.terminate()
            server.wait(timeout=15)
            store.close()
    expected = set(range(after + 1, after + written + 1))
    lags = sorted(lag for _, client_lags in results for lag in client_lags)
    complete = sum(1 for seqs, _ in results if set(seqs) >= expected)
    duplicates = sum(len(seqs) - len(set(seqs)) for seqs, _ in results)
    p99 = lags[int(0.99 * (len(lags) - 1))] if lags else float("nan")
    print(f"CoT sent {sent:,} in {elapsed:.0f} s ({sent / elapsed:,.0f}/s); journaled "
          f"{written:,} ({written / elapsed:,.0f}/s)")
    print(f"stream: {len(results)} clients, {complete} saw every event, {duplicates} duplicates;"
          f" latency commit→client p50 {statistics.median(lags):.0f} ms, p99 {p99:.0f} ms "
          f"(target ≤ 250 ms), max {lags[-1]:.0f} ms")


if __name__ == "__main__":
    main()
