"""``georisk analyse``: the journal's history, hotspots, forecasts, blockages and unit
response, as tables (CSV to standard output, or a CSV, GeoParquet or GeoPackage file).

Whose view is analysed must be named, as for an export: ``--as-user NAME`` or
``--agency A [--role R]``; the access policy then decides what each table holds. Long
runs say how far they are on standard error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
import pandas as pd

from georisk import settings
from georisk.cli.store_commands import db_option, instant_option
from georisk.model import IncidentType

AGENCIES = ["police", "rescue", "sos", "centre"]
ROLES = ["viewer", "analyst", "operator", "admin"]


def _codes(digits: int, what: str):
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
        items = tuple(part.strip() for part in (value or "").split(",") if part.strip())
        for item in items:
            if not (item.isdigit() and len(item) == digits):
                raise click.BadParameter(f"{item!r} is not a {what} ({digits} digits)", ctx,
                                         param)
        return items

    return check


def _types(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    items = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    known = [str(t) for t in IncidentType]
    for item in items:
        if item not in known:
            raise click.BadParameter(f"{item!r} is not one of {', '.join(known)}", ctx, param)
    return items


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        db_option,
        click.option("--from", "start", callback=instant_option,
                     help="From this time (ISO 8601 with zone)."),
        click.option("--to", "end", callback=instant_option,
                     help="Up to this time (ISO 8601 with zone)."),
        click.option("--as-of", "as_of", callback=instant_option,
                     help="Records as the journal knew them then (default: now)."),
        click.option("--type", "types", callback=_types,
                     help="Incident types, comma-separated (default all)."),
        click.option("--county", "counties", callback=_codes(2, "county code"),
                     help="SCB county codes, comma-separated (e.g. 18,20)."),
        click.option("--as-user", "as_user", help="Analyse what this georisk user may see."),
        click.option("--agency", type=click.Choice(AGENCIES),
                     help="Or: what a user of this agency may see (with --role)."),
        click.option("--role", type=click.Choice(ROLES), default="analyst", show_default=True),
        click.option("-o", "--output", type=click.Path(dir_okay=False),
                     help="Write here: .csv, .parquet (GeoParquet) or .gpkg (GeoPackage); "
                          "default CSV on standard output."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class Context:
    """What every analysis command opens: the store, the viewer, the time window."""

    def __init__(self, given: dict[str, Any]):
        from georisk.access import Role, Viewer, may_read_history
        from georisk.model import Agency
        from georisk.store import open_store
        from georisk.users import Users

        as_user, agency = given.pop("as_user"), given.pop("agency")
        if (as_user is None) == (agency is None):
            raise click.UsageError("name whose view is analysed: --as-user NAME or --agency A")
        path = settings.db_path(given.pop("db"))
        if as_user is not None:
            user = Users(path).get(as_user)
            if user is None or user.disabled:
                raise click.UsageError(f"--as-user: no enabled user {as_user!r}")
            self.viewer = user.viewer()
        else:
            self.viewer = Viewer(f"{agency}-{given['role']}", Agency(agency), Role(given["role"]))
        given.pop("role")
        if not may_read_history(self.viewer):
            raise click.UsageError(f"a {self.viewer.role} may not read history; use --role analyst")
        self.start: datetime | None = given.pop("start")
        self.end: datetime | None = given.pop("end")
        if self.start and self.end and self.start >= self.end:
            raise click.UsageError("--from must be before --to")
        self.as_of: datetime | None = given.pop("as_of")
        self.types: tuple[str, ...] = given.pop("types")
        self.counties: tuple[str, ...] = given.pop("counties")
        self.output: str | None = given.pop("output")
        if self.output is not None:
            from georisk.analysis.output import OutputError, format_of

            try:
                format_of(self.output)
            except OutputError as exc:
                raise click.UsageError(f"-o: {exc}") from None
        self.store = open_store(path, create=False)

    def incidents(self) -> pd.DataFrame:
        from georisk.analysis import incidents

        return incidents(self.store, self.viewer, as_of=self.as_of, start=self.start,
                         end=self.end, types=self.types, counties=self.counties)

    def write(self, table: pd.DataFrame, what: str) -> None:
        from georisk.analysis.output import write_table

        if self.output is None:
            plain = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
            plain.to_csv(sys.stdout, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        else:
            kind = write_table(table, self.output)
            click.echo(f"georisk: wrote {self.output} ({kind}, {len(table):,} rows of {what}) "
                       f"for {self.viewer.name}", err=True)
        self.store.close()


def progress(what: str, done: int, total: int) -> None:
    click.echo(f"georisk: {what} {done}/{total}", err=True)


def _keys(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class _OneLine(click.Group):
    """A refused option or value is one line on standard error (``Error: --type: ...``),
    however click found it, and the exit status is 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            error = click.ClickException(exc.format_message().replace("\n", " "))
            error.exit_code = 2
            raise error from None


@click.group("analyse", cls=_OneLine)
def analyse() -> None:
    """History, hotspots, forecasts, blockages and unit response from the journal."""


@analyse.command("history")
@_common
@click.option("--by", default="municipality,week,type", show_default=True,
              help="Keys, comma-separated: county, municipality, cell (5 km); hour, weekday, "
                   "week, date, month, season, year; type, agency, severity, status.")
