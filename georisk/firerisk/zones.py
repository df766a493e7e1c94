"""Fire-risk zones for an area: station weather → FWI grid → classified polygons.

Pure functions, no store: the caller passes the area (a shapely geometry in WGS84
or a GeoDataFrame in any CRS) and gets a WGS84 GeoDataFrame back. The grid is laid
out in SWEREF 99 TM (EPSG:3006) so cells are true squares of ``cell_size`` metres;
every cell that touches the area is computed so the zones, clipped to the area,
cover it without holes. Weather is interpolated by inverse-distance weighting over
the nearest stations reporting that day — no terrain or lapse-rate correction, which
at 2.5 km over Bergslagen's low relief matters less than station density.

Zones are the connected parts of each class (a class split over two valleys gives
two zones, each with its own FWI range), because a duty officer reads "this area,
class 4, FWI 17–19", not one multipart shape for the whole region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from georisk.crs import METRIC, WGS84, to_sweref, to_wgs84
from georisk.errors import ValidationError
from georisk.firerisk.classes import SWEDEN, UNCLASSIFIED, DangerScale
from georisk.firerisk.fwi import INDICES, FWIState, fwi_series
from georisk.firerisk.station_weather import DailyWeather

DEFAULT_CELL_SIZE = 2500.0


@dataclass(frozen=True)
class Grid:
    """Square cells in EPSG:3006; ``cells`` are the flat indices of cells touching the area."""

    x0: float  # west edge
    y0: float  # north edge
    nx: int
    ny: int
    cell_size: float
    cells: np.ndarray  # flat index row * nx + col, ascending
    area: BaseGeometry  # in EPSG:3006

    @property
    def rows(self) -> np.ndarray:
        return self.cells // self.nx

    @property
    def cols(self) -> np.ndarray:
        return self.cells % self.nx

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        x = self.x0 + (self.cols + 0.5) * self.cell_size
        y = self.y0 - (self.rows + 0.5) * self.cell_size
        return x, y

    def boxes(self, which: np.ndarray | None = None) -> np.ndarray:
        x, y = self.centres()
        if which is not None:
            x, y = x[which], y[which]
        half = self.cell_size / 2
        return shapely.box(x - half, y - half, x + half, y + half)

    def locate(self, x: float, y: float) -> int | None:
        """Position in ``cells`` of the cell holding (x, y), or None outside the area's cells."""
        col = int(np.floor((x - self.x0) / self.cell_size))
        row = int(np.floor((self.y0 - y) / self.cell_size))
        if not (0 <= col < self.nx and 0 <= row < self.ny):
            return None
        flat = row * self.nx + col
        pos = int(np.searchsorted(self.cells, flat))
        return pos if pos < len(self.cells) and self.cells[pos] == flat else None


def area_in_grid_crs(area: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries) -> BaseGeometry:
    """The area as one geometry in EPSG:3006; a bare geometry is taken as WGS84."""
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is None:
            raise ValidationError.one("area", "the GeoDataFrame has no CRS")
        if area.crs.is_geographic:
            area = area.set_geometry(shapely.segmentize(area.geometry.values, 0.02))
        geom = shapely.union_all(area.to_crs(METRIC).geometry.values)
    elif isinstance(area, BaseGeometry):
        # Densify first: a lon/lat edge is curved in SWEREF 99 TM.
        dense = shapely.segmentize(area, 0.02)
        geom = shapely.transform(dense, lambda xy: np.column_stack(to_sweref(*xy.T)))
    else:
        raise ValidationError.one("area", "pass a shapely geometry (WGS84) or a GeoDataFrame")
    if geom.is_empty or geom.area <= 0:
        raise ValidationError.one("area", "the area is empty")
    return shapely.make_valid(geom)


