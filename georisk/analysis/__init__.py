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
    unit_events,
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
    "unit_events",
    "unit_tracks",
    "weekly_counts",
]


def prepare() -> None:
    """Build once, per process, what every first table would otherwise wait for: the
    statistics modules (importing esda and statsmodels alone takes seconds), the area's
    5 km grid with its population and neighbour weights, and the forecast's sample
    points in each county and municipality. The service calls this off the request path
    at start; calling it again costs nothing."""
    import esda  # noqa: F401  (its first import pulls in libpysal and scikit-learn)
    from statsmodels.discrete.discrete_model import NegativeBinomial  # noqa: F401

    from georisk.analysis.forecast import sample_points
    from georisk.analysis.hotspots import neighbour_weights

    neighbour_weights()
    for by in ("county", "municipality"):
        sample_points(by)