def history(by: str, **given: Any) -> None:
    """Incidents counted by place × time × category."""
    from georisk.analysis import UnknownKey, aggregate

    context = Context(given)
    try:
        table = aggregate(context.incidents(), _keys(by))
    except UnknownKey as exc:
        raise click.UsageError(f"--by: {exc}") from None
    context.write(table, "counts")


@analyse.command("hotspots")
@_common
@click.option("--permutations", type=click.IntRange(99, 9999), default=999, show_default=True,
              help="Random deals of the incidents by population to test against.")
@click.option("--alpha", type=click.FloatRange(0.001, 0.2), default=0.05, show_default=True,
              help="False discovery rate.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--all-cells", is_flag=True, help="Every cell, not only hot and cold ones.")
def hotspots(permutations: int, alpha: float, seed: int, all_cells: bool, **given: Any) -> None:
    """5 km cells where incidents cluster beyond what population explains (Gi*)."""
    from georisk.analysis import hotspots as find

    context = Context(given)
    progress("hotspots", 0, 1)
    cells = find(context.incidents(), permutations=permutations, alpha=alpha, seed=seed)
    progress("hotspots", 1, 1)
    if not all_cells:
        cells = cells[cells["hotspot"] != ""]
    context.write(cells.reset_index(drop=True), "cells")


@analyse.command("forecast")
@_common
@click.option("--by", type=click.Choice(["area", "county", "municipality"]),
              default="municipality", show_default=True)
@click.option("--weeks", type=click.IntRange(1, 52), default=13, show_default=True,
              help="Weeks ahead.")
@click.option("--level", type=click.FloatRange(0.5, 0.99), default=0.9, show_default=True,
              help="Prediction interval.")
@click.option("--backtest", is_flag=True,
              help="Score rolling-origin forecasts against what happened instead.")
@click.option("--step", type=click.IntRange(1, 52), default=4, show_default=True,
              help="Backtest: weeks between origins.")
@click.option("--min-weeks", type=click.IntRange(12, 520), default=52, show_default=True,
              help="Backtest: history before the first origin.")
def forecast(by: str, weeks: int, level: float, backtest: bool, step: int, min_weeks: int,
             **given: Any) -> None:
    """Expected incidents per area × week × type, with prediction intervals."""
    from georisk.analysis import ForecastError, riskzones
    from georisk.analysis import backtest as run_backtest
    from georisk.analysis import forecast as predict

    context = Context(given)
    frame = context.incidents()
    zones = riskzones(context.store, context.viewer, as_of=context.as_of)
    types = list(context.types) or None
    try:
        if backtest:
            _, table = run_backtest(frame, by=by, horizon=weeks, step=step, min_weeks=min_weeks,
                                    types=types, riskzones=zones, level=level,
                                    progress=progress)
            what = "scores"
        else:
            table = predict(frame, by=by, weeks=weeks, types=types or (), riskzones=zones,
                            level=level, progress=progress)
            table = table.rename(columns={"area": by}) if by != "area" else table
            what = "forecasts"
    except ForecastError as exc:
        raise click.ClickException(str(exc)) from None
    context.write(table, what)


@analyse.command("blockages")
@_common
@click.option("--by", default="road,reason", show_default=True,
              help="Keys, comma-separated (columns of a blockage: road, reason, county, ...).")
@click.option("--each", is_flag=True, help="One row per blockage instead of a summary.")
def blockages(by: str, each: bool, **given: Any) -> None:
    """Blockage durations by road and reason."""
    from georisk.analysis import blockage_durations, blockage_summary
    from georisk.analysis import blockages as read

    context = Context(given)
    frame = read(context.store, context.viewer, as_of=context.as_of, start=context.start,
                 end=context.end, counties=context.counties)
    table = blockage_durations(frame, context.as_of)
    if not each:
        keys = _keys(by)
        unknown = [key for key in keys if key not in table]
        if unknown:
            raise click.UsageError(f"--by: {', '.join(unknown)} not columns of a blockage")
        table = blockage_summary(table, keys)
    else:
        table = frame[["id", "geometry"]].merge(table, on="id")
    context.write(table, "blockages")


@analyse.command("response")
@_common
@click.option("--by", default="agency,unit_kind", show_default=True,
              help="Keys, comma-separated: agency, unit_kind, type, county, municipality.")
@click.option("--each", is_flag=True, help="One row per mission instead of a summary.")
@click.option("--availability", "units_free", is_flag=True,
              help="Units per status per hour and county instead.")
def response(by: str, each: bool, units_free: bool, **given: Any) -> None:
    """Unit time to scene, time on scene and response times; or availability."""
    from georisk.analysis import availability, missions, response_summary

    context = Context(given)
    if units_free:
        table = availability(context.store, context.viewer, start=context.start, end=context.end)
        if context.counties:
            table = table[table["county"].isin(context.counties)]
        context.write(table, "hours")
        return
    table = missions(context.store, context.viewer, start=context.start, end=context.end,
                     as_of=context.as_of)
    if context.types:
        table = table[table["type"].isin(context.types)]
    if context.counties:
        table = table[table["county"].isin(context.counties)]
    if not each:
        keys = _keys(by)
        unknown = [key for key in keys if key not in table]
        if unknown:
            raise click.UsageError(f"--by: {', '.join(unknown)} not columns of a mission")
        table = response_summary(table, keys)
    context.write(table, "missions")


COMMANDS = [analyse]
