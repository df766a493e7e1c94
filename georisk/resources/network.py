"""Travel times on the road graph: one Dijkstra search answers for many units at once.

`georisk.roads.network.RoadGraph` routes one pair of points at a time (networkx A*),
which is right for drawing one route and wrong for "which of 5,000 units is nearest in
time": that would be one search per unit. Here the graph becomes a sparse matrix
(`scipy.sparse.csgraph`, compiled Dijkstra) and one search serves all units:

* to an incident: a search from the incident over the *reversed* graph gives every
  node's time *to* the incident (on today's undirected graph the reverse is the graph
  itself; the code does not rely on that, so one-way roads would stay right);
* from units (coverage): one search from a virtual node joined to every unit's road
  position gives every node's time from the nearest unit.

A point joins the network where it is nearest to an edge (snapped); the straight leg
between the point and the road is travelled at an access speed. The edge a point lies
on may be driven even when a blockage cuts it: a closure is often the incident itself,
and a unit standing on a closed stretch can drive off it. Every other cut edge is gone.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from georisk.resources.profiles import ACCESS_KMH, Profile
from georisk.roads.network import RoadGraph

#: Searches end here: nothing further is an answer worth giving (6 hours).
HORIZON_S = 6 * 3600.0
_EPSILON = 1e-9  # scipy drops explicit zeros from a sparse graph: a zero cost is this


@dataclass(frozen=True)
class Snap:
    """Points placed on the network (EPSG:3006 metres): the edge each is nearest to (its
    position in `TravelNetwork`'s arrays), where along it from u to v, and the point on
    the road with the straight leg to it."""

    x: np.ndarray
    y: np.ndarray
    edge: np.ndarray
    fraction: np.ndarray
    off_m: np.ndarray
    road_x: np.ndarray
    road_y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def take(self, index: np.ndarray | list[int]) -> Snap:
        return Snap(*(np.asarray(getattr(self, f))[index] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Tree:
    """One search's result: seconds to (or from) every node, and each node's next node
    toward the search's origin (``origin`` is the virtual node's number)."""

    seconds: np.ndarray
    toward: np.ndarray
    origin: int


class TravelNetwork:
    """The edges of a road graph as arrays, weighted per profile and set of blockages."""

    def __init__(self, graph: RoadGraph, *, label: str = "", schematic: bool = False):
        edges = graph.edges
        self.graph = graph
        self.label = label
        self.schematic = schematic
        self.eids = edges.index.to_numpy()
        self.u = edges["u"].to_numpy(dtype=np.int64)
        self.v = edges["v"].to_numpy(dtype=np.int64)
        self.length_m = edges["length_m"].to_numpy(dtype=float)
        self.speed_kmh = edges["speed_kmh"].to_numpy(dtype=float)
        self.refs = edges["ref"].to_numpy(dtype=object)
        self.node_xy = graph.node_xy
        self.nodes = len(graph.node_xy)
        self.position = {int(e): i for i, e in enumerate(self.eids)}
        self._geoms = edges.geometry.values
        self._tree = shapely.STRtree(self._geoms)
        self._weighted: OrderedDict[tuple, Weighted] = OrderedDict()
        self._lock = threading.Lock()

    # -- points onto the network ---------------------------------------------------------

    def snap(self, x: np.ndarray, y: np.ndarray) -> Snap:
        """Each point's nearest edge, in one vectorised query (metres, EPSG:3006)."""
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        points = shapely.points(x, y)
        if len(points) == 0:
            empty = np.empty(0)
            return Snap(x, y, np.empty(0, np.int64), empty, empty, empty, empty)
        src, hit = self._tree.query_nearest(points, all_matches=False)
        edge = np.empty(len(points), dtype=np.int64)
        edge[src] = hit
        geoms = self._geoms[edge]
        fraction = shapely.line_locate_point(geoms, points, normalized=True)
        road = shapely.get_coordinates(shapely.line_interpolate_point(geoms, fraction,
                                                                      normalized=True))
        off = np.hypot(x - road[:, 0], y - road[:, 1])
        return Snap(x, y, edge, fraction, off, road[:, 0], road[:, 1])

    # -- weights -------------------------------------------------------------------------

    def weighted(self, profile: Profile, factors: Mapping[int, float] | None = None) -> Weighted:
        """The network as ``profile`` drives it with edges (by edge id) slowed by their
        factor, or cut where the factor is infinite. Kept for reuse (a few dozen)."""
        key = (profile, frozenset((factors or {}).items()))
        with self._lock:
            found = self._weighted.get(key)
            if found is not None:
                self._weighted.move_to_end(key)
                return found
        made = Weighted(self, profile, dict(factors or {}))
        with self._lock:
            self._weighted[key] = made
            while len(self._weighted) > 32:
                self._weighted.popitem(last=False)
        return made

    def road_seconds(self, profile: Profile) -> np.ndarray:
        """Seconds to drive each edge at ``profile``'s speed on it, with no blockage."""
        speed = np.minimum(self.speed_kmh * profile.factor, profile.cap_kmh)
        return self.length_m / (speed / 3.6)

    def wgs84_line(self, xy: np.ndarray) -> shapely.LineString:
        from georisk.crs import to_wgs84

        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        return shapely.LineString(np.column_stack([np.round(lon, 6), np.round(lat, 6)]))


