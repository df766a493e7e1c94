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
    """The sqlite3 methods those modules use, on PostgreSQL, through a small pool per
    process (`_pool`): a statement borrows a connection for itself, a transaction
    (``BEGIN IMMEDIATE`` to ``COMMIT`` or ``ROLLBACK``) holds one throughout. So the
    threads of a worker share a few connections instead of opening one each."""

    def __init__(self, url: str):
        self._url = url
        self._held: Any = None  # the connection of the open transaction

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        if sql == "BEGIN IMMEDIATE":
            self._held = _pool(self._url).getconn()
            self._held.execute("BEGIN")
            return _Rows(self._held.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,)))
        if sql in ("COMMIT", "ROLLBACK"):
            if self._held is not None:
                held, self._held = self._held, None
                try:
                    held.execute(sql)
                finally:
                    _pool(self._url).putconn(held)
            return None
        if self._held is not None:
            return _Rows(self._held.execute(_placeholders(sql), args))
        with _pool(self._url).connection() as con:
            return _Rows(con.execute(_placeholders(sql), args))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self._held is not None:
            with self._held.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)
            return
        with _pool(self._url).connection() as con, con.cursor() as cursor:
            cursor.executemany(_placeholders(sql), rows)

    def close(self) -> None:
        if self._held is not None:
            self.execute("ROLLBACK")


class _Rows:
    """A statement's answer, read before its connection goes back to the pool."""

    def __init__(self, cursor: Any):
        self.rowcount = cursor.rowcount
        self._rows = iter(cursor.fetchall() if cursor.description is not None else [])

    def fetchone(self) -> Any:
        return next(self._rows, None)

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Any:
        return self._rows


_pools: dict[tuple[int, str], Any] = {}
_pools_lock = threading.Lock()


def _pool(url: str) -> Any:
    """This process's pool of connections to ``url`` for the service's own tables: half
    as many as the store's own pool (`GEORISK_PG_POOL`), at least two."""
    key = (os.getpid(), url)
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                from psycopg_pool import ConnectionPool

                from georisk.store.postgis import pool_size

                pool = _pools[key] = ConnectionPool(
                    url, min_size=1, max_size=max(2, pool_size() // 2), open=True, timeout=30,
                    kwargs={"autocommit": True}, configure=_durable,
                    name=f"georisk-tables-{os.getpid()}",
                )
    return pool


def close_pool(url: str) -> None:
    """Close this process's pool for ``url`` (made again if it is used again)."""
    with _pools_lock:
        pool = _pools.pop((os.getpid(), url), None)
    if pool is not None:
        pool.close()


def _durable(con: Any) -> None:
    con.execute("SET synchronous_commit = on")


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
