"""Road graph figures: build time, snapping throughput, shortest-path time.

Plain script (not collected by pytest): ``.venv/bin/python tests/bench/bench_roads.py``.
The synthetic network is a square grid of straight SWEREF 99 TM lines, each cell side
one edge, sized to about 100,000 edges.
"""

from __future__ import annotations

import math
import time

import geopandas as gpd
import numpy as np
from shapely import LineString

from georisk.roads.network import build_graph
from georisk.roads.schematic import schematic_roads


def timed(fn, repeat: int = 1):
    best = math.inf
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def grid(n_edges: int) -> gpd.GeoDataFrame:
    # A k×k grid of nodes has 2·k·(k−1) edges; one line per row and per column.
    k = math.ceil((1 + math.sqrt(1 + 2 * n_edges)) / 2)
    step = 200.0
    x0, y0 = 450_000.0, 6_550_000.0
    xs = x0 + step * np.arange(k)
    ys = y0 + step * np.arange(k)
    lines = [LineString(np.column_stack([xs, np.full(k, y)])) for y in ys]
    lines += [LineString(np.column_stack([np.full(k, x), ys])) for x in xs]
    classes = np.resize(["european", "national", "regional", "local"], len(lines))
    return gpd.GeoDataFrame({"ref": None, "road_class": classes}, geometry=lines, crs=3006)


def main() -> None:
    schematic = schematic_roads()  # GeoNames loading is not part of the graph build
    t_schem, g_schem = timed(lambda: build_graph(schematic), repeat=5)
    print(
        f"schematic network: {len(schematic)} routes, {len(g_schem.edges)} edges, "
        f"{g_schem.graph.number_of_nodes()} nodes; build {t_schem * 1000:.1f} ms"
    )

    roads = grid(100_000)
    t_big, g = timed(lambda: build_graph(roads), repeat=1)
    print(
        f"synthetic grid: {len(g.edges):,} edges, {g.graph.number_of_nodes():,} nodes; "
        f"build {t_big:.2f} s"
    )

    minx, miny, maxx, maxy = g.edges.to_crs(4326).total_bounds
    rng = np.random.default_rng(1)
    n = 100_000
    pts = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    _ = g.tree  # index built once, as in the service
    t_snap, _ = timed(lambda: g.snap(pts), repeat=3)
    print(f"snapping: {n:,} points in {t_snap:.2f} s = {n / t_snap:,.0f} points/s")

    t_s_snap, _ = timed(lambda: g_schem.snap(pts[:10_000]), repeat=3)
    print(f"snapping on schematic: {10_000 / t_s_snap:,.0f} points/s")

    pairs = [(pts[i], pts[-1 - i]) for i in range(20)]
    times = []
    for a, b in pairs:
        t, _ = timed(lambda a=a, b=b: g.route(a, b))
        times.append(t)
    print(
        f"shortest path (grid, random pairs, n=20): median {np.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms"
    )
    sw = schematic.total_bounds
    spairs = [((sw[0] + 0.3, sw[1] + 0.3), (sw[2] - 0.3, sw[3] - 0.3))] * 20
    stimes = [timed(lambda a=a, b=b: g_schem.route(a, b))[0] for a, b in spairs]
    print(f"shortest path (schematic, corner to corner): median {np.median(stimes) * 1000:.1f} ms")
    corridor = g.edges.geometry.iloc[len(g.edges) // 2]
    t_block, _ = timed(lambda: g.with_blockages(gpd.GeoSeries([corridor], crs=3006)), repeat=3)
    print(f"blockage view on the grid: {t_block * 1000:.0f} ms")


if __name__ == "__main__":
    main()
