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
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from operator import add
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import shapely

from georisk.access import GENERALISED_FOR_OTHERS, audience
from georisk.commands import Actor, Command
from georisk.errors import Conflict, GeoriskError
from georisk.gcpause import gc_paused
from georisk.journal import (
    ACCESS_KIND,
    AUDIT_VIEW,
    ENTITY_KINDS,
    VIEWS,
    Event,
    audience_mask,
    decide,
    references,
    target,
)
from georisk.model import RECORD_TYPES, Agency, Classification, Record, records_from_features
from georisk.store.base import (
    SORTABLE,
    Page,
    Picture,
    Query,
    Store,
    generalised_columns,
    projection_columns,
)
from georisk.timeutil import format_utc, from_micros, to_micros, utc_now

log = logging.getLogger("georisk.store")

_MAX_SQL_VARIABLES = 10_000
_RTREE_KINDS = frozenset({"incident", "blockage", "riskzones"})  # see the schema for why not units
_VIEW_COLUMNS = ", ".join(f"view_{view}" for view in VIEWS)
_EVENT_COLUMNS = (
    f"seq, time_us, actor, agency, kind, entity_id, classification, payload, audience, "
    f"{_VIEW_COLUMNS}"
)
_RECORD_ROW_COLUMNS = ["seq", "time_us", "id", "classification", "payload"]
_EVENT_ROW_COLUMNS = ["seq", "time_us", "kind", "entity_id", "classification"]
_VIEW_BITS = {view: 1 << place for place, view in enumerate(VIEWS)}
_REFERRING = frozenset({"unit.assigned", "unit.released", "incident.linked", "incident.unlinked"})
#: Per audience mask, what an event adds to each view's count.
_STEPS = [tuple((mask >> place) & 1 for place in range(len(VIEWS)))
          for mask in range(1 << len(VIEWS))]  # fmt: skip
#: The index of events by entity is grouped by era, 2**ERA_BITS journal events (see the
#: migration 0005): look-ups name the eras with this very expression, so that it is used.
ERA_BITS = 16
_ERA = f"(seq >> {ERA_BITS})"