def make_grid(area: BaseGeometry | gpd.GeoDataFrame, cell_size: float = DEFAULT_CELL_SIZE) -> Grid:
    """Cells of ``cell_size`` metres over the area, aligned to whole multiples of the size."""
    if not cell_size > 0:
        raise ValidationError.one("cell_size", "must be positive metres")
    geom = area_in_grid_crs(area)
    minx, miny, maxx, maxy = geom.bounds
    x0 = np.floor(minx / cell_size) * cell_size
    y0 = np.ceil(maxy / cell_size) * cell_size
    nx = int(np.ceil((maxx - x0) / cell_size))
    ny = int(np.ceil((y0 - miny) / cell_size))
    if nx * ny > 5_000_000:
        raise ValidationError.one("cell_size", f"{nx}×{ny} cells is too many for this area")
    all_cells = Grid(x0, y0, nx, ny, cell_size, np.arange(nx * ny), geom)
    shapely.prepare(geom)
    touching = shapely.intersects(geom, all_cells.boxes())
    # Cells meeting the area only along an edge add no area; leave them out.
    edge = np.flatnonzero(touching & ~shapely.contains_properly(geom, all_cells.boxes()))
    if len(edge):
        overlap = shapely.area(shapely.intersection(all_cells.boxes(edge), geom)) > 0
        touching[edge[~overlap]] = False
    return Grid(x0, y0, nx, ny, cell_size, np.flatnonzero(touching), geom)


