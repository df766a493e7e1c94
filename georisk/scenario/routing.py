"""Travel on the road graph from fixed stations: one Dijkstra tree per station node.

A year of dispatches asks "how far is every station from this incident" tens of
thousands of times and needs the route of each chosen unit. One single-source
Dijkstra per station node answers all of that from a table (times) and predecessor
maps (paths), instead of one A* search per candidate unit and dispatch.

A route has three parts: the leg from the station to its road node, the road path,
and the leg from the road to the incident. The end legs are off the network (town
streets, forest tracks the network does not hold); they are driven at
`LOCAL_SPEED_KMH` and no position is reported along them, so reported positions
are always on the road lines or at the station or the scene.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

from georisk.roads.network import RoadGraph

LOCAL_SPEED_KMH = 40.0  # straight-line speed on streets and tracks off the network
UNREACHABLE = np.inf


@dataclass(frozen=True)
class Leg:
    """A drivable path: vertices (EPSG:3006), cumulative seconds, which segments are roads."""

    xy: np.ndarray  # (k, 2)
    seconds: np.ndarray  # (k,) from 0
    on_road: np.ndarray  # (k - 1,) bool

    @property
    def duration(self) -> float:
        return float(self.seconds[-1])

    def reversed(self) -> Leg:
        return Leg(self.xy[::-1].copy(), self.duration - self.seconds[::-1], self.on_road[::-1])


@dataclass(frozen=True)
class Targets:
    """Incident locations snapped to the graph: entry edge, position on it, off-road leg."""

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    fraction: np.ndarray  # from u to v
    edge_seconds: np.ndarray
    snap_x: np.ndarray
    snap_y: np.ndarray
    off_seconds: np.ndarray


class StationRoutes:
    """Shortest-path trees from every station's road node."""

    def __init__(self, graph: RoadGraph, station_x: np.ndarray, station_y: np.ndarray):
        self.graph = graph
        self.node_xy = graph.node_xy
        edges = graph.edges
        self._edge_time: dict[tuple[int, int], float] = {}
        for u, v, t in zip(edges["u"], edges["v"], edges["time_s"], strict=True):
            key = (int(min(u, v)), int(max(u, v)))
            self._edge_time[key] = min(self._edge_time.get(key, np.inf), float(t))
        self.station_xy = np.column_stack([station_x, station_y])
        nodes = _nearest_nodes(self.node_xy, self.station_xy)
        self.station_node = nodes
        gap = np.hypot(*(self.station_xy - self.node_xy[nodes]).T)
        self.station_leg_seconds = gap / (LOCAL_SPEED_KMH / 3.6)
        sources = sorted(set(nodes.tolist()))
        self._source_row = {node: i for i, node in enumerate(sources)}
        self.table = np.full((len(sources), len(self.node_xy)), UNREACHABLE)
        self._pred: list[dict[int, list[int]]] = []
        for i, node in enumerate(sources):
            pred, dist = nx.dijkstra_predecessor_and_distance(graph.graph, node, weight="time_s")
            self._pred.append(pred)
            self.table[i, list(dist)] = list(dist.values())
        self.station_row = np.array([self._source_row[n] for n in nodes], dtype=np.int64)
        self._paths: dict[tuple[int, int], list[int]] = {}

    def snap(self, x: np.ndarray, y: np.ndarray) -> Targets:
        """Entry edges for many points at once (one vectorised nearest-edge query)."""
        points = shapely.points(x, y)
        (_, hit), _ = self.graph.tree.query_nearest(points, return_distance=True, all_matches=False)
        edges = self.graph.edges
        geoms = edges.geometry.values[hit]
        fraction = shapely.line_locate_point(geoms, points, normalized=True)
        snapped = shapely.get_coordinates(
            shapely.line_interpolate_point(geoms, fraction, normalized=True)
        )
        off = np.hypot(x - snapped[:, 0], y - snapped[:, 1])
        return Targets(
            x, y,
            edges["u"].to_numpy()[hit], edges["v"].to_numpy()[hit], fraction,
            edges["time_s"].to_numpy()[hit], snapped[:, 0], snapped[:, 1],
            off / (LOCAL_SPEED_KMH / 3.6),
        )

    def times_to(self, targets: Targets, i: int) -> np.ndarray:
        """Seconds from every station to target ``i`` (inf where no road connects)."""
        via_u = self.table[:, targets.u[i]] + targets.fraction[i] * targets.edge_seconds[i]
        via_v = self.table[:, targets.v[i]] + (1 - targets.fraction[i]) * targets.edge_seconds[i]
        by_source = np.minimum(via_u, via_v)
        return by_source[self.station_row] + self.station_leg_seconds + targets.off_seconds[i]

    def leg(self, station: int, targets: Targets, i: int) -> Leg:
        """The drive from a station to target ``i`` along the tree."""
        row = self.station_row[station]
        u, v = int(targets.u[i]), int(targets.v[i])
        frac, te = targets.fraction[i], targets.edge_seconds[i]
        via_u = self.table[row, u] + frac * te
        via_v = self.table[row, v] + (1 - frac) * te
        entry, partial = (u, frac * te) if via_u <= via_v else (v, (1 - frac) * te)
        path = self._path(row, entry)
        xy = [self.station_xy[station], *self.node_xy[path]]
        seconds = [0.0, self.station_leg_seconds[station]]
        on_road = [False]
        for a, b in itertools.pairwise(path):
            seconds.append(seconds[-1] + self._edge_time[(min(a, b), max(a, b))])
            on_road.append(True)
        xy.append((targets.snap_x[i], targets.snap_y[i]))
        seconds.append(seconds[-1] + partial)
        on_road.append(True)
        xy.append((targets.x[i], targets.y[i]))
        seconds.append(seconds[-1] + targets.off_seconds[i])
        on_road.append(False)
        return Leg(np.asarray(xy, dtype=float), np.asarray(seconds), np.asarray(on_road))

    def _path(self, row: int, node: int) -> list[int]:
        key = (row, node)
        path = self._paths.get(key)
        if path is None:
            pred = self._pred[row]
            path = [node]
            while pred[path[-1]]:
                path.append(pred[path[-1]][0])
            path.reverse()
            self._paths[key] = path
        return path


