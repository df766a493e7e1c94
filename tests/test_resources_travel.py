"""Travel times: one search per profile equals a brute-force networkx search per unit;
blockages make routes detour, slow them, or leave the incident unreachable."""

from __future__ import annotations

import random

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely import LineString

from georisk import commands as c
from georisk.access import Presented
from georisk.crs import to_sweref, to_wgs84
from georisk.model import UnitKind, UnitStatus
from georisk.resources.network import TravelNetwork
from georisk.resources.profiles import ACCESS_KMH, profile_of
from georisk.resources.service import Resources
from georisk.resources.suggest import suggest
from georisk.roads.network import build_graph
from tests.factories import RESCUE, T0, blockage, incident, unit

X0, Y0 = 500_000.0, 6_600_000.0  # Västmanland, SWEREF 99 TM


def _lonlat(x: float, y: float) -> shapely.Point:
    lon, lat = to_wgs84(X0 + x, Y0 + y)
    return shapely.Point(float(lon), float(lat))


def _grid(rng: random.Random, k: int = 9, step: float = 2_000.0) -> gpd.GeoDataFrame:
    """A k×k grid of segments, a fifth of them missing, of mixed road classes."""
    classes = ["european", "national", "regional", "local"]
    lines, kinds = [], []
    for i in range(k):
        for j in range(k):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < k and j + dj < k and rng.random() > 0.2:
                    lines.append(LineString([(X0 + i * step, Y0 + j * step),
                                             (X0 + (i + di) * step, Y0 + (j + dj) * step)]))
                    kinds.append(rng.choice(classes))
    return gpd.GeoDataFrame({"ref": None, "road_class": kinds}, geometry=lines, crs=3006)


def _brute_eta(network: TravelNetwork, factors: dict[int, float], kind: UnitKind,
               unit_xy: tuple[float, float], incident_xy: tuple[float, float]) -> float:
    """The same ETA with networkx: both points joined to the graph as extra nodes."""
    profile = profile_of(kind)
    weighted = network.weighted(profile, factors)
    graph = nx.MultiDiGraph()
    for position, (a, b) in enumerate(zip(network.u, network.v, strict=True)):
        seconds = weighted.seconds[position]
        if np.isfinite(seconds):
            graph.add_edge(int(a), int(b), w=seconds)
            graph.add_edge(int(b), int(a), w=seconds)
    snaps = network.snap(np.array([unit_xy[0], incident_xy[0]]),
                         np.array([unit_xy[1], incident_xy[1]]))
    for name, i in (("unit", 0), ("incident", 1)):
        e, f = int(snaps.edge[i]), float(snaps.fraction[i])
        own = weighted.own_seconds[e]
        a, b = int(network.u[e]), int(network.v[e])
        for node, cost in ((a, f * own), (b, (1 - f) * own)):
            if name == "unit":
                graph.add_edge("unit", node, w=cost)
            else:
                graph.add_edge(node, "incident", w=cost)
    if snaps.edge[0] == snaps.edge[1]:
        graph.add_edge("unit", "incident", w=abs(snaps.fraction[0] - snaps.fraction[1])
                       * weighted.own_seconds[snaps.edge[0]])
    try:
        road = nx.dijkstra_path_length(graph, "unit", "incident", weight="w")
    except nx.NetworkXNoPath:
        return np.inf
    per_m = 3.6 / ACCESS_KMH
    return profile.start_s + snaps.off_m.sum() * per_m + road


@pytest.fixture
def grid_world(store):
    rng = random.Random(11)
    roads = _grid(rng)
    network = TravelNetwork(build_graph(roads))
    kinds = [UnitKind.ENGINE, UnitKind.AMBULANCE, UnitKind.PATROL]
    units = []
    for i in range(40):
        xy = (rng.uniform(-1_000, 17_000), rng.uniform(-1_000, 17_000))
        units.append((f"u{i}", rng.choice(kinds), xy))
    store.apply([c.RegisterUnit(unit(id_, unit_kind=kind, position=_lonlat(*xy),
                                     position_time=T0)) for id_, kind, xy in units],
                RESCUE)
    return rng, network, Resources(store, network=network), {u[0]: u for u in units}


def _true_xy(point: shapely.Point) -> tuple[float, float]:
    x, y = to_sweref(point.x, point.y)
    return float(x), float(y)