class StoreError(GeoriskError):
    """The database cannot be used (missing, unreadable, from a newer georisk)."""


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
        if not create and not self.path.exists():
            raise StoreError(
                f"no database at {self.path}; create one with `georisk init-db --db {self.path}`"
            )
        self._local = threading.local()
        self._cache = _RecordCache()
        self._decoded = _Decoded()
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
            events, written = self._apply_locked(con, commands, actor, at)
        # only once committed: a rolled-back seq is reused
        self._cache.update(events[0].seq, events[-1].seq, written)
        return events

    def _apply_locked(
        self,
        con: sqlite3.Connection,
        commands: Sequence[Command],
        actor: Actor,
        at: datetime | Sequence[datetime] | None,
    ) -> tuple[list[Event], dict[tuple[str, str], tuple[int, Record]]]:
        last_seq, last_us, positions = _last_event(con)
        times_us = _event_times(at, len(commands), last_us)

        keys = [target(command) for command in commands]
        needed = set(keys).union(*(references(command) for command in commands))
        current = self._load(con, needed, last_seq)

        def lookup(key: tuple[str, str]) -> Record | None:
            return current.get(key, (None, None))[1]

        def find(kind: str, id_: str) -> Record | None:  # for an audience: load if need be
            if (kind, id_) not in current:
                current.update(self._load(con, {(kind, id_)}, last_seq))
            return lookup((kind, id_))

        next_rid: int | None = None
        now_us, now = -1, None
        name, agency, dumps = actor.name, Agency(actor.agency), orjson.dumps  # (loop locals)
        masks: dict[tuple[str, str], int] = {}  # (classification, owner) -> audience
        events: list[Event] = []
        event_rows: list[tuple[Any, ...]] = []
        written: dict[tuple[str, str], tuple[int, Record]] = {}
        seqs: dict[int, int] = {}  # rid -> its last seq in this batch
        created: dict[int, int] = {}  # rid -> the seq that created it
        reshaped: set[int] = set()  # rids changed by more than a position report
        for offset, (command, key) in enumerate(zip(commands, keys, strict=True)):
            rid, record = current.get(key, (None, None))
            if times_us[offset] != now_us:
                now_us = times_us[offset]
                now = from_micros(now_us)
            event_kind, new = decide(command, record, now, lookup, key)
            seq = last_seq + 1 + offset
            feature = new.to_feature()
            if rid is None:
                if next_rid is None:
                    (next_rid,) = con.execute(
                        "SELECT coalesce(max(rid), 0) + 1 FROM entities"
                    ).fetchone()
                rid, next_rid = next_rid, next_rid + 1
                created[rid] = seq
            elif event_kind != "unit.moved":
                reshaped.add(rid)
            current[key] = written[key] = (rid, new)
            seqs[rid] = seq
            classification = _CLASSIFICATIONS[new.classification]  # type: ignore[attr-defined]
            if event_kind in _REFERRING:  # its audience depends on the incidents named
                mask = audience_mask(audience(event_kind, record, new, find))
            else:  # on the record's classification and owner only: one decision a batch
                owner = (classification, new.agency)  # type: ignore[attr-defined]
                mask = masks.get(owner)
                if mask is None:
                    mask = masks[owner] = audience_mask(audience(event_kind, record, new, find))
            positions = tuple(map(add, positions, _STEPS[mask]))
            event_rows.append(
                (seq, now_us, name, agency, event_kind, key[0], key[1], classification,
                 dumps(feature).decode(), mask, *positions)
            )  # fmt: skip
            events.append(Event(seq, now, name, agency, event_kind, new.id, classification,
                                feature, mask, positions))  # fmt: skip
        con.executemany(_INSERT_EVENT, event_rows)
        self._write_entities(con, written.values(), seqs, created, reshaped)
        return events, written

    def note(self, kind: str, actor: Actor, entity_id: str, payload: dict[str, Any]) -> Event:
        if not kind.startswith(ACCESS_KIND + "."):
            raise ValueError(f"{kind!r} is not an access event kind")
        mask = audience_mask({AUDIT_VIEW})
        with self._write() as con:
            last_seq, last_us, positions = _last_event(con)
            time_us = max(to_micros(utc_now()), last_us or 0)  # time never goes back
            seq = last_seq + 1
            positions = tuple(map(add, positions, _STEPS[mask]))
            con.execute(
                _INSERT_EVENT,
                (seq, time_us, actor.name, actor.agency, kind, ACCESS_KIND, entity_id,
                 Classification.AGENCY, orjson.dumps(payload).decode(), mask, *positions),
            )  # fmt: skip
        self._cache.update(seq, seq, {})
        return Event(seq, from_micros(time_us), actor.name, Agency(actor.agency), kind,
                     entity_id, Classification.AGENCY, payload, mask, positions)  # fmt: skip

    @staticmethod
    def _write_entities(
        con: sqlite3.Connection,
        written: Iterable[tuple[int, Record]],
        seqs: dict[int, int],
        created: dict[int, int],
        reshaped: set[int],
    ) -> None:
        """Write the projection rows, their generalised rows and their R*Tree boxes
        (geometry work vectorised).

        A unit that only moved gets a narrow update (times, seq, geometry): most of the
        traffic is position reports, and the other columns cannot have changed.
        """
        written = list(written)
        geometries = [record.geometry for _, record in written]
        wkbs = shapely.to_wkb(geometries)
        bounds = shapely.bounds(geometries).tolist()
        inserts, updates, moves, plain = [], [], [], []
        boxes: dict[str, list[tuple[Any, ...]]] = {}
        gone: dict[str, list[tuple[int]]] = {}
        generalised: list[tuple[Any, ...]] = []
        for (rid, record), wkb, box in zip(written, wkbs, bounds, strict=True):
            seq = seqs[rid]
            if rid in created:
                inserts.append((*_entity_row(rid, record, seq, wkb, box), created[rid]))
            elif rid in reshaped:  # an UPDATE by rid skips the failed INSERT of an upsert
                updates.append((*_entity_row(rid, record, seq, wkb, box)[3:], rid))
            else:
                moved = to_micros(record.position_time)  # type: ignore[attr-defined]
                moves.append((moved, moved, seq, wkb, *box, rid))
            if record.classification in GENERALISED_FOR_OTHERS:  # type: ignore[attr-defined]
                row = _generalised_row(rid, record)
                generalised.append(row)
                if wkb is not None and row[5] is not None:
                    box = _union(box, row[5:])
            elif rid in reshaped:  # perhaps generalised until this change
                plain.append((rid,))
            if record.kind not in _RTREE_KINDS:
                continue
            if wkb is None:
                gone.setdefault(record.kind, []).append((rid,))
            else:
                min_x, min_y, max_x, max_y = box
                boxes.setdefault(record.kind, []).append((rid, min_x, max_x, min_y, max_y))
        con.executemany(_INSERT_ENTITY, inserts)
        con.executemany(_UPDATE_ENTITY, updates)
        con.executemany(_MOVE_ENTITY, moves)
        con.executemany(_UPSERT_GENERALISED, generalised)
        con.executemany("DELETE FROM generalised WHERE rid = ?", plain)
        for kind, kind_boxes in boxes.items():
            sql = f"INSERT OR REPLACE INTO {kind}_bbox VALUES (?, ?, ?, ?, ?)"
            con.executemany(sql, kind_boxes)
        for kind, kind_gone in gone.items():
            con.executemany(f"DELETE FROM {kind}_bbox WHERE rid = ?", kind_gone)

    # -- reading -----------------------------------------------------------------

    def _load(
        self, con: sqlite3.Connection, keys: set[tuple[str, str]], last_seq: int | None = None
    ) -> dict[tuple[str, str], tuple[int, Record]]:
        """The current (rid, record) of each key that exists: from this process's cache
        once it has caught up with the journal, the rest decoded from the database (and
        kept, so that the next look-up, or the write that follows, decodes none again)."""
        if last_seq is None:
            last_seq = _last_seq(con)
        found = self._cache.current(con, keys, last_seq)
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
        _check_kind(kind)
        found = self._load(self._connection(), {(kind, id)})
        return found[(kind, id)][1] if found else None

    def get_many(self, kind: str, ids: Iterable[str]) -> dict[str, Record]:
        _check_kind(kind)
        found = self._load(self._connection(), {(kind, id_) for id_ in ids})
        return {id_: record for (_, id_), (_, record) in found.items()}

    def ids(self, kind: str) -> list[str]:
        _check_kind(kind)
        rows = self._connection().execute(
            "SELECT id FROM entities WHERE kind = ? ORDER BY rid", (kind,)
        )
        return [id_ for (id_,) in rows]

    def query(self, query: Query) -> Page:
        _check_kind(query.kind)
        con = self._connection()
        after_rid = None
        if query.after is not None:
            found = con.execute(
                "SELECT rid FROM entities WHERE kind = ? AND id = ?", (query.kind, query.after[-1])
            ).fetchone()
            if found is None:
                raise GeoriskError(f"no {query.kind} {query.after[-1]!r} to continue after")
            after_rid = found[0]
        sql, args = _select(query, after_rid)
        rows = con.execute(sql, args).fetchall()
        records = self._decoded.records(con, query.kind, rows)
        sorts = len(query.sort)
        full = query.limit is not None and len(rows) == query.limit
        following = (*rows[-1][4 : 4 + sorts], records[-1].id) if full else None
        if query.bbox is not None and query.kind in ("blockage", "riskzones") and records:
            # a line or polygon whose bounds meet the box may still pass beside it (the
            # generalised form of a record is a point: its bounds were the exact test)
            scope = query.seen_by
            tested = [r for r in records if scope is None or not scope.generalises(r)]
            keep = shapely.intersects([r.geometry for r in tested], shapely.box(*query.bbox))
            beside = {id(r) for r, ok in zip(tested, keep, strict=True) if not ok}
            records = [record for record in records if id(record) not in beside]
        return Page(records, following)

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
            _check_kind(kind)
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
        _check_kind(kind)
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
        return pd.DataFrame(rows, columns=_RECORD_ROW_COLUMNS)

    def event_rows(
        self,
        entity_kind: str,
        kinds: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        fields: Mapping[str, str] | None = None,
        view: str | None = None,
    ) -> pd.DataFrame:
        _check_kind(entity_kind)
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
                where.append(f"audience & {_VIEW_BITS[view]} != 0")
            picked = "".join(", json_extract(payload, ?)" for _ in fields)
            rows = con.execute(
                f"SELECT seq, time_us, kind, entity_id, classification{picked} FROM events "
                f"WHERE {' AND '.join(where)} ORDER BY seq",
                [*fields.values(), *args],
            ).fetchall()
        finally:
            con.execute("COMMIT")
        return pd.DataFrame(rows, columns=[*_EVENT_ROW_COLUMNS, *fields])


