"""Throughput of point attribution (points per second), with geopandas sjoin as the peer.

Run: ``.venv/bin/python tests/bench/bench_area.py [N] [REPEATS]``. Not collected by pytest.

Workloads: "bbox" is uniform over the five counties' bounding box (about half the points
fall outside: Norway, neighbouring counties, lakes, so the nearest-search paths run);
"inside" keeps only the points that fall inside a municipality of the area.
The peer is ``geopandas.sjoin(predicate="within")`` against the area municipalities:
it answers only the "inside" question (no lakes, no nearest, no responsibility).
"""

from __future__ import annotations

import statistics
import sys
import time

import geopandas as gpd
import numpy as np

from georisk.area.attribution import attribute
from georisk.area.boundaries import municipalities


def _median_rate(fn, n: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


def main(n: int = 200_000, repeats: int = 5) -> None:
    rng = np.random.default_rng(2026)
    muni = municipalities()
    minx, miny, maxx, maxy = muni.total_bounds
    lon = rng.uniform(minx, maxx, n)
    lat = rng.uniform(miny, maxy, n)
    start = time.perf_counter()
    first = attribute(lon[:1], lat[:1])  # builds the trees once per process
    print(f"first call (index build): {time.perf_counter() - start:.3f} s")
    assert len(first) == 1

    inside = attribute(lon, lat)["method"].to_numpy() == "inside"
    area = muni[["code", "geometry"]]
    workloads = {"bbox": (lon, lat), "inside": (lon[inside], lat[inside])}
    for name, (x, y) in workloads.items():
        k = len(x)
        ours = _median_rate(lambda x=x, y=y: attribute(x, y), k, repeats)
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
        peer = _median_rate(lambda p=pts: gpd.sjoin(p, area, predicate="within"), k, repeats)
        print(
            f"{name:>6}: {k:>7} points  attribute {ours:>10,.0f} pts/s   "
            f"sjoin(within) {peer:>10,.0f} pts/s   ratio {ours / peer:.2f}"
        )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