def positions(
    leg: Leg, interval_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Position reports along a leg: (seconds, x, y, heading, speed_kmh).

    One report at the start, then every ``interval_s`` while on a road, and one on
    arrival (speed 0); nothing in between while off the network.
    """
    total = leg.duration
    ticks = np.arange(0.0, total, interval_s) if total > 0 else np.zeros(1)
    segment = np.clip(
        np.searchsorted(leg.seconds, ticks, side="right") - 1, 0, len(leg.on_road) - 1
    )
    keep = leg.on_road[segment]
    keep[0] = True
    ticks, segment = ticks[keep], segment[keep]
    ticks = np.append(ticks, total)
    segment = np.append(segment, len(leg.on_road) - 1)
    x = np.interp(ticks, leg.seconds, leg.xy[:, 0])
    y = np.interp(ticks, leg.seconds, leg.xy[:, 1])
    d = np.diff(leg.xy, axis=0)
    dt = np.diff(leg.seconds)
    seg_heading = (np.degrees(np.arctan2(d[:, 0], d[:, 1])) + 360.0) % 360.0
    seg_speed = np.divide(np.hypot(d[:, 0], d[:, 1]) * 3.6, dt, out=np.zeros(len(dt)), where=dt > 0)
    heading = np.round(seg_heading[segment], 1) % 360.0
    speed = np.round(seg_speed[segment], 1)
    speed[-1] = 0.0
    return ticks, x, y, heading, speed


def _nearest_nodes(node_xy: np.ndarray, points: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(shapely.points(node_xy))
    _, hit = tree.query_nearest(shapely.points(points), all_matches=False)
    return hit.astype(np.int64)
