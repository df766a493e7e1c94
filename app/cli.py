"""The `georisk` command: the core commands plus those that need the service."""

from __future__ import annotations

import click

from georisk import settings
from georisk.cli import cli
from georisk.cli.store_commands import db_option, instant_option


@cli.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")  # fmt: skip
@click.option("--threads", type=click.IntRange(min=1), default=32, show_default=True,
              help="Threads per worker: each open event stream holds one.")  # fmt: skip
def serve_command(db: str, host: str, port: int, workers: int, threads: int) -> None:
    """Run the service (gunicorn) on the given database, creating it if needed."""
    _serve(db, host, port, workers, threads)


def _serve(db: str, host: str, port: int, workers: int = 1, threads: int = 32) -> None:
    from app.server import serve

    click.echo(f"georisk: serving {db} on http://{host}:{port}/ (health: /health)", err=True)
    # Each open event stream holds a thread: app.stream keeps some free for the API.
    serve({"DB": str(settings.db_path(db)), "THREADS": threads}, host, port, workers, threads)


@cli.command("demo")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed and options give the same journal.")  # fmt: skip
@click.option("--incidents", type=click.IntRange(min=0), default=15_000, show_default=True)
@click.option("--units", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True)
@click.option("--end", callback=instant_option, default=None,
              help="End time (ISO, with zone); default: now, to the minute.")  # fmt: skip
@click.option("--no-serve", is_flag=True, help="Only write the scenario, then exit.")
@click.option("--fresh", is_flag=True,
              help="Delete the database first (only if it is a georisk database).")  # fmt: skip
def demo_command(db: str, host: str, port: int, seed: int, incidents: int, units: int,
                 days: int, end, no_serve: bool, fresh: bool) -> None:  # fmt: skip
    """Fill the database with a synthetic year of activity, then serve it.

    An existing database that already holds events is reused as it is.
    """
    from app.demo import seed_demo
    from georisk.scenario import ScenarioOptions

    options = ScenarioOptions(seed=seed, incidents=incidents, units=units, days=days, end=end)
    seed_demo(settings.db_path(db), options, fresh=fresh)
    if not no_serve:
        _serve(db, host, port)


def main() -> None:
    cli(prog_name="georisk")


if __name__ == "__main__":
    main()
