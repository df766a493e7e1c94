"""Forecasts: expected incidents per area × week × type, with prediction intervals.

One negative binomial regression (statsmodels, NB2, the dispersion estimated with the
coefficients) per incident type, over the weekly counts of every area:

    log E[count(area, week)] = log share(area) + β₀ + Σₖ (aₖ sin + bₖ cos)(2πk · week of year)
                               [+ γ · years]          once two years of history are there
                               [+ δ · log(1 + FWI)]   forest fires: FWI climatology

* ``share(area)`` is the area's part of the type's incidents so far, shrunk towards its
  part of all incidents (`SHRINK` incidents' worth): a municipality that saw no forest
  fire yet still has a small chance of one. It is an offset, not estimated: the areas'
  pattern is taken as stable, and time enters through the seasonal terms.
* Seasonality: three harmonics of the year, on the week's Thursday (its ISO year day),
  once the history holds a whole year (before, a season cannot be told from noise: the
  forecast is then the recent level).
* Trend: linear in years, once the history holds two whole years (before, a trend could
  not be told from the season).
* Forest fires: the mean FWI of the week of the year over the past seasons, in the area
  (`fwi_climatology`, from the risk zones `georisk.firerisk` issued): the season's
  weather as a normal year has it, not a forecast of the weather.

Intervals are the quantiles of the fitted negative binomial around each expected count:
the scatter of counts, not the uncertainty of the coefficients (drawing those from their
normal approximation gave absurd tails where a type is all but absent for months, as
forest fires are in winter); the backtest's coverage says what that leaves out.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from georisk.analysis.grouping import key_columns
from georisk.model import IncidentType

HARMONICS = 3
SEASON_WEEKS = 52
MIN_WEEKS = 8
SHRINK = 20.0
TREND_WEEKS = 104
LEVEL = 0.9
WEEK = pd.Timedelta(days=7)
AREAS = ("area", "county", "municipality")


class ForecastError(ValueError):
    """The history cannot carry a forecast (too short, no such area level)."""


def area_codes(by: str) -> list[str]:
    """Every area of a level of the operating area, so an area with no incident is a row
    of zeros rather than missing."""
    from georisk.area.boundaries import counties, municipalities

    if by == "area":
        return ["all"]
    if by == "county":
        return sorted(counties()["code"].astype(str))
    if by == "municipality":
        return sorted(municipalities()["code"].astype(str))
    raise ForecastError(f"forecast by {by!r}: one of {', '.join(AREAS)}")


def weekly_counts(
    incidents: pd.DataFrame,
    by: str = "municipality",
    types: Iterable[str] = (),
    first: pd.Timestamp | None = None,
    last: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Incidents per area × week × type, every combination present (zeros too): weeks
    start on Monday, Stockholm time; ``first``..``last`` (week starts) bound the weeks,
    by default the first and last whole weeks of the incidents' span."""
    types = list(types) or [str(t) for t in IncidentType]
    keys = key_columns(incidents, ["week"], "reported_at")
    weeks = keys["week"]
    if first is None or last is None:
        if weeks.empty:
            raise ForecastError("no incidents: nothing to count")
        local = incidents["reported_at"].dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
        first = first if first is not None else weeks.min() + (WEEK if local.min() > weeks.min()
                                                                else pd.Timedelta(0))
        last = last if last is not None else weeks.max() - WEEK
    area = (pd.Series("all", index=incidents.index) if by == "area"
            else incidents[by].astype(str))
    frame = pd.DataFrame({"area": area, "week": weeks, "type": incidents["type"].astype(str)})
    counted = frame.groupby(["area", "week", "type"]).size()
    index = pd.MultiIndex.from_product(
        [area_codes(by), pd.date_range(first, last, freq="7D"), types],
        names=["area", "week", "type"],
    )
    return counted.reindex(index, fill_value=0).rename("count").reset_index()


