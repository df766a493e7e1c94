"""The operating area as the feeds' filter: does an item come anywhere near the counties
the centre covers?

Sources publish far more than the centre works on: Polisen's list is national, CAP
feeds cover a whole country, a TAK network reaches wherever its users drive. A record
outside the five counties is noise on every map, list and count the room reads, and
the centre has no mandate to keep other regions' events. So every importer asks this
one question, for whole batches at once, before anything is written.

An item is kept when any part of it lies within ``margin_km`` of the area: a road
closure on the county line, an alert polygon that reaches in, a fire just across the
border all matter to the room, and SCB's generalised boundaries are a few hundred
metres off in places. The large lakes (Vänern, Hjälmaren...) are holes in those
boundaries; they are filled here, so an item on a lake between our counties is inside.

``scope="sweden"`` widens the area to every county, for an analyst who wants the
national context; the margin applies the same way. The work is done in SWEREF 99 TM,
so the margin is in metres on the ground.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from georisk.crs import METRIC, to_sweref

#: Ten kilometres: well over the boundaries' generalisation error, enough for what
#: happens just across a county line (the next village, a small border municipality's
#: centre), and small enough that neighbouring regions' towns (Jönköping, Gävle,
#: Norrköping, 25-50 km out) stay out.
DEFAULT_MARGIN_KM = 10.0
#: Wider than this is no longer a margin: use ``scope="sweden"``.
MAX_MARGIN_KM = 500.0

Scope = Literal["operating", "sweden"]
SCOPES: tuple[Scope, ...] = ("operating", "sweden")


@dataclass(frozen=True)
class OperatingArea:
    """The area a feed keeps items in: the operating counties (or Sweden) plus a margin."""

    scope: Scope = "operating"
    margin_km: float = DEFAULT_MARGIN_KM

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"area {self.scope!r} is not one of {', '.join(SCOPES)}")
        if not 0 <= self.margin_km <= MAX_MARGIN_KM:
            raise ValueError(f"margin {self.margin_km} km is not between 0 and {MAX_MARGIN_KM}")

    def outside(self, geometries: Sequence[BaseGeometry | None]) -> np.ndarray:
        """True for each geometry that lies wholly outside the area and its margin.

        A missing or empty geometry is never outside: there is nothing to judge it by,
        and a record without a place is the importer's business, not this rule's.
        """
        shapes = np.array(list(geometries), dtype=object)
        out = np.zeros(len(shapes), dtype=bool)
        present = np.array([g is not None and not g.is_empty for g in shapes], dtype=bool)
        if not present.any():
            return out
        metric = shapely.transform(shapes[present], _to_metric)
        near = shapely.dwithin(_outline(self.scope), metric, self.margin_km * 1000.0)
        out[present] = ~near
        return out

    def bounds(self) -> tuple[float, float, float, float]:
        """The area with its margin as a CRS84 box (west, south, east, north)."""
        return _bounds(self.scope, self.margin_km)

    def describe(self) -> str:
        """How summaries name the area: "counties 14, 17, 18, 19, 20 + 10 km"."""
        from georisk.area.boundaries import OPERATING_COUNTY_CODES

        where = "Sweden" if self.scope == "sweden" else "counties " + ", ".join(
            OPERATING_COUNTY_CODES)
        return f"{where} + {self.margin_km:g} km"


def _to_metric(xy: np.ndarray) -> np.ndarray:
    return np.column_stack(to_sweref(xy[:, 0], xy[:, 1]))


@functools.cache
def _outline(scope: Scope) -> shapely.Geometry:
    """The counties of ``scope`` as one prepared polygon in SWEREF 99 TM, lakes filled."""
    from georisk.area.boundaries import counties

    gdf = counties("sweden" if scope == "sweden" else "area").to_crs(METRIC)
    parts = shapely.get_parts(shapely.union_all(gdf.geometry.values))
    filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    shapely.prepare(filled)
    return filled


@functools.cache
def _bounds(scope: Scope, margin_km: float) -> tuple[float, float, float, float]:
    from georisk.crs import to_wgs84

    reach = shapely.buffer(_outline(scope).simplify(1000.0), margin_km * 1000.0)
    xy = shapely.get_coordinates(reach)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def configured(scope: str | None = None, margin_km: float | None = None) -> OperatingArea:
    """The area given (a CLI option), else the setting, else the default; a setting that
    names no area is a GeoriskError, so a typo never silently keeps everything."""
    from georisk import settings
    from georisk.errors import GeoriskError

    try:
        return OperatingArea(
            scope or settings.feed_area(),  # type: ignore[arg-type]
            settings.feed_margin_km() if margin_km is None else margin_km,
        )
    except ValueError as exc:
        raise GeoriskError(f"feed area: {exc}") from None
