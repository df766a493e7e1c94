"""The routing graph: travel times on the road network, snapping, and blocked roads.

Lengths are measured in SWEREF 99 TM (EPSG:3006) because degrees are not metres.
Each vertex-to-vertex segment of a road line is one edge of an undirected
``networkx.MultiGraph`` (two refs sharing a stretch, E18 and E20 at Arboga, stay two
edges). Blockages never touch the base graph: they produce a new ``RoadGraph`` over a
``networkx.restricted_view`` plus a table of slow-down factors, so one base graph can
serve many "what if this road closes" questions at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely import STRtree

from georisk.crs import METRIC, WGS84
from georisk.errors import NotFound, ValidationError
from georisk.roads.refs import class_of_ref, normalise_ref

#: Typical free-flow speeds (km/h) per class on Swedish rural roads; a planning
#: figure for comparing routes, not a promise of arrival time.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "european": 90.0,
    "national": 80.0,
    "regional": 70.0,
    "local": 50.0,
}
DEFAULT_SPEED_KMH = 60.0
DEFAULT_TOLERANCE_M = 2.0

PointsLike = gpd.GeoSeries | gpd.GeoDataFrame | Sequence[Any] | np.ndarray


class NoRoute(NotFound):
    """No open road connects the two points (for example every way is blocked)."""


@dataclass(frozen=True)
class Route:
    time_s: float
    length_m: float
    nodes: list[int]
    edges: list[int]
    refs: list[str]
    geometry: shapely.LineString  # WGS84, from the snapped origin to the snapped destination


@dataclass
class RoadGraph:
    """A road graph together with its edge table (EPSG:3006) and spatial index."""

    graph: nx.MultiGraph
    edges: gpd.GeoDataFrame  # index: edge id; u, v, key, ref, road_class, length_m, ...
    node_xy: np.ndarray  # (n_nodes, 2) metric coordinates
    factors: dict[int, float] = field(default_factory=dict)
    cut: frozenset[int] = frozenset()
    _tree: STRtree | None = field(default=None, repr=False)

    # -- spatial index --------------------------------------------------------
    @property
    def tree(self) -> STRtree:
        if self._tree is None:
            self._tree = STRtree(self.edges.geometry.values)
        return self._tree

    def _weight(self):
        factors = self.factors

        def weight(u: int, v: int, data: Mapping[int, Mapping[str, Any]]) -> float | None:
            times = [a["time_s"] * factors.get(a["eid"], 1.0) for a in data.values()]
            return min(times) if times else None

        return weight

    # -- snapping -------------------------------------------------------------
    def snap(self, points: PointsLike, *, max_distance_m: float | None = None) -> gpd.GeoDataFrame:
        """Nearest open road edge for each point, in one vectorised STRtree query.

        Returns one row per input point: ``edge`` (edge id), ``u``, ``v``, ``ref``,
        ``distance_m``, ``fraction`` (position along the edge from u to v) and the
        snapped point as WGS84 geometry. Points farther than ``max_distance_m`` get
        ``edge = -1`` and NaN fields.
        """
        pts = _to_metric_points(points)
        if len(self.edges) == 0:
            raise NoRoute("the road graph has no open edges")
        n = len(pts)
        edge = np.full(n, -1, dtype=np.int64)
        dist = np.full(n, np.nan)
        if n:
            (src, hit), d = self.tree.query_nearest(
                pts, max_distance=max_distance_m, return_distance=True, all_matches=False
            )
            edge[src] = self.edges.index.to_numpy()[hit]
            dist[src] = d
        found = edge >= 0
        geoms = np.full(n, None, dtype=object)
        frac = np.full(n, np.nan)
        snapped = np.full(n, None, dtype=object)
        if found.any():
            geoms[found] = self.edges.geometry.loc[edge[found]].values
            frac[found] = shapely.line_locate_point(geoms[found], pts[found], normalized=True)
            snapped[found] = shapely.line_interpolate_point(
                geoms[found], frac[found], normalized=True
            )
        table = self.edges.reindex(edge)
        out = gpd.GeoDataFrame(
            {
                "edge": edge,
                "u": table["u"].to_numpy(),
                "v": table["v"].to_numpy(),
                "ref": table["ref"].to_numpy(),
                "distance_m": dist,
                "fraction": frac,
            },
            geometry=gpd.GeoSeries(snapped, crs=METRIC).to_crs(WGS84).values,
            crs=WGS84,
        )
        return out

    # -- routing --------------------------------------------------------------
    def route(self, origin: Any, destination: Any) -> Route:
        """Fastest route between two WGS84 points, each snapped to its nearest open edge.

        The search leaves the origin edge through either end and enters the
        destination edge through either end; the best of those (and of staying on a
        shared edge) wins. Raises ``NoRoute`` when nothing connects them.
        """
        snaps = self.snap([origin, destination])
        o, d = snaps.iloc[0], snaps.iloc[1]
        eo, ed = int(o["edge"]), int(d["edge"])
        wo, wd = self._edge_time(eo), self._edge_time(ed)
        leave = {int(o["u"]): o["fraction"] * wo, int(o["v"]): (1 - o["fraction"]) * wo}
        enter = {int(d["u"]): d["fraction"] * wd, int(d["v"]): (1 - d["fraction"]) * wd}
        best: tuple[float, list[int]] | None = None
        if eo == ed:
            best = (abs(o["fraction"] - d["fraction"]) * wo, [])
        weight = self._weight()
        # A*: straight-line distance at the top speed never overestimates the time left.
        top = max(float(self.edges["speed_kmh"].max()), 1.0) / 3.6
        xy = self.node_xy

        def heuristic(a: int, b: int) -> float:
            return float(np.hypot(*(xy[a] - xy[b]))) / top

        for a, cost_a in leave.items():
            for b, cost_b in enter.items():
                try:
                    path = nx.astar_path(self.graph, a, b, heuristic=heuristic, weight=weight)
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    continue
                t = sum(weight(x, y, self.graph[x][y]) for x, y in itertools.pairwise(path))
                total = cost_a + t + cost_b
                if best is None or total < best[0]:
                    best = (total, path)
        if best is None:
            raise NoRoute("no open road connects the two points")
        total, path = best
        return self._describe(total, path, o, d, eo, ed)

    def _edge_time(self, eid: int) -> float:
        return float(self.edges.at[eid, "time_s"]) * self.factors.get(eid, 1.0)

    def _describe(self, total, path, o, d, eo, ed) -> Route:
        weight = self._weight()
        eids: list[int] = []
        for a, b in itertools.pairwise(path):
            keydict = self.graph[a][b]
            best_key = min(keydict, key=lambda k: weight(a, b, {k: keydict[k]}))
            eids.append(int(keydict[best_key]["eid"]))
        length = sum(float(self.edges.at[e, "length_m"]) for e in eids)
        lo, ld = self.edges.at[eo, "length_m"], self.edges.at[ed, "length_m"]
        if path:
            first_u = path[0] == int(o["u"])
            last_u = path[-1] == int(d["u"])
            length += (o["fraction"] if first_u else 1 - o["fraction"]) * lo
            length += (d["fraction"] if last_u else 1 - d["fraction"]) * ld
        else:
            length = abs(o["fraction"] - d["fraction"]) * lo
        xy = self.node_xy[path] if path else np.empty((0, 2))
        start = _to_metric_points([o.geometry])[0]
        end = _to_metric_points([d.geometry])[0]
        coords = np.vstack([shapely.get_coordinates(start), xy, shapely.get_coordinates(end)])
        line = gpd.GeoSeries([shapely.LineString(coords)], crs=METRIC).to_crs(WGS84)[0]
        refs: list[str] = []
        ends = [eo] if total and path and _partial(o, path[0]) > 1e-9 else []
        tail = [ed] if total and path and _partial(d, path[-1]) > 1e-9 else []
        for e in [*ends, *eids, *tail] if path else [eo]:
            ref = self.edges.at[e, "ref"]
            if isinstance(ref, str) and (not refs or refs[-1] != ref):
                refs.append(ref)
        return Route(float(total), float(length), [int(n) for n in path], eids, refs, line)

    # -- blockages ------------------------------------------------------------
    def with_blockages(
        self,
        blockages: gpd.GeoDataFrame | gpd.GeoSeries | Iterable[Any],
        *,
        slow_factor: float | None = None,
        line_buffer_m: float = 30.0,
        point_max_distance_m: float = 250.0,
        min_overlap: float = 0.5,
    ) -> RoadGraph:
        """A new graph with the edges under the blockages cut, or slowed by a factor.

        Points cut the nearest edge within ``point_max_distance_m`` (all edges tied at
        that distance, so a point on a junction closes the junction). Lines cut edges
        lying along them: at least ``min_overlap`` of the shorter of edge and blockage
        must run inside a ``line_buffer_m`` corridor, so a road merely crossing the
        blockage stays open. Polygons cut every edge they touch. An optional ``ref``
        column limits a row to edges of that road, and a ``slow_factor`` column (or
        argument) turns a closure into a restriction. The base graph is not modified.
        """
        if slow_factor is not None and not slow_factor >= 1.0:
            raise ValidationError.one("slow_factor", "must be at least 1")
        cut: set[int] = set()
        factors = dict(self.factors)
        for hit in self.affected(blockages, slow_factor=slow_factor, line_buffer_m=line_buffer_m,
                                 point_max_distance_m=point_max_distance_m,
                                 min_overlap=min_overlap):
            for eid, factor in hit.items():
                if np.isinf(factor):
                    cut.add(eid)
                else:
                    factors[eid] = max(factors.get(eid, 1.0), factor)
        all_cut = set(self.cut) | cut
        triples = [
            (int(self.edges.at[e, "u"]), int(self.edges.at[e, "v"]), int(self.edges.at[e, "key"]))
            for e in cut
        ]
        view = nx.restricted_view(self.graph, [], triples) if triples else self.graph
        open_edges = self.edges.drop(index=list(cut))
        return RoadGraph(view, open_edges, self.node_xy, factors, frozenset(all_cut))

    def affected(
        self,
        blockages: gpd.GeoDataFrame | gpd.GeoSeries | Iterable[Any],
        *,
        slow_factor: float | None = None,
        line_buffer_m: float = 30.0,
        point_max_distance_m: float = 250.0,
        min_overlap: float = 0.5,
    ) -> list[dict[int, float]]:
        """Per blockage row, the edges it covers and the factor on each (``inf``: cut).

        The rules are `with_blockages`'; kept per row so that a caller can say which
        blockage a route avoided, not only that the graph changed.
        """
        frame = _blockage_frame(blockages)
        edge_ids = self.edges.index.to_numpy()
        edge_geoms = self.edges.geometry.values
        edge_refs = self.edges["ref"].fillna("").to_numpy()
        out: list[dict[int, float]] = []
        for row in frame.itertuples(index=False):
            geom = row.geometry
            if geom is None or geom.is_empty:
                out.append({})
                continue
            hits = self._covered(geom, line_buffer_m, point_max_distance_m, min_overlap, edge_geoms)
            ref = normalise_ref(getattr(row, "ref", None))
            if ref:
                wanted = set(ref.split(";"))
                hits = [h for h in hits if wanted & set(edge_refs[h].split(";"))]
            factor = getattr(row, "slow_factor", None)
            if factor is None or factor != factor:
                factor = slow_factor
            value = np.inf if factor is None else float(factor)
            out.append({int(edge_ids[h]): value for h in hits})
        return out

    def _covered(self, geom, line_buffer_m, point_max_distance_m, min_overlap, edge_geoms):
        kind = geom.geom_type
        if kind in ("Point", "MultiPoint"):
            hits: list[int] = []
            for p in shapely.get_parts(geom):
                cand = self.tree.query(p, predicate="dwithin", distance=point_max_distance_m)
                if len(cand) == 0:
                    continue
                dist = shapely.distance(edge_geoms[cand], p)
                hits.extend(int(c) for c in cand[dist <= dist.min() + 0.5])
            return hits
        if kind in ("Polygon", "MultiPolygon"):
            return [int(c) for c in self.tree.query(geom, predicate="intersects")]
        corridor = geom.buffer(line_buffer_m)
        cand = self.tree.query(corridor, predicate="intersects")
        if len(cand) == 0:
            return []
        inside = shapely.length(shapely.intersection(edge_geoms[cand], corridor))
        need = min_overlap * np.minimum(shapely.length(edge_geoms[cand]), geom.length)
        return [int(c) for c in cand[inside >= need]]


def build_graph(
    roads: gpd.GeoDataFrame,
    *,
    speeds: Mapping[str, float] | None = None,
    default_speed_kmh: float = DEFAULT_SPEED_KMH,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> RoadGraph:
    """Graph of a roads frame (``ref``, optional ``road_class``, LineStrings, any CRS).

    Vertices closer than ``tolerance_m`` become one node, so lines digitised
    separately still connect where they meet. ``speeds`` overrides the per-class
    speeds; classes it does not name fall back to ``default_speed_kmh``.
    """
    if roads.crs is None:
        raise ValidationError.one("roads", "the road frame has no CRS")
    speed_table = {**DEFAULT_SPEEDS_KMH, **(dict(speeds) if speeds else {})}
    lines = roads.to_crs(METRIC).explode(index_parts=False)
    lines = lines[lines.geometry.geom_type == "LineString"].reset_index(drop=True)
    refs = [normalise_ref(r) for r in lines["ref"]] if "ref" in lines else [None] * len(lines)
    classes = (
        lines["road_class"].fillna("").to_numpy()
        if "road_class" in lines
        else np.array([""] * len(lines), dtype=object)
    )
    classes = np.array(
        [c if c else class_of_ref(r) for c, r in zip(classes, refs, strict=True)],
        dtype=object,
    )
    coords, line_of = shapely.get_coordinates(lines.geometry.values, return_index=True)
    node_of, node_xy = _merge_vertices(coords, tolerance_m)
    same_line = line_of[:-1] == line_of[1:]
    a, b = node_of[:-1][same_line], node_of[1:][same_line]
    seg_line = line_of[:-1][same_line]
    keep = a != b
    a, b, seg_line = a[keep], b[keep], seg_line[keep]
    seg_geoms = (
        shapely.linestrings(
            np.stack([node_xy[a], node_xy[b]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(a)), 2),
        )
        if len(a)
        else np.array([], dtype=object)
    )
    length = shapely.length(seg_geoms) if len(a) else np.array([])
    seg_class = classes[seg_line]
    speed = np.array([speed_table.get(c, default_speed_kmh) for c in seg_class], dtype=float)
    time_s = length / (speed / 3.6)
    seg_ref = np.array(refs, dtype=object)[seg_line] if len(a) else np.array([], dtype=object)

    graph = nx.MultiGraph()
    graph.add_nodes_from(range(len(node_xy)))
    keys = graph.add_edges_from(
        (
            int(u),
            int(v),
            {
                "eid": i,
                "ref": seg_ref[i],
                "road_class": seg_class[i],
                "length_m": float(length[i]),
                "speed_kmh": float(speed[i]),
                "time_s": float(time_s[i]),
            },
        )
        for i, (u, v) in enumerate(zip(a, b, strict=True))
    )
    edges = gpd.GeoDataFrame(
        {
            "u": a.astype(np.int64),
            "v": b.astype(np.int64),
            "key": np.asarray(keys, dtype=np.int64),
            "ref": seg_ref,
            "road_class": seg_class,
            "length_m": length,
            "speed_kmh": speed,
            "time_s": time_s,
        },
        geometry=seg_geoms,
        crs=METRIC,
    )
    return RoadGraph(graph, edges, node_xy)


def _partial(snap: Any, node: int) -> float:
    """Share of the snapped edge between the snapped point and ``node``."""
    return snap["fraction"] if node == int(snap["u"]) else 1 - snap["fraction"]


def _merge_vertices(coords: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Node number of each vertex, with vertices within the tolerance sharing one node."""
    if len(coords) == 0:
        return np.array([], dtype=np.int64), np.empty((0, 2))
    unique, inverse = np.unique(np.round(coords, 3), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    label = np.arange(len(unique))
    if tolerance_m > 0 and len(unique) > 1:
        pts = shapely.points(unique)
        i, j = STRtree(pts).query(pts, predicate="dwithin", distance=tolerance_m)
        close = i < j
        if close.any():
            clusters = nx.Graph()
            clusters.add_edges_from(zip(i[close].tolist(), j[close].tolist(), strict=True))
            for comp in nx.connected_components(clusters):
                members = np.fromiter(comp, dtype=np.int64)
                label[members] = members.min()
    kept, compact = np.unique(label, return_inverse=True)
    return compact.reshape(-1)[inverse], unique[kept]


def _to_metric_points(points: PointsLike) -> np.ndarray:
    """Shapely points in EPSG:3006 from a GeoSeries/GeoDataFrame (own CRS), shapely
    points (WGS84) or an (n, 2) array of lon/lat."""
    if isinstance(points, gpd.GeoDataFrame):
        points = points.geometry
    if isinstance(points, gpd.GeoSeries):
        series = points if points.crs is not None else points.set_crs(WGS84)
    else:
        arr = np.asarray(points, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 2:
            geoms = shapely.points(arr.astype(float))
        else:
            geoms = np.array(list(points), dtype=object)
            if not all(isinstance(g, shapely.Point) for g in geoms):
                raise ValidationError.one("points", "expected points (shapely or lon/lat pairs)")
        series = gpd.GeoSeries(geoms, crs=WGS84)
    return np.asarray(series.to_crs(METRIC).array)


def _blockage_frame(blockages: Any) -> gpd.GeoDataFrame:
    if isinstance(blockages, gpd.GeoDataFrame):
        frame = blockages
    elif isinstance(blockages, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=blockages)
    else:
        frame = gpd.GeoDataFrame(geometry=list(blockages), crs=WGS84)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    frame = frame.to_crs(METRIC)
    return frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
