"""The road graph: lengths and speeds, snapping, routing and blockages."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely import LineString, Point

from georisk.area.places import find_place
from georisk.roads.network import NoRoute, build_graph
from georisk.roads.schematic import schematic_roads

X0, Y0 = 500_000.0, 6_600_000.0  # a spot in Västmanland, SWEREF 99 TM


def m(x: float, y: float) -> Point:
    """A WGS84 point from metres relative to (X0, Y0) in EPSG:3006."""
    return gpd.GeoSeries([Point(X0 + x, Y0 + y)], crs=3006).to_crs(4326).iloc[0]


def mline(*xy: tuple[float, float]) -> LineString:
    return gpd.GeoSeries([LineString([(X0 + x, Y0 + y) for x, y in xy])], crs=3006).to_crs(
        4326
    ).iloc[0]


@pytest.fixture(scope="module")
def square():
    """A(0,0)–B(1000,0) E18, B–C(1000,1000) Rv 50, A–D(0,1000)–C local detour."""
    roads = gpd.GeoDataFrame(
        {"ref": ["E18", "Rv 50", None], "road_class": ["european", "national", "local"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 1000, Y0)]),
            LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)]),
            LineString([(X0, Y0), (X0, Y0 + 1000), (X0 + 1000, Y0 + 1000)]),
        ],
        crs=3006,
    )
    return build_graph(roads)


def test_lengths_speeds_and_times(square):
    e = square.edges.set_index("ref", drop=False)
    assert len(square.edges) == 4 and square.graph.number_of_nodes() == 4
    assert square.edges["length_m"].to_numpy() == pytest.approx([1000.0] * 4)
    assert e.loc["E18", "speed_kmh"] == 90.0 and e.loc["Rv 50", "speed_kmh"] == 80.0
    assert e.loc["E18", "time_s"] == pytest.approx(40.0)  # 1 km at 90 km/h
    assert e.loc["Rv 50", "time_s"] == pytest.approx(45.0)
    local = square.edges[square.edges["road_class"] == "local"]
    assert local["time_s"].to_numpy() == pytest.approx([72.0, 72.0])  # 50 km/h


def test_speeds_are_configurable():
    roads = gpd.GeoDataFrame(
        {"ref": ["E18", "x"], "road_class": ["european", "forest track"]},
        geometry=[LineString([(X0, Y0), (X0 + 3600, Y0)]),
                  LineString([(X0 + 3600, Y0), (X0 + 7200, Y0)])],
        crs=3006,
    )
    g = build_graph(roads, speeds={"european": 36.0}, default_speed_kmh=72.0)
    assert list(g.edges["time_s"]) == pytest.approx([360.0, 180.0])


def test_lengths_are_metres_in_sweref_from_wgs84_input():
    karlstad, orebro = find_place("Karlstad").geometry, find_place("Örebro").geometry
    g = build_graph(gpd.GeoDataFrame({"ref": ["E18"]}, geometry=[LineString([karlstad, orebro])],
                                     crs=4326))
    expected = gpd.GeoSeries([karlstad, orebro], crs=4326).to_crs(3006)
    assert g.edges["length_m"].iloc[0] == pytest.approx(expected[0].distance(expected[1]))
    assert 95_000 < g.edges["length_m"].iloc[0] < 110_000


def test_vertices_merge_within_tolerance_only():
    roads = gpd.GeoDataFrame(
        {"ref": ["E18", "Rv 50"]},
        geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)]),
                  LineString([(X0 + 1000.5, Y0), (X0 + 1000, Y0 + 1000)])],
        crs=3006,
    )
    assert nx.is_connected(build_graph(roads, tolerance_m=2.0).graph)
    assert not nx.is_connected(build_graph(roads, tolerance_m=0.1).graph)


def test_route_mid_edge_and_detour_when_cut(square):
    base = square.route(m(500, 0), m(1000, 500))
    assert base.time_s == pytest.approx(20.0 + 22.5, rel=1e-6)
    assert base.length_m == pytest.approx(1000.0, rel=1e-6)
    assert base.refs == ["E18", "Rv 50"]

    full = square.route(m(0, 0), m(1000, 1000))
    assert full.time_s == pytest.approx(85.0)

    blocked = square.with_blockages([mline((100, 0), (900, 0))])
    assert len(blocked.cut) == 1
    detour = blocked.route(m(0, 0), m(1000, 1000))
    assert detour.time_s == pytest.approx(144.0) and detour.time_s > full.time_s
    # The crossing roads at the blockage's ends stay open; the base graph is untouched.
    assert square.route(m(0, 0), m(1000, 1000)).time_s == pytest.approx(85.0)
    assert square.graph.number_of_edges() == 4 and not square.cut

    # Cutting D–C as well splits the square into {A, D} and {B, C}.
    both = blocked.with_blockages([mline((100, 1000), (900, 1000))])
    with pytest.raises(NoRoute):
        both.route(m(0, 0), m(1000, 1000))


def test_restrictions_slow_instead_of_cut(square):
    slow2 = square.with_blockages([mline((100, 0), (900, 0))], slow_factor=2.0)
    assert not slow2.cut
    assert slow2.route(m(0, 0), m(1000, 1000)).time_s == pytest.approx(80.0 + 45.0)
    slow4 = square.with_blockages([mline((100, 0), (900, 0))], slow_factor=4.0)
    assert slow4.route(m(0, 0), m(1000, 1000)).time_s == pytest.approx(144.0)  # detour wins


def test_point_blockage_respects_ref(square):
    wrong_road = gpd.GeoDataFrame({"ref": ["E45"]}, geometry=[m(500, 30)], crs=4326)
    assert not square.with_blockages(wrong_road).cut
    right_road = gpd.GeoDataFrame({"ref": ["E 18"]}, geometry=[m(500, 30)], crs=4326)
    cut = square.with_blockages(right_road).cut
    assert [square.edges.at[e, "ref"] for e in cut] == ["E18"]
    far = square.with_blockages([m(500, 400)], point_max_distance_m=100)
    assert not far.cut


def test_snapping_matches_brute_force():
    roads = schematic_roads()
    g = build_graph(roads)
    rng = np.random.default_rng(42)
    minx, miny, maxx, maxy = roads.total_bounds
    lonlat = np.column_stack([rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400)])
    snaps = g.snap(lonlat)

    pts = gpd.GeoSeries(shapely.points(lonlat), crs=4326).to_crs(3006).values
    geoms = g.edges.geometry.values
    for i, p in enumerate(pts):
        d = shapely.distance(geoms, p)
        best = d.min()
        assert snaps["distance_m"].iloc[i] == pytest.approx(best, abs=1e-6)
        assert d[g.edges.index.get_loc(snaps["edge"].iloc[i])] == pytest.approx(best, abs=1e-6)
    snapped = gpd.GeoSeries(snaps.geometry.values, crs=4326).to_crs(3006)
    on_edge = shapely.distance(snapped.values, geoms[g.edges.index.get_indexer(snaps["edge"])])
    assert on_edge.max() < 1e-3
    assert np.allclose(shapely.distance(pts, snapped.values), snaps["distance_m"], atol=1e-3)


def test_schematic_graph_routes_and_blocks():
    g = build_graph(schematic_roads())
    assert nx.is_connected(g.graph)
    karlstad, orebro = find_place("Karlstad").geometry, find_place("Örebro").geometry
    r = g.route(karlstad, orebro)
    assert "E18" in r.refs
    assert 90_000 < r.length_m < 110_000
    karlskoga = gpd.GeoDataFrame({"ref": ["E18"]}, geometry=[find_place("Karlskoga").geometry],
                                 crs=4326)
    blocked = g.with_blockages(karlskoga)
    assert blocked.cut and {g.edges.at[e, "ref"] for e in blocked.cut} == {"E18"}
    detour = blocked.route(karlstad, orebro)
    assert detour.time_s > r.time_s * 1.3
    assert not set(detour.edges) & blocked.cut
