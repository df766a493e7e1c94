"""A season of plausible fire weather for the scenario, issued as daily risk zones.

Each fire season (1 May – 30 September) that the scenario's window touches gets
synthetic noon weather at stations spread over the five counties; the FWI system
runs through the whole season (so early-season days carry their start-up codes), and
each day inside the window has its zones issued at 05:00 Stockholm time, as a
morning forecast would be.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from georisk import commands as c
from georisk.firerisk.publish import zone_records
from georisk.firerisk.station_weather import daily_fire_weather, read_station_weather
from georisk.firerisk.synthetic import BERGSLAGEN_BBOX, season_dates, station_weather_frame
from georisk.firerisk.zones import fire_risk_grid, risk_zones
from georisk.scenario.plan import Plan
from georisk.timeutil import STOCKHOLM

STATIONS = 60
CELL_SIZE_M = 5_000.0  # coarser than the 2.5 km default: a demo year stays small
ISSUE_HOUR = 5
SEASON = ((5, 1), (9, 30))


def plan_fire_risk(plan: Plan, start: int, end: int, seed: int) -> int:
    """Add the zones of every season day in [start, end] (epoch seconds); returns how many."""
    from georisk.area.boundaries import counties

    first = datetime.fromtimestamp(start, UTC).astimezone(STOCKHOLM).date()
    last = datetime.fromtimestamp(end, UTC).astimezone(STOCKHOLM).date()
    area = counties()
    issued = 0
    for year in range(first.year, last.year + 1):
        days = season_dates(year, *SEASON)
        wanted = [d for d in days if first <= d <= last]
        if not wanted:
            continue
        frame = station_weather_frame(STATIONS, days, bbox=BERGSLAGEN_BBOX, seed=seed + year)
        risk = fire_risk_grid(daily_fire_weather(read_station_weather(frame)), area,
                              cell_size=CELL_SIZE_M, keep=("fwi",))
        for day in wanted:
            moment = _issue_time(day)
            for zone in zone_records(risk_zones(risk, day)):
                plan.add(moment, c.IssueRiskZone(zone))
                issued += 1
    return issued


def _issue_time(day: date) -> int:
    return int(datetime.combine(day, time(ISSUE_HOUR), STOCKHOLM).timestamp())
