"""The live operator map as open incidents grow: 1,000 to 100,000 of them, each with
2,000 units, 200 blockages and a day of risk zones (livemap_seed), served by the real
app on loopback and opened in headless Chromium at 1600 x 1000 by a centre operator.

Per size: ready time, bytes on the wire (compressed as Chromium asks), the longest
main-thread task, the JS heap, redraw times for fixed views, how soon a position report
and a new incident show, and the briefing export for the same viewer (size, and its draw
time from disk with the network off). Only the page's API is used: the ready flag and
``GeoriskLive.state/counts/position/centre``.

Run: ``.venv/bin/python -m tests.bench.bench_map_scale [sizes...]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from app import create_app
from georisk.identity import Tokens
from tests import browser
from tests.bench.bench_export import READY as BRIEFING_READY
from tests.bench.bench_map_live import READY, live_context, update_latencies
from tests.bench.common import post_json
from tests.bench.livemap_seed import seed
from tests.factories import incident_input

SIZES = [1_000, 5_000, 20_000, 50_000, 100_000]
UNITS = 2_000
LOADS = 3
TIMEOUT_MS = 300_000
#: (name, lat, lng, zoom), drawn in this order: the seeded area, Örebro county, half a
#: screen (500 px at zoom 9) north of it, Örebro town.
VIEWS = [("overview", 59.8, 14.4, 7), ("county z9", 59.3, 15.0, 9),
         ("pan ½ screen", 60.0, 15.0, 9), ("town z13", 59.274, 15.207, 13)]
#: The table's names of a load's figures (medians of LOADS).
LOAD_FIGURES = {"map ready (s)": "ready", "wire per load (MB)": "wire",
                "biggest response decoded (MB)": "biggest", "longest task (ms)": "longest",
                "total blocking time (ms)": "tbt", "JS heap after ready (MB)": "heap"}
#: Before any page script: every long task of the page, as [start, duration] (ms).
LONG_TASKS = """
window.georiskBenchTasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    window.georiskBenchTasks.push([e.startTime, e.duration]);
  });
}).observe({type: "longtask", buffered: true});
"""
REDRAW = """async ([lat, lng, zoom]) => {
  const started = performance.now();
  GeoriskLive.centre(lat, lng, zoom);
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return performance.now() - started;
}"""
TASKS_SINCE = """async since => {
  await new Promise(done => setTimeout(done, 300));  // let the observer deliver
  return window.georiskBenchTasks.filter(t => t[0] >= since).map(t => t[1]);
}"""


def new_page(chromium, token: str):
    """A fresh context signed in by ``token``, recording long tasks; and its page."""
    context = live_context(chromium, token)
    context.add_init_script(LONG_TASKS)
    return context, context.new_page()


def ready_seconds(page, base: str) -> float:
    started = time.perf_counter()
    page.goto(base + "/", wait_until="load")
    page.wait_for_function(READY, timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def load(chromium, base: str, token: str) -> dict[str, float]:
    """One load of the map in a fresh context: its figures."""
    context, page = new_page(chromium, token)
    cdp = context.new_cdp_session(page)
    wire: dict[str, int] = {}
    decoded: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.dataReceived", lambda e: decoded.__setitem__(
        e["requestId"], decoded.get(e["requestId"], 0) + e["dataLength"]))
    cdp.send("Network.enable")
    cdp.send("Performance.enable")
    ready = ready_seconds(page, base)
    tasks = page.evaluate(TASKS_SINCE, 0)
    cdp.send("HeapProfiler.collectGarbage")
    heap = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    context.close()
    return {"ready": ready, "wire": sum(wire.values()) / 1e6,
            "biggest": max(decoded.values()) / 1e6, "longest": max(tasks, default=0),
            "tbt": sum(max(0, t - 50) for t in tasks), "heap": heap["JSHeapUsedSize"] / 1e6}


def interaction(chromium, base: str, token: str, writer: str) -> dict[str, float]:
    """On one ready map: redraws of the fixed views, then a position report and a new
    incident until they show."""
    context, page = new_page(chromium, token)
    ready_seconds(page, base)
    figures: dict[str, float] = {}
    since = page.evaluate("() => performance.now()")
    drawn: dict[str, list[float]] = {name: [] for name, *_ in VIEWS}
    for _ in range(5):
        for name, *view in VIEWS:
            drawn[name].append(page.evaluate(REDRAW, view))
    figures.update({f"redraw {k} (ms)": statistics.median(v) for k, v in drawn.items()})
    figures["redraw longest task (ms)"] = max(page.evaluate(TASKS_SINCE, since), default=0)
    figures["position shown (ms)"] = statistics.median(update_latencies(page, base, writer,
                                                                        10)) * 1000
    took = []
    for n in range(5):
        before = page.evaluate("() => GeoriskLive.counts().incidents")
        started = time.perf_counter()
        post_json(base, writer, "/api/v1/incidents",
                  incident_input(agency="police", title=f"Mätning {n}"))
        page.wait_for_function("n => GeoriskLive.counts().incidents === n", arg=before + 1,
                               timeout=10_000)
        took.append(time.perf_counter() - started)
    figures["incident shown (ms)"] = statistics.median(took) * 1000
    context.close()
    return figures


def briefing(chromium, base: str, token: str, folder: Path) -> dict[str, float]:
    """The viewer's briefing file by ``GET /api/v1/export``: its size, and its draw time
    opened from disk with every request but file: and data: refused."""
    request = urllib.request.Request(base + "/api/v1/export",
                                     headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=TIMEOUT_MS / 1000) as response:
        html = response.read()
    exported = time.perf_counter() - started
    path = folder / "briefing.html"
    path.write_bytes(html)
    allow = lambda url: url.startswith(("file:", "data:"))  # noqa: E731
    drawn = []
    for _ in range(3):
        with browser.open_page(chromium, path.as_uri(), allow, BRIEFING_READY,
                               TIMEOUT_MS) as (_page, visit):
            assert not visit.blocked and not visit.errors, (visit.blocked, visit.errors)
        drawn.append(visit.ready_seconds)
    return {"export (s)": exported, "briefing file (MB)": len(html) / 1e6,
            "briefing drawn offline (s)": statistics.median(drawn)}


def warm_up(app) -> float:
    """Seconds until the service's start-up work is done (every agency's picture rows, the
    analyst page's tables): the map is measured as it runs, not beside its start."""
    started = time.perf_counter()
    app.extensions["georisk.incident_rows"].warm.wait()
    if warming := app.extensions.get("georisk.analysis.warming"):
        warming.ready.wait()
    return time.perf_counter() - started


