"""People who sign in: an agency, a role, a password hash, a disabled flag.

Passwords are hashed with werkzeug's scrypt (memory-hard: a stolen database does not
give up passwords at GPU speed). Every request signed in by a session re-reads the
user's row (`active`), so disabling someone takes effect on their very next request;
their tokens are revoked and their sessions (`georisk.sessions`) deleted in the same
transaction.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from georisk.access import Role, Viewer
from georisk.errors import Conflict, NotFound, ValidationError
from georisk.identity import Connections
from georisk.model import Agency
from georisk.timeutil import from_micros, to_micros, utc_now

MIN_PASSWORD = 12
#: Compared against when the account does not exist, so that a wrong name costs the
#: same time as a wrong password and timing does not tell which names exist.
_DUMMY_HASH = generate_password_hash("georisk-no-such-user", method="scrypt")


@dataclass(frozen=True)
class User:
    name: str
    agency: Agency
    role: Role
    disabled: bool
    epoch: int
    created: datetime

    def viewer(self) -> Viewer:
        return Viewer(self.name, self.agency, self.role)


def generate_password() -> str:
    """A random password that is easy to read aloud once and type (about 120 bits)."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))


class Users:
    """Add, list, disable, enable and authenticate users."""

    def __init__(self, path: str | os.PathLike[str]):
        self._db = Connections(path)

    def add(self, name: str, agency: str, role: str, password: str) -> User:
        name = name.strip()
        if not name or len(name) > 100 or any(ch.isspace() for ch in name):
            raise ValidationError.one("name", "give 1 to 100 characters without spaces")
        agency_ = _choice(Agency, agency, "agency")
        role_ = _choice(Role, role, "role")
        if len(password) < MIN_PASSWORD:
            raise ValidationError.one("password", f"use at least {MIN_PASSWORD} characters")
        con = self._db.get()
        if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise Conflict(f"a user named {name!r} already exists")
        created = utc_now()
        con.execute(
            "INSERT INTO users (name, agency, role, password_hash, created_us)"
            " VALUES (?, ?, ?, ?, ?)",
            (name, agency_.value, role_.value, generate_password_hash(password, "scrypt"),
             to_micros(created)),
        )  # fmt: skip
        return User(name, agency_, role_, False, 0, created)

    def get(self, name: str) -> User | None:
        row = self._db.get().execute(_SELECT + " WHERE name = ?", (name,)).fetchone()
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        return [_user(row) for row in self._db.get().execute(_SELECT + " ORDER BY name")]

    def set_disabled(self, name: str, disabled: bool) -> User:
        """Disable (or enable) a user. Disabling ends every session at once (the epoch
        moves on, the rows go) and revokes the user's tokens; enabling restores neither."""
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            changed = con.execute(
                "UPDATE users SET disabled = ?, epoch = epoch + ? WHERE name = ?",
                (int(disabled), int(disabled), name),
            ).rowcount
            if disabled:
                con.execute(
                    "UPDATE tokens SET revoked_us = ? WHERE user_name = ? AND revoked_us IS NULL",
                    (to_micros(utc_now()), name),
                )
                con.execute("DELETE FROM sessions WHERE user_name = ?", (name,))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if not changed:
            raise NotFound(f"no user named {name!r}")
        return self.get(name)  # type: ignore[return-value]

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user with this name and password, or None; always one hash check."""
        user = self.get(name)
        row = self._db.get().execute(
            "SELECT password_hash FROM users WHERE name = ?", (name,)
        ).fetchone()
        stored = row[0] if row else _DUMMY_HASH
        ok = check_password_hash(stored, password)
        if user is None or user.disabled or not ok:
            return None
        return user

    def active(self, name: str, epoch: int) -> User | None:
        """The user a session names, if still enabled and the session still current."""
        user = self.get(name)
        if user is None or user.disabled or user.epoch != epoch:
            return None
        return user


_SELECT = "SELECT name, agency, role, disabled, epoch, created_us FROM users"


def _user(row: tuple) -> User:
    name, agency, role, disabled, epoch, created_us = row
    return User(name, Agency(agency), Role(role), bool(disabled), epoch, from_micros(created_us))


def _choice(enum: type, value: str, field: str):
    try:
        return enum(value)
    except ValueError:
        raise ValidationError.one(
            field, f"{value!r} is not one of: {', '.join(x.value for x in enum)}"
        ) from None
