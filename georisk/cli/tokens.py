"""``georisk tokens``: machine credentials for the API (create, list, revoke)."""

from __future__ import annotations

import click

from georisk.access import Role
from georisk.cli.store_commands import db_option
from georisk.identity import Tokens
from georisk.model import Agency
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc


def _tokens(db: str) -> Tokens:
    SQLiteStore(db).close()  # creates or migrates the database, as `serve` would
    return Tokens(db)


@click.group("tokens")
def tokens() -> None:
    """API tokens: each acts for one agency in one role."""


@tokens.command("create")
@db_option
@click.option("--name", required=True, help="Who or what uses the token (shown in the journal).")
@click.option("--agency", required=True, type=click.Choice([a.value for a in Agency]))
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
def create(db: str, name: str, agency: str, role: str) -> None:
    """Create a token and print it once; it cannot be shown again."""
    info, secret = _tokens(db).create(name, agency, role)
    click.echo(f"created {info.id} ({info.name}, {info.agency}, {info.role}); the token is:",
               err=True)  # fmt: skip
    click.echo(secret)


@tokens.command("list")
@db_option
def list_(db: str) -> None:
    """Every token (never the secrets), active or revoked."""
    for info in _tokens(db).list():
        state = "active" if info.active else f"revoked {format_utc(info.revoked)}"
        click.echo(
            f"{info.id}\t{info.name}\t{info.agency}\t{info.role}\t"
            f"created {format_utc(info.created)}\t{state}"
        )


@tokens.command("revoke")
@db_option
@click.argument("token_id")
def revoke(db: str, token_id: str) -> None:
    """Revoke a token by its id; it stops working on the next request."""
    info = _tokens(db).revoke(token_id)
    click.echo(f"revoked {info.id} ({info.name})")


COMMANDS: list[click.Command] = [tokens]