class _RecordCache:
    """Decoded current records of the entities this process wrote or read lately.

    ``synced`` is the journal's last sequence number at which every entry is known to be
    current. While the journal still ends there, entries are used without asking the
    database; once it has moved on (another process or thread wrote), the entities those
    events touched are dropped and the rest are current again. Only batches that follow
    on from ``synced``, and records read while the journal ended at ``synced``, are
    added, so an entry is never older than the journal says. This spares the hot path (a
    stream of position reports) from reading and decoding the same units again and again.
    """

    def __init__(self, size: int = 20_000):
        self._size = size
        # key -> (rid, record), oldest first
        self._entries: OrderedDict[tuple[str, str], tuple[int, Record]] = OrderedDict()
        self._synced = 0
        self._lock = threading.Lock()

    def current(
        self, con: sqlite3.Connection, keys: Iterable[tuple[str, str]], last_seq: int
    ) -> dict[tuple[str, str], tuple[int, Record]]:
        """The cached (rid, record) of those keys it holds, current at ``last_seq``."""
        with self._lock:
            if last_seq > self._synced:  # (a reader's older view uses newer entries)
                self._catch_up(con, last_seq)
            entries = self._entries
            return {key: entries[key] for key in keys if key in entries}

    def _catch_up(self, con: sqlite3.Connection, last_seq: int) -> None:
        behind = last_seq - self._synced
        if behind > max(len(self._entries), 1_000):
            self._entries.clear()  # so far behind that starting afresh is cheaper
        elif self._entries:
            touched = con.execute(
                "SELECT DISTINCT entity_kind, entity_id FROM events WHERE seq > ? AND seq <= ?",
                (self._synced, last_seq),
            )
            for key in touched:
                self._entries.pop(key, None)
        self._synced = last_seq

    def update(
        self, first_seq: int, last_seq: int, written: dict[tuple[str, str], tuple[int, Record]]
    ) -> None:
        """Take the records of a committed batch of events first_seq..last_seq."""
        with self._lock:
            if first_seq != self._synced + 1:
                return  # the journal moved on in between: catching up will drop them
            self._take(written)
            self._synced = last_seq

    def add(self, seq: int, read: dict[tuple[str, str], tuple[int, Record]]) -> None:
        """Take records read from the database after the journal's event ``seq``.

        Only while nothing has been taken since the cache caught up with ``seq``: a batch
        taken in between may be newer than what was read, and must not be overwritten.
        (What was read is at least as new as ``seq``; a change after it is an event after
        ``seq``, so catching up drops the record.)
        """
        with self._lock:
            if seq == self._synced:
                self._take(read)

    def _take(self, entries: dict[tuple[str, str], tuple[int, Record]]) -> None:
        self._entries.update(entries)
        while len(self._entries) > self._size:  # first in, first out
            self._entries.popitem(last=False)


