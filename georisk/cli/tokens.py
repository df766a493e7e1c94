"""``georisk tokens``: machine credentials for the API (create, list, revoke)."""

from __future__ import annotations

import click

from georisk.access import Role
from georisk.cli.store_commands import db_option
from georisk.cli.users import journal
from georisk.identity import Tokens
from georisk.model import Agency
from georisk.store import open_store
from georisk.timeutil import format_utc
from georisk.users import Users


def _tokens(db: str) -> Tokens:
    open_store(db).close()  # creates or migrates the database, as `serve` would
    return Tokens(db)


@click.group("tokens")
def tokens() -> None:
    """API tokens: each acts for one agency in one role."""


@tokens.command("create")
@db_option
@click.option("--name", default=None,
              help="Who or what uses the token (shown in the journal); default: --user.")
@click.option("--agency", type=click.Choice([a.value for a in Agency]),
              help="Required unless --user is given.")
@click.option("--role", type=click.Choice([r.value for r in Role]),
              help="Required unless --user is given.")
@click.option("--user", default=None,
              help="A user the token acts for: their agency and role, revoked with them.")
def create(db: str, name: str | None, agency: str | None, role: str | None,
           user: str | None) -> None:
    """Create a token and print it once; it cannot be shown again."""
    tokens = _tokens(db)
    if user is not None:
        owner = Users(db).get(user)
        if owner is None or owner.disabled:
            raise click.UsageError(f"no active user named {user!r}")
        if (agency and agency != owner.agency) or (role and role != owner.role):
            raise click.UsageError(f"{user} is {owner.role} of {owner.agency}; a token for "
                                   "them has the same agency and role")
        agency, role = owner.agency.value, owner.role.value
    if agency is None or role is None:
        raise click.UsageError("give --agency and --role, or --user")
    info, secret = tokens.create(name or user or "", agency, role, user)
    journal(db, "token_created", info.id, name=info.name, agency=agency, role=role,
            user=user)
    click.echo(f"created {info.id} ({info.name}, {info.agency}, {info.role}); the token is:",
               err=True)
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
    journal(db, "token_revoked", info.id, name=info.name)
    click.echo(f"revoked {info.id} ({info.name})")


COMMANDS: list[click.Command] = [tokens]
