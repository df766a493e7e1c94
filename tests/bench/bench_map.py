"""Base map figures: asset bytes per page load, single-file size, render and ready times.

Run: ``.venv/bin/python -m tests.bench.bench_map`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
from pathlib import Path

import folium
import numpy as np
from folium.plugins import MarkerCluster

from layers import assets
from layers.basemap import build_basemap
from layers.page import MapPage
from tests import browser

READY_BASE = "document.querySelectorAll('path.georisk-municipality').length === 102"
READY_CLUSTER = READY_BASE + " && document.querySelectorAll('.marker-cluster').length > 0"
RUNS = 5


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def _cluster_page() -> MapPage:
    page = build_basemap()
    rng = np.random.default_rng(18)
    points = zip(
        rng.uniform(57.8, 61.5, 2000).round(5).tolist(),
        rng.uniform(11.9, 16.5, 2000).round(5).tolist(),
        strict=True,
    )
    MarkerCluster(locations=list(points)).add_to(page.map)
    folium.Marker([59.2741, 15.2066]).add_to(page.map)
    return page


def render_times() -> None:
    start = time.perf_counter()
    build_basemap().render("served")
    cold = time.perf_counter() - start
    warm = []
    for _ in range(RUNS):
        start = time.perf_counter()
        build_basemap().render("served")
        warm.append(time.perf_counter() - start)
    inline = []
    for _ in range(RUNS):
        start = time.perf_counter()
        build_basemap().render("inline")
        inline.append(time.perf_counter() - start)
    print(f"render base map, first in process (loads boundaries, roads, towns): {cold:.2f} s")
    print(f"render base map, served, median of {RUNS}: {statistics.median(warm) * 1000:.0f} ms")
    print(f"render base map, inline, median of {RUNS}: {statistics.median(inline) * 1000:.0f} ms")


def sizes() -> None:
    served = build_basemap().render("served")
    inline = build_basemap().render("inline")
    links = sum(len(m) for m in re.findall(r"<(?:script src|link rel)[^>]*>(?:</script>)?", served))
    page_and_data = len(served.encode()) - links
    total = len(inline.encode())
    zipped = len(gzip.compress(inline.encode()))
    print(f"inline base map file: {_kb(total)} ({_kb(zipped)} gzipped)")
    print(f"  of which assets (Leaflet JS/CSS + images + our CSS): {_kb(total - page_and_data)}")
    print(f"  of which page and data (GeoJSON, layer code, legend): {_kb(page_and_data)}")
    cluster = _cluster_page().render("inline").encode()
    print(
        f"inline base map + 2,000 clustered markers: {_kb(len(cluster))} "
        f"({_kb(len(gzip.compress(cluster)))} gzipped)"
    )


def browser_figures() -> None:
    why = browser.unavailable()
    if why:
        print(f"browser figures skipped: {why}")
        return
    with browser.browser() as chromium:
        for label, page, ready in (
            ("base map", build_basemap(), READY_BASE),
            ("base map + 2,000 clustered", _cluster_page(), READY_CLUSTER),
        ):
            with tempfile.TemporaryDirectory() as folder:
                path = page.save(Path(folder) / "map.html", mode="inline")
                times = []
                for _ in range(RUNS):
                    with browser.open_page(
                        chromium,
                        path.as_uri(),
                        allow=lambda u: u.startswith(("file:", "data:")),
                        ready=ready,
                    ) as (_, visit):
                        assert not (visit.blocked or visit.failed or visit.errors)
                        times.append(visit.ready_seconds)
            print(
                f"{label}, inline from file://: ready in {statistics.median(times):.2f} s "
                f"(median of {RUNS})"
            )
            with browser.loopback_server(browser.page_app(page.render("served"))) as base:
                times, asset_bytes = [], 0
                for _ in range(RUNS):
                    with browser.open_page(
                        chromium, base + "/", allow=lambda u: u.startswith(base + "/"), ready=ready
                    ) as (_, visit):
                        assert not (visit.blocked or visit.failed or visit.errors)
                        times.append(visit.ready_seconds)
                        asset_bytes = sum(
                            len(assets.served(*u.split("/assets/", 1)[1].split("/", 1)).body)
                            for u in set(visit.requests)
                            if "/assets/" in u
                        )
                        count = len({u for u in visit.requests if "/assets/" in u})
            print(
                f"{label}, served over loopback: ready in {statistics.median(times):.2f} s "
                f"(median of {RUNS}); assets per load: {count} files, {_kb(asset_bytes)}"
            )


def main() -> None:
    render_times()
    sizes()
    browser_figures()


if __name__ == "__main__":
    main()
