"""``georisk firerisk``: risk zones from station weather into the journal, and risk at a point."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from georisk.cli.store_commands import db_option, open_existing
from georisk.firerisk.classes import SWEDEN, scale_by_name
from georisk.firerisk.publish import publish, risk_at
from georisk.firerisk.station_weather import daily_fire_weather, read_station_weather
from georisk.firerisk.zones import DEFAULT_CELL_SIZE, fire_risk_grid, risk_zones
from georisk.timeutil import EARLIEST, LATEST
from georisk.validation import check_position


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-07-15", ctx, param) from None
    if not EARLIEST.year <= day.year <= LATEST.year:  # a day's bounds must be instants
        raise click.BadParameter(
            f"{value} is outside the accepted range of days, {EARLIEST.year}-01-01 to "
            f"{LATEST.year}-12-31", ctx, param,
        )
    return day


@click.group()
def firerisk() -> None:
    """Fire-risk zones (FWI system) in the shared picture."""


@firerisk.command("zones")
@click.argument("weather", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--day", callback=_day, help="Issue this day only (YYYY-MM-DD). "
              "Default: the last day of the weather.")
@click.option("--all-days", is_flag=True, help="Issue every day of the season.")
@click.option("--cell-size", type=click.FloatRange(min=500), default=DEFAULT_CELL_SIZE,
              show_default=True, help="Grid cell size in metres (SWEREF 99 TM).")
@click.option("--scale", default=SWEDEN.name, show_default=True,
              help="Class table: se-msb2018, se-smhi-fwiindex or effis.")
def zones_command(weather: str, db: str, day: date | None, all_days: bool, cell_size: float,
                  scale: str) -> None:
    """Compute the season's FWI from a station WEATHER csv and issue risk zones.

    WEATHER has the columns station,lat,lon,time,temp,rh,wind,precip (see the README).
    The season is computed from its first day; zones of the chosen days go into the
    journal as riskzones.issued events, replacing earlier zones of those days.
    """
    from georisk.area.boundaries import counties

    danger = scale_by_name(scale)
    store = open_existing(db)
    click.echo("läser väder och beräknar FWI …", err=True)
    observations = read_station_weather(weather)
    risk = fire_risk_grid(daily_fire_weather(observations), counties(), cell_size=cell_size,
                          scale=danger)
    days = risk.dates if all_days else [day or risk.dates[-1]]
    with click.progressbar(days, label="riskzoner", file=sys.stderr) as bar:
        for when in bar:
            events = publish(store, risk_zones(risk, when), when)
    click.echo(f"{len(days)} day(s) issued; last: {days[-1]} with "
               f"{sum(e.kind == 'riskzones.issued' for e in events)} zones")
    store.close()


@firerisk.command("at")
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@click.option("--day", callback=_day, required=True, help="The day (YYYY-MM-DD).")
@db_option
def at_command(lon: float, lat: float, day: date, db: str) -> None:
    """The issued fire-risk class and FWI range at a point on a day."""
    store = open_existing(db)
    check_position(lon, lat, "LON LAT")  # a swapped pair is named, not answered "no zone"
    zone = risk_at(store, lon, lat, day)
    store.close()
    if zone is None:
        raise click.ClickException(f"no risk zone issued for {day} at ({lon}, {lat})")
    click.echo(json.dumps({
        "day": zone.valid_date, "class": zone.risk_class, "label": zone.label,
        "scale": zone.scale, "fwi_min": zone.fwi_min, "fwi_max": zone.fwi_max,
        "source": zone.source,
    }, ensure_ascii=False))


COMMANDS: list[click.Command] = [firerisk]
