"""What the demo scenario expects to happen: the intensities its incidents are drawn from.

The generator draws incident times from an hourly intensity per type (`timeline`) and
places them by population and roads (`placement`). A forecast backtested on a demo
journal can then be scored against the truth it could at best have found, not only
against the counts that happened to be drawn. Times are exact: the same seed gives the
same weather and so the same intensity grid; places are the generator's own placement
drawn many times (``samples`` per type), since its spatial distribution has no closed
form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from georisk.scenario.generate import ScenarioOptions, _streams
from georisk.scenario.placement import place_incidents
from georisk.scenario.timeline import DAY, HOUR, TYPES, intensity, simulate_weather
from georisk.scenario.world import World, load_world
from georisk.timeutil import STOCKHOLM

SAMPLES = 20_000


def expected_by_hour(options: ScenarioOptions) -> pd.DataFrame:
    """Expected incidents per type and hour of the scenario (hour start, UTC)."""
    end = int(options.resolved_end().timestamp())
    start = end - options.days * DAY
    weather = simulate_weather(start, end, _streams(options.seed, 7)[0])
    hours, grid = intensity(start, end, weather)
    grid[:, hours < start] = 0.0
    now_count = min(options.incidents, max(3, options.incidents // 300))
    expected = (options.incidents - now_count) * grid / grid.sum()
    late = np.where(hours >= end - 2 * HOUR, grid, 0.0)
    if now_count and late.sum() > 0:
        expected += now_count * late / late.sum()
    frame = pd.DataFrame(expected.T, columns=[str(t) for t in TYPES])
    frame.insert(0, "hour", pd.to_datetime(hours, unit="s", utc=True))
    return frame


def area_shares(
    by: str, samples: int = SAMPLES, seed: int = 0, world: World | None = None
) -> pd.DataFrame:
    """Per type, the share of its incidents the generator places in each area (``by``:
    ``area``, ``county`` or ``municipality``), from ``samples`` placements."""
    world = world or load_world()
    rng = np.random.default_rng(seed)
    rows = []
    for code, incident_type in enumerate(TYPES):
        if by == "area":
            rows.append(pd.DataFrame({"area": ["all"], "type": [str(incident_type)],
                                      "share": [1.0]}))
            continue
        placed = place_incidents(world, np.full(samples, code), rng)
        areas = placed.county if by == "county" else placed.municipality
        share = pd.Series(areas).value_counts(normalize=True)
        rows.append(pd.DataFrame({"area": share.index.astype(str), "type": str(incident_type),
                                  "share": share.to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def expected_incidents(
    options: ScenarioOptions, by: str = "municipality", samples: int = SAMPLES
) -> pd.DataFrame:
    """Expected incidents per area × week (Monday, Stockholm time) × type: ``expected``."""
    hourly = expected_by_hour(options)
    local = hourly["hour"].dt.tz_convert(STOCKHOLM)
    day = local.dt.tz_localize(None).dt.normalize()
    hourly["week"] = day - pd.to_timedelta(local.dt.day_of_week, unit="D")
    weekly = hourly.drop(columns="hour").groupby("week").sum()
    weekly = weekly.stack().rename("weekly").reset_index().rename(columns={"level_1": "type"})
    shares = area_shares(by, samples)
    out = weekly.merge(shares, on="type")
    out["expected"] = out["weekly"] * out["share"]
    return out[["area", "week", "type", "expected"]].sort_values(["area", "week", "type"],
                                                                  ignore_index=True)
