"""The live map at demo scale: time until interactive in headless Chromium, bytes moved,
and how soon a change written through the API shows on an open map.

5,000 open incidents, 1,000 units, 200 blockages and a day of risk zones, served by the
real app on loopback. "Interactive" is: the picture drawn, the list filled and the
stream connected (the page's own ready flag plus a live stream). "Shows" is: a unit's
position reported over HTTP until the map's marker stands there (target: a second).

Run: ``.venv/bin/python -m tests.bench.bench_map_live``
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from app import create_app
from georisk.identity import Tokens
from georisk.timeutil import format_utc, utc_now
from tests import browser
from tests.bench.common import post_json
from tests.bench.livemap_seed import seed

READY = ("() => document.documentElement.dataset.georiskReady === '1' && "
         "GeoriskLive.state().live")  # a function: the page's CSP forbids evaluating strings
RUNS = 3
UPDATES = 20


def live_context(chromium, token: str):
    """A fresh browser context at the operator's screen size, signed in by ``token``."""
    return chromium.new_context(viewport={"width": 1600, "height": 1000},
                                extra_http_headers={"Authorization": f"Bearer {token}"})


def update_latencies(page, base: str, writer: str, updates: int = UPDATES) -> list[float]:
    """Seconds from sending a position report of unit-0 (police) until the ready map
    ``page`` shows it."""
    took = []
    for n in range(updates):
        lon, lat = 14.0 + n / 1000, 59.5
        started = time.perf_counter()
        post_json(base, writer, "/api/v1/units/unit-0/positions", {
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "time": format_utc(utc_now())})
        page.wait_for_function(f"() => (GeoriskLive.position('unit', 'unit-0') || [0])[0] "
                               f"=== {lat} && GeoriskLive.position('unit', 'unit-0')[1] === {lon}",
                               timeout=10_000)
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        started = time.perf_counter()
        seed(db)
        print(f"seeded 5,000 incidents, 1,000 units, 200 blockages, risk zones "
              f"in {time.perf_counter() - started:.1f} s")
        token = Tokens(db).create("bench", "centre", "operator")[1]
        app = create_app({"DB": str(db)})
        with browser.loopback_server(app) as base, browser.browser() as chromium:
            times, sizes = [], {}
            for run in range(RUNS + 1):  # the first run renders and caches the page
                context = live_context(chromium, token)
                page = context.new_page()
                moved: dict[str, int] = {}

                def done(request, moved=moved) -> None:
                    response = request.response()
                    if response is not None:
                        body = response.header_value("content-length")
                        moved[request.url] = int(body) if body else len(response.body())

                page.on("requestfinished", done)
                t0 = time.perf_counter()
                page.goto(base + "/", wait_until="load")
                page.wait_for_function(READY, timeout=60_000)
                elapsed = time.perf_counter() - t0
                counts = page.evaluate("GeoriskLive.counts()")
                context.close()
                if run:
                    times.append(elapsed)
                    sizes = moved
            html = sizes.get(base + "/", 0)
            data = sum(v for k, v in sizes.items() if "/api/" in k)
            asset_bytes = sum(v for k, v in sizes.items() if "/assets/" in k)
            print(f"shown: {counts}")
            print(
                f"interactive: median {statistics.median(times):.2f} s, "
                f"max {max(times):.2f} s over {RUNS} loads (cached page HTML)"
            )
            print(
                f"bytes: HTML {html / 1e6:.2f} MB, data (picture) {data / 1e6:.2f} MB, "
                f"assets {asset_bytes / 1e6:.2f} MB (uncompressed)"
            )
            writer = Tokens(db).create("bench-writer", "police", "operator")[1]
            context = live_context(chromium, token)
            page = context.new_page()
            page.goto(base + "/", wait_until="load")
            page.wait_for_function(READY, timeout=60_000)
            took = sorted(update_latencies(page, base, writer))
            context.close()
            median, p95 = statistics.median(took), took[int(0.95 * (len(took) - 1))]
            print(f"a position report to the map: median {median * 1000:.0f} ms, p95 "
                  f"{p95 * 1000:.0f} ms, max {took[-1] * 1000:.0f} ms over {UPDATES} "
                  f"(target <= 1 s: {'met' if p95 <= 1 else 'MISSED'})")


if __name__ == "__main__":
    main()
