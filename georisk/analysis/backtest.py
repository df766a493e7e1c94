"""Backtests: how well the forecasts would have done, origin by origin.

Rolling origin: from each origin (every ``step`` weeks once ``min_weeks`` of history are
there), the models are fitted on the weeks before it alone (risk zones too: only those
issued before it) and forecast the next ``horizon`` weeks, which are then compared with
what happened. The baseline is the seasonal naive forecast: the same area, type and
week a year (52 weeks) before. Scores, per type, over the weeks where both exist:

* ``mae`` and ``mae_naive``: mean absolute error of each against the observed counts,
  and ``skill`` = 1 − mae / mae_naive (above 0: the model is better);
* ``coverage``: the share of observed counts inside the prediction interval, against
  ``nominal``, the probability the model gives those intervals (the ``level`` where
  counts are large; more where they are a few a week, since a count cannot be cut at
  exactly the level's quantiles): the two agree when the model is calibrated;
* with the generator's truth (`georisk.scenario.truth`, demo journals only):
  ``mae_truth`` and ``mae_truth_naive``, the error of each against the intensity the
  counts were drawn from: the part of the error a forecast could have avoided.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from georisk.analysis.forecast import (
    LEVEL,
    WEEK,
    ForecastError,
    fit,
    fwi_climatology,
    predict,
    weekly_counts,
)
from georisk.model import IncidentType

SEASON_WEEKS = 52


def backtest(
    incidents: pd.DataFrame,
    *,
    by: str = "municipality",
    horizon: int = 13,
    step: int = 4,
    min_weeks: int = 52,
    types: list[str] | None = None,
    riskzones: gpd.GeoDataFrame | None = None,
    level: float = LEVEL,
    truth: pd.DataFrame | None = None,
    progress=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every forecast row with its outcome, the scores per type and over all types)."""
    types = types or [str(t) for t in IncidentType]
    history = weekly_counts(incidents, by, types)
    weeks = sorted(history["week"].unique())
    if len(weeks) <= min_weeks:
        raise ForecastError(f"{len(weeks)} whole weeks of history; a backtest needs more than "
                            f"{min_weeks}")
    origins = weeks[min_weeks::step]
    rows = []
    for n, origin in enumerate(origins):
        if progress:
            progress("backtest", n, len(origins))
        past = history[history["week"] < origin]
        ahead = [w for w in (origin + i * WEEK for i in range(horizon)) if w <= weeks[-1]]
        climate = None
        if riskzones is not None:
            issued = pd.to_datetime(riskzones["valid_date"]) < origin
            climate = fwi_climatology(riskzones[issued], by)
        for incident_type in types:
            predicted = predict(fit(past, incident_type, climate), ahead, climate, level=level)
            predicted["origin"] = origin
            rows.append(predicted)
    if progress:
        progress("backtest", len(origins), len(origins))
    out = pd.concat(rows, ignore_index=True)
    out["horizon"] = ((out["week"] - out["origin"]) / WEEK).astype(int) + 1
    observed = history.set_index(["area", "week", "type"])["count"]
    out["observed"] = observed.reindex(_key(out)).to_numpy()
    lagged = out.assign(week=out["week"] - SEASON_WEEKS * WEEK)
    out["naive"] = observed.reindex(_key(lagged)).to_numpy()
    if truth is not None:
        expected = truth.set_index(["area", "week", "type"])["expected"]
        out["truth"] = expected.reindex(_key(out)).to_numpy()
    return out, score(out, level)


def _key(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([frame["area"], frame["week"], frame["type"]])


def score(rows: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """The scores of `backtest`'s rows per type, and over all types (``all``)."""
    both = rows.dropna(subset=["naive"]).copy()
    both["error"] = (both["mean"] - both["observed"]).abs()
    both["error_naive"] = (both["naive"] - both["observed"]).abs()
    both["inside"] = (both["observed"] >= both["lower"]) & (both["observed"] <= both["upper"])
    named = {"rows": ("error", "size"), "mae": ("error", "mean"),
             "mae_naive": ("error_naive", "mean"), "coverage": ("inside", "mean"),
             "nominal": ("interval_p", "mean"),
             "observed": ("observed", "sum"), "forecast": ("mean", "sum")}
    if "truth" in both:
        both["error_truth"] = (both["mean"] - both["truth"]).abs()
        both["error_truth_naive"] = (both["naive"] - both["truth"]).abs()
        named |= {"mae_truth": ("error_truth", "mean"),
                  "mae_truth_naive": ("error_truth_naive", "mean")}
    per_type = both.groupby("type").agg(**named)
    overall = both.assign(type="all").groupby("type").agg(**named)
    table = pd.concat([per_type, overall]).reset_index()
    table["skill"] = 1 - table["mae"] / table["mae_naive"].replace(0, np.nan)
    table["level"] = level
    return table