class _Decoded:
    """Records decoded from the journal, by the event that made each one current.

    A row of entities names that event (seq) and holds its geometry, and an event never
    changes: an entry stays right for as long as it is kept, and nothing is dropped when
    the journal moves on (unlike `_RecordCache`, which answers by entity). Lists read the
    same current records again and again (a map's clients refresh the same area); a page
    of 1,000 incidents that are all here reads no payload and decodes nothing (JSON,
    times, enums, WKB), about a third of the time of an OGC items request. Full, it holds
    about 25 MB per process (20,000 incidents, measured).
    """

    def __init__(self, size: int = 20_000):
        self._size = size
        self._entries: OrderedDict[int, Record] = OrderedDict()  # seq -> record, oldest first
        self._lock = threading.Lock()

    def records(
        self, con: sqlite3.Connection, kind: str, rows: Sequence[tuple[Any, ...]]
    ) -> list[Record]:
        """The records of (rid, id, seq, geom, ...) rows of ``kind``, in their order."""
        with self._lock:
            get = self._entries.get
            found = [get(row[2]) for row in rows]
        missing = [row for row, record in zip(rows, found, strict=True) if record is None]
        if not missing:
            return found  # type: ignore[return-value]
        payloads: dict[int, str] = {}
        for chunk in _chunks([row[2] for row in missing]):
            payloads.update(con.execute(
                f"SELECT seq, payload FROM events WHERE seq IN ({','.join('?' * len(chunk))})",
                chunk,
            ))  # fmt: skip
        decoded = _records(kind, [(rid, id_, payloads[seq], geom)
                                  for rid, id_, seq, geom, *_ in missing])  # fmt: skip
        made = iter(decoded)
        out = [record if record is not None else next(made) for record in found]
        with self._lock:
            self._entries.update(zip([row[2] for row in missing], decoded, strict=True))
            while len(self._entries) > self._size:  # first in, first out
                self._entries.popitem(last=False)
        return out


