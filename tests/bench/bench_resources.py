"""Resource figures: suggestions among 5,000 units on a 100,000-edge graph, against one
Dijkstra search per candidate on the same data; coverage recomputed after a status
change at demo scale.

Plain script: ``.venv/bin/python -m tests.bench.bench_resources``. The graph is
bench_roads' synthetic grid (one edge per 200 m cell side, mixed road classes); units and
incidents are placed at random over it, in a real SQLite store, found through the live
index; a few closures lie on the grid. "End to end in-process" is `suggest()` from the
incident record to the ranked answer with routes and avoided blockages, then its JSON.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import orjson
import shapely
from scipy.sparse.csgraph import dijkstra

from georisk import commands as c
from georisk.access import Presented
from georisk.crs import to_sweref, to_wgs84
from georisk.model import UnitKind, UnitStatus
from georisk.resources import answers
from georisk.resources.coverage import CoverageCache
from georisk.resources.network import TravelNetwork
from georisk.resources.profiles import profile_of
from georisk.resources.service import Resources
from georisk.resources.suggest import suggest
from georisk.roads.network import build_graph
from georisk.store import SQLiteStore
from tests.bench.bench_roads import grid
from tests.factories import RESCUE, T0, blockage, incident, unit

UNITS = 5_000
ROUNDS = 60
KINDS = [UnitKind.ENGINE, UnitKind.AMBULANCE, UnitKind.PATROL]


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def _available_engine(record) -> bool:
    return record.unit_kind == "engine" and record.status == "available"


def suggestions(tmp: Path) -> None:
    roads = grid(100_000)
    t = time.perf_counter()
    network = TravelNetwork(build_graph(roads))
    print(f"graph: {len(network.eids):,} edges, {network.nodes:,} nodes; "
          f"built in {time.perf_counter() - t:.1f} s")
    minx, miny, maxx, maxy = roads.total_bounds
    rng = random.Random(5)

    def place() -> shapely.Point:
        lon, lat = to_wgs84(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        return shapely.Point(float(lon), float(lat))

    store = SQLiteStore(tmp / "suggest.db")
    store.apply([c.RegisterUnit(unit(f"u{i}", unit_kind=rng.choice(KINDS), position=place(),
                                     position_time=T0,
                                     status=rng.choice([UnitStatus.AVAILABLE] * 3
                                                       + [UnitStatus.ON_SCENE])))
                 for i in range(UNITS)], RESCUE)
    lines = [roads.geometry.iloc[rng.randrange(len(roads))] for _ in range(5)]
    sections = gpd.GeoSeries([shapely.LineString(list(line.coords)[40:46]) for line in lines],
                             crs=3006).to_crs(4326)
    store.apply([c.ReportBlockage(blockage(f"b{i}", road="", section=s))
                 for i, s in enumerate(sections)], RESCUE)
    store.apply([c.ReportIncident(incident(f"i{n}", location=place())) for n in range(ROUNDS)],
                RESCUE)
    resources = Resources(store, network=network)
    resources.index()  # built once, as in a worker
    factors, _, _ = resources.factors(None)
    for kind in KINDS:  # weighted matrices are built once per blockage state, then kept
        network.weighted(profile_of(kind), factors)
        network.weighted(profile_of(kind), {})
    incidents = [Presented(store.get("incident", f"i{n}"), False) for n in range(ROUNDS)]
    for label, kinds in (("any kind (3 searches)", ()), ("engines only (1 search)", ("engine",))):
        ours = []
        for shown in incidents:
            t = time.perf_counter()
            answer = suggest(resources, None, shown, kinds=kinds, k=5)
            orjson.dumps(answers.suggestions(answer, resources.network_note()))
            ours.append(time.perf_counter() - t)
        print(f"suggestions, {label}, k=5 of a pool of {answer.pool}: {_ms(ours)}")
    # The peer: the same candidates timed by one search each, from each unit's road node,
    # on the same matrix (scipy's Dijkstra, no early stop: it has none for one target).
    per_candidate, mine = [], []
    weighted = network.weighted(profile_of(UnitKind.ENGINE), factors)
    matrix = weighted.forward
    from scipy.sparse import csr_matrix

    plain = csr_matrix((matrix.data, matrix.indices, matrix.indptr),
                       shape=(matrix.nodes + 1, matrix.nodes + 1))
    for shown in incidents[:20]:
        loc = shown.record.location
        near = resources.nearest_units(None, loc.x, loc.y, 25, _available_engine)
        lon = [n.shown.record.position.x for n in near]
        lat = [n.shown.record.position.y for n in near]
        snaps = network.snap(*to_sweref(lon, lat))
        target = network.snap(*to_sweref([loc.x], [loc.y]))
        t = time.perf_counter()
        tree = weighted.toward(target)
        weighted.to_target(tree, snaps, target)
        mine.append(time.perf_counter() - t)
        t = time.perf_counter()
        for j in range(len(near)):
            dist = dijkstra(plain, directed=True, indices=int(network.u[snaps.edge[j]]))
            _ = dist[network.u[target.edge[0]]]
        per_candidate.append(time.perf_counter() - t)
    ratio = statistics.median(per_candidate) / statistics.median(mine)
    print(f"timing 25 candidates: one search from the incident {_ms(mine)}; one search per "
          f"candidate {_ms(per_candidate)}; ratio {ratio:.1f}x")
    graph = network.graph
    astar = []
    for shown in incidents[:5]:
        loc = shown.record.location
        near = resources.nearest_units(None, loc.x, loc.y, 25, _available_engine)
        t = time.perf_counter()
        for n in near:
            graph.route(n.shown.record.position, loc)
        astar.append(time.perf_counter() - t)
    print(f"the same 25 with RoadGraph.route (networkx A*, one per candidate): {_ms(astar)}; "
          f"ratio {statistics.median(astar) / statistics.median(mine):.0f}x")
    store.close()


def coverage(tmp: Path, demo_db: Path | None) -> None:
    db = demo_db
    if db is None:
        db = tmp / "demo.db"
        from georisk.scenario import ScenarioOptions
        from georisk.scenario.generate import generate

        t = time.perf_counter()
        store = SQLiteStore(db)
        generate(store, ScenarioOptions(seed=1, incidents=2_000, units=300, days=30))
        store.close()
        print(f"demo scenario (300 units, 30 days) written in {time.perf_counter() - t:.0f} s")
    store = SQLiteStore(db)
    resources = Resources(store)
    cache = CoverageCache(resources)
    t = time.perf_counter()
    first = cache.get(None, "engine")
    print(f"coverage, engines ({first.units} available), first answer (network, grid of "
          f"{len(cache.grid().cells):,} cells): {time.perf_counter() - t:.2f} s")
    times, hits = [], []
    engines = [u.record.id for u in cache.units(None, "engine", frozenset())]
    for n, unit_id in enumerate(engines[:10]):
        t = time.perf_counter()
        cache.get(None, "engine")
        hits.append(time.perf_counter() - t)
        status = UnitStatus.OUT_OF_SERVICE if n % 2 == 0 else UnitStatus.AVAILABLE
        store.apply([c.SetUnitStatus(unit_id, status)], RESCUE)
        t = time.perf_counter()
        again = cache.get(None, "engine")
        times.append(time.perf_counter() - t)
    print(f"coverage after a status change (journaled, then asked): {_ms(times)}; "
          f"unchanged (kept): {_ms(hits)}; {again.units} engines available at the end")
    store.close()


def main() -> None:
    demo = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        suggestions(Path(tmp))
        coverage(Path(tmp), demo)


if __name__ == "__main__":
    main()
