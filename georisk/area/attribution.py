"""Attribute points to a municipality, county and the organisations responsible there.

Vectorised because importers and replays attribute whole feeds at once. The work is
done in SWEREF 99 TM (the boundaries' native CRS) so that distances are metres.

Three outcomes, never a dropped point:

* ``inside``  the point lies in a municipality of the operating area;
* ``nearest`` the point lies in no municipality polygon but belongs to the nearest one:
  SCB's generalised boundaries leave out the large lakes (Vänern, Vättern, Mälaren,
  Hjälmaren, Siljan...), which appear as holes in Sweden's outline; a point in such a
  hole, or within ``coast_tolerance_m`` of the outline (generalisation error), goes to
  the nearest municipality when that one is in the area;
* ``outside`` the point is elsewhere (Norway, the open sea, another Swedish county).
  The nearest municipality of the area is still reported when it is within
  ``outside_limit_m``; responsibility is left empty because it is not ours to claim.

``invalid`` marks non-finite or out-of-range coordinates so a batch keeps its rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from georisk.area.boundaries import municipalities_sweref
from georisk.area.responsibility import (
    POLICE_REGIONS,
    RESCUE_REGION,
    SOS_ALARM,
    MembershipStatus,
    membership_table,
)
from georisk.crs import to_sweref

#: A point this close outside Sweden's generalised outline still counts as in the area.
DEFAULT_COAST_TOLERANCE_M = 500.0
#: Beyond this, an outside point gets no "nearest municipality" (it would mislead).
DEFAULT_OUTSIDE_LIMIT_M = 50_000.0

COLUMNS = (
    "lon",
    "lat",
    "method",
    "distance_m",
    "county_code",
    "county_name",
    "municipality_code",
    "municipality_name",
    "police_region",
    "rescue_service",
    "rescue_region",
    "rescue_region_status",
    "rescue_region_confirmed",
    "sos",
    "context_county_code",
    "context_county_name",
    "context_municipality_code",
    "context_municipality_name",
)


class Method(StrEnum):
    INSIDE = "inside"
    NEAREST = "nearest"
    OUTSIDE = "outside"
    INVALID = "invalid"


_INSIDE, _NEAREST, _OUTSIDE, _INVALID = 0, 1, 2, 3
_METHODS = [Method.INSIDE.value, Method.NEAREST.value, Method.OUTSIDE.value, Method.INVALID.value]


@dataclass(frozen=True)
class Attribution:
    """One point's attribution; the same fields as a row of :func:`attribute`."""

    lon: float
    lat: float
    method: Method
    distance_m: float | None
    county_code: str | None
    county_name: str | None
    municipality_code: str | None
    municipality_name: str | None
    police_region: str | None
    rescue_service: str | None
    rescue_region: str | None
    rescue_region_status: MembershipStatus | None
    rescue_region_confirmed: bool | None
    sos: str | None
    context_county_code: str | None
    context_county_name: str | None
    context_municipality_code: str | None
    context_municipality_name: str | None

    @property
    def in_area(self) -> bool:
        return self.method in (Method.INSIDE, Method.NEAREST)

    def to_dict(self) -> dict[str, object]:
        out = {name: getattr(self, name) for name in COLUMNS}
        out["method"] = self.method.value
        if self.rescue_region_status is not None:
            out["rescue_region_status"] = self.rescue_region_status.value
        return out


class _Index:
    """Trees and lookup arrays built once per process (about 0.2 s)."""

    #: Vertices per boundary piece: small pieces keep nearest-distance queries cheap.
    CHUNK = 8

    def __init__(self) -> None:
        gdf = municipalities_sweref()
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        self.code = gdf["code"].to_numpy(dtype=object)
        self.name = gdf["name"].to_numpy(dtype=object)
        self.county_code = gdf["county_code"].to_numpy(dtype=object)
        self.county_name = gdf["county_name"].to_numpy(dtype=object)
        self.in_area = gdf["in_area"].to_numpy(dtype=bool)
        self.tree = shapely.STRtree(geoms)
        # Outside every polygon the distance to a municipality is the distance to its
        # boundary, and the nearest boundary is always on the outline of the set searched
        # (all of Sweden, or the five counties): nearest queries run on short pieces of
        # those outlines only, never on whole polygons or inner borders.
        pieces, owner = _boundary_pieces(geoms, self.CHUNK)
        self.piece_tree, self.piece_owner = _outline_tree(pieces, owner, geoms)
        area = self.in_area[owner]
        self.area_piece_tree, self.area_piece_owner = _outline_tree(
            pieces[area], owner[area], geoms[self.in_area]
        )
        # Sweden with its lakes filled in: a point here but in no municipality is on a lake.
        parts = shapely.get_parts(shapely.union_all(geoms))
        self.filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
        shapely.prepare(self.filled)