_INSERT_EVENT = f"""
INSERT INTO events (seq, time_us, actor, agency, kind, entity_kind, entity_id, classification,
                    payload, audience, {_VIEW_COLUMNS})
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?{", ?" * len(VIEWS)})
"""

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

_CLASSIFICATIONS = {member.value: member for member in Classification}


def _generalised_row(rid: int, record: Record) -> tuple[Any, ...]:
    columns = generalised_columns(record)
    assert columns is not None
    start, end, bounds = columns["start"], columns["end"], columns["bounds"]
    return (
        rid,
        columns["category"],
        columns["label"].casefold(),
        None if start is None else to_micros(start),
        None if end is None else to_micros(end),
        *(bounds if bounds is not None else (None,) * 4),
    )


def _union(box: Sequence[float], other: Sequence[float]) -> list[float]:
    return [min(box[0], other[0]), min(box[1], other[1]),
            max(box[2], other[2]), max(box[3], other[3])]  # fmt: skip


def _fill_generalised(con: sqlite3.Connection) -> None:
    """Migration 6, in Python: the generalised rows of the records already stored, and the
    R*Tree boxes that must hold them too."""
    restricted = _literals(GENERALISED_FOR_OTHERS)
    for kind in RECORD_TYPES:
        rows = con.execute(
            "SELECT e.rid, e.id, ev.payload, e.geom FROM entities AS e JOIN events AS ev"
            f" ON ev.seq = e.seq WHERE e.kind = ? AND e.classification IN ({restricted})",
            (kind,),
        ).fetchall()
        for row, record in zip(rows, _records(kind, rows), strict=True):
            generalised = _generalised_row(row[0], record)
            con.execute(_UPSERT_GENERALISED, generalised)
            if kind in _RTREE_KINDS and record.geometry is not None:
                min_x, min_y, max_x, max_y = _union(record.geometry.bounds, generalised[5:])
                con.execute(f"INSERT OR REPLACE INTO {kind}_bbox VALUES (?, ?, ?, ?, ?)",
                            (row[0], min_x, max_x, min_y, max_y))  # fmt: skip


#: Steps of a migration done in Python after its SQL, by schema version.
_AFTER_STEP = {6: _fill_generalised}


def _event_times(
    at: datetime | Sequence[datetime] | None, count: int, last_us: int | None
) -> list[int]:
    """Each command's event time: never before the journal's last event, never decreasing."""
    if at is None:
        now_us = to_micros(utc_now())
        # a wall clock that stepped back must not reorder the journal
        return [max(now_us, last_us or now_us)] * count
    if isinstance(at, datetime):
        at = [at] * count
    if len(at) != count:
        raise ValueError(f"{len(at)} event times for {count} commands")
    times = [to_micros(moment) for moment in at]
    previous = last_us
    for moment, micros in zip(at, times, strict=True):
        if previous is not None and micros < previous:
            raise Conflict(
                f"event time {format_utc(moment)} is before the journal's last event "
                f"({format_utc(from_micros(previous))}); the journal only moves forward"
            )
        previous = micros
    return times


