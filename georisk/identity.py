"""Machine credentials: API tokens scoped to one agency and one role.

A token is 32 random bytes, shown once when it is created; only its SHA-256 is kept.
For secrets this long a fast hash is enough (nobody can guess their way to a preimage),
and it lets every request be checked with one indexed lookup. Revoking takes effect on
the next request because nothing is cached.

The tables live in the store's database (SQLite migration 0002, or the PostGIS schema),
so one database holds the whole service state, shared by every worker and instance.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from georisk.access import Role, Viewer
from georisk.errors import NotFound, ValidationError
from georisk.model import Agency
from georisk.store.connections import Connections, connect
from georisk.timeutil import from_micros, to_micros, utc_now

TOKEN_PREFIX = "grk_"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    agency: Agency
    role: Role
    created: datetime
    revoked: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def viewer(self) -> Viewer:
        return Viewer(self.name, self.agency, self.role)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    """Create, list, revoke and check API tokens."""

    def __init__(self, path: str | os.PathLike[str]):
        self._db = Connections(path)

    def create(
        self, name: str, agency: str, role: str, user: str | None = None
    ) -> tuple[TokenInfo, str]:
        """A new token: its record and the secret, which is not stored and never shown again.

        A token made for ``user`` (a user name) dies with that user: disabling the user
        revokes it, and it is refused while the user is disabled.
        """
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError.one("name", "give a name of 1 to 100 characters")
        try:
            agency_ = Agency(agency)
        except ValueError:
            raise ValidationError.one(
                "agency", f"{agency!r} is not one of: {', '.join(a.value for a in Agency)}"
            ) from None
        try:
            role_ = Role(role)
        except ValueError:
            raise ValidationError.one(
                "role", f"{role!r} is not one of: {', '.join(r.value for r in Role)}"
            ) from None
        secret = TOKEN_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip(
            "="
        )
        info = TokenInfo(f"tok-{secrets.token_hex(6)}", name, agency_, role_, utc_now(), None)
        self._db.get().execute(
            "INSERT INTO tokens (id, name, agency, role, secret_hash, created_us, user_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (info.id, name, agency_.value, role_.value, hash_token(secret),
             to_micros(info.created), user),
        )
        return info, secret

    def list(self) -> list[TokenInfo]:
        rows = self._db.get().execute(
            "SELECT id, name, agency, role, created_us, revoked_us FROM tokens ORDER BY created_us"
        )
        return [_info(row) for row in rows]

    def revoke(self, token_id: str) -> TokenInfo:
        con = self._db.get()
        con.execute(
            "UPDATE tokens SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL",
            (to_micros(utc_now()), token_id),
        )
        row = con.execute(
            "SELECT id, name, agency, role, created_us, revoked_us FROM tokens WHERE id = ?",
            (token_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no token with id {token_id!r}")
        return _info(row)

    def check(self, token: str) -> TokenInfo | None:
        """The active token with this secret, or None (unknown, malformed or revoked)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = (
            self._db.get()
            .execute(
                "SELECT id, name, agency, role, created_us, revoked_us FROM tokens"
                " WHERE secret_hash = ? AND revoked_us IS NULL AND (user_name IS NULL OR"
                " user_name IN (SELECT name FROM users WHERE disabled = 0))",
                (hash_token(token),),
            )
            .fetchone()
        )
        return None if row is None else _info(row)


def service_secret(path: str | os.PathLike[str], name: str = "cursor-key") -> bytes:
    """A random key generated on first use and kept in the database, so that every
    worker and every restart signs (and accepts) the same cursors."""
    con = connect(path)
    try:
        con.execute(
            "INSERT INTO service_secrets (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, secrets.token_bytes(32)),
        )
        (value,) = con.execute(
            "SELECT value FROM service_secrets WHERE name = ?", (name,)
        ).fetchone()
    finally:
        con.close()
    return bytes(value)


def _info(row: tuple) -> TokenInfo:
    id_, name, agency, role, created_us, revoked_us = row
    return TokenInfo(
        id_, name, Agency(agency), Role(role), from_micros(created_us),
        None if revoked_us is None else from_micros(revoked_us),
    )