class Weighted:
    """One profile's edge times with blockages applied, as forward and reverse sparse
    matrices (node to node, the faster of parallel edges) plus a virtual node."""

    def __init__(self, network: TravelNetwork, profile: Profile, factors: dict[int, float]):
        self.network = network
        self.profile = profile
        self.factors = factors
        base = network.road_seconds(profile)
        factor = np.ones(len(base))
        for eid, value in factors.items():
            at = network.position.get(eid)
            if at is not None:
                factor[at] = max(factor[at], value)
        self.seconds = base * factor  # inf where cut
        # The edge a point stands on is driven at its slowed time, or its base time if cut.
        self.own_seconds = np.where(np.isinf(factor), base, self.seconds)
        # Roads are two-way today: each edge is an arc either way. A one-way edge would
        # add one arc; the reverse matrix swaps every arc, so searches stay right.
        open_ = np.flatnonzero(np.isfinite(self.seconds))
        a = np.concatenate([network.u[open_], network.v[open_]])
        b = np.concatenate([network.v[open_], network.u[open_]])
        seconds, at = np.tile(self.seconds[open_], 2), np.tile(open_, 2)
        self.forward = _Matrix(network.nodes, a, b, seconds, at)
        self.reverse = _Matrix(network.nodes, b, a, seconds, at)

    # -- searches ------------------------------------------------------------------------

    def toward(self, target: Snap, i: int = 0, access_kmh: float = ACCESS_KMH,
               limit_s: float = HORIZON_S) -> Tree:
        """One search from point ``i`` of ``target`` over the reversed graph: each node's
        seconds *to* that point's road position (its access leg is the caller's)."""
        e, f = int(target.edge[i]), float(target.fraction[i])
        t = self.own_seconds[e]
        net = self.network
        starts = np.array([net.u[e], net.v[e]])
        costs = np.array([f * t, (1 - f) * t])
        return self.reverse.search(starts, costs, limit_s)

    def outward(self, sources: Snap, start_s: np.ndarray, limit_s: float = HORIZON_S) -> Tree:
        """One search from all ``sources`` at once: each node's seconds from the nearest
        (``start_s``: each source's seconds before it is on its road position)."""
        net = self.network
        t = self.own_seconds[sources.edge]
        starts = np.concatenate([net.u[sources.edge], net.v[sources.edge]])
        costs = np.concatenate([start_s + sources.fraction * t,
                                start_s + (1 - sources.fraction) * t])
        return self.forward.search(starts, costs, limit_s)

    # -- reading a search ------------------------------------------------------------------

    def to_target(self, tree: Tree, units: Snap, target: Snap, i: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Road seconds from each unit's road position to target ``i``'s, and the node
        where each joins the tree (-1: along the shared edge, or unreachable: inf)."""
        net = self.network
        t = self.own_seconds[units.edge]
        via_u = tree.seconds[net.u[units.edge]] + units.fraction * t
        via_v = tree.seconds[net.v[units.edge]] + (1 - units.fraction) * t
        road = np.minimum(via_u, via_v)
        entry = np.where(via_u <= via_v, net.u[units.edge], net.v[units.edge])
        same = units.edge == target.edge[i]
        if same.any():
            direct = np.abs(units.fraction - target.fraction[i]) * self.own_seconds[target.edge[i]]
            closer = same & (direct <= road)
            road = np.where(closer, direct, road)
            entry = np.where(closer, -1, entry)
        entry = np.where(np.isfinite(road), entry, -1)
        return road, entry

    def path(self, tree: Tree, entry: int) -> list[int]:
        """Nodes from ``entry`` to the search's origin along the tree (origin left out)."""
        if entry < 0:
            return []
        nodes = [entry]
        while (step := int(tree.toward[nodes[-1]])) not in (tree.origin, -9999):
            nodes.append(step)
        return nodes

    def path_edges(self, nodes: list[int]) -> list[int]:
        """Edge ids along a node path (the faster of parallel edges, as searched)."""
        return [int(self.network.eids[self.forward.edge(a, b)])
                for a, b in itertools.pairwise(nodes)]


class _Matrix:
    """A directed graph as CSR arrays with one spare row: the virtual source, whose
    out-edges are set per search (copying the arrays costs well under a millisecond)."""

    def __init__(self, nodes: int, a: np.ndarray, b: np.ndarray, seconds: np.ndarray,
                 position: np.ndarray):
        order = np.lexsort((seconds, b, a))  # per (a, b): the fastest edge first
        a, b, seconds, position = a[order], b[order], seconds[order], position[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, seconds, position = a[first], b[first], seconds[first], position[first]
        self.nodes = nodes
        self.indptr = np.zeros(nodes + 2, dtype=np.int64)
        np.cumsum(np.bincount(a, minlength=nodes + 1), out=self.indptr[1:])
        self.indices = b.astype(np.int32)
        self.data = np.maximum(seconds, _EPSILON)
        self.edge_at = position

    def search(self, starts: np.ndarray, costs: np.ndarray, limit_s: float) -> Tree:
        origin = self.nodes
        keep = np.isfinite(costs)
        starts, costs = starts[keep], np.maximum(costs[keep], _EPSILON)
        indptr = self.indptr.copy()
        indptr[-1] += len(starts)
        matrix = csr_matrix(
            (np.concatenate([self.data, costs]),
             np.concatenate([self.indices, starts.astype(np.int32)]), indptr),
            shape=(origin + 1, origin + 1),
        )
        seconds, toward = dijkstra(matrix, directed=True, indices=origin,
                                   return_predecessors=True, limit=limit_s)
        return Tree(seconds, toward, origin)

    def edge(self, a: int, b: int) -> int:
        lo, hi = self.indptr[a], self.indptr[a + 1]
        at = lo + int(np.flatnonzero(self.indices[lo:hi] == b)[0])
        return int(self.edge_at[at])

