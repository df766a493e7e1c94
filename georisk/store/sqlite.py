"""The embedded store: one SQLite file in WAL mode.

Writers take SQLite's write lock (``BEGIN IMMEDIATE``) for the whole command batch,
assign sequence numbers under it and commit with ``synchronous=FULL``: when `apply`
returns, the events are on disk, and a process killed at any moment leaves either
the whole batch or none of it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from georisk.access import GENERALISED_FOR_OTHERS
from georisk.commands import Actor, Command
from georisk.errors import GeoriskError
from georisk.gcpause import gc_paused
from georisk.journal import ACCESS_KIND, AUDIT_VIEW, ENTITY_KINDS, VIEWS, Event, audience_mask
from georisk.model import RECORD_TYPES, Record, records_from_features
from georisk.store import sqlite_boxes as boxes
from georisk.store.base import Page, Picture, Query, Store, StoreError
from georisk.store.caches import DecodedRecords, RecordCache
from georisk.store.journaling import (
    BOXED_KINDS,
    EMPTY_HEAD,
    ERA_BITS,
    EVENT_COLUMNS,
    EVENT_ROW,
    EVENT_ROW_COLUMNS,
    RECORD_ROW_COLUMNS,
    VIEW_BITS,
    VIEW_COLUMNS,
    Batch,
    Head,
    Replay,
    check_kind,
    generalised_row,
    last_events_at,
    payloads_at,
    plan_batch,
    plan_note,
    projection_changes,
    seq_bounds,
    union,
)
from georisk.store.journaling import event as _event
from georisk.store.journaling import records as _records
from georisk.store.journaling import seq_of_position as _search_position
from georisk.store.journaling import view_column as _view_column
from georisk.store.selecting import Dialect, literals, page, select
from georisk.timeutil import from_micros, to_micros

log = logging.getLogger("georisk.store")

_MAX_SQL_VARIABLES = 10_000
_RTREE_KINDS = BOXED_KINDS  # see the schema for why not units
_VIEW_COLUMNS, _EVENT_COLUMNS = VIEW_COLUMNS, EVENT_COLUMNS
#: Look-ups by entity name the eras with this very expression, so that the index of
#: migration 0005 is used.
_ERA = f"(seq >> {ERA_BITS})"


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every schema step shipped with georisk, in order."""
    folder = resources.files("georisk.store") / "migrations"
    steps = [
        (int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".sql")
    ]
    return sorted(steps)