@dataclass(frozen=True)
class IDW:
    """For each cell, its nearest stations and their inverse-distance weights."""

    stations: np.ndarray  # (cells, k) station column indices
    weights: np.ndarray  # (cells, k)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """``(days, cells)`` from ``(days, stations)``, NaN marking a station's missing day.

        Weights are renormalised per day over the stations that reported, so a station
        missing a day simply drops out; a cell whose neighbours all lack the day is NaN.
        """
        from georisk.firerisk._idw_compiled import idw_apply

        return idw_apply(
            np.ascontiguousarray(values, dtype=np.float64),
            np.ascontiguousarray(self.stations),
            self.weights,
        )


def idw(
    grid: Grid, lon: np.ndarray, lat: np.ndarray, *, power: float = 2.0, neighbours: int = 8
) -> IDW:
    """Inverse-distance weights of the ``neighbours`` stations nearest each cell centre."""
    sx, sy = to_sweref(np.asarray(lon, float), np.asarray(lat, float))
    cx, cy = grid.centres()
    dist = np.hypot(cx[:, None] - sx[None, :], cy[:, None] - sy[None, :])
    k = max(1, min(neighbours, dist.shape[1]))
    nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
    near = np.take_along_axis(dist, nearest, axis=1)
    # A station inside a cell dominates it, without dividing by zero.
    return IDW(nearest, np.maximum(near, 1.0) ** -power)


@dataclass(frozen=True)
class FireRiskGrid:
    """FWI codes and indices per day and cell, ready for zones and point queries."""

    grid: Grid
    dates: list[date]
    values: dict[str, np.ndarray]  # index name → (days, cells)
    scale: DangerScale
    final: FWIState

    def day(self, when: date | None) -> int:
        if when is None:
            return len(self.dates) - 1
        try:
            return self.dates.index(when)
        except ValueError:
            raise ValidationError.one(
                "date", f"{when} is outside {self.dates[0]}..{self.dates[-1]}"
            ) from None

    def classes(self, when: date | None = None, scale: DangerScale | None = None) -> np.ndarray:
        """Class index per cell for a day (``UNCLASSIFIED`` where FWI is missing)."""
        return (scale or self.scale).classify(self.values["fwi"][self.day(when)])


def fire_risk_grid(
    weather: DailyWeather,
    area: BaseGeometry | gpd.GeoDataFrame,
    *,
    cell_size: float = DEFAULT_CELL_SIZE,
    scale: DangerScale = SWEDEN,
    ffmc_const: str | float = "cffdrs",
    start: FWIState | None = None,
    neighbours: int = 8,
    power: float = 2.0,
    keep: tuple[str, ...] = INDICES,
) -> FireRiskGrid:
    """Interpolate the season's weather to the grid and run FWI through it.

    ``start`` (one value per grid cell) continues a season computed earlier on the
    same grid; otherwise every cell starts from the standard start-up codes.
    """
    grid = make_grid(area, cell_size)
    weights = idw(
        grid,
        weather.stations["lon"].to_numpy(),
        weather.stations["lat"].to_numpy(),
        power=power,
        neighbours=neighbours,
    )
    fields = {name: weights.apply(getattr(weather, name)) for name in ("temp", "rh", "ws", "prec")}
    empty_days = [weather.dates[i] for i in np.flatnonzero(np.isnan(fields["temp"]).all(axis=1))]
    if empty_days:
        raise ValidationError.one(
            "weather",
            f"no station reported on {empty_days[0]}"
            f"{' and more days' if len(empty_days) > 1 else ''}",
        )
    _, cell_lat = to_wgs84(*grid.centres())
    result = fwi_series(
        fields["temp"],
        fields["rh"],
        fields["ws"],
        fields["prec"],
        weather.month,
        cell_lat,
        start=start,
        ffmc_const=ffmc_const,
        keep=keep,
    )
    return FireRiskGrid(grid, list(weather.dates), result.as_dict(), scale, result.final)


def risk_zones(
    risk: FireRiskGrid, when: date | None = None, scale: DangerScale | None = None
) -> gpd.GeoDataFrame:
    """Dissolved zones of one day, one row per connected part of a class, in WGS84."""
    scale = scale or risk.scale
    day = risk.day(when)
    fwi = risk.values["fwi"][day]
    klass = scale.classify(fwi)
    grid = risk.grid
    boxes = grid.boxes()
    x, y = grid.centres()
    centres = shapely.points(x, y)
    records = []
    for index in np.unique(klass[klass != UNCLASSIFIED]):
        members = np.flatnonzero(klass == index)
        merged = shapely.coverage_union_all(boxes[members])
        parts = shapely.get_parts(merged)
        tree = shapely.STRtree(centres[members])
        part_idx, cell_idx = tree.query(parts, predicate="contains")
        for p, part in enumerate(parts):
            values = fwi[members[cell_idx[part_idx == p]]]
            clipped = shapely.intersection(part, grid.area)
            if clipped.is_empty or clipped.area <= 0:
                continue
            c = scale.classes[index]
            records.append(
                {
                    "class": c.code,
                    "scale": scale.name,
                    "label": c.label_sv,
                    "label_en": c.label_en,
                    "colour": c.colour,
                    "fwi_min": float(values.min()),
                    "fwi_max": float(values.max()),
                    "cells": len(values),
                    "valid_date": risk.dates[day],
                    "geometry": _polygonal(clipped),
                }
            )
    columns = [
        "class",
        "scale",
        "label",
        "label_en",
        "colour",
        "fwi_min",
        "fwi_max",
        "cells",
        "valid_date",
        "geometry",
    ]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(records, columns=columns), geometry="geometry", crs=METRIC
    )
    return frame.to_crs(WGS84)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Drop slivers of lower dimension an intersection can leave (lines, points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)


def point_risk(
    risk: FireRiskGrid,
    lon: float,
    lat: float,
    when: date | None = None,
    scale: DangerScale | None = None,
) -> dict[str, object] | None:
    """Class and FWI values at a WGS84 point on a day; None outside the computed area."""
    scale = scale or risk.scale
    x, y = to_sweref(lon, lat)
    if not risk.grid.area.covers(shapely.Point(x, y)):
        return None
    pos = risk.grid.locate(x, y)
    if pos is None:  # pragma: no cover - every cell overlapping the area is computed
        return None
    day = risk.day(when)
    values = {name: float(arr[day, pos]) for name, arr in risk.values.items()}
    found = scale.class_of(values["fwi"])
    return {
        "date": risk.dates[day],
        "scale": scale.name,
        "class": found.code if found else None,
        "label": found.label_sv if found else None,
        "label_en": found.label_en if found else None,
        **values,
    }
