"""Coverage: how soon the nearest available unit of a kind reaches every place, where
that is more than N minutes (the gaps), and how many people live there.

The operating area is a grid of 1 km cells (SWEREF 99 TM). One Dijkstra search from all
the units at once (a virtual node joined to each unit's road position) gives every road
node's time from the nearest unit; a cell is reached from its nearest road, at the same
access speed as an incident (`georisk.resources.suggest`), so a cell's time is the ETA a
unit standing anywhere would have to an incident there. Isochrones are filled contours of
that surface (contourpy); a gap's area is counted in cells, its population from the
GeoNames towns (at their own points) that no unit reaches in time.

The result is kept with a fingerprint of what it was computed on (the units' ids and
positions to 100 m, the blockages' edge factors) and computed again only when that
changes: a unit's status, a unit that moved, a blockage reported, changed or lifted.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import contourpy
import numpy as np
import shapely

from georisk.access import Presented, Viewer
from georisk.area.boundaries import counties
from georisk.area.places import load_places, place_name
from georisk.crs import METRIC, to_sweref
from georisk.model import UnitKind, UnitStatus
from georisk.resources.defaults import DEFAULT_GAP_MINUTES, DEFAULT_MINUTES
from georisk.resources.network import Snap, TravelNetwork
from georisk.resources.profiles import ACCESS_KMH, profile_of
from georisk.resources.service import Resources
from georisk.validation import ACCEPTED_EXTENT

CELL_M = 1_000.0
SIMPLIFY_M = 100.0
_FAR = 1e6  # minutes: outside the area, or unreached


@dataclass(frozen=True)
class Grid:
    """The operating area's cells and towns, placed on one network."""

    x0: float
    y0: float
    shape: tuple[int, int]  # rows, columns of the full raster
    inside: np.ndarray  # (rows, cols) bool: the cell's centre is in the area
    cells: np.ndarray  # flat raster index of each cell inside
    cell_snap: Snap  # the cells inside, on the network
    towns: list[tuple[str, int]]  # (name, population)
    town_snap: Snap
    area: shapely.Geometry  # the operating area, SWEREF 99 TM