def _statements(script: str) -> Iterator[str]:
    """Split a script into complete statements (triggers contain semicolons)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip() and not pending.strip().startswith("--"):
        raise StoreError(f"incomplete SQL statement in a migration: {pending.strip()[:60]}")


class SQLiteStore(Store):
    def __init__(self, path: str | os.PathLike[str], *, create: bool = True):
        self.path = Path(path)
        self.location = str(self.path)  # what `georisk.store.open_store` opens again
        if not create and not self.path.exists():
            raise StoreError(
                f"no database at {self.path}; create one with `georisk init-db --db {self.path}`"
            )
        self._local = threading.local()
        self._cache = RecordCache()
        self._decoded = DecodedRecords()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._checkpointing: threading.Event | None = None  # set: the checkpointer stops
        self.schema_version = self._migrate(self._connection())

    # -- connections -------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker opens its own)."""
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        try:
            con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA busy_timeout = 30000")
            mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable SQLite database: {exc}") from exc
        if mode != "wal":
            raise StoreError(f"{self.path}: WAL mode is not available ({mode})")
        con.execute("PRAGMA synchronous = FULL")
        # Checkpoint every ~40 MB of WAL instead of 4 MB: units' rows rewritten by many
        # position batches are copied back once, not once per few batches.
        con.execute("PRAGMA wal_autocheckpoint = 10000")
        con.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages per connection
        con.execute("PRAGMA foreign_keys = ON")
        self._local.held = (os.getpid(), con)
        with self._all_lock:
            self._all.append(con)
        return con

    def close(self) -> None:
        if self._checkpointing is not None:
            self._checkpointing.set()
            self._checkpointing = None
        with self._all_lock:
            for con in self._all:
                con.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._connection()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- the write-ahead log -------------------------------------------------------

    def checkpoint(self) -> tuple[int, int]:
        """Copy the log's committed pages back into the database file, waiting for no
        reader or writer (a passive checkpoint): (frames in the log, frames copied)."""
        _, frames, copied = self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return frames, copied

    def start_checkpointing(self, every_s: float = 0.5) -> threading.Thread | None:
        """Checkpoint from a thread of its own every ``every_s`` seconds until `close`.

        Otherwise the commit that takes the log past SQLite's automatic threshold copies
        it back itself: a position batch in about ten paid 30-150 ms more for it. That
        threshold stays, for processes that run no checkpointer. Returns the thread (None
        when one runs already).
        """
        if self._checkpointing is not None:
            return None
        stop = self._checkpointing = threading.Event()

        def run() -> None:
            while not stop.wait(every_s):
                try:
                    self.checkpoint()
                except sqlite3.Error as exc:  # e.g. the disk is full: say so, go on
                    if not stop.is_set():  # (closing the store closes the connection)
                        log.warning("checkpoint of %s failed: %s", self.path, exc)

        thread = threading.Thread(target=run, name="georisk-checkpointer", daemon=True)
        thread.start()
        return thread

    def _migrate(self, con: sqlite3.Connection) -> int:
        steps = migrations()
        newest = steps[-1][0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > newest:
            raise StoreError(
                f"{self.path} has schema version {version}; this georisk knows up to "
                f"{newest}: upgrade georisk"
            )
        if version == newest:
            return version
        with self._write() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            for number, script in steps:
                if number <= version:
                    continue
                for statement in _statements(script):
                    con.execute(statement)
                if number in _AFTER_STEP:
                    _AFTER_STEP[number](con)
                con.execute(f"PRAGMA user_version = {number}")
                version = number
        return version

    # -- writing -----------------------------------------------------------------

    def apply(
        self,
        commands: Sequence[Command],
        actor: Actor,
        *,
        at: datetime | Sequence[datetime] | None = None,
    ) -> list[Event]:
        if not commands:
            return []
        with gc_paused(), self._write() as con:
            batch = self._apply_locked(con, commands, actor, at)
        events = batch.events
        # only once committed: a rolled-back seq is reused
        self._cache.update(events[0].seq, events[-1].seq, batch.written)
        return events

    def _apply_locked(
        self,
        con: sqlite3.Connection,
        commands: Sequence[Command],
        actor: Actor,
        at: datetime | Sequence[datetime] | None,
    ) -> Batch:
        head = _last_event(con)

        def next_rid() -> int:
            return con.execute("SELECT coalesce(max(rid), 0) + 1 FROM entities").fetchone()[0]

        batch = plan_batch(commands, actor, at, head,
                           lambda keys: self._load(con, keys, head[0]), next_rid)
        con.executemany(_INSERT_EVENT, batch.event_rows)
        self._write_entities(con, batch)
        return batch

    def note(self, kind: str, actor: Actor, entity_id: str, payload: dict[str, Any]) -> Event:
        with self._write() as con:
            row, event = plan_note(kind, actor, entity_id, payload, _last_event(con))
            con.execute(_INSERT_EVENT, row)
        self._cache.update(event.seq, event.seq, {})
        return event

    @staticmethod
    def _write_entities(con: sqlite3.Connection, batch: Batch) -> None:
        """Write the projection rows, their generalised rows and their R*Tree boxes."""
        changes = projection_changes(batch)
        con.executemany(_INSERT_ENTITY, changes.inserts)
        con.executemany(_UPDATE_ENTITY, changes.updates)
        con.executemany(_MOVE_ENTITY, changes.moves)
        con.executemany(_UPSERT_GENERALISED, changes.generalised)
        con.executemany("DELETE FROM generalised WHERE rid = ?", changes.plain)
        for kind, kind_boxes in changes.boxes.items():
            sql = f"INSERT OR REPLACE INTO {kind}_bbox VALUES (?, ?, ?, ?, ?)"
            con.executemany(sql, kind_boxes)
        for kind, kind_gone in changes.gone.items():
            con.executemany(f"DELETE FROM {kind}_bbox WHERE rid = ?", kind_gone)

    def load_journal(self, chunks: Iterable[Sequence[Event]]) -> int:
        replay = Replay()
        with gc_paused(), self._write() as con:
            if _last_seq(con):
                raise StoreError(f"{self.path} already holds a journal; load into an empty one")
            for chunk in chunks:
                con.executemany(_INSERT_EVENT, replay.take(chunk))
            self._write_entities(con, replay.batch())
        return replay.last[0]

    # -- reading -----------------------------------------------------------------

    def _load(
        self, con: sqlite3.Connection, keys: set[tuple[str, str]], last_seq: int | None = None
    ) -> dict[tuple[str, str], tuple[int, Record]]:
        """The current (rid, record) of each key that exists: from this process's cache
        once it has caught up with the journal, the rest decoded from the database (and
        kept, so that the next look-up, or the write that follows, decodes none again)."""
        if last_seq is None:
            last_seq = _last_seq(con)
        found = self._cache.current(lambda first, last: _touched(con, first, last), keys,
                                    last_seq)
        by_kind: dict[str, list[str]] = {}
        for kind, id_ in keys:
            if (kind, id_) not in found:
                by_kind.setdefault(kind, []).append(id_)
        decoded: dict[tuple[str, str], tuple[int, Record]] = {}
        for kind, ids in by_kind.items():
            for chunk in _chunks(ids):
                rows = con.execute(
                    "SELECT e.rid, e.id, ev.payload, e.geom FROM entities AS e "
                    "JOIN events AS ev ON ev.seq = e.seq "
                    f"WHERE e.kind = ? AND e.id IN ({','.join('?' * len(chunk))})",
                    (kind, *chunk),
                ).fetchall()
                for row, record in zip(rows, _records(kind, rows), strict=True):
                    decoded[(kind, record.id)] = (row[0], record)
        if decoded:
            found.update(decoded)
            self._cache.add(last_seq, decoded)
        return found

    def get(self, kind: str, id: str) -> Record | None:
        check_kind(kind)
        found = self._load(self._connection(), {(kind, id)})
        return found[(kind, id)][1] if found else None

    def get_many(self, kind: str, ids: Iterable[str]) -> dict[str, Record]:
        check_kind(kind)
        found = self._load(self._connection(), {(kind, id_) for id_ in ids})
        return {id_: record for (_, id_), (_, record) in found.items()}

    def ids(self, kind: str) -> list[str]:
        check_kind(kind)
        rows = self._connection().execute(
            "SELECT id FROM entities WHERE kind = ? ORDER BY rid", (kind,)
        )
        return [id_ for (id_,) in rows]

    def query(self, query: Query) -> Page:
        check_kind(query.kind)
        con = self._connection()
        after_rid = None
        if query.after is not None:
            found = con.execute(
                "SELECT rid FROM entities WHERE kind = ? AND id = ?", (query.kind, query.after[-1])
            ).fetchone()
            if found is None:
                raise GeoriskError(f"no {query.kind} {query.after[-1]!r} to continue after")
            after_rid = found[0]
        dialect = _WALKING if boxes.walks(con, query) else _DIALECT
        sql, args = select(query, after_rid, dialect)
        rows = con.execute(sql, args).fetchall()
        records = self._decoded.records(lambda seqs: _payloads(con, seqs), _records,
                                        query.kind, rows)
        return page(query, rows, records)

    def events_after(
        self, seq: int, limit: int = 1000, entity_kind: str | None = None
    ) -> list[Event]:
        if entity_kind is None:
            sql, args = "seq > ?", (seq, limit)
        elif entity_kind == ACCESS_KIND:  # spelled out: the partial index is for this value
            sql, args = f"seq > ? AND entity_kind = '{ACCESS_KIND}'", (seq, limit)
        else:
            sql, args = "seq > ? AND entity_kind = ?", (seq, entity_kind, limit)
        rows = self._connection().execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE {sql} ORDER BY seq LIMIT ?", args
        )
        return [_event(row) for row in rows]

    def events_in_view(self, view: str, after: int, limit: int = 1000) -> list[Event]:
        column, bit = _view_column(view), audience_mask({view})
        con = self._connection()
        con.execute("BEGIN")  # one snapshot for the search and the read
        try:
            start = _seq_of_position(con, column, after)
            where = f"seq > ? AND audience & {bit}"
            if view == AUDIT_VIEW:  # spelled out: the partial index is for this value
                where += f" AND entity_kind = '{ACCESS_KIND}'"
            rows = con.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT ?",
                (start, limit),
            ).fetchall()
        finally:
            con.execute("COMMIT")
        return [_event(row) for row in rows]

    def view_position(self, view: str, seq: int) -> int:
        found = self._connection().execute(
            f"SELECT {_view_column(view)} FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1",
            (seq,),
        ).fetchone()
        return found[0] if found else 0

    def seq_of_position(self, view: str, position: int) -> int:
        return _seq_of_position(self._connection(), _view_column(view), position)

    def events_of(
        self,
        kind: str,
        id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: Iterable[str] = (),
    ) -> list[Event]:
        con = self._connection()
        con.execute("BEGIN")  # one snapshot for the bounds and the events
        try:
            first, last = _seq_bounds(con, start, end)
            if first > last:
                return []
            sql = (
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE {_ERA} IN ({{eras}})"
                " AND entity_kind = ? AND entity_id = ? AND seq BETWEEN ? AND ?"
            )
            args: list[Any] = [kind, id, first, last]
            if kinds := list(kinds):
                sql += f" AND kind IN ({','.join('?' * len(kinds))})"
                args += kinds
            found: list[Event] = []
            for eras in _chunks(range(first >> ERA_BITS, (last >> ERA_BITS) + 1)):
                query = sql.format(eras=",".join("?" * len(eras))) + " ORDER BY seq"
                found += [_event(row) for row in con.execute(query, [*eras, *args])]
        finally:
            con.execute("COMMIT")
        return found

    def last_seq(self) -> int:
        return _last_seq(self._connection())

    def state_at(self, moment: datetime, kinds: Iterable[str] | None = None) -> Picture:
        kinds = list(kinds or ENTITY_KINDS)
        for kind in kinds:
            check_kind(kind)
        con = self._connection()
        con.execute("BEGIN")  # one snapshot for every read
        try:
            seq, time_us = con.execute(
                "SELECT seq, time_us FROM events WHERE time_us <= ? ORDER BY time_us DESC, "
                "seq DESC LIMIT 1",
                (to_micros(moment),),
            ).fetchone() or (0, None)
            records: dict[str, list[Record]] = {kind: [] for kind in kinds}
            if seq:
                for kind, payloads in _payloads_at(con, seq, kinds).items():
                    features = [orjson.loads(payload) for payload in payloads]
                    records[kind] = records_from_features(kind, features)
        finally:
            con.execute("COMMIT")
        return Picture(seq, None if time_us is None else from_micros(time_us), records)

    def record_rows(self, kind: str, moment: datetime | None = None) -> pd.DataFrame:
        check_kind(kind)
        con = self._connection()
        con.execute("BEGIN")  # one snapshot for every read
        try:
            if moment is None:
                rows = con.execute(
                    "SELECT ev.seq, ev.time_us, ev.entity_id, ev.classification, ev.payload "
                    "FROM entities AS en JOIN events AS ev ON ev.seq = en.seq "
                    "WHERE en.kind = ? ORDER BY en.rid",
                    (kind,),
                ).fetchall()
            else:
                (seq,) = con.execute(
                    "SELECT coalesce(max(seq), 0) FROM events WHERE time_us <= ?",
                    (to_micros(moment),),
                ).fetchone()
                rows = []
                for chunk in _chunks(_record_seqs(con, kind, seq)):
                    rows += con.execute(
                        "SELECT seq, time_us, entity_id, classification, payload FROM events "
                        f"WHERE seq IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
        finally:
            con.execute("COMMIT")
        return pd.DataFrame(rows, columns=RECORD_ROW_COLUMNS)

    def event_rows(
        self,
        entity_kind: str,
        kinds: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        fields: Mapping[str, str] | None = None,
        view: str | None = None,
    ) -> pd.DataFrame:
        check_kind(entity_kind)
        fields = dict(fields or {})
        con = self._connection()
        con.execute("BEGIN")
        try:
            first, last = _seq_bounds(con, start, end)
            where = ["entity_kind = ?", "seq BETWEEN ? AND ?"]
            args: list[Any] = [entity_kind, first, last]
            kinds = list(kinds)
            if kinds:
                where.append(f"kind IN ({','.join('?' * len(kinds))})")
                args += kinds
            if view is not None:
                _view_column(view)
                where.append(f"audience & {VIEW_BITS[view]} != 0")
            picked = "".join(", json_extract(payload, ?)" for _ in fields)
            rows = con.execute(
                f"SELECT seq, time_us, kind, entity_id, classification{picked} FROM events "
                f"WHERE {' AND '.join(where)} ORDER BY seq",
                [*fields.values(), *args],
            ).fetchall()
        finally:
            con.execute("COMMIT")
        return pd.DataFrame(rows, columns=[*EVENT_ROW_COLUMNS, *fields])


_INSERT_EVENT = f"INSERT INTO events ({EVENT_ROW}) VALUES (?{', ?' * (9 + len(VIEWS))})"

_INSERT_ENTITY = """
INSERT INTO entities (rid, kind, id, category, status, agency, classification, severity,
                      start_us, end_us, label, county, municipality, seq, geom,
                      min_x, min_y, max_x, max_y, first_seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

_UPDATE_ENTITY = """
UPDATE entities SET category = ?, status = ?, agency = ?, classification = ?, severity = ?,
    start_us = ?, end_us = ?, label = ?, county = ?, municipality = ?, seq = ?, geom = ?,
    min_x = ?, min_y = ?, max_x = ?, max_y = ?
WHERE rid = ?
"""

# A position report changes only these (see projection_columns for a unit)
_MOVE_ENTITY = """
UPDATE entities SET start_us = ?, end_us = ?, seq = ?, geom = ?,
    min_x = ?, min_y = ?, max_x = ?, max_y = ?
WHERE rid = ?
"""

_UPSERT_GENERALISED = """
INSERT OR REPLACE INTO generalised (rid, category, label, start_us, end_us,
                                    min_x, min_y, max_x, max_y)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

def _fill_generalised(con: sqlite3.Connection) -> None:
    """Migration 6, in Python: the generalised rows of the records already stored, and the
    R*Tree boxes that must hold them too."""
    restricted = literals(GENERALISED_FOR_OTHERS)
    for kind in RECORD_TYPES:
        rows = con.execute(
            "SELECT e.rid, e.id, ev.payload, e.geom FROM entities AS e JOIN events AS ev"
            f" ON ev.seq = e.seq WHERE e.kind = ? AND e.classification IN ({restricted})",
            (kind,),
        ).fetchall()
        for row, record in zip(rows, _records(kind, rows), strict=True):
            generalised = generalised_row(row[0], record)
            con.execute(_UPSERT_GENERALISED, generalised)
            if kind in _RTREE_KINDS and record.geometry is not None:
                min_x, min_y, max_x, max_y = union(record.geometry.bounds, generalised[5:])
                con.execute(f"INSERT OR REPLACE INTO {kind}_bbox VALUES (?, ?, ?, ?, ?)",
                            (row[0], min_x, max_x, min_y, max_y))


#: Steps of a migration done in Python after its SQL, by schema version.
_AFTER_STEP = {6: _fill_generalised}


def _last_event(con: sqlite3.Connection) -> Head:
    """The journal's last seq, time and count of each view (zeros when empty)."""
    last = con.execute(
        f"SELECT seq, time_us, {VIEW_COLUMNS} FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if last is None:
        return EMPTY_HEAD
    return last[0], last[1], tuple(last[2:])


def _seq_of_position(con: sqlite3.Connection, column: str, position: int) -> int:
    def count_at(seq: int) -> int:
        return con.execute(f"SELECT {column} FROM events WHERE seq = ?", (seq,)).fetchone()[0]

    return _search_position(count_at, _last_seq(con), position)


def _last_seq(con: sqlite3.Connection) -> int:
    return con.execute("SELECT max(seq) FROM events").fetchone()[0] or 0


def _touched(con: sqlite3.Connection, first: int, last: int) -> Iterable[tuple[str, str]]:
    return con.execute(
        "SELECT DISTINCT entity_kind, entity_id FROM events WHERE seq > ? AND seq <= ?",
        (first, last),
    )


def _payloads(con: sqlite3.Connection, seqs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(seqs):
        found.update(con.execute(
            f"SELECT seq, payload FROM events WHERE seq IN ({','.join('?' * len(chunk))})",
            chunk,
        ))
    return found


def _seq_bounds(
    con: sqlite3.Connection, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    return seq_bounds(con, "?", start, end, lambda: _last_seq(con))


def _in_era(con: sqlite3.Connection):
    def found(era: int, kind: str, ids: Sequence[str], seq: int) -> list[tuple[str, int]]:
        hits: list[tuple[str, int]] = []
        for chunk in _chunks(ids):
            hits += con.execute(
                f"SELECT entity_id, max(seq) FROM events WHERE {_ERA} = ? AND"
                " entity_kind = ? AND entity_id IN"
                f" ({','.join('?' * len(chunk))}) AND seq <= ? GROUP BY entity_id",
                (era, kind, *chunk, seq),
            ).fetchall()
        return hits

    return found


def _payloads_at(con: sqlite3.Connection, seq: int, kinds: list[str]) -> dict[str, list[str]]:
    """Per kind, the payload of each entity's last event up to ``seq``, in rid order.

    An entity not changed since ``seq`` has it as its current event; one created after it
    is left out; the rest are searched by era (`last_events_at`).
    """
    entities = con.execute(
        f"SELECT kind, id, seq FROM entities WHERE kind IN "
        f"({','.join('?' * len(kinds))}) AND first_seq <= ? ORDER BY rid",
        (*kinds, seq),
    ).fetchall()
    return payloads_at(seq, kinds, entities, _in_era(con),
                       lambda seqs: _payloads(con, seqs))


def _record_seqs(con: sqlite3.Connection, kind: str, seq: int) -> list[int]:
    """The seq of each entity's last event up to ``seq``, for entities of ``kind`` that
    existed then: its current event when it has not changed since, otherwise searched
    by era (`last_events_at`)."""
    found = [row[0] for row in con.execute(
        "SELECT seq FROM entities WHERE kind = ? AND first_seq <= ? AND seq <= ?",
        (kind, seq, seq))]
    wanted = [row[0] for row in con.execute(
        "SELECT id FROM entities WHERE kind = ? AND first_seq <= ? AND seq > ? ORDER BY id",
        (kind, seq, seq))]
    found += last_events_at(seq, {kind: wanted}, _in_era(con)).values()
    return sorted(found)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices short enough to bind as SQL parameters."""
    for start in range(0, len(values), _MAX_SQL_VARIABLES):
        yield values[start : start + _MAX_SQL_VARIABLES]


_DIALECT = Dialect(candidates=boxes.listed, contains="instr({column}, ?) > 0",
                   geometry="e.geom")
_WALKING = replace(_DIALECT, candidates=boxes.walked)  # a page from a box that holds many
