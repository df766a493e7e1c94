"""Places for costly work, so that one user (or a crowd) cannot exhaust a worker.

A briefing export takes seconds of CPU and hundreds of megabytes; a few at once in one
worker process, or one user clicking again and again, would starve everyone else. So
each piece of such work first takes a place: at most ``per_holder`` at once for one
holder (a user) over all worker processes, and at most ``per_process`` at once in this
process. The places are rows in the database (migration 0009), taken and counted in one
transaction, so gunicorn's workers share them; the process's own count is its rows.

A place is given back when the work ends, however it ends. A process killed in the
middle cannot do that, so whoever takes a place next first deletes the rows of
processes that no longer run, and any row older than `STALE_AFTER`.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from georisk.store.connections import Connections
from georisk.timeutil import to_micros, utc_now

#: No export runs this long; a row that old belongs to work that died unnoticed.
STALE_AFTER = timedelta(minutes=15)


class Full(Exception):
    """No place: ``reason`` says which limit was reached (for the caller's message)."""

    def __init__(self, reason: str, limit: int):
        super().__init__(f"{reason} limit of {limit} reached")
        self.reason = reason  # "holder" or "process"
        self.limit = limit


class Slots:
    def __init__(self, path: str | os.PathLike[str], kind: str):
        self._db = Connections(path)
        self.kind = kind

    def take(self, holder: str, per_holder: int, per_process: int) -> int:
        """A place for ``holder``'s work (its id, for `give_back`); `Full` when none."""
        pid = os.getpid()
        con = self._db.get()
        con.execute("BEGIN IMMEDIATE")
        try:
            self._clear_dead(con, pid)
            mine, here = con.execute(
                "SELECT count(CASE WHEN holder = ? THEN 1 END),"
                " count(CASE WHEN pid = ? THEN 1 END) FROM work_slots WHERE kind = ?",
                (holder, pid, self.kind),
            ).fetchone()
            if mine >= per_holder:
                raise Full("holder", per_holder)
            if here >= per_process:
                raise Full("process", per_process)
            (slot,) = con.execute(
                "INSERT INTO work_slots (kind, holder, host, pid, started_us)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (self.kind, holder, _HOST, pid, to_micros(utc_now())),
            ).fetchone()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return slot  # type: ignore[return-value]

    def give_back(self, slot: int) -> None:
        self._db.get().execute("DELETE FROM work_slots WHERE id = ?", (slot,))

    def _clear_dead(self, con: Any, pid: int) -> None:
        con.execute(
            "DELETE FROM work_slots WHERE started_us < ?", (to_micros(utc_now() - STALE_AFTER),)
        )
        # only this machine's processes can be looked for (other instances' rows go when
        # they are given back or grow stale); rows from before hosts were kept are local
        others = [row[0] for row in con.execute(
            "SELECT DISTINCT pid FROM work_slots WHERE host IN (?, '')", (_HOST,))]
        dead = [other for other in others if other != pid and not _running(other)]
        con.executemany("DELETE FROM work_slots WHERE host IN (?, '') AND pid = ?",
                        [(_HOST, p) for p in dead])


#: The machine a slot's process runs on: several instances may share one PostgreSQL.
_HOST = socket.gethostname()


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
