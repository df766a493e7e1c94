"""Which units get to an incident first.

Two steps. Candidates come from the live index: the units nearest in a straight line
that pass the filters (kind, agency, status), a pool several times larger than the
answer, since the nearest in distance is not always the nearest in time (a lake, a
closed bridge). Then exact times on the road network: one Dijkstra search from the
incident over the reversed graph per way of travelling among the candidates (heavy
vehicles, ambulances, cars; a helicopter flies straight), not one search per unit.

An ETA is: the unit's start-up time, its straight leg to the road at the access speed,
the road part, and the straight leg from the road to the incident. A unit outside the
pool is never considered: with the default pool (25, or 5 × k) that matters only where
the road network is very indirect, and the answer says how large the pool was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely

from georisk.access import Presented, Viewer
from georisk.crs import to_sweref
from georisk.model import IncidentType, UnitKind, UnitStatus
from georisk.resources.defaults import DEFAULT_K
from georisk.resources.network import Snap, Tree, Weighted
from georisk.resources.profiles import ACCESS_KMH, Profile, profile_of
from georisk.resources.service import Resources

#: Unit kinds sent to each type of incident first (the brief's "suitable units").
SUITABLE: dict[IncidentType, frozenset[UnitKind]] = {
    IncidentType.FIRE: frozenset({UnitKind.ENGINE, UnitKind.AERIAL, UnitKind.TANKER}),
    IncidentType.FOREST_FIRE: frozenset({UnitKind.ENGINE, UnitKind.TANKER, UnitKind.HELICOPTER}),
    IncidentType.TRAFFIC: frozenset(
        {UnitKind.RESCUE, UnitKind.ENGINE, UnitKind.AMBULANCE, UnitKind.PATROL}
    ),
    IncidentType.MEDICAL: frozenset({UnitKind.AMBULANCE, UnitKind.HELICOPTER}),
    IncidentType.POLICE: frozenset({UnitKind.PATROL}),
    IncidentType.RESCUE: frozenset({UnitKind.RESCUE, UnitKind.ENGINE, UnitKind.BOAT}),
    IncidentType.OTHER: frozenset(),  # any kind
}


def pool_size(k: int) -> int:
    return max(5 * k, 25)


@dataclass
class Suggestion:
    """One unit's way to the incident, as the viewer is shown the unit."""

    unit: Presented
    distance_m: float  # straight line, from the unit as shown
    eta_s: float  # inf: no open road reaches the incident
    profile: Profile
    route: shapely.LineString | None = None  # WGS84, unit to incident
    route_m: float | None = None
    unblocked_eta_s: float | None = None
    avoided: list[str] = field(default_factory=list)  # blockage ids the route goes around
    on_route: list[str] = field(default_factory=list)  # blockages it drives through (slowed)
    edges: frozenset[int] = frozenset()  # road edges of the route
    unblocked_edges: frozenset[int] = frozenset()  # and of the route with no blockage

    @property
    def reachable(self) -> bool:
        return bool(np.isfinite(self.eta_s))


@dataclass
class Answer:
    """The suggestions, with what they were computed on."""

    incident: Presented
    suggestions: list[Suggestion]
    pool: int
    access_kmh: float
    blockages: list[Presented]


def suggest(
    resources: Resources,
    viewer: Viewer | None,
    incident: Presented,
    *,
    kinds: Iterable[str] = (),
    agencies: Iterable[str] = (),
    statuses: Iterable[str] = (UnitStatus.AVAILABLE,),
    k: int = DEFAULT_K,
    pool: int | None = None,
    access_kmh: float = ACCESS_KMH,
) -> Answer:
    """The ``k`` units (as the viewer is shown them) that reach ``incident`` (as shown)
    first, fastest first, each with its route and the blockages it avoids."""
    kinds, agencies, statuses = frozenset(kinds), frozenset(agencies), frozenset(statuses)
    pool = pool or pool_size(k)
    location = incident.record.location  # type: ignore[attr-defined]

    def accept(unit) -> bool:
        return ((not kinds or unit.unit_kind in kinds) and
                (not agencies or unit.agency in agencies) and unit.status in statuses)

    near = resources.nearest_units(viewer, location.x, location.y, pool, accept)
    factors, blockages, by_blockage = resources.factors(viewer)
    answer = Answer(incident, [], pool, access_kmh, blockages)
    if not near:
        return answer
    net = resources.network
    target = net.snap(*to_sweref([location.x], [location.y]))
    lon = [item.shown.record.geometry.x for item in near]  # type: ignore[union-attr]
    lat = [item.shown.record.geometry.y for item in near]  # type: ignore[union-attr]
    units = net.snap(*to_sweref(lon, lat))
    per_m = 3.6 / access_kmh
    eta = np.full(len(near), np.inf)
    profiles = [profile_of(item.shown.record.unit_kind) for item in near]  # type: ignore[attr-defined]
    searches: dict[Profile, tuple[Weighted, Tree, np.ndarray, np.ndarray]] = {}
    for profile in dict.fromkeys(profiles):
        at = np.array([i for i, p in enumerate(profiles) if p == profile])
        if not profile.by_road:
            straight = np.hypot(units.x[at] - target.x[0], units.y[at] - target.y[0])
            eta[at] = profile.start_s + straight / (profile.straight_kmh / 3.6)  # type: ignore[operator]
            continue
        weighted = net.weighted(profile, factors)
        tree = weighted.toward(target)
        road, entry = weighted.to_target(tree, units.take(at), target)
        eta[at] = profile.start_s + units.off_m[at] * per_m + road + target.off_m[0] * per_m
        full_entry = np.full(len(near), -1)
        full_entry[at] = entry
        searches[profile] = (weighted, tree, full_entry, at)
    distance = np.array([item.distance_m for item in near])
    order = np.lexsort((distance, eta))[:k]
    unblocked: dict[Profile, tuple[Weighted, Tree]] = {}
    for i in order:
        item, profile = near[i], profiles[i]
        found = Suggestion(item.shown, float(distance[i]), float(eta[i]), profile)
        if profile.by_road and found.reachable:
            weighted, tree, entry, _ = searches[profile]
            found.route, found.route_m, found.edges = _route(weighted, tree, int(entry[i]),
                                                             units.take([i]), target)
            if profile not in unblocked:  # with no blockage, the search already made
                plain = net.weighted(profile, {})
                unblocked[profile] = (weighted, tree) if plain is weighted else (
                    plain, plain.toward(target))
            plain, plain_tree = unblocked[profile]
            road, plain_entry = plain.to_target(plain_tree, units.take([i]), target)
            found.unblocked_eta_s = float(profile.start_s + units.off_m[i] * per_m + road[0]
                                          + target.off_m[0] * per_m)
            nodes = plain.path(plain_tree, int(plain_entry[0]))
            found.unblocked_edges = _edges_of(plain, nodes, units.take([i]), target)
            for blockage_id, hit in by_blockage.items():
                if hit.keys() & found.edges:
                    found.on_route.append(blockage_id)
                elif hit.keys() & found.unblocked_edges:
                    found.avoided.append(blockage_id)
        elif not profile.by_road:
            found.route = shapely.LineString([item.shown.record.geometry, location])  # type: ignore[list-item]
            found.route_m = float(np.hypot(units.x[i] - target.x[0], units.y[i] - target.y[0]))
        answer.suggestions.append(found)
    return answer


