"""Aggregations: counts by place × time × category, in one vectorised pass.

A key names a column to group by. Places: ``county`` and ``municipality`` (SCB codes, as
the record carries them: attributed when it was written, so nothing is joined again) and
``cell`` (the 5 km SWEREF 99 TM cell of its geometry, named by its south-west corner in
km, ``E480N6570``). Times are read in Stockholm time, as people count them: ``hour`` of the
day (0–23), ``weekday`` (1 Monday – 7 Sunday), ``week`` (the Monday it starts on),
``date``, ``month`` (``2026-07``), ``season`` (winter = December–February, spring,
summer, autumn) and ``year``. Any other key is a column of the table (``type``,
``agency``, ``reason``, ``road``, ``severity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import shapely

from georisk.crs import to_sweref, to_wgs84
from georisk.timeutil import STOCKHOLM

CELL_M = 5_000.0
PLACES = ("county", "municipality", "cell")
TIMES = ("hour", "weekday", "week", "date", "month", "season", "year")
SEASONS = ("winter", "spring", "summer", "autumn")
_SEASON_OF_MONTH = np.array(["", *(["winter"] * 2), *(["spring"] * 3), *(["summer"] * 3),
                             *(["autumn"] * 3), "winter"], dtype=object)


class UnknownKey(ValueError):
    """A key that is neither a place, a time nor a column of the table."""


def cell_ids(geometry: np.ndarray, cell_m: float = CELL_M) -> np.ndarray:
    """The cell of each geometry's representative point (a line's centroid), by name."""
    points = shapely.centroid(np.asarray(geometry, dtype=object))
    x, y = to_sweref(shapely.get_x(points), shapely.get_y(points))
    east = (np.floor_divide(x, cell_m) * cell_m / 1000).astype(np.int64).astype(str)
    north = (np.floor_divide(y, cell_m) * cell_m / 1000).astype(np.int64).astype(str)
    return np.char.add(np.char.add(np.char.add("E", east), "N"), north).astype(object)


def cell_polygons(ids: Iterable[str], cell_m: float = CELL_M) -> np.ndarray:
    """The cells named by `cell_ids` as polygons in WGS84 (their corners projected)."""
    names = pd.Series(list(ids), dtype=object)
    parts = names.str.extract(r"^E(-?\d+)N(-?\d+)$").astype(float) * 1000
    x0, y0 = parts[0].to_numpy(), parts[1].to_numpy()
    xs = np.stack([x0, x0 + cell_m, x0 + cell_m, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + cell_m, y0 + cell_m, y0], axis=1)
    lon, lat = to_wgs84(xs.ravel(), ys.ravel())
    rings = np.stack([lon, lat], axis=1).reshape(len(names), 5, 2)
    return shapely.polygons(rings)


def key_columns(
    frame: pd.DataFrame, by: Sequence[str], time_column: str, cell_m: float = CELL_M
) -> pd.DataFrame:
    """One column per key of ``by``, row for row with ``frame``."""
    out = pd.DataFrame(index=frame.index)
    local = None
    for key in by:
        if key in TIMES:
            if local is None:
                local = frame[time_column].dt.tz_convert(STOCKHOLM)
            out[key] = _time_key(local, key)
        elif key == "cell":
            out[key] = cell_ids(frame.geometry.to_numpy(), cell_m)
        elif key in frame.columns:
            out[key] = frame[key].to_numpy()
        else:
            raise UnknownKey(f"{key!r} is not one of {', '.join([*PLACES, *TIMES])} or a column "
                             f"({', '.join(c for c in frame.columns if c != 'geometry')})")
    return out


def _time_key(local: pd.Series, key: str) -> pd.Series:
    if key == "hour":
        return local.dt.hour
    if key == "weekday":
        return local.dt.day_of_week + 1
    if key == "date":
        return local.dt.tz_localize(None).dt.normalize()
    if key == "week":
        day = local.dt.tz_localize(None).dt.normalize()
        return day - pd.to_timedelta(local.dt.day_of_week, unit="D")
    if key == "month":
        return local.dt.strftime("%Y-%m")
    if key == "season":
        return pd.Series(_SEASON_OF_MONTH[local.dt.month.to_numpy()], index=local.index)
    return local.dt.year


def aggregate(
    frame: pd.DataFrame,
    by: Sequence[str] = ("municipality", "week", "type"),
    time_column: str = "reported_at",
    cell_m: float = CELL_M,
) -> pd.DataFrame:
    """How many rows of ``frame`` fall in each combination of ``by`` that occurs, as a
    table of the keys and ``count``, in key order."""
    by = list(dict.fromkeys(by))
    if not by:
        return pd.DataFrame({"count": [len(frame)]})
    keys = key_columns(frame, by, time_column, cell_m)
    counted = keys.groupby(by, sort=True, observed=True, dropna=False).size()
    return counted.rename("count").reset_index()