@pytest.mark.parametrize("blocked", [False, True])
def test_one_search_per_profile_equals_networkx_per_unit(grid_world, store, blocked):
    rng, network, resources, units = grid_world
    if blocked:  # a few closures and one restriction, by edge, as the store's would be
        picks = rng.sample(range(len(network.eids)), 12)
        lines = [network.graph.edges.geometry.iloc[p] for p in picks]
        store.apply([c.ReportBlockage(blockage(
            f"b{i}", road="", impact=2 if i == 0 else None,
            section=gpd.GeoSeries([line], crs=3006).to_crs(4326).iloc[0]))
            for i, line in enumerate(lines)], RESCUE)
    factors, _, _ = resources.factors(None)
    assert bool(factors) is blocked
    checked = 0
    for n in range(6):
        xy = (rng.uniform(0, 16_000), rng.uniform(0, 16_000))
        store.apply([c.ReportIncident(incident(f"i{n}{blocked}", location=_lonlat(*xy)))], RESCUE)
        shown = Presented(store.get("incident", f"i{n}{blocked}"), False)
        answer = suggest(resources, None, shown, k=40, pool=40)
        assert len(answer.suggestions) == 40
        etas = [s.eta_s for s in answer.suggestions]
        assert etas == sorted(etas)
        for found in answer.suggestions:
            _, kind, _ = units[found.unit.record.id]
            unit_xy = _true_xy(found.unit.record.position)
            expected = _brute_eta(network, factors, kind, unit_xy, _true_xy(shown.record.location))
            if np.isinf(expected):
                assert not found.reachable
            else:
                assert found.eta_s == pytest.approx(expected, rel=1e-9)
                checked += 1
    assert checked > 150


def _line_world(store, with_detour: bool):
    """A - B - C - D along one road (E18), 10 km apart, the incident near D; optionally a
    slower local detour A - N - C. (The edge an incident is on may always be driven.)"""
    lines = [LineString([(X0 + x, Y0), (X0 + x + 10_000, Y0)]) for x in (0, 10_000, 20_000)]
    refs, classes = ["E18"] * 3, ["european"] * 3
    if with_detour:
        lines.append(LineString([(X0, Y0), (X0 + 10_000, Y0 + 8_000), (X0 + 20_000, Y0)]))
        refs.append(None)
        classes.append("local")
    roads = gpd.GeoDataFrame({"ref": refs, "road_class": classes}, geometry=lines, crs=3006)
    resources = Resources(store, network=TravelNetwork(build_graph(roads)))
    store.apply([c.RegisterUnit(unit("engine", position=_lonlat(100, 0), position_time=T0)),
                 c.ReportIncident(incident("crash", location=_lonlat(29_900, 0)))],
                RESCUE)
    return resources, Presented(store.get("incident", "crash"), False)


def _closure(id_: str, impact: int | None = None):
    section = LineString([_lonlat(12_000, 0), _lonlat(15_000, 0)])
    return c.ReportBlockage(blockage(id_, road="E18", section=section, impact=impact))


def test_a_closure_on_the_only_road_leaves_the_incident_unreachable(store):
    resources, crash = _line_world(store, with_detour=False)
    (before,) = suggest(resources, None, crash).suggestions
    assert before.reachable and before.avoided == []
    store.apply([_closure("blk-e18")], RESCUE)
    (after,) = suggest(resources, None, crash).suggestions
    assert not after.reachable and after.route is None


def test_a_closure_makes_the_route_detour_and_names_what_it_avoids(store):
    resources, crash = _line_world(store, with_detour=True)
    (before,) = suggest(resources, None, crash).suggestions
    store.apply([_closure("blk-e18")], RESCUE)
    (after,) = suggest(resources, None, crash).suggestions
    assert after.reachable and after.eta_s > before.eta_s * 1.3
    assert after.avoided == ["blk-e18"] and after.on_route == []
    assert after.unblocked_eta_s == pytest.approx(before.eta_s)
    # the route runs over the detour's middle vertex, 8 km north of the closed road
    assert max(_true_xy(shapely.Point(p))[1] for p in after.route.coords) > Y0 + 7_900
    assert max(_true_xy(shapely.Point(p))[1] for p in before.route.coords) < Y0 + 10


def test_a_restriction_slows_the_road_it_is_on_instead_of_closing_it(store):
    resources, crash = _line_world(store, with_detour=False)
    (before,) = suggest(resources, None, crash).suggestions
    store.apply([_closure("blk-slow", impact=3)], RESCUE)  # impact 3: twice as long
    (after,) = suggest(resources, None, crash).suggestions
    speed = profile_of(UnitKind.ENGINE).cap_kmh / 3.6  # 90 km/h on the E18: the cap
    # the restriction covers the 10 km edge B-C it lies along: 10 km more at the same speed
    assert after.eta_s - before.eta_s == pytest.approx(10_000 / speed, rel=1e-6)
    assert after.on_route == ["blk-slow"] and after.avoided == []


def test_a_helicopter_flies_straight_and_units_are_filtered(store):
    resources, crash = _line_world(store, with_detour=False)
    store.apply([c.RegisterUnit(unit("heli", unit_kind=UnitKind.HELICOPTER,
                                     position=_lonlat(0, 30_000), position_time=T0)),
                 c.RegisterUnit(unit("busy", position=_lonlat(29_000, 0), position_time=T0,
                                     status=UnitStatus.ON_SCENE))], RESCUE)
    answer = suggest(resources, None, crash, kinds=["helicopter"])
    (heli,) = answer.suggestions
    straight = float(np.hypot(29_900, 30_000))
    assert heli.eta_s == pytest.approx(300 + straight / (220 / 3.6), rel=1e-3)
    assert len(heli.route.coords) == 2
    ids = [s.unit.record.id for s in suggest(resources, None, crash).suggestions]
    assert ids == ["heli", "engine"]  # 990 s flying beats 1,200 s by road; busy is busy