def build_grid(network: TravelNetwork, cell_m: float = CELL_M) -> Grid:
    area = shapely.union_all(counties().to_crs(METRIC).geometry.values)
    minx, miny, maxx, maxy = area.bounds
    x0, y0 = minx - cell_m, miny - cell_m  # a margin of empty cells: contours close inside
    cols = int(np.ceil((maxx - x0) / cell_m)) + 2
    rows = int(np.ceil((maxy - y0) / cell_m)) + 2
    xs = x0 + cell_m * (np.arange(cols) + 0.5)
    ys = y0 + cell_m * (np.arange(rows) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    shapely.prepare(area)
    inside = shapely.contains_xy(area, gx, gy)
    cells = np.flatnonzero(inside)
    towns = load_places()
    tx, ty = to_sweref(towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy())
    return Grid(x0, y0, (rows, cols), inside, cells,
                network.snap(gx.ravel()[cells], gy.ravel()[cells]),
                # named as the journal's places are: in Swedish ("Göteborg", not "Gothenburg")
                list(zip([place_name(n, "sv") for n in towns["name"]],
                         towns["population"].astype(int), strict=True)),
                network.snap(tx, ty), area)


@dataclass
class Coverage:
    kind: str
    units: int
    minutes: tuple[int, ...]
    gap_minutes: int
    isochrones: list[tuple[int, shapely.Geometry]]  # WGS84
    gap: shapely.Geometry  # WGS84
    gap_km2: float
    gap_population: int
    gap_towns: list[tuple[str, int]]
    area_km2: float
    computed_s: float
    fingerprint: tuple = field(repr=False, default=())


def surface(network: TravelNetwork, kind: str, units: list[Presented], factors: dict[int, float],
            targets: Snap, access_kmh: float = ACCESS_KMH) -> np.ndarray:
    """Seconds from the nearest of ``units`` to each of ``targets`` (a Snap); inf where no
    unit arrives."""
    profile = profile_of(kind)
    out = np.full(len(targets), np.inf)
    if not units:
        return out
    lon = np.array([u.record.geometry.x for u in units])  # type: ignore[union-attr]
    lat = np.array([u.record.geometry.y for u in units])  # type: ignore[union-attr]
    ux, uy = to_sweref(lon, lat)
    per_m = 3.6 / access_kmh
    if not profile.by_road:
        from scipy.spatial import cKDTree

        places = np.column_stack([targets.x, targets.y])
        distance, _ = cKDTree(np.column_stack([ux, uy])).query(places)
        return profile.start_s + distance / (profile.straight_kmh / 3.6)  # type: ignore[operator]
    sources = network.snap(ux, uy)
    weighted = network.weighted(profile, factors)
    start = profile.start_s + sources.off_m * per_m
    tree = weighted.outward(sources, start)
    own = weighted.own_seconds[targets.edge]
    via_u = tree.seconds[network.u[targets.edge]] + targets.fraction * own
    via_v = tree.seconds[network.v[targets.edge]] + (1 - targets.fraction) * own
    road = np.minimum(via_u, via_v)
    # a unit on the same edge as a target drives straight along it
    order = np.argsort(targets.edge, kind="stable")
    sorted_edges = targets.edge[order]
    for j in range(len(sources)):
        lo, hi = np.searchsorted(sorted_edges, [sources.edge[j], sources.edge[j] + 1])
        if lo == hi:
            continue
        at = order[lo:hi]
        direct = start[j] + np.abs(targets.fraction[at] - sources.fraction[j]) * own[at]
        road[at] = np.minimum(road[at], direct)
    return road + targets.off_m * per_m


def _polygons(grid: Grid, minutes: np.ndarray, lower: float, upper: float) -> shapely.Geometry:
    """The area where ``lower <= minutes < upper``, as (multi)polygons in SWEREF 99 TM."""
    rows, cols = grid.shape
    x = grid.x0 + CELL_M * (np.arange(cols) + 0.5)
    y = grid.y0 + CELL_M * (np.arange(rows) + 0.5)
    generator = contourpy.contour_generator(x, y, minutes, fill_type="OuterOffset")
    points, offsets = generator.filled(lower, upper)
    parts = []
    for xy, cuts in zip(points, offsets, strict=True):
        rings = [xy[a:b] for a, b in itertools.pairwise(cuts)]
        if len(rings[0]) >= 4:
            parts.append(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    shape = shapely.make_valid(shapely.MultiPolygon(parts)) if parts else shapely.Polygon()
    return shapely.simplify(shape, SIMPLIFY_M)


def _wgs84(shape: shapely.Geometry) -> shapely.Geometry:
    from georisk.crs import to_wgs84

    def transform(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 5)

    return shapely.transform(shape, transform)


def compute(network: TravelNetwork, grid: Grid, kind: str, units: list[Presented],
            factors: dict[int, float], minutes: tuple[int, ...], gap_minutes: int
            ) -> Coverage:
    began = time.perf_counter()
    seconds = surface(network, kind, units, factors, grid.cell_snap)
    raster = np.full(grid.shape[0] * grid.shape[1], _FAR)
    raster[grid.cells] = np.minimum(seconds / 60.0, _FAR)
    raster = raster.reshape(grid.shape)
    isochrones = [(m, _wgs84(_polygons(grid, raster, -1.0, float(m)))) for m in sorted(minutes)]
    gap = shapely.intersection(_polygons(grid, raster, float(gap_minutes), _FAR * 2), grid.area)
    town_seconds = surface(network, kind, units, factors, grid.town_snap)
    late = town_seconds > gap_minutes * 60
    towns = sorted((t for t, out in zip(grid.towns, late, strict=True) if out),
                   key=lambda t: -t[1])
    cell_km2 = CELL_M * CELL_M / 1e6
    return Coverage(
        kind=kind, units=len(units), minutes=tuple(sorted(minutes)), gap_minutes=gap_minutes,
        isochrones=isochrones, gap=_wgs84(shapely.simplify(gap, SIMPLIFY_M)),
        gap_km2=round(float((seconds > gap_minutes * 60).sum()) * cell_km2, 1),
        gap_population=int(sum(p for _, p in towns)), gap_towns=towns,
        area_km2=round(len(grid.cells) * cell_km2, 1),
        computed_s=time.perf_counter() - began,
    )


class CoverageCache:
    """Coverage per question, kept while what it was computed on stays the same."""

    def __init__(self, resources: Resources, size: int = 32):
        self.resources = resources
        self._grid: Grid | None = None
        self._kept: OrderedDict[tuple, Coverage] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def grid(self) -> Grid:
        with self._lock:
            if self._grid is None:
                self._grid = build_grid(self.resources.network)
            return self._grid

    def units(self, viewer: Viewer | None, kind: str, agencies: frozenset[str]
              ) -> list[Presented]:
        """The available units of ``kind`` as the viewer is shown them."""

        def accept(record) -> bool:
            return (record.unit_kind == kind and record.status == UnitStatus.AVAILABLE
                    and (not agencies or record.agency in agencies))

        with self.resources.live() as index:
            found = index.in_bbox(*ACCEPTED_EXTENT, kind="unit", where=accept)
        shown = (self.resources.shown(viewer, record) for record in found)
        return sorted((s for s in shown if s is not None), key=lambda s: s.record.id)

    def get(self, viewer: Viewer | None, kind: str | UnitKind = UnitKind.ENGINE,
            agencies: frozenset[str] = frozenset(), minutes: tuple[int, ...] = DEFAULT_MINUTES,
            gap_minutes: int = DEFAULT_GAP_MINUTES) -> Coverage:
        kind = UnitKind(kind).value
        units = self.units(viewer, kind, agencies)
        factors, _, _ = self.resources.factors(viewer)
        fingerprint = (
            tuple((u.record.id, round(u.record.geometry.x, 3), round(u.record.geometry.y, 3))  # type: ignore[union-attr]
                  for u in units),
            frozenset(factors.items()),
        )
        key = (kind, agencies, tuple(sorted(set(minutes))), gap_minutes,
               None if viewer is None else viewer.agency)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.fingerprint == fingerprint:
                self._kept.move_to_end(key)
                return kept
        made = compute(self.resources.network, self.grid(), kind, units, factors,
                       key[2], gap_minutes)
        made.fingerprint = fingerprint
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return made
