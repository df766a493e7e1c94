"""The `georisk` command: the core commands plus those that need the service."""

from __future__ import annotations

import click

from georisk import settings
from georisk.cli import cli
from georisk.cli.store_commands import db_option


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
    from app.server import serve

    click.echo(f"georisk: serving {db} on http://{host}:{port}/ (health: /health)", err=True)
    serve({"DB": str(settings.db_path(db))}, host, port, workers, threads)


def main() -> None:
    cli(prog_name="georisk")


if __name__ == "__main__":
    main()
