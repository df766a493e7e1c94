"""``georisk users``: people who sign in from a browser (add, list, disable, enable).

User administration is journaled (``access.user_added`` ...) with the operating-system
account that ran the command as the actor: whoever holds the database file is the
administrator here, and the journal says who it was.
"""

from __future__ import annotations

import getpass
import sys

import click

from georisk.access import Role
from georisk.cli.store_commands import db_option
from georisk.commands import Actor
from georisk.model import Agency
from georisk.store import open_store
from georisk.timeutil import format_utc
from georisk.users import Users, generate_password


def cli_actor() -> Actor:
    """The journal's actor for administration done at the command line."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(f"cli:{who}", Agency.CENTRE)


def journal(db: str, kind: str, subject: str, **details: object) -> None:
    store = open_store(db)
    try:
        store.note(f"access.{kind}", cli_actor(), subject, {"via": "cli", **details})
    finally:
        store.close()


def _users(db: str) -> Users:
    open_store(db).close()  # creates or migrates the database, as `serve` would
    return Users(db)


@click.group("users")
def users() -> None:
    """People who sign in at /signin: each belongs to one agency in one role."""


@users.command("add")
@db_option
@click.argument("name")
@click.option("--agency", required=True, type=click.Choice([a.value for a in Agency]))
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input; otherwise one is generated "
                   "and printed once.")
def add(db: str, name: str, agency: str, role: str, password_stdin: bool) -> None:
    """Add a user; a generated password is printed once and cannot be shown again."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    user = _users(db).add(name, agency, role, password)
    journal(db, "user_added", user.name, agency=agency, role=role)
    click.echo(f"added {user.name} ({user.agency}, {user.role})", err=True)
    if not password_stdin:
        click.echo(f"password for {user.name} (shown once): ", err=True, nl=False)
        click.echo(password)


@users.command("reset-password")
@db_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input; otherwise one is generated "
                   "and printed once.")
def reset_password(db: str, name: str, password_stdin: bool) -> None:
    """Give a user a new password; their sessions end at once (their tokens stay)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    user = _users(db).set_password(name, password)
    journal(db, "user_password_reset", user.name)
    click.echo(f"new password set for {user.name}; their sessions have ended", err=True)
    if not password_stdin:
        click.echo(f"password for {user.name} (shown once): ", err=True, nl=False)
        click.echo(password)


@users.command("list")
@db_option
def list_(db: str) -> None:
    """Every user (never the password hashes)."""
    for user in _users(db).list():
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.name}\t{user.agency}\t{user.role}\t{state}\t"
                   f"created {format_utc(user.created)}")


@users.command("disable")
@db_option
@click.argument("name")
def disable(db: str, name: str) -> None:
    """Disable a user: their sessions end and their tokens are revoked at once."""
    user = _users(db).set_disabled(name, True)
    journal(db, "user_disabled", user.name)
    click.echo(f"disabled {user.name}; their sessions and tokens no longer work")


@users.command("enable")
@db_option
@click.argument("name")
def enable(db: str, name: str) -> None:
    """Enable a disabled user again (they sign in anew; revoked tokens stay revoked)."""
    user = _users(db).set_disabled(name, False)
    journal(db, "user_enabled", user.name)
    click.echo(f"enabled {user.name}")


COMMANDS: list[click.Command] = [users]
