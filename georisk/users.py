"""People who sign in: an agency, a role, a password hash, a disabled flag.

Passwords are hashed with scrypt from the standard library (memory-hard: a stolen
database does not give up passwords at GPU speed). The stored form is
``scrypt:N:r:p$<salt>$<key in hex>``, the form werkzeug writes, so hashes that
werkzeug made for earlier versions of georisk keep verifying, each with the cost it
was made with.

Every request signed in by a session re-reads the user's row (`active`), so disabling
someone takes effect on their very next request; their tokens are revoked and their
sessions (`georisk.sessions`) deleted in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from georisk.access import Role, Viewer
from georisk.errors import Conflict, NotFound, ValidationError
from georisk.identity import Connections
from georisk.model import Agency
from georisk.timeutil import from_micros, to_micros, utc_now

MIN_PASSWORD = 12
#: scrypt's cost for new hashes: N = 2**15, r = 8 (32 MiB and about 0.1 s a hash), p = 1.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
KEY_BYTES = 64
SALT_BYTES = 16  # random bytes, stored as 32 hex digits


def hash_password(password: str) -> str:
    """The stored form of a new password (see the module's docstring)."""
    salt = secrets.token_hex(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt}${key.hex()}"


def password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from, with the cost written in
    ``stored``; False for a stored form that is not scrypt's (nothing else is written)."""
    try:
        method, salt, digest = stored.split("$")
        name, *cost = method.split(":")
        n, r, p = (int(value) for value in cost)
        expected = bytes.fromhex(digest)
    except ValueError:
        return False
    if name != "scrypt" or not expected:
        return False
    try:
        key = _scrypt(password, salt, n, r, p, len(expected))
    except ValueError:  # a cost scrypt refuses (N not a power of two...)
        return False
    return hmac.compare_digest(key, expected)


def _scrypt(password: str, salt: str, n: int, r: int, p: int, size: int) -> bytes:
    # scrypt takes 128·r·(N + p + 2) bytes; hashlib's default ceiling (32 MiB) is just
    # below what N = 2**15, r = 8 need, so the ceiling is what these need, and a MiB more.
    memory = 128 * r * (n + p + 2) + 2**20
    return hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=memory, dklen=size
    )


#: Compared against when the account does not exist, so that a wrong name costs the
#: same time as a wrong password and timing does not tell which names exist.
_DUMMY_HASH = hash_password("georisk-no-such-user")


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
            (name, agency_.value, role_.value, hash_password(password),
             to_micros(created)),
        )
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

    def set_password(self, name: str, password: str) -> User:
        """Give a user a new password (an admin's reset). Every session of theirs ends at
        once, as the old password may be what someone else knows; their tokens stay."""
        if len(password) < MIN_PASSWORD:
            raise ValidationError.one("password", f"use at least {MIN_PASSWORD} characters")
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            changed = con.execute(
                "UPDATE users SET password_hash = ?, epoch = epoch + 1 WHERE name = ?",
                (hash_password(password), name),
            ).rowcount
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
        ok = password_matches(stored, password)
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
