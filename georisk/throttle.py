"""Slowing down password guessing: failure counters per account and per address.

Each attempt counts as a failure before its password is checked, in the same
transaction that looks for a lock (`Throttle.attempt`), so attempts sent in parallel
cannot outrun the count. A key (an account name, or a client address) is locked once
its free failures are spent, and each further failure doubles the lock, up to a
ceiling. The counters live in the database so every worker process shares them and a
restart does not reset them. A quiet spell (`FORGET_AFTER`) wipes a key's history; a
successful sign-in wipes the account's and takes its attempt back from the address's
(not more: one good password must not unlock guessing at every other account from the
same place).

Locking an account lets an attacker keep its owner out for a while; the ceiling keeps
that to minutes, and the log and the journal show it happening.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from georisk.identity import Connections
from georisk.timeutil import to_micros, utc_now


@dataclass(frozen=True)
class Limit:
    free: int  # failures allowed before the first lock (the last one starts it)
    first_lock: timedelta
    max_lock: timedelta


ACCOUNT = Limit(free=5, first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15))
ADDRESS = Limit(free=20, first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15))
FORGET_AFTER = timedelta(hours=1)


class Admission(NamedTuple):
    wait: timedelta | None  # how much longer a lock lasts; None: the attempt may go ahead
    failures: int  # failures counted against the first key, this attempt's included


def account_key(name: str) -> str:
    return "account:" + name.strip().casefold()


def address_key(address: str) -> str:
    return "address:" + address


class Throttle:
    def __init__(self, path: str | os.PathLike[str]):
        self._db = Connections(path)

    def attempt(self, keys: Sequence[tuple[str, Limit]]) -> Admission:
        """Let one sign-in attempt go ahead, counting it as a failure against every key
        before the password is checked; or say how much longer the longest lock lasts.

        The look for a lock and the count are one transaction. Checked apart, any number
        of attempts sent at once all found the account open and all reached the password
        before the first failure was counted. A refused attempt counts against nothing.
        """
        now_us = to_micros(utc_now())
        forget_us = to_micros(utc_now() - FORGET_AFTER)
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            rows = [
                con.execute(
                    "SELECT failures, last_us, locked_until_us FROM signin_failures"
                    " WHERE key = ?", (key,),
                ).fetchone()
                for key, _ in keys
            ]
            waits = [row[2] - now_us for row in rows if row is not None and row[2] > now_us]
            if waits:
                con.execute("ROLLBACK")
                return Admission(timedelta(microseconds=max(waits)), 0)
            counted = []
            for (key, limit), row in zip(keys, rows, strict=True):
                failures = 1 if row is None or row[1] < forget_us else row[0] + 1
                counted.append(failures)
                locked_until = now_us
                if failures >= limit.free:  # this was the last free attempt, or past it
                    lock = min(limit.first_lock * 2 ** (failures - limit.free), limit.max_lock)
                    locked_until = now_us + int(lock.total_seconds() * 1_000_000)
                con.execute(
                    "INSERT INTO signin_failures (key, failures, last_us, locked_until_us)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                    " failures = excluded.failures, last_us = excluded.last_us,"
                    " locked_until_us = excluded.locked_until_us",
                    (key, failures, now_us, locked_until),
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return Admission(None, counted[0])

    def forget(self, key: str) -> None:
        """Wipe ``key``'s history: the account of a successful sign-in."""
        self._db.get().execute("DELETE FROM signin_failures WHERE key = ?", (key,))

    def refund(self, key: str, limit: Limit) -> None:
        """Take back the attempt counted against ``key``: the address of a successful
        sign-in, which must not count towards locking everyone who signs in from there.
        A lock stays only while the failures left still call for one."""
        self._db.get().execute(
            "UPDATE signin_failures SET failures = failures - 1, locked_until_us ="
            " CASE WHEN failures - 1 >= ? THEN locked_until_us ELSE 0 END"
            " WHERE key = ? AND failures > 0",
            (limit.free, key),
        )
