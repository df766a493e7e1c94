"""When things happen: an hourly intensity per incident type over the scenario window.

Sampling from one intensity grid (rather than, say, a fixed count per month) lets
every window length and scale keep the same seasonal and daily shape: a January-only
run gets almost no forest fires and many traffic accidents, as it should. Weather is
simulated at day level (fire weather, snowstorms) because that is what clusters
incidents and blockages in reality.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from georisk.model import IncidentType
from georisk.scenario import catalogue as cat

TYPES: tuple[IncidentType, ...] = tuple(cat.TYPE_SHARES)
HOUR = 3600
DAY = 86_400
#: Where the sun is judged (the middle of the region), for darkness.
SUN_LAT, SUN_LON = 59.6, 14.5
STORM_MONTHS = (11, 12, 1, 2, 3)
STORM_START_PROBABILITY = 0.06  # per winter day


@dataclass(frozen=True)
class Weather:
    """Per day of the window (day 0 starts at the window's first UTC midnight)."""

    day0: int  # epoch seconds of day 0
    fire_weather: np.ndarray  # multiplier of forest-fire intensity (dry spells > 1)
    storm: np.ndarray  # bool: a snowstorm day


@dataclass(frozen=True)
class Samples:
    times: np.ndarray  # epoch seconds, sorted
    types: np.ndarray  # index into TYPES
    now: np.ndarray  # bool: placed in the last hours so the live picture has open work


def simulate_weather(start: int, end: int, rng: np.random.Generator) -> Weather:
    """Dry spells via an AR(1) series with a per-year dryness, snowstorms as runs of days."""
    day0 = start - start % DAY
    days = (end - day0) // DAY + 1
    dates = pd.to_datetime(day0 + np.arange(days) * DAY, unit="s", utc=True)
    years = dates.year.to_numpy()
    dryness = {int(y): float(rng.lognormal(0.0, 0.45)) for y in np.unique(years)}
    z = np.empty(days)
    phi = 0.85
    noise = rng.standard_normal(days)
    z[0] = noise[0]
    for d in range(1, days):
        z[d] = phi * z[d - 1] + np.sqrt(1 - phi**2) * noise[d]
    fire = np.exp(0.8 * z) * np.array([dryness[int(y)] for y in years])
    storm = np.zeros(days, dtype=bool)
    starts = rng.random(days) < STORM_START_PROBABILITY
    lengths = rng.integers(1, 3, size=days)
    winter = np.isin(dates.month.to_numpy(), STORM_MONTHS)
    for d in np.flatnonzero(starts & winter):
        storm[d : d + lengths[d]] = True
    return Weather(day0, fire, storm)


def _dark(hours_utc: np.ndarray) -> np.ndarray:
    """Whether the sun is below the horizon mid-hour (simple solar-position formula)."""
    moments = pd.to_datetime(hours_utc + HOUR // 2, unit="s", utc=True)
    doy = moments.day_of_year.to_numpy()
    declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365)
    solar_hour = moments.hour.to_numpy() + moments.minute.to_numpy() / 60 + SUN_LON / 15
    angle = np.radians(15 * (solar_hour - 12))
    lat = np.radians(SUN_LAT)
    sin_elevation = np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(declination) * np.cos(
        angle
    )
    return sin_elevation < 0


def intensity(start: int, end: int, weather: Weather) -> tuple[np.ndarray, np.ndarray]:
    """(hour starts, intensity[type, hour]) over the window, unnormalised."""
    first = start - start % HOUR
    hours = np.arange(first, end, HOUR, dtype=np.int64)
    local = pd.to_datetime(hours, unit="s", utc=True).tz_convert("Europe/Stockholm")
    hour = local.hour.to_numpy()
    weekday = local.day_of_week.to_numpy()
    doy = local.day_of_year.to_numpy().astype(float)
    day = (hours - weather.day0) // DAY
    dark = _dark(hours)
    mid_month = np.array([15.5 + 30.44 * m for m in range(12)])
    grid = np.empty((len(TYPES), len(hours)))
    for i, incident_type in enumerate(TYPES):
        months = np.array(cat.MONTH_FACTORS[incident_type])
        season = np.interp(doy, mid_month, months, period=365.25)
        daily = np.array(cat.HOUR_FACTORS[incident_type])
        row = cat.TYPE_SHARES[incident_type] * season * daily[hour] / daily.mean()
        if incident_type is IncidentType.FOREST_FIRE:
            row = row * weather.fire_weather[day]
        elif incident_type is IncidentType.TRAFFIC:
            row = row * np.where(dark, cat.DARK_TRAFFIC, 1.0)
            row = row * np.where(weather.storm[day], cat.STORM_TRAFFIC, 1.0)
        elif incident_type is IncidentType.POLICE:
            weekend_night = ((weekday == 4) & (hour >= 20)) | ((weekday == 5) & (hour < 4))
            weekend_night |= ((weekday == 5) & (hour >= 20)) | ((weekday == 6) & (hour < 4))
            row = row * np.where(weekend_night, cat.WEEKEND_NIGHT_POLICE, 1.0)
        grid[i] = row
    return hours, grid


def sample_times(
    count: int, start: int, end: int, weather: Weather, rng: np.random.Generator, now_count: int
) -> Samples:
    """``count`` incident times and types; ``now_count`` of them in the last two hours."""
    hours, grid = intensity(start, end, weather)
    grid[:, hours < start] = 0.0  # the partial first hour starts at ``start``
    base = count - now_count
    parts = [_draw(base, hours, grid, start, end, rng)]
    recent = hours >= end - 2 * HOUR
    if now_count and recent.any():
        late = np.where(recent, grid, 0.0)
        parts.append(_draw(now_count, hours, late, max(start, end - 2 * HOUR), end, rng))
    else:
        parts.append((np.empty(0, np.int64), np.empty(0, np.int64)))
    times = np.concatenate([parts[0][0], parts[1][0]])
    types = np.concatenate([parts[0][1], parts[1][1]])
    now = np.concatenate([np.zeros(len(parts[0][0]), bool), np.ones(len(parts[1][0]), bool)])
    order = np.lexsort((types, times))
    return Samples(times[order], types[order], now[order])


def _draw(
    count: int, hours: np.ndarray, grid: np.ndarray, start: int, end: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if count <= 0 or grid.sum() <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    probabilities = (grid / grid.sum()).ravel()
    cells = np.repeat(np.arange(probabilities.size), rng.multinomial(count, probabilities))
    types, hour_index = np.divmod(cells, len(hours))
    times = hours[hour_index] + rng.integers(0, HOUR, size=len(cells))
    times = np.clip(times, start, end - 60)
    return times.astype(np.int64), types.astype(np.int64)


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())
