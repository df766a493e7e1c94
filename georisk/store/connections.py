"""Connections to the store's database for the service's own tables (users, sessions,
tokens, sign-in counters, idempotency keys, work slots, the feed ledger).

Those modules write plain SQL with ``?`` placeholders that both databases understand.
`Connections` gives each thread and process one connection of the right kind: SQLite's
own, or a PostgreSQL connection (`PGConnection`) that takes the same SQL. Their one
difference of meaning is ``BEGIN IMMEDIATE``: SQLite takes its single write lock, and on
PostgreSQL the transaction takes one advisory lock that every such transaction shares,
so a check-then-write (a sign-in attempt counted, a work slot taken) is serialised across
every instance exactly as it is across SQLite's processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from georisk.store import is_url

#: The advisory lock ``BEGIN IMMEDIATE`` takes on PostgreSQL ("grk!").
_WRITE_LOCK = 0x6772_6B21


def unique_violations() -> tuple[type[Exception], ...]:
    """The exceptions a duplicate key raises, on either database."""
    import psycopg

    return sqlite3.IntegrityError, psycopg.errors.IntegrityError


class PGConnection:
    """A psycopg connection (autocommit) with the sqlite3 methods those modules use."""

    def __init__(self, url: str):
        import psycopg

        self._con = psycopg.connect(url, autocommit=True)
        self._con.execute("SET synchronous_commit = on")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        if sql == "BEGIN IMMEDIATE":
            self._con.execute("BEGIN")
            return self._con.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
        return self._con.execute(_placeholders(sql), args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self._con.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)

    def close(self) -> None:
        self._con.close()


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def connect(location: str | os.PathLike[str]) -> sqlite3.Connection | PGConnection:
    """A new connection to the database at ``location`` (a path or a PostgreSQL URL)."""
    if is_url(location):
        return PGConnection(str(location))
    con = sqlite3.connect(location, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout = 30000")
    con.execute("PRAGMA synchronous = FULL")
    return con


class Connections:
    """One connection per thread and process on a database the store has migrated."""

    def __init__(self, location: str | os.PathLike[str]):
        self.location = str(location)
        self._local = threading.local()

    def get(self) -> Any:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        con = connect(self.location)
        self._local.held = (os.getpid(), con)
        return con
