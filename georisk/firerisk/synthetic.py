"""Seeded, plausible fire-season weather for demos, tests and benchmarks.

Real station data cannot ship with the repository, yet a demo and a benchmark need
weather that behaves like a Swedish summer: a seasonal temperature curve colder in
the north, dry spells and rainy fronts that several stations share, humidity that
falls as it warms. The same seed always gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class SeasonWeather:
    """Noon weather ``(days, cells)``: °C, %, km/h, mm over the 24 h to noon."""

    dates: list[date]
    temp: NDArray[np.float64]
    rh: NDArray[np.float64]
    ws: NDArray[np.float64]
    prec: NDArray[np.float64]

    @property
    def month(self) -> NDArray[np.int64]:
        return np.array([d.month for d in self.dates])


def season_dates(
    year: int = 2025, start: tuple[int, int] = (5, 1), end: tuple[int, int] = (10, 31)
) -> list[date]:
    """Every day of the fire season, 1 May – 31 October (184 days) by default."""
    first, last = date(year, *start), date(year, *end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def season_weather(
    lat: NDArray[np.float64] | float, dates: list[date] | None = None, *, seed: int = 2025
) -> SeasonWeather:
    """Weather for cells at ``lat`` (degrees north), one row per date.

    A regional anomaly shared by all cells (fronts, heat waves) plus a smaller local
    one keeps neighbouring cells alike, as interpolated fields are.
    """
    dates = dates or season_dates()
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    rng = np.random.default_rng(seed)
    days, cells = len(dates), lat.shape[0]
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=np.float64)

    # Seasonal mean noon temperature: peak in mid July, ~0.6 °C colder per degree north.
    seasonal = 12.0 + 10.0 * np.cos(2 * np.pi * (doy - 200.0) / 365.0)
    base = seasonal[:, None] - 0.6 * (lat[None, :] - 59.0)
    regional = _ar1(rng, days, 1, 0.8, 3.0)
    local = _ar1(rng, days, cells, 0.6, 1.2)
    temp = base + regional + local

    # Fronts: a shared wet/dry regime, local showers on top.
    front = _ar1(rng, days, 1, 0.6, 1.0)
    wet_prob = np.clip(0.30 + 0.25 * front + 0.05 * rng.standard_normal((days, cells)), 0, 1)
    wet = rng.random((days, cells)) < wet_prob
    amount = rng.gamma(0.8, 6.0, (days, cells))
    prec = np.where(wet, np.round(amount, 1), 0.0)

    rh = 75.0 - 1.6 * (temp - base) - 18.0 * (front < -0.3) + 12.0 * wet
    rh += 8.0 * rng.standard_normal((days, cells)) - 0.8 * (seasonal[:, None] - 12.0)
    rh = np.clip(np.round(rh), 18.0, 100.0)
    ws = np.round(rng.gamma(3.0, 4.0, (days, cells)) * (1.0 + 0.3 * (front > 0.5)), 1)
    return SeasonWeather(dates, np.round(temp, 1), rh, ws, prec)


def _ar1(rng: np.random.Generator, days: int, cells: int, phi: float, sd: float) -> NDArray:
    """Red noise: weather persists for a few days."""
    out = np.empty((days, cells))
    noise = rng.standard_normal((days, cells)) * sd * np.sqrt(1 - phi * phi)
    out[0] = rng.standard_normal(cells) * sd
    for d in range(1, days):
        out[d] = phi * out[d - 1] + noise[d]
    return out


def bench_cube(cells: int = 20_000, seed: int = 2025) -> SeasonWeather:
    """The benchmark cube: ``cells`` cells over Bergslagen latitudes, May–October."""
    lat = np.linspace(57.5, 62.5, cells)
    return season_weather(lat, season_dates(), seed=seed)


BERGSLAGEN_BBOX = (11.0, 57.5, 17.0, 62.5)
"""lon/lat box around the five counties, used when no real boundary is at hand."""


def station_weather_frame(
    n_stations: int = 100,
    dates: list[date] | None = None,
    *,
    bbox: tuple[float, float, float, float] = BERGSLAGEN_BBOX,
    obs_per_day: int = 1,
    seed: int = 2025,
):
    """A weather CSV's rows (see ``station_weather``) for stations spread over ``bbox``.

    ``obs_per_day`` 1 gives daily noon records (bare dates); 2, 4 or 8 give
    observations spaced evenly from noon local standard time (UTC+1), whose rain adds
    up to each fire day's total and whose noon row carries the day's noon weather,
    so aggregating them must give back the daily values exactly.
    """
    import pandas as pd

    if obs_per_day not in (1, 2, 4, 8):
        raise ValueError("obs_per_day must be 1, 2, 4 or 8")
    dates = dates or season_dates()
    rng = np.random.default_rng(seed + 1)
    lon = np.round(rng.uniform(bbox[0], bbox[2], n_stations), 4)
    lat = np.round(rng.uniform(bbox[1], bbox[3], n_stations), 4)
    w = season_weather(lat, dates, seed=seed)
    ids = np.array([f"S{i:03d}" for i in range(n_stations)])
    days, n = w.temp.shape
    if obs_per_day == 1:
        time = np.repeat([d.isoformat() for d in dates], n)
        return pd.DataFrame(
            {
                "station": np.tile(ids, days),
                "lat": np.tile(lat, days),
                "lon": np.tile(lon, days),
                "time": time,
                "temp": w.temp.ravel(),
                "rh": w.rh.ravel(),
                "wind": w.ws.ravel(),
                "precip": w.prec.ravel(),
            }
        )
    frames = []
    step = 24 // obs_per_day
    share = rng.dirichlet(np.ones(obs_per_day), size=(days, n))  # rain split over the day
    for k in range(obs_per_day):
        # k = 0 is noon of fire day D; k > 0 are earlier, back to D-1 12:00 (exclusive).
        hours_before = k * step
        stamps = [pd.Timestamp(d) + pd.Timedelta(hours=11 - hours_before) for d in dates]
        noise = 0.0 if k == 0 else 1.0
        frames.append(
            pd.DataFrame(
                {
                    "station": np.tile(ids, days),
                    "lat": np.tile(lat, days),
                    "lon": np.tile(lon, days),
                    "time": np.repeat([t.strftime("%Y-%m-%dT%H:%MZ") for t in stamps], n),
                    "temp": (w.temp - noise * (3.0 + rng.random((days, n)))).ravel().round(1),
                    "rh": np.clip(w.rh + noise * 15.0, 0, 100).ravel(),
                    "wind": (w.ws * (1.0 - 0.3 * noise)).ravel().round(1),
                    "precip": (w.prec * share[:, :, k]).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed)
