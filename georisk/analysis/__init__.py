"""The journal for analysts: history as GeoDataFrames, aggregations, hotspots, forecasts,
backtests, and road and unit statistics, each as one viewer may see it.

Everything reads the journal through `georisk.analysis.journal`, which applies the access
policy to whole tables (`georisk.access.present_frame`): a record another agency may
not see is absent, a restricted one generalised, in every table, count and map made
from it. No Flask, no folium: the command line (``georisk analyse``), the analyst page
and notebooks all use these functions. Methods and assumptions: docs/analysis.md.
"""

from georisk.analysis.backtest import backtest, score
from georisk.analysis.forecast import ForecastError, forecast, fwi_climatology, weekly_counts
from georisk.analysis.grouping import PLACES, TIMES, UnknownKey, aggregate, cell_polygons
from georisk.analysis.hotspots import hotspots
from georisk.analysis.journal import blockages, incidents, records, riskzones, unit_tracks
from georisk.analysis.operations import (
    availability,
    blockage_durations,
    blockage_summary,
    missions,
    response_summary,
)

__all__ = [
    "PLACES",
    "TIMES",
    "ForecastError",
    "UnknownKey",
    "aggregate",
    "availability",
    "backtest",
    "blockage_durations",
    "blockage_summary",
    "blockages",
    "cell_polygons",
    "forecast",
    "fwi_climatology",
    "hotspots",
    "incidents",
    "missions",
    "records",
    "response_summary",
    "riskzones",
    "score",
    "unit_tracks",
    "weekly_counts",
]
