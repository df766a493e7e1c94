"""The live map at demo scale: time until interactive in headless Chromium, bytes moved.

5,000 open incidents, 1,000 units, 200 blockages and a day of risk zones, served by the
real app on loopback. "Interactive" is: the picture drawn, the list filled and the
stream connected (the page's own ready flag plus a live stream).

Run: ``.venv/bin/python -m tests.bench.bench_map_live``
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from app import create_app
from georisk.identity import Tokens
from tests import browser
from tests.bench.livemap_seed import seed

READY = ("document.documentElement.dataset.georiskReady === '1' && "
         "GeoriskLive.state().live")  # fmt: skip
RUNS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "georisk.db"
        started = time.perf_counter()
        seed(db)
        print(f"seeded 5,000 incidents, 1,000 units, 200 blockages, risk zones "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        token = Tokens(db).create("bench", "centre", "operator")[1]
        app = create_app({"DB": str(db)})
        with browser.loopback_server(app) as base, browser.browser() as chromium:
            times, sizes = [], {}
            for run in range(RUNS + 1):  # the first run renders and caches the page
                context = chromium.new_context(
                    viewport={"width": 1600, "height": 1000},
                    extra_http_headers={"Authorization": f"Bearer {token}"})  # fmt: skip
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


if __name__ == "__main__":
    main()
