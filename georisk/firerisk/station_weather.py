"""Station weather in, FWI-ready daily weather out.

The FWI system wants, for each day, the weather at local noon and the rain of the
24 hours ending then. Stations report at other rhythms (hourly, three-hourly, or
already daily), so observations are reduced here to one row per station and
"fire day" before anything is interpolated.

The weather CSV has these columns (header required, order free, case-insensitive):

========  ==============================================================
station   station id (text)
lat, lon  WGS84 degrees of the station
time      ISO 8601 instant with an offset (``2025-06-01T11:00Z``), or a bare
          date (``2025-06-01``) meaning that day's noon record
temp      air temperature, °C
rh        relative humidity, % (0–100)
wind      10 m wind speed, km/h (``wind_units="m/s"`` for SMHI-style data)
precip    precipitation in mm accumulated since the station's previous row
          (for daily rows: the 24 h to noon)
========  ==============================================================

Noon is local *standard* time (UTC+1 in Sweden all year, as the FWI system is
defined on standard time): fire day D collects the rain of (D−1 12:00, D 12:00]
and takes temperature, humidity and wind from the observation nearest 12:00 within
a window (±3 h by default). A day without such an observation is missing for that
station, and the interpolation uses the other stations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from georisk.errors import FieldError, ValidationError

WEATHER_COLUMNS = ("station", "lat", "lon", "time", "temp", "rh", "wind", "precip")
_NUMERIC = ("lat", "lon", "temp", "rh", "wind", "precip")
_MAX_ERRORS = 20


@dataclass(frozen=True)
class DailyWeather:
    """Noon weather per fire day, ``(days, stations)``; NaN where a station lacks a day."""

    stations: pd.DataFrame  # station, lat, lon (one row per column of the arrays)
    dates: list[date]
    temp: np.ndarray
    rh: np.ndarray
    ws: np.ndarray
    prec: np.ndarray

    @property
    def month(self) -> np.ndarray:
        return np.array([d.month for d in self.dates])


def read_station_weather(
    source: str | Path | pd.DataFrame, *, wind_units: str = "km/h"
) -> pd.DataFrame:
    """Parse and check the weather CSV; ``time`` becomes UTC, wind km/h."""
    if isinstance(source, pd.DataFrame):
        raw = source.astype(str)
    else:
        try:
            raw = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValidationError.one("weather", f"cannot read {source}: {exc}") from exc
    lookup = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in WEATHER_COLUMNS if c not in lookup]
    if missing:
        raise ValidationError.one(
            "columns", f"missing {', '.join(missing)}; need {','.join(WEATHER_COLUMNS)}"
        )
    if wind_units not in ("km/h", "m/s"):
        raise ValidationError.one("wind_units", "use km/h or m/s")
    errors: list[FieldError] = []
    out = pd.DataFrame({"station": raw[lookup["station"]].str.strip()})
    lines = np.arange(len(raw)) + 2

    def bad(mask, col, reason) -> None:
        for i in np.flatnonzero(mask)[: _MAX_ERRORS - len(errors)]:
            errors.append(FieldError(f"line {lines[i]} ({col})", reason))

    bad((out["station"] == "").to_numpy(), "station", "missing value")
    for col in _NUMERIC:
        values = pd.to_numeric(raw[lookup[col]].str.strip(), errors="coerce")
        bad(~np.isfinite(values.to_numpy(dtype=float)), col, "missing or not a number")
        out[col] = values.astype(float)
    with np.errstate(invalid="ignore"):
        bad(((out["rh"] < 0) | (out["rh"] > 100)).to_numpy(), "rh", "outside 0–100 %")
        bad((out["wind"] < 0).to_numpy(), "wind", "negative")
        bad((out["precip"] < 0).to_numpy(), "precip", "negative")
        bad(
            (out["lat"].abs() > 90).to_numpy() | (out["lon"].abs() > 180).to_numpy(),
            "lat/lon",
            "outside WGS84 range",
        )
    out["time"] = _parse_times(raw[lookup["time"]].str.strip(), bad)
    if errors:
        raise ValidationError(errors)
    if wind_units == "m/s":
        out["wind"] *= 3.6
    return out


def _parse_times(text: pd.Series, bad) -> pd.Series:
    is_date = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    times = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if is_date.any():
        # A bare date is that day's noon record: 12:00 local standard time (UTC+1).
        days = pd.to_datetime(text[is_date], format="%Y-%m-%d", errors="coerce")
        times[is_date] = (days + pd.Timedelta(hours=11)).dt.tz_localize("UTC")
    rest = ~is_date
    no_zone = pd.Series(False, index=text.index)
    if rest.any():
        parsed = pd.to_datetime(text[rest], utc=True, errors="coerce", format="ISO8601")
        has_zone = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
        times[rest] = parsed
        no_zone = rest & ~has_zone & times.notna()
        bad(no_zone.to_numpy(), "time", "no timezone; add Z or an offset")
        times[no_zone] = pd.NaT
    bad((times.isna() & ~no_zone).to_numpy(), "time", "not an ISO 8601 time or date")
    return times


def daily_fire_weather(
    obs: pd.DataFrame, *, utc_offset_hours: float = 1.0, noon_window_hours: float = 3.0
) -> DailyWeather:
    """Reduce observations to noon weather and 24 h rain per station and fire day."""
    if obs.empty:
        raise ValidationError.one("weather", "no observations")
    local = obs["time"].dt.tz_convert(None) + pd.Timedelta(hours=utc_offset_hours)
    # Fire day D holds (D-1 12:00, D 12:00] local standard time.
    fire_day = (local - pd.Timedelta(hours=12) - pd.Timedelta(microseconds=1)).dt.floor(
        "D"
    ) + pd.Timedelta(days=1)
    frame = obs.assign(
        fire_day=fire_day, from_noon=(local - (local.dt.floor("D") + pd.Timedelta(hours=12))).abs()
    )

    stations = frame.groupby("station", sort=True)[["lat", "lon"]].first().reset_index()
    rain = frame.groupby(["station", "fire_day"])["precip"].sum()
    near = frame[frame["from_noon"] <= pd.Timedelta(hours=noon_window_hours)]
    # The noon observation belongs to the calendar day it is on (which is its fire day
    # when at or before noon, and the next fire day's start when after): key by date.
    near = near.assign(
        day=(near["time"].dt.tz_convert(None) + pd.Timedelta(hours=utc_offset_hours)).dt.floor("D")
    )
    noon = near.sort_values("from_noon").groupby(["station", "day"]).first()

    first = min(
        rain.index.get_level_values(1).min(),
        noon.index.get_level_values(1).min() if len(noon) else rain.index.get_level_values(1).min(),
    )
    last = max(
        rain.index.get_level_values(1).max(),
        noon.index.get_level_values(1).max() if len(noon) else rain.index.get_level_values(1).max(),
    )
    days = pd.date_range(first, last, freq="D")
    ids = stations["station"].tolist()
    full = pd.MultiIndex.from_product([ids, days])

    def grid(series: pd.Series) -> np.ndarray:
        return series.reindex(full).to_numpy(dtype=float).reshape(len(ids), len(days)).T

    noon.index = noon.index.set_names(["station", "fire_day"])
    temp, rh, ws = (grid(noon[c]) for c in ("temp", "rh", "wind"))
    prec = grid(rain)
    # Rain with no noon values still counts (kept); noon values with no rain rows: 0 mm.
    prec = np.where(np.isnan(prec) & ~np.isnan(temp), 0.0, prec)
    return DailyWeather(stations, [d.date() for d in days], temp, rh, ws, prec)