def _last_event(con: sqlite3.Connection) -> tuple[int, int | None, tuple[int, ...]]:
    """The journal's last seq, time and count of each view (zeros when empty)."""
    last = con.execute(
        f"SELECT seq, time_us, {_VIEW_COLUMNS} FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if last is None:
        return 0, None, (0,) * len(VIEWS)
    return last[0], last[1], tuple(last[2:])


def _view_column(view: str) -> str:
    if view not in VIEWS:
        raise GeoriskError(f"unknown journal view {view!r}; one of {', '.join(VIEWS)}")
    return f"view_{view}"


def _seq_of_position(con: sqlite3.Connection, column: str, position: int) -> int:
    """The last seq at which the view ``column`` counts at most ``position`` events: its
    reader, having read that many, goes on after it. A binary search over seq (each view's
    count never decreases with seq, and a view never counts more events than seq does)."""
    last = _last_seq(con)
    low, high = min(position, last), last  # its count at ``low`` is at most ``position``
    while low < high:
        middle = (low + high + 1) // 2
        (count,) = con.execute(f"SELECT {column} FROM events WHERE seq = ?", (middle,)).fetchone()
        if count <= position:
            low = middle
        else:
            high = middle - 1
    return low


def _last_seq(con: sqlite3.Connection) -> int:
    return con.execute("SELECT max(seq) FROM events").fetchone()[0] or 0


def _seq_bounds(
    con: sqlite3.Connection, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    """The first and last seq of the events in a time window (first > last if none):
    event times never decrease with seq, so the window is one run of seqs."""
    first = 1
    if start is not None:
        found = con.execute(
            "SELECT min(seq) FROM events WHERE time_us >= ?", (to_micros(start),)
        ).fetchone()[0]
        first = found if found is not None else _last_seq(con) + 1
    if end is None:
        return first, _last_seq(con)
    last = con.execute(
        "SELECT max(seq) FROM events WHERE time_us <= ?", (to_micros(end),)
    ).fetchone()[0]
    return first, last or 0


def _payloads_at(con: sqlite3.Connection, seq: int, kinds: list[str]) -> dict[str, list[str]]:
    """Per kind, the payload of each entity's last event up to ``seq``, in rid order.

    An entity not changed since ``seq`` has it as its current event; one created after it
    is left out; for the rest, the eras are searched backwards from ``seq``'s, all such
    entities at once per era, until each has been found (units moving all the time are
    found in the first).
    """
    entities = con.execute(
        f"SELECT kind, id, seq FROM entities WHERE kind IN "
        f"({','.join('?' * len(kinds))}) AND first_seq <= ? ORDER BY rid",
        (*kinds, seq),
    ).fetchall()
    at: dict[tuple[str, str], int] = {}
    wanted: dict[str, list[str]] = {}
    for kind, id_, current in entities:
        if current <= seq:
            at[(kind, id_)] = current
        else:
            wanted.setdefault(kind, []).append(id_)
    era = seq >> ERA_BITS
    while wanted and era >= 0:
        for kind, ids in list(wanted.items()):
            for chunk in _chunks(ids):
                rows = con.execute(
                    f"SELECT entity_id, max(seq) FROM events WHERE {_ERA} = ? AND"
                    " entity_kind = ? AND entity_id IN"
                    f" ({','.join('?' * len(chunk))}) AND seq <= ? GROUP BY entity_id",
                    (era, kind, *chunk, seq),
                )
                for id_, found in rows:
                    at[(kind, id_)] = found
            left = [id_ for id_ in ids if (kind, id_) not in at]
            if left:
                wanted[kind] = left
            else:
                del wanted[kind]
        era -= 1
    by_seq: dict[int, str] = {}
    for chunk in _chunks(sorted(at.values())):
        by_seq.update(
            con.execute(
                f"SELECT seq, payload FROM events WHERE seq IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
    payloads: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, id_, _ in entities:
        if (kind, id_) in at:
            payloads[kind].append(by_seq[at[(kind, id_)]])
    return payloads


def _record_seqs(con: sqlite3.Connection, kind: str, seq: int) -> list[int]:
    """The seq of each entity's last event up to ``seq``, for entities of ``kind`` that
    existed then: its current event when it has not changed since, otherwise found by
    searching the eras backwards from ``seq``'s, all such entities at once per era."""
    found = [row[0] for row in con.execute(
        "SELECT seq FROM entities WHERE kind = ? AND first_seq <= ? AND seq <= ?",
        (kind, seq, seq))]  # fmt: skip
    wanted = [row[0] for row in con.execute(
        "SELECT id FROM entities WHERE kind = ? AND first_seq <= ? AND seq > ? ORDER BY id",
        (kind, seq, seq))]  # fmt: skip
    era = seq >> ERA_BITS
    while wanted and era >= 0:
        hits: list[tuple[str, int]] = []
        for chunk in _chunks(wanted):
            hits += con.execute(
                f"SELECT entity_id, max(seq) FROM events WHERE {_ERA} = ? AND entity_kind = ?"
                f" AND entity_id IN ({','.join('?' * len(chunk))}) AND seq <= ?"
                " GROUP BY entity_id",
                (era, kind, *chunk, seq),
            ).fetchall()
        if hits:
            ids, seqs = zip(*hits, strict=True)
            found += seqs
            wanted = sorted(set(wanted).difference(ids))
        era -= 1
    return sorted(found)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices short enough to bind as SQL parameters."""
    for start in range(0, len(values), _MAX_SQL_VARIABLES):
        yield values[start : start + _MAX_SQL_VARIABLES]


_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1
#: What an empty sort value sorts as: an open incident's end is the latest of all.
_SORT_EMPTY = {"start": _MIN_INT, "end": _MAX_INT, "severity": 0, "category": "", "label": ""}
_STORED = {"start": "start_us", "end": "end_us"}  # projection column -> entities column
_GENERALISED_COLUMNS = frozenset(
    {"category", "label", "start_us", "end_us", "min_x", "min_y", "max_x", "max_y"}
)


def _literals(values: Iterable[str]) -> str:
    """Vocabulary values (classifications, agencies) written into SQL as literals."""
    out = []
    for value in sorted(str(v) for v in values):
        if not value.replace("_", "").isalpha():
            raise ValueError(f"not a vocabulary value: {value!r}")
        out.append(f"'{value}'")
    return ",".join(out) or "NULL"


def _select(query: Query, after_rid: int | None) -> tuple[str, list[Any]]:
    """The SQL of one page of ``query`` (rid, id, seq, geom, then the sort values; the
    payloads of the page's records are read after it is chosen, if need be: `_Decoded`).

    With ``query.seen_by`` every filtered or sorted column is the one the scope's viewers
    are shown: the generalised row's for records they see generalised, the entity's for
    the rest, and records they may not see are not selected. The R*Trees hold the union
    of both boxes, so they stay a valid first cut for either.
    """
    scope = query.seen_by
    if scope is None:
        visible = "1"

        def shown(column: str) -> str:
            return f"e.{column}"

    else:
        agency = _literals([scope.agency])
        generalised = (f"(e.classification IN ({_literals(scope.generalised)})"
                       f" AND e.agency <> {agency})")  # fmt: skip
        full = f"(e.classification IN ({_literals(scope.full)}) OR e.agency = {agency})"
        visible = f"({full} OR {generalised})"

        def shown(column: str) -> str:
            if column not in _GENERALISED_COLUMNS:  # the same in either form
                return f"e.{column}"
            return f"(CASE WHEN {generalised} THEN g.{column} ELSE e.{column} END)"

    args: list[Any] = []
    sources = ["entities AS e"]
    where = ["e.kind = ?", visible]
    kind_args: list[Any] = [query.kind]
    unplaced = query.unplaced_match
    if query.bbox is not None:
        if query.kind in _RTREE_KINDS:
            # The candidates: the R*Tree's, and the records without a place when those
            # match. As a list of rids they are walked in rid order, so a page in that
            # order stops at its limit (no index of entities: it would scan the kind).
            candidates = (f"SELECT rid FROM {query.kind}_bbox WHERE max_x >= ? AND min_x <= ?"
                          " AND max_y >= ? AND min_y <= ?")  # fmt: skip
            args += _bbox_args(query.bbox)
            if unplaced:  # named: the planner would otherwise walk the whole kind
                candidates += (" UNION ALL SELECT rid FROM entities INDEXED BY entities_unplaced"
                               " WHERE kind = ? AND geom IS NULL")  # fmt: skip
                args.append(query.kind)
            sources = ["entities AS e NOT INDEXED"]
            where.insert(0, f"e.rid IN ({candidates})")
        # exact float64 bounds (the R*Tree rounds to float32)
        inside = (f"{shown('max_x')} >= ? AND {shown('min_x')} <= ? AND "
                  f"{shown('max_y')} >= ? AND {shown('min_y')} <= ?")  # fmt: skip
        where.append(f"(e.geom IS NULL OR ({inside}))" if unplaced else inside)
        kind_args += _bbox_args(query.bbox)
    if scope is not None:
        sources.append("LEFT JOIN generalised AS g ON g.rid = e.rid")
    for column in ("status", "agency", "classification", "severity", "county", "municipality"):
        values = sorted(getattr(query, column))
        if values:
            where.append(f"e.{column} IN ({','.join('?' * len(values))})")
            kind_args += values
    if query.category:
        where.append(f"{shown('category')} IN ({','.join('?' * len(query.category))})")
        kind_args += sorted(query.category)
    timed = []
    if query.end is not None:
        timed.append(f"{shown('start_us')} <= ?")
        kind_args.append(to_micros(query.end))
    if query.start is not None:
        timed.append(f"({shown('end_us')} IS NULL OR {shown('end_us')} >= ?)")
        kind_args.append(to_micros(query.start))
    if timed:
        untimed = f"{shown('start_us')} IS NULL"
        meets = " AND ".join([f"{shown('start_us')} IS NOT NULL", *timed])
        where.append(f"({untimed} OR ({meets}))" if unplaced else f"({meets})")
    if query.text:
        where.append(f"instr({shown('label')}, ?) > 0")
        kind_args.append(query.text.casefold())
    keys: list[tuple[str, bool]] = []
    for name, descending in query.sort:
        column = SORTABLE[query.kind][name]
        stored = _STORED.get(column, column)
        keys.append((f"coalesce({shown(stored)}, {_SORT_EMPTY[column]!r})", descending))
    if after_rid is not None:  # after the previous page's last record, in the same order
        assert query.after is not None
        values = [*query.after[:-1], after_rid]
        order = [*keys, ("e.rid", False)]
        alternatives = []
        for i, (expression, descending) in enumerate(order):
            ties = [f"{e} = ?" for e, _ in order[:i]]
            beyond = f"{expression} {'<' if descending else '>'} ?"
            alternatives.append(" AND ".join([*ties, beyond]))
            kind_args += [*values[:i], values[i]]
        where.append("(" + " OR ".join(f"({a})" for a in alternatives) + ")")
    ordering = ", ".join(f"k{i}{' DESC' if d else ''}" for i, (_, d) in enumerate(keys))
    ordering = f"{ordering}, rid" if ordering else "rid"
    picked = "".join(f", {expression} AS k{i}" for i, (expression, _) in enumerate(keys))
    sql = (f"SELECT e.rid AS rid, e.id AS id, e.seq AS seq, e.geom AS geom{picked} FROM "
           f"{' '.join(sources)} WHERE {' AND '.join(where)} ORDER BY {ordering}")  # fmt: skip
    args += kind_args
    if query.limit is not None:
        sql += " LIMIT ?"
        args.append(query.limit)
    return sql, args


def _bbox_args(bbox: tuple[float, float, float, float]) -> list[float]:
    min_x, min_y, max_x, max_y = bbox
    return [min_x, max_x, min_y, max_y]


def _check_kind(kind: str) -> None:
    if kind not in RECORD_TYPES:
        raise GeoriskError(f"unknown kind {kind!r}; one of {', '.join(RECORD_TYPES)}")


def _entity_row(
    rid: int,
    record: Record,
    seq: int,
    wkb: bytes | None,
    bounds: list[float],
) -> tuple[Any, ...]:
    columns = projection_columns(record)
    start, end = columns["start"], columns["end"]
    return (
        rid,
        record.kind,
        record.id,
        columns["category"],
        record.status,  # type: ignore[attr-defined]
        record.agency,  # type: ignore[attr-defined]
        record.classification,  # type: ignore[attr-defined]
        columns["severity"],
        None if start is None else to_micros(start),
        None if end is None else to_micros(end),
        columns["label"].casefold(),
        columns["county"],
        columns["municipality"],
        seq,
        wkb,
        *(None if wkb is None else bound for bound in bounds),
    )


def _records(kind: str, rows: Sequence[tuple[Any, ...]]) -> list[Record]:
    """Records from (rid, id, payload, geom) rows, decoding geometries in one call."""
    cls = RECORD_TYPES[kind]
    geometries = shapely.from_wkb([row[3] for row in rows])
    return [
        cls.from_parts(row[1], orjson.loads(row[2])["properties"], geometry)
        for row, geometry in zip(rows, geometries, strict=True)
    ]


def _event(row: tuple[Any, ...]) -> Event:
    seq, time_us, actor, agency, kind, entity_id, classification, payload, mask = row[:9]
    return Event(
        seq,
        from_micros(time_us),
        actor,
        Agency(agency),
        kind,
        entity_id,
        Classification(classification),
        orjson.loads(payload),
        mask,
        row[9:],
    )