def measure(n: int, chromium) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        started = time.perf_counter()
        seed(db, incidents=n, units=UNITS)
        seeded = time.perf_counter() - started
        token = Tokens(db).create("bench", "centre", "operator")[1]
        writer = Tokens(db).create("bench-writer", "police", "operator")[1]
        app = create_app({"DB": str(db)})
        warmed = warm_up(app)
        with browser.loopback_server(app) as base:
            first = load(chromium, base, token)["ready"]  # renders and caches the page
            loads = [load(chromium, base, token) for _ in range(LOADS)]
            figures = {name: statistics.median(x[key] for x in loads)
                       for name, key in LOAD_FIGURES.items()}
            figures.update(interaction(chromium, base, token, writer))
            figures.update(briefing(chromium, base, token, Path(tmp)))
    figures["seed (s)"], figures["warm-up after start (s)"] = seeded, warmed
    figures["first load (s)"] = first
    figures["bench (s)"] = time.perf_counter() - started
    return figures


def main(sizes: list[int]) -> None:
    rows: dict[int, dict[str, float]] = {}
    with browser.browser() as chromium:
        for n in sizes:
            rows[n] = measure(n, chromium)
            print(f"{n:,} incidents: " + ", ".join(f"{k} {v:,.2f}" for k, v in rows[n].items()),
                  flush=True)
    print("\n| figure | " + " | ".join(f"{n:,}" for n in sizes) + " |")
    print("| --- |" + " ---: |" * len(sizes))
    for name in rows[sizes[0]]:
        print(f"| {name} | " + " | ".join(_cell(rows[n][name]) for n in sizes) + " |")


def _cell(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


if __name__ == "__main__":
    main([int(s.replace("k", "000")) for s in sys.argv[1:]] or SIZES)
