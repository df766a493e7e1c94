"""Browser sessions kept in the database, so that signing out really ends them.

A signed cookie that names the user stays valid until it expires, whatever the server
does: a copy taken before sign-out would still work afterwards. So the cookie carries
only a random session id, and the session itself is a row (migration 0008): the user,
the user's epoch when it began, its CSRF token and its end. Every request looks the id
up, then the user's row (two indexed reads), so deleting the row (sign-out), or
disabling the user, ends the session at once in every worker process.

As with API tokens only the id's SHA-256 is kept. Rows of sessions that have ended are
deleted whenever someone signs in, so the table holds about one shift's sessions.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from georisk.identity import Connections, hash_token
from georisk.timeutil import to_micros, utc_now
from georisk.users import User, Users

#: The longest session id accepted from a cookie (ours are 43 characters).
_MAX_ID = 100


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str  # the token every write made with this session must carry


class Sessions:
    """Start, check and end browser sessions."""

    def __init__(self, path: str | os.PathLike[str]):
        self._db = Connections(path)
        self._users = Users(path)

    def start(self, user: User, lasting: timedelta) -> str:
        """A new session for ``user``; its id, for the cookie (only its hash is stored)."""
        secret = secrets.token_urlsafe(32)
        now = utc_now()
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute("DELETE FROM sessions WHERE expires_us <= ?", (to_micros(now),))
            con.execute(
                "INSERT INTO sessions (id_hash, user_name, epoch, csrf, created_us, expires_us)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (hash_token(secret), user.name, user.epoch, secrets.token_urlsafe(32),
                 to_micros(now), to_micros(now + lasting)),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return secret

    def check(self, secret: str) -> Session | None:
        """The live session with this id: not ended, its user enabled and of the same
        epoch; None otherwise."""
        if not secret or len(secret) > _MAX_ID:
            return None
        row = (
            self._db.get()
            .execute(
                "SELECT user_name, epoch, csrf FROM sessions WHERE id_hash = ? AND expires_us > ?",
                (hash_token(secret), to_micros(utc_now())),
            )
            .fetchone()
        )
        if row is None:
            return None
        name, epoch, csrf = row
        user = self._users.active(name, epoch)
        return None if user is None else Session(user, csrf)

    def end(self, secret: str) -> None:
        """End the session with this id (nothing happens when there is none)."""
        if secret and len(secret) <= _MAX_ID:
            self._db.get().execute("DELETE FROM sessions WHERE id_hash = ?", (hash_token(secret),))
