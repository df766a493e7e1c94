"""The `georisk` command: the core commands plus those that need the service."""

from __future__ import annotations

import os

import click

from georisk import settings
from georisk.cli import cli
from georisk.cli.paths import OutputFile
from georisk.cli.store_commands import db_option, instant_option
from georisk.texts import DEFAULT_LANG, LANGS


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@click.option("--threads", type=click.IntRange(min=1), default=32, show_default=True,
              help="Threads per worker: each open event stream holds one.")
def serve_command(db: str, host: str, port: int, workers: int, threads: int) -> None:
    """Run the service (gunicorn) on the given database, creating it if needed."""
    _serve(db, host, port, workers, threads)


def _serve(db: str, host: str, port: int, workers: int = 1, threads: int = 32) -> None:
    from app.server import serve
    from georisk.cli.store_commands import shown_location

    click.echo(f"georisk: serving {shown_location(db)} on http://{host}:{port}/"
               " (health: /health)", err=True)
    # Each open event stream holds a thread: app.stream keeps some free for the API.
    serve({"DB": settings.db_path(db), "THREADS": threads}, host, port, workers, threads)


@cli.command("demo")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed and options give the same journal.")
@click.option("--incidents", type=click.IntRange(min=0), default=15_000, show_default=True)
@click.option("--units", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True)
@click.option("--end", callback=instant_option, default=None,
              help="End time (ISO, with zone); default: now, to the minute.")
@click.option("--no-serve", is_flag=True, help="Only write the scenario, then exit.")
@click.option("--fresh", is_flag=True,
              help="Delete the database first (only if it is a georisk database).")
def demo_command(db: str, host: str, port: int, seed: int, incidents: int, units: int,
                 days: int, end, no_serve: bool, fresh: bool) -> None:
    """Fill the database with a synthetic year of activity, then serve it.

    An existing database that already holds events is reused as it is.
    """
    from app.demo import seed_demo
    from georisk.scenario import ScenarioOptions

    options = ScenarioOptions(seed=seed, incidents=incidents, units=units, days=days, end=end)
    seed_demo(settings.db_path(db), options, fresh=fresh)
    if not no_serve:
        _serve(db, host, port)


@cli.command("export")
@db_option
@click.option("-o", "--output", "output", required=True, type=OutputFile(),
              help="The .html file to write.")
@click.option("--at", help="The picture at this past time (ISO 8601 with zone); default now.")
@click.option("--from", "start", help="Start of a time window (with --to): a time slider.")
@click.option("--to", "end", help="End of the time window.")
@click.option("--steps", help="Instants in the window (default 6).")
@click.option("--county", help="Only this county (SCB code, e.g. 18).")
@click.option("--municipality", help="Only this municipality (SCB code, e.g. 1880).")
@click.option("--bbox", help="Only this box: W,S,E,N in degrees.")
@click.option("--layers", help="incidents,units,blockages,riskzones (default all).")
@click.option("--title", help="Title in the header.")
@click.option("--as-user", "as_user", help="Export what this georisk user may see.")
@click.option("--agency", type=click.Choice(["police", "rescue", "sos", "centre"]),
              help="Or: export what a user of this agency may see (with --role).")
@click.option("--role", type=click.Choice(["viewer", "analyst", "operator", "admin"]),
              default="viewer", show_default=True)
@click.option("--exported-at", "exported_at",
              help="Export time shown in the file (default now); fixes the bytes.")
@click.option("--tiles", help="Optional tile URL template (the only thing the file may fetch).")
@click.option("--tiles-attribution", "tiles_attribution", help="Required with --tiles.")
@click.option("--coverage", help="Also a coverage layer of this unit kind (e.g. engine): "
              "isochrones and the gap, as the viewer is shown the units; the picture now only.")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True)
def export_command(db: str, output: str, as_user: str | None, agency: str | None, role: str,
                   **given: str | None) -> None:
    """Write a self-contained HTML briefing map of the picture, as one viewer may see it.

    Whose view is exported must be named: --as-user NAME (an existing, enabled user), or
    --agency A [--role R]. The access policy then decides what goes in, as for the API.
    """
    from georisk import queryparams
    from georisk.access import Role, Viewer
    from georisk.errors import Forbidden, ValidationError
    from georisk.model import Agency
    from georisk.store import open_store
    from georisk.users import Users
    from layers.briefing import render
    from layers.briefing_export import ExportOptions, build
    from layers.units import DEFAULT_STALE_AFTER_S

    if (as_user is None) == (agency is None):
        raise click.UsageError("name whose view is exported: --as-user NAME or --agency A")
    path = settings.db_path(db)
    if as_user is not None:
        user = Users(path).get(as_user)
        if user is None or user.disabled:
            raise click.UsageError(f"--as-user: no enabled user {as_user!r}")
        viewer = user.viewer()
    else:
        viewer = Viewer(f"{agency}-{role}", Agency(agency), Role(role))
    args = {("from" if k == "start" else "to" if k == "end" else k): v for k, v in given.items()}
    # The service's setting, where the environment gives it (GEORISK_STALE_AFTER_S).
    stale_after_s = int(os.environ.get("GEORISK_STALE_AFTER_S") or DEFAULT_STALE_AFTER_S)
    try:
        options = queryparams.read(ExportOptions, args)
        store = open_store(path)
        try:
            html = render(build(store, viewer, options, stale_after_s))
        finally:
            store.close()
    except ValidationError as exc:  # named by the option the user typed, not the query's name
        words = [f"--{e.field.replace('_', '-')}: {e.reason}" for e in exc.errors]
        raise click.ClickException("; ".join(words)) from None
    except Forbidden as exc:
        raise click.ClickException(str(exc)) from None
    with open(output, "w", encoding="utf-8") as out:
        out.write(html)
    click.echo(f"georisk: wrote {output} ({len(html.encode()):,} bytes) for {viewer.name}",
               err=True)


def main() -> None:
    cli(prog_name="georisk")


if __name__ == "__main__":
    main()