def fwi_climatology(riskzones: gpd.GeoDataFrame, by: str = "municipality") -> pd.DataFrame:
    """Mean FWI per area × ISO week of the year over the seasons the zones cover: each
    zone's FWI is the middle of its range, sampled at the centres of the area's 5 km
    cells. Weeks with no zone issued (out of season) are absent: read them as 0."""
    if riskzones.empty:
        return pd.DataFrame(columns=["area", "week_of_year", "fwi"])
    points = sample_points(by)
    zones = riskzones[["valid_date", "fwi_min", "fwi_max", "geometry"]].copy()
    zones["fwi"] = (zones["fwi_min"] + zones["fwi_max"]) / 2
    hits = gpd.sjoin(points, zones.to_crs(points.crs), predicate="within")
    daily = hits.groupby(["area", "valid_date"])["fwi"].mean().reset_index()
    day = pd.to_datetime(daily["valid_date"])
    daily["week_of_year"] = day.dt.isocalendar().week.astype(int).to_numpy()
    daily["year"] = day.dt.isocalendar().year.astype(int).to_numpy()
    weekly = daily.groupby(["area", "year", "week_of_year"])["fwi"].mean()
    return weekly.groupby(["area", "week_of_year"]).mean().reset_index()


@functools.cache
def sample_points(by: str) -> gpd.GeoDataFrame:
    """The centres of the area's 5 km cells, with the area of ``by`` each lies in."""
    from georisk.analysis.hotspots import area_grid
    from georisk.area import attribute
    from georisk.crs import WGS84, to_wgs84

    grid = area_grid()
    lon, lat = to_wgs84(grid.x + grid.cell_m / 2, grid.y + grid.cell_m / 2)
    if by == "area":
        area = np.full(len(lon), "all", dtype=object)
    else:
        found = attribute(lon, lat)
        column = "county_code" if by == "county" else "municipality_code"
        area = found[column].astype(str).to_numpy()
    return gpd.GeoDataFrame({"area": area}, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


@dataclass(frozen=True)
class Fitted:
    """One type's model: what it needs to predict any week of any area."""

    incident_type: str
    params: np.ndarray  # coefficients, then alpha (NB2)
    cov: np.ndarray
    share: pd.Series  # by area
    origin: pd.Timestamp  # first week after the history
    trend: bool
    uses_fwi: bool
    harmonics: int


def _design(
    weeks: pd.Series, origin: pd.Timestamp, trend: bool, fwi: np.ndarray | None, harmonics: int
):
    thursday = weeks + pd.Timedelta(days=3)
    phase = 2 * np.pi * (thursday.dt.day_of_year.to_numpy() - 1) / 365.25
    columns = [np.ones(len(weeks))]
    for k in range(1, harmonics + 1):
        columns += [np.sin(k * phase), np.cos(k * phase)]
    if trend:
        columns.append(((weeks - origin).dt.days / 365.25).to_numpy())
    if fwi is not None:
        columns.append(np.log1p(fwi))
    return np.column_stack(columns)


def _fwi_for(panel: pd.DataFrame, climate: pd.DataFrame | None) -> np.ndarray | None:
    if climate is None or climate.empty:
        return None
    woy = (panel["week"] + pd.Timedelta(days=3)).dt.isocalendar().week.astype(int)
    key = pd.MultiIndex.from_arrays([panel["area"].astype(str), woy.to_numpy()])
    table = climate.set_index(["area", "week_of_year"])["fwi"]
    return table.reindex(key).fillna(0.0).to_numpy()


def fit(
    history: pd.DataFrame, incident_type: str, climate: pd.DataFrame | None = None
) -> Fitted:
    """The model of one type from ``history`` (`weekly_counts` rows, every type)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    weeks = pd.Series(sorted(history["week"].unique()))
    if len(weeks) < MIN_WEEKS:
        raise ForecastError(f"{len(weeks)} weeks of history; a forecast needs at least "
                            f"{MIN_WEEKS}")
    origin = weeks.iloc[-1] + WEEK
    rows = history[history["type"] == incident_type].reset_index(drop=True)
    share = _shares(history, rows)
    trend = len(weeks) >= TREND_WEEKS
    harmonics = HARMONICS if len(weeks) >= SEASON_WEEKS else 0
    uses_fwi = incident_type == IncidentType.FOREST_FIRE and climate is not None \
        and not climate.empty
    fwi = _fwi_for(rows, climate) if uses_fwi else None
    X = _design(rows["week"], origin, trend, fwi, harmonics)
    offset = np.log(rows["area"].map(share).to_numpy())
    y = rows["count"].to_numpy(dtype=float)
    if y.sum() == 0:  # never seen: nothing to scale a forecast by
        params = np.r_[np.log(0.5 / len(rows)), np.zeros(X.shape[1] - 1), 1.0]
        return Fitted(incident_type, params, np.zeros((len(params), len(params))), share,
                      origin, trend, uses_fwi, harmonics)
    model = NegativeBinomial(y, X, loglike_method="nb2", offset=offset)
    start = np.r_[np.log(max(y.mean(), 1e-3)), np.zeros(X.shape[1] - 1), 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter: the results are checked
        for method in ("newton", "bfgs"):
            result = model.fit(start_params=start, method=method, maxiter=300, disp=0)
            params = np.asarray(result.params)
            try:
                cov = np.asarray(result.cov_params())
            except ValueError:  # a singular Hessian: the point estimate without its spread
                cov = np.full((len(params), len(params)), np.nan)
            if np.all(np.isfinite(params)) and np.all(np.isfinite(cov)):
                break
    if not np.all(np.isfinite(params)):
        raise ForecastError(f"the {incident_type} model did not converge")
    if not np.all(np.isfinite(cov)):
        cov = np.zeros_like(cov)
    return Fitted(incident_type, params, cov, share, origin, trend, uses_fwi, harmonics)


def _shares(history: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    everything = history.groupby("area")["count"].sum()
    overall = (everything + 0.5) / (everything + 0.5).sum()
    own = rows.groupby("area")["count"].sum().reindex(overall.index, fill_value=0)
    return (own + SHRINK * overall) / (own.sum() + SHRINK)


def predict(
    fitted: Fitted,
    weeks: Iterable[pd.Timestamp],
    climate: pd.DataFrame | None = None,
    *,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Expected counts (``mean``) and the central ``level`` prediction interval
    (``lower``, ``upper``: quantiles of the fitted negative binomial) of every area for
    ``weeks``, with ``interval_p``, the probability the model gives that interval: at
    least ``level``, more where counts are small."""
    from scipy.stats import nbinom

    grid = pd.MultiIndex.from_product([fitted.share.index, list(weeks)], names=["area", "week"])
    rows = grid.to_frame(index=False)
    fwi = _fwi_for(rows, climate) if fitted.uses_fwi else None
    X = _design(rows["week"], fitted.origin, fitted.trend, fwi, fitted.harmonics)
    offset = np.log(rows["area"].map(fitted.share).to_numpy())
    beta, alpha = fitted.params[:-1], max(float(fitted.params[-1]), 1e-8)
    mean = np.exp(np.clip(offset + X @ beta, -50, 20))
    size = 1 / alpha
    chance = size / (size + mean)
    tail = (1 - level) / 2
    rows["type"] = fitted.incident_type
    rows["mean"] = mean
    rows["lower"] = nbinom.ppf(tail, size, chance)
    rows["upper"] = nbinom.ppf(1 - tail, size, chance)
    # what the model itself gives that interval: a count cannot be cut at exactly 5 %
    rows["interval_p"] = nbinom.cdf(rows["upper"], size, chance) - nbinom.cdf(
        rows["lower"] - 1, size, chance)
    return rows


def forecast(
    incidents: pd.DataFrame,
    *,
    by: str = "municipality",
    weeks: int = 13,
    types: Iterable[str] = (),
    riskzones: gpd.GeoDataFrame | None = None,
    level: float = LEVEL,
    progress=None,
) -> pd.DataFrame:
    """The next ``weeks`` (1–52) weeks after the last whole week of ``incidents``, per
    area of ``by`` and type: ``mean``, ``lower``, ``upper`` (a ``level`` interval)."""
    if not 1 <= weeks <= 52:
        raise ForecastError(f"weeks: {weeks} is not between 1 and 52")
    types = list(types) or [str(t) for t in IncidentType]
    history = weekly_counts(incidents, by)
    climate = fwi_climatology(riskzones, by) if riskzones is not None else None
    out = []
    for n, incident_type in enumerate(types):
        if progress:
            progress(f"forecast {incident_type}", n, len(types))
        fitted = fit(history, incident_type, climate)
        ahead = [fitted.origin + i * WEEK for i in range(weeks)]
        out.append(predict(fitted, ahead, climate, level=level))
    if progress:
        progress("forecast", len(types), len(types))
    columns = ["area", "week", "type", "mean", "lower", "upper", "interval_p"]
    return pd.concat(out, ignore_index=True)[columns]