def _boundary_pieces(geoms: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Split every ring of every polygon into linestrings of at most ``chunk`` vertices."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_owner = part_owner[ring_part]
    pieces: list[np.ndarray] = []
    owners: list[int] = []
    for ring, owner in zip(rings, ring_owner, strict=True):
        coords = shapely.get_coordinates(ring)
        # Consecutive pieces share a vertex so no segment is lost.
        for offset in range(0, len(coords) - 1, chunk - 1):
            pieces.append(coords[offset : offset + chunk])
            owners.append(int(owner))
    lines = np.array([shapely.LineString(c) for c in pieces], dtype=object)
    return lines, np.asarray(owners, dtype=np.intp)


def _outline_tree(
    pieces: np.ndarray, owner: np.ndarray, geoms: np.ndarray
) -> tuple[shapely.STRtree, np.ndarray]:
    """Tree of the pieces that touch the outline of ``geoms``' union, and their owners."""
    outline = shapely.boundary(shapely.union_all(geoms))
    shapely.prepare(outline)
    keep = shapely.intersects(outline, pieces)
    return shapely.STRtree(pieces[keep]), owner[keep]


@functools.cache
def _index() -> _Index:
    return _Index()


def attribute(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    coast_tolerance_m: float = DEFAULT_COAST_TOLERANCE_M,
    outside_limit_m: float = DEFAULT_OUTSIDE_LIMIT_M,
) -> pd.DataFrame:
    """Attribute many WGS84 points at once; one row per input point, in input order."""
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError("lon and lat must be 1-D arrays of the same length")
    idx = _index()
    n = len(lon)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    x[valid], y[valid] = to_sweref(lon[valid], lat[valid])
    valid &= np.isfinite(x) & np.isfinite(y)

    method = np.full(n, _INVALID, dtype=np.int8)
    muni = np.full(n, -1, dtype=np.intp)  # attributed (or nearest area) municipality
    context = np.full(n, -1, dtype=np.intp)  # containing Swedish municipality outside the area
    distance = np.full(n, np.nan)

    vi = np.flatnonzero(valid)
    points = shapely.points(x[vi], y[vi])
    inp, tgt = idx.tree.query(points, predicate="intersects")
    containing = _lowest_per_input(inp, tgt, len(vi))
    found = containing >= 0
    ours = found & idx.in_area[np.maximum(containing, 0)]
    method[vi[ours]], muni[vi[ours]], distance[vi[ours]] = _INSIDE, containing[ours], 0.0
    theirs = found & ~ours
    method[vi[theirs]], context[vi[theirs]] = _OUTSIDE, containing[theirs]

    point_at = np.full(n, -1, dtype=np.intp)  # position of each valid input in ``points``
    point_at[vi] = np.arange(len(vi))
    loose = vi[~found]
    method[loose] = _OUTSIDE
    on_lake = np.zeros(n, dtype=bool)
    on_lake[loose] = shapely.contains_xy(idx.filled, x[loose], y[loose])
    lake = loose[on_lake[loose]]
    if len(lake):  # lakes are bounded, so their nearest shore needs no distance limit
        at, owner, dist = _nearest_owner(idx.piece_tree, idx.piece_owner, points[point_at[lake]])
        hit = idx.in_area[owner]
        sel = lake[at[hit]]
        method[sel], muni[sel], distance[sel] = _NEAREST, owner[hit], dist[hit]

    outside = np.flatnonzero(method == _OUTSIDE)
    if len(outside):
        at, owner, dist = _nearest_owner(
            idx.area_piece_tree, idx.area_piece_owner, points[point_at[outside]], outside_limit_m
        )
        muni[outside[at]], distance[outside[at]] = owner, dist
        # Within the generalisation tolerance of our outline, and in no other Swedish
        # municipality: ours, unless another county's municipality is nearer still.
        near = outside[(distance[outside] <= coast_tolerance_m) & (context[outside] < 0)]
        near = near[~on_lake[near]]
        if len(near):
            at, owner, dist = _nearest_owner(
                idx.piece_tree, idx.piece_owner, points[point_at[near]], coast_tolerance_m
            )
            hit = idx.in_area[owner]
            sel = near[at[hit]]
            method[sel], muni[sel], distance[sel] = _NEAREST, owner[hit], dist[hit]

    return _frame(idx, lon, lat, method, muni, context, distance)


def _lowest_per_input(inputs: np.ndarray, targets: np.ndarray, n: int) -> np.ndarray:
    """Lowest municipality index per input point, -1 where none (a point on a shared edge)."""
    out = np.full(n, -1, dtype=np.intp)
    order = np.lexsort((-targets, inputs))  # per input, the lowest target is written last
    out[inputs[order]] = targets[order]
    return out


def _nearest_owner(tree, owners, points, max_distance=None):
    """Nearest municipality per point via boundary pieces: (positions, owners, metres)."""
    (inp, tgt), dist = tree.query_nearest(
        points, max_distance=max_distance, return_distance=True, all_matches=True
    )
    own = owners[tgt]
    order = np.lexsort((-own, inp))  # equidistant municipalities: the lowest index wins
    inp, own, dist = inp[order], own[order], dist[order]
    last = np.r_[inp[1:] != inp[:-1], True] if len(inp) else np.zeros(0, dtype=bool)
    return inp[last], own[last], dist[last]


def _categorical(per_municipality: np.ndarray, ids: np.ndarray) -> pd.Categorical:
    """Per-municipality values spread to points: categorical, so 10^6 rows stay cheap."""
    values = pd.Series(per_municipality, dtype=object)
    codes, categories = pd.factorize(values, use_na_sentinel=True)
    point_codes = np.where(ids >= 0, codes[np.maximum(ids, 0)], -1)
    return pd.Categorical.from_codes(point_codes, categories=pd.Index(categories, dtype=object))


def _frame(idx: _Index, lon, lat, method, muni, context, distance) -> pd.DataFrame:
    responsible = (method == _INSIDE) | (method == _NEAREST)
    resp_ids = np.where(responsible, muni, -1)
    table = membership_table().reindex(pd.Index(idx.code, dtype=object))
    status = table["status"].fillna(MembershipStatus.UNKNOWN.value).to_numpy(dtype=object)
    service = table["rescue_service"].to_numpy(dtype=object)
    service = np.where(pd.isna(service) | (service == ""), None, service)
    police = np.array([POLICE_REGIONS.get(c) for c in idx.county_code], dtype=object)
    confirmed = pd.array(status == MembershipStatus.CONFIRMED.value, dtype="boolean")[
        np.maximum(resp_ids, 0)
    ]
    confirmed[resp_ids < 0] = pd.NA
    in_sweden = responsible | (context >= 0)
    region = np.full(len(idx.code), RESCUE_REGION, dtype=object)
    return pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "method": pd.Categorical.from_codes(method, categories=_METHODS),
            "distance_m": distance,
            "county_code": _categorical(idx.county_code, muni),
            "county_name": _categorical(idx.county_name, muni),
            "municipality_code": _categorical(idx.code, muni),
            "municipality_name": _categorical(idx.name, muni),
            "police_region": _categorical(police, resp_ids),
            "rescue_service": _categorical(service, resp_ids),
            "rescue_region": _categorical(region, resp_ids),
            "rescue_region_status": _categorical(status, resp_ids),
            "rescue_region_confirmed": confirmed,
            "sos": pd.Categorical.from_codes(np.where(in_sweden, 0, -1), categories=[SOS_ALARM]),
            "context_county_code": _categorical(idx.county_code, context),
            "context_county_name": _categorical(idx.county_name, context),
            "context_municipality_code": _categorical(idx.code, context),
            "context_municipality_name": _categorical(idx.name, context),
        },
        columns=list(COLUMNS),
    )


def attribute_point(
    lon: float,
    lat: float,
    *,
    coast_tolerance_m: float = DEFAULT_COAST_TOLERANCE_M,
    outside_limit_m: float = DEFAULT_OUTSIDE_LIMIT_M,
) -> Attribution:
    """Attribute one point; the same code path as :func:`attribute`, so they never disagree."""
    row = attribute(
        [lon], [lat], coast_tolerance_m=coast_tolerance_m, outside_limit_m=outside_limit_m
    ).iloc[0]
    values = {name: (None if _missing(row[name]) else row[name]) for name in COLUMNS}
    values["method"] = Method(values["method"])
    if values["rescue_region_status"] is not None:
        values["rescue_region_status"] = MembershipStatus(values["rescue_region_status"])
    if values["distance_m"] is not None:
        values["distance_m"] = float(values["distance_m"])
    if values["rescue_region_confirmed"] is not None:
        values["rescue_region_confirmed"] = bool(values["rescue_region_confirmed"])
    values["lon"], values["lat"] = float(lon), float(lat)
    return Attribution(**values)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
