"""Feed figures: CoT listener throughput over loopback, Polisen and Trafikverket imports.

Run: ``.venv/bin/python -m tests.bench.bench_feeds``. Payloads are generated in the
sources' real shapes (Polisen: 500 events; Trafikverket: 1,000 Deviations) so the run
needs no network and no shared data.
"""

from __future__ import annotations

import json
import socket
import tempfile
import time
from pathlib import Path

from georisk.feeds import adapter
from georisk.feeds.importer import import_parsed
from georisk.feeds.listener import CotListener
from georisk.store import SQLiteStore
from tests.bench.common import report

MUNICIPALITIES = [("Karlstad", 59.40, 13.51), ("Örebro", 59.27, 15.21), ("Falun", 60.61, 15.63),
                  ("Västerås", 59.61, 16.55), ("Värmlands län", 59.73, 13.23)]


def polisen_payload(count: int = 500) -> bytes:
    events = []
    for i in range(count):
        name, lat, lon = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        events.append({
            "id": 600_000 + i, "datetime": f"2026-08-22 {i % 24}:13:04 +02:00",
            "name": f"22 augusti, Trafikolycka, {name}", "summary": "Två bilar.",
            "url": f"/aktuellt/handelser/{i}/", "type": "Trafikolycka",
            "location": {"name": name, "gps": f"{lat},{lon}"},
        })
    return json.dumps(events).encode()


def trafikverket_payload(count: int = 1_000) -> bytes:
    deviations = []
    for i in range(count):
        lon, lat = 13.0 + (i % 50) * 0.05, 59.0 + (i // 50) * 0.02
        deviations.append({
            "Id": f"SE_STA_TRISSID_1_{i}", "MessageType": "Vägarbete", "RoadNumber": "E18",
            "SeverityCode": 2, "StartTime": "2026-08-22T06:00:00+02:00",
            "Geometry": {"Line": {"WGS84": f"LINESTRING ({lon} {lat}, {lon + 0.01} {lat})"}},
        })
    situations = [{"Deviation": deviations[i : i + 2]} for i in range(0, count, 2)]
    return json.dumps({"RESPONSE": {"RESULT": [{"Situation": situations}]}}).encode()


def timed_import(folder: Path, source: str, payload: bytes) -> float:
    store = SQLiteStore(folder / f"{source}.db")
    feed = adapter(source)
    start = time.perf_counter()
    summary = import_parsed(store, feed, feed.parse(payload))
    elapsed = time.perf_counter() - start
    store.close()
    assert not summary.rejected, summary.rejected[:3]
    return elapsed


def cot_throughput(folder: Path, units: int = 500, seconds: float = 5.0) -> float:
    store = SQLiteStore(folder / "cot.db")
    listener = CotListener(store, tcp_port=0, flush=0.075)
    listener.start()
    sent = 0
    with socket.create_connection(listener.tcp_address) as tcp:
        start = time.perf_counter()
        tick = 0
        while time.perf_counter() - start < seconds:
            tick += 1
            stamp = f"2026-08-22T10:{tick // 60 % 60:02d}:{tick % 60:02d}.{tick % 1000:03d}Z"
            burst = b"".join(
                (f"<event version='2.0' uid='U{u}' type='a-f-G-U-C' time='{stamp}' "
                 f"start='{stamp}' stale='2026-08-22T11:00:00Z' how='m-g'>"
                 f"<point lat='{59.0 + u * 0.001}' lon='{15.0 + tick * 1e-5}' hae='0' ce='5' "
                 f"le='5'/><detail><contact callsign='U{u}'/></detail></event>").encode()
                for u in range(units)
            )
            tcp.sendall(burst)
            sent += units
            time.sleep(0.1)
    deadline = time.monotonic() + 30
    counters = listener.counters
    while counters.summary.created + counters.summary.updated + counters.summary.unchanged < sent:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    written = counters.summary.created + counters.summary.updated
    listener.stop()
    store.close()
    print(f"  cot: {sent} sent, {written} written in {counters.batches} transactions")
    return written / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        polisen = timed_import(root, "polisen", polisen_payload())
        report("Polisen import, 500 events", polisen, "s", "≤ 1 s", polisen <= 1.0)
        trafik = timed_import(root, "trafikverket", trafikverket_payload())
        report("Trafikverket import, 1,000 deviations", trafik, "s", "≤ 1 s", trafik <= 1.0)
        rate = cot_throughput(root)
        report("CoT listener over loopback TCP into the store", rate, "reports/s",
               "≥ 2,000/s", rate >= 2_000)


if __name__ == "__main__":
    main()