def _edges_of(weighted: Weighted, nodes: list[int], unit: Snap, target: Snap) -> frozenset[int]:
    eids = weighted.network.eids
    return frozenset([int(eids[unit.edge[0]]), *weighted.path_edges(nodes),
                      int(eids[target.edge[0]])])


def _route(weighted: Weighted, tree: Tree, entry: int, unit: Snap, target: Snap
           ) -> tuple[shapely.LineString, float, frozenset[int]]:
    """The drawn route (WGS84) from the unit to the incident, its length and its edges."""
    net = weighted.network
    nodes = weighted.path(tree, entry)
    xy = np.vstack([
        [[unit.x[0], unit.y[0]], [unit.road_x[0], unit.road_y[0]]],
        net.node_xy[nodes].reshape(-1, 2),
        [[target.road_x[0], target.road_y[0]], [target.x[0], target.y[0]]],
    ])
    length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
    return net.wgs84_line(xy), length, _edges_of(weighted, nodes, unit, target)



@dataclass
class Trip:
    """One unit kind's way between two points (``georisk route``)."""

    eta_s: float
    profile: Profile
    route: shapely.LineString | None
    route_m: float | None
    refs: list[str]  # road numbers driven, in order
    unblocked_eta_s: float | None
    avoided: list[str]
    on_route: list[str]
    blockages: list[Presented]


def travel(resources: Resources, viewer: Viewer | None, origin: shapely.Point,
           destination: shapely.Point, kind: str = UnitKind.ENGINE,
           access_kmh: float = ACCESS_KMH) -> Trip:
    """The time and route from ``origin`` to ``destination`` (WGS84) as ``kind`` travels,
    with the blockages the viewer is shown; the same parts as `suggest`."""
    profile = profile_of(kind)
    factors, blockages, by_blockage = resources.factors(viewer)
    net = resources.network
    start = net.snap(*to_sweref([origin.x], [origin.y]))
    target = net.snap(*to_sweref([destination.x], [destination.y]))
    per_m = 3.6 / access_kmh
    if not profile.by_road:
        straight = float(np.hypot(start.x[0] - target.x[0], start.y[0] - target.y[0]))
        eta = profile.start_s + straight / (profile.straight_kmh / 3.6)  # type: ignore[operator]
        line = shapely.LineString([origin, destination])
        return Trip(eta, profile, line, straight, [], eta, [], [], blockages)
    legs = (start.off_m[0] + target.off_m[0]) * per_m + profile.start_s
    weighted = net.weighted(profile, factors)
    tree = weighted.toward(target)
    road, entry = weighted.to_target(tree, start, target)
    plain = net.weighted(profile, {})
    plain_tree = plain.toward(target)
    plain_road, plain_entry = plain.to_target(plain_tree, start, target)
    unblocked = float(legs + plain_road[0])
    if not np.isfinite(road[0]):
        return Trip(float("inf"), profile, None, None, [], unblocked, [], [], blockages)
    line, length, edges = _route(weighted, tree, int(entry[0]), start, target)
    plain_edges = _edges_of(plain, plain.path(plain_tree, int(plain_entry[0])), start, target)
    avoided = [b for b, hit in by_blockage.items() if hit.keys() & plain_edges
               and not hit.keys() & edges]
    on_route = [b for b, hit in by_blockage.items() if hit.keys() & edges]
    refs: list[str] = []
    for eid in _ordered_edges(weighted, tree, int(entry[0]), start, target):
        ref = net.refs[net.position[eid]]
        if isinstance(ref, str) and ref and (not refs or refs[-1] != ref):
            refs.append(ref)
    return Trip(float(legs + road[0]), profile, line, length, refs, unblocked, avoided,
                on_route, blockages)


def _ordered_edges(weighted: Weighted, tree: Tree, entry: int, start: Snap, target: Snap
                   ) -> list[int]:
    eids = weighted.network.eids
    nodes = weighted.path(tree, entry)
    return [int(eids[start.edge[0]]), *weighted.path_edges(nodes), int(eids[target.edge[0]])]
