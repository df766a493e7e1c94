"""Slowing down password guessing: failure counters per account and per address.

After a few failures a key (an account name, or a client address) is locked for a
while, and each further failure doubles the lock, up to a ceiling. The counters live
in the database so every worker process shares them and a restart does not reset
them. A quiet spell (`FORGET_AFTER`) wipes a key's history; a successful sign-in
wipes the account's (not the address's: one good password must not unlock guessing
at every other account from the same place).

Locking an account lets an attacker keep its owner out for a while; the ceiling keeps
that to minutes, and the log and the journal show it happening.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from georisk.identity import Connections
from georisk.timeutil import to_micros, utc_now


@dataclass(frozen=True)
class Limit:
    free: int  # failures allowed before the first lock
    first_lock: timedelta
    max_lock: timedelta


ACCOUNT = Limit(free=5, first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15))
ADDRESS = Limit(free=20, first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15))
FORGET_AFTER = timedelta(hours=1)


def account_key(name: str) -> str:
    return "account:" + name.strip().casefold()


def address_key(address: str) -> str:
    return "address:" + address


class Throttle:
    def __init__(self, path: str | os.PathLike[str]):
        self._db = Connections(path)

    def locked_for(self, key: str) -> timedelta | None:
        """How much longer ``key`` is locked, or None when it may try now."""
        row = self._db.get().execute(
            "SELECT locked_until_us FROM signin_failures WHERE key = ?", (key,)
        ).fetchone()
        now_us = to_micros(utc_now())
        if row is None or row[0] <= now_us:
            return None
        return timedelta(microseconds=row[0] - now_us)

    def fail(self, key: str, limit: Limit) -> int:
        """Count a failure for ``key``; the number of failures so far."""
        now_us = to_micros(utc_now())
        forget_us = to_micros(utc_now() - FORGET_AFTER)
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(
                "SELECT failures, last_us FROM signin_failures WHERE key = ?", (key,)
            ).fetchone()
            failures = 1 if row is None or row[1] < forget_us else row[0] + 1
            locked_until = now_us
            if failures > limit.free:
                lock = min(limit.first_lock * 2 ** (failures - limit.free - 1), limit.max_lock)
                locked_until = now_us + int(lock.total_seconds() * 1_000_000)
            con.execute(
                "INSERT INTO signin_failures (key, failures, last_us, locked_until_us)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
                " last_us = excluded.last_us, locked_until_us = excluded.locked_until_us",
                (key, failures, now_us, locked_until),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return failures

    def forget(self, key: str) -> None:
        self._db.get().execute("DELETE FROM signin_failures WHERE key = ?", (key,))
