"""The store for several service instances: PostgreSQL with PostGIS.

The same journal, projections and rules as the SQLite store (`georisk.store.journaling`,
`.selecting`, `.caches` hold what they share); what differs is here.

**Sequence numbers without gaps, committed in order.** A writer locks the journal
(``LOCK TABLE events IN EXCLUSIVE MODE``: plain reads go on, every other writer waits)
before it reads the last sequence number, and holds the lock until its transaction has
committed. So seq N+1 is assigned only after the transaction holding N has committed
(or rolled back, and N is assigned again): commits happen in seq order, and a reader
that sees N+1 sees N. A PostgreSQL sequence would not do: values are taken at insert
time but become visible at commit, so a reader could see 8 before 7 commits, move its
cursor past 8, and never read 7. The lock is taken by the database, not by georisk
code, so it holds against any process writing to the journal.

**Durable.** ``synchronous_commit = on`` for every connection: `apply` returns once the
commit is flushed to the write-ahead log. A client killed at any moment leaves the whole
batch or none of it (the transaction is rolled back when its connection drops).

**Connections** come from a pool (psycopg_pool) per process (a forked worker makes its
own); statements a connection runs again are prepared by psycopg on their second use.
Events are written with ``COPY``, projection rows with ``executemany`` (psycopg sends
those in one pipeline).

**Several instances.** Every write sends ``NOTIFY georisk_journal`` with the journal's
new last seq as payload, in its transaction: PostgreSQL delivers it at commit, to every
listening connection of every instance. A follower of the journal (each worker's live
stream) waits in `wait_for_events` on a connection that LISTENs, wakes for a payload
above the seq it has read, and then reads the journal itself: the notification only
says "there is more", so one lost (a dropped connection) costs at most the safety
interval (`settings.listen_safety_s`), after which it reads anyway.

The schema is versioned in the database (``georisk_schema``) and migrated on open under
an advisory lock; a database of a newer georisk is refused.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from importlib import resources
from typing import Any

import orjson
import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool

from georisk import settings
from georisk.commands import Actor, Command
from georisk.errors import GeoriskError
from georisk.gcpause import gc_paused
from georisk.journal import ACCESS_KIND, AUDIT_VIEW, ENTITY_KINDS, Event, audience_mask
from georisk.model import Record, records_from_features
from georisk.store import postgis_boxes as boxes
from georisk.store.base import Page, Picture, Query, Store, StoreClosed, StoreError
from georisk.store.caches import DecodedRecords, RecordCache
from georisk.store.journaling import (
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
    event,
    last_events_at,
    payloads_at,
    plan_batch,
    plan_note,
    projection_changes,
    records,
    seq_bounds,
    seq_of_position,
    view_column,
)
from georisk.store.selecting import Dialect, page, select
from georisk.timeutil import from_micros, to_micros

#: Taken by a migration, so that two instances starting at once migrate once.
_MIGRATION_LOCK = 0x6765_6F72  # "geor"
_ERA = f"(seq >> {ERA_BITS})"
#: The channel every write notifies, with the journal's new last seq.
CHANNEL = "georisk_journal"


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    if "password" in info:
        info["password"] = "***"
    user = info.get("user", "")
    host = info.get("host", "")
    return f"postgresql://{user}@{host}/{info.get('dbname', '')}"


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every step of the PostGIS schema, in order."""
    folder = resources.files("georisk.store") / "migrations" / "postgis"
    steps = [
        (int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".sql")
    ]
    return sorted(steps)


def pool_size() -> int:
    """Connections per process: ``GEORISK_PG_POOL`` (default 8)."""
    return max(1, int(os.environ.get("GEORISK_PG_POOL", "8")))


class PostGISStore(Store):
    def __init__(self, url: str, *, create: bool = True, max_connections: int | None = None):
        self.url = url
        self.location = url
        self._max = max_connections or pool_size()
        self._pools: dict[int, ConnectionPool] = {}
        self._left: list[ConnectionPool] = []  # a parent's pools, never used in a child
        self._pools_lock = threading.Lock()
        self._closed = False
        self._listening = threading.local()  # (pid, connection) of this thread's LISTEN
        self._cache = RecordCache()
        self._decoded = DecodedRecords()
        self.schema_version = self._migrate(create)

    # -- connections -------------------------------------------------------------

    def _pool(self) -> ConnectionPool:
        pid = os.getpid()
        pool = self._pools.get(pid)
        if pool is not None:
            return pool
        if self._closed:
            raise StoreClosed(f"{redacted(self.url)}: the store is closed")
        with self._pools_lock:
            if pid not in self._pools:
                # a forked child must not touch its parent's connections, not even to
                # close them (that would end them for the parent too)
                self._left += self._pools.values()
                self._pools.clear()
                self._pools[pid] = ConnectionPool(
                    self.url, min_size=1, max_size=self._max, open=True,
                    kwargs={"autocommit": True, "prepare_threshold": 1},
                    configure=_configure, name=f"georisk-{pid}", timeout=30,
                )
            return self._pools[pid]

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            pool = self._pool()
            with pool.connection() as con:
                yield con
        except psycopg.OperationalError as exc:
            raise StoreError(f"{redacted(self.url)}: {exc}") from exc

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Connection]:
        """A connection in a read-only transaction that sees one snapshot throughout."""
        with self._connection() as con, con.transaction():
            con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield con

    @contextmanager
    def _write(self) -> Iterator[tuple[psycopg.Connection, Head, int]]:
        """A connection in a transaction that holds the journal's lock (see the module),
        the journal's head under it and the first free rid (one round trip for all)."""
        with self._connection() as con, con.transaction():
            with con.pipeline():
                con.execute("LOCK TABLE events IN EXCLUSIVE MODE")
                found = con.execute(_HEAD)
            next_rid, seq, time_us, *positions = found.fetchone()
            head = EMPTY_HEAD if seq is None else (seq, time_us, tuple(positions))
            yield con, head, next_rid

    def close(self) -> None:
        self._closed = True
        held = getattr(self._listening, "held", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        with self._pools_lock:
            pool = self._pools.pop(os.getpid(), None)
        if pool is not None:
            pool.close()
        from georisk.store.connections import close_pool

        close_pool(self.url)  # and the service tables' connections to the same database

    def _migrate(self, create: bool) -> int:
        steps = migrations()
        newest = steps[-1][0]
        try:
            with psycopg.connect(self.url, autocommit=True) as con, con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                exists = con.execute("SELECT to_regclass('georisk_schema')").fetchone()[0]
                if exists is None:
                    if not create:
                        raise StoreError(
                            f"no georisk database at {redacted(self.url)}; create one with"
                            f" `georisk init-db --db {redacted(self.url)}`"
                        )
                    con.execute("CREATE TABLE georisk_schema (version integer NOT NULL)")
                    con.execute("INSERT INTO georisk_schema VALUES (0)")
                (version,) = con.execute("SELECT version FROM georisk_schema").fetchone()
                if version > newest:
                    raise StoreError(
                        f"{redacted(self.url)} has schema version {version}; this georisk "
                        f"knows up to {newest}: upgrade georisk"
                    )
                for number, script in steps:
                    if number > version:
                        con.execute(script)  # type: ignore[arg-type]
                        con.execute("UPDATE georisk_schema SET version = %s", (number,))
                        version = number
        except psycopg.OperationalError as exc:
            raise StoreError(f"{redacted(self.url)} is not reachable: {exc}") from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"{redacted(self.url)}: {exc} (a superuser must run"
                " `CREATE EXTENSION postgis` in it once)"
            ) from exc
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
        with gc_paused(), self._write() as (con, head, next_rid):
            batch = plan_batch(commands, actor, at, head,
                               lambda keys: self._load(con, keys, head[0]),
                               lambda: next_rid)
            _write_events(con, batch.event_rows, batch)
        events = batch.events
        # only once committed: a rolled-back seq is reused
        self._cache.update(events[0].seq, events[-1].seq, batch.written)
        return events

    def note(self, kind: str, actor: Actor, entity_id: str, payload: dict[str, Any]) -> Event:
        with self._write() as (con, head, _):
            row, written = plan_note(kind, actor, entity_id, payload, head)
            _write_events(con, [row], None)
        self._cache.update(written.seq, written.seq, {})
        return written

    def load_journal(self, chunks: Iterable[Sequence[Event]]) -> int:
        replay = Replay()
        with gc_paused(), self._write() as (con, head, _):
            if head[0]:
                raise StoreError(
                    f"{redacted(self.url)} already holds a journal; load into an empty one"
                )
            for chunk in chunks:
                _copy_events(con, replay.take(chunk))
            with con.pipeline():
                _write_entities(con, replay.batch())
                _notify(con, replay.last[0])
        return replay.last[0]

    # -- following ---------------------------------------------------------------

    def wait_for_events(self, after: int, poll_s: float) -> None:
        """Wait for a commit that takes the journal past seq ``after`` (its NOTIFY), at
        most `settings.listen_safety_s` (a lost NOTIFY costs no more than that); ``poll_s``
        is not used (no polling)."""
        if self._closed:
            raise StoreClosed(f"{redacted(self.url)}: the store is closed")
        held = getattr(self._listening, "held", None)
        if held is None or held[0] != os.getpid() or held[1].closed:
            try:
                con = psycopg.connect(self.url, autocommit=True)
                con.execute(f"LISTEN {CHANNEL}")
            except psycopg.OperationalError:
                time.sleep(settings.listen_safety_s())  # the database is away: the read says so
                return
            self._listening.held = held = (os.getpid(), con)
        con = held[1]
        deadline = time.monotonic() + settings.listen_safety_s()
        try:
            while (left := deadline - time.monotonic()) > 0:
                for notice in con.notifies(timeout=left, stop_after=1):
                    if int(notice.payload or 0) > after:
                        return
        except psycopg.OperationalError:
            con.close()  # a new connection listens next time

    # -- reading -----------------------------------------------------------------

    def _load(
        self, con: psycopg.Connection, keys: set[tuple[str, str]], last_seq: int | None = None
    ) -> dict[tuple[str, str], tuple[int, Record]]:
        """The current (rid, record) of each key that exists: from this process's cache
        once it has caught up with the journal, the rest decoded from the database."""
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
            rows = con.execute(
                "SELECT e.rid, e.id, ev.payload, ST_AsBinary(e.geom) FROM entities AS e"
                " JOIN events AS ev ON ev.seq = e.seq WHERE e.kind = %s AND e.id = ANY(%s)",
                (kind, ids),
            ).fetchall()
            for row, record in zip(rows, records(kind, rows), strict=True):
                decoded[(kind, record.id)] = (row[0], record)
        if decoded:
            found.update(decoded)
            self._cache.add(last_seq, decoded)
        return found

    def get(self, kind: str, id: str) -> Record | None:
        check_kind(kind)
        with self._connection() as con:
            found = self._load(con, {(kind, id)})
        return found[(kind, id)][1] if found else None

    def get_many(self, kind: str, ids: Iterable[str]) -> dict[str, Record]:
        check_kind(kind)
        with self._connection() as con:
            found = self._load(con, {(kind, id_) for id_ in ids})
        return {id_: record for (_, id_), (_, record) in found.items()}

    def ids(self, kind: str) -> list[str]:
        check_kind(kind)
        with self._connection() as con:
            rows = con.execute("SELECT id FROM entities WHERE kind = %s ORDER BY rid", (kind,))
            return [id_ for (id_,) in rows]

    def query(self, query: Query) -> Page:
        check_kind(query.kind)
        # statement by statement, as on SQLite: the payloads read after the page is
        # chosen are those of events, which never change
        with self._connection() as con:
            after_rid = None
            if query.after is not None:
                found = con.execute(
                    "SELECT rid FROM entities WHERE kind = %s AND id = %s",
                    (query.kind, query.after[-1]),
                ).fetchone()
                if found is None:
                    raise GeoriskError(
                        f"no {query.kind} {query.after[-1]!r} to continue after"
                    )
                after_rid = found[0]
            sql, args = select(query, after_rid, _DIALECT)
            if boxes.walks(con, query):
                walked, walked_args = select(query, after_rid, _WALKING)
                if boxes.in_order(con, _placeholders(walked), walked_args):
                    sql, args = walked, walked_args
            rows = con.execute(_placeholders(sql), args).fetchall()
            found_records = self._decoded.records(lambda seqs: _payloads(con, seqs), records,
                                                  query.kind, rows)
        return page(query, rows, found_records)

    def events_after(
        self, seq: int, limit: int = 1000, entity_kind: str | None = None
    ) -> list[Event]:
        if entity_kind is None:
            where, args = "seq > %s", (seq, limit)
        elif entity_kind == ACCESS_KIND:  # spelled out: the partial index is for this value
            where, args = f"seq > %s AND entity_kind = '{ACCESS_KIND}'", (seq, limit)
        else:
            where, args = "seq > %s AND entity_kind = %s", (seq, entity_kind, limit)
        with self._connection() as con:
            rows = con.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT %s", args
            ).fetchall()
        return [event(row) for row in rows]

    def events_in_view(self, view: str, after: int, limit: int = 1000) -> list[Event]:
        column, bit = view_column(view), audience_mask({view})
        with self._snapshot() as con:
            start = _seq_of_position(con, column, after)
            where = f"seq > %s AND audience & {bit} <> 0"
            if view == AUDIT_VIEW:  # spelled out: the partial index is for this value
                where += f" AND entity_kind = '{ACCESS_KIND}'"
            rows = con.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT %s",
                (start, limit),
            ).fetchall()
        return [event(row) for row in rows]

    def view_position(self, view: str, seq: int) -> int:
        with self._connection() as con:
            found = con.execute(
                f"SELECT {view_column(view)} FROM events WHERE seq <= %s"
                " ORDER BY seq DESC LIMIT 1",
                (seq,),
            ).fetchone()
        return found[0] if found else 0

    def seq_of_position(self, view: str, position: int) -> int:
        with self._snapshot() as con:
            return _seq_of_position(con, view_column(view), position)

    def events_of(
        self,
        kind: str,
        id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: Iterable[str] = (),
    ) -> list[Event]:
        with self._snapshot() as con:
            first, last = _seq_bounds(con, start, end)
            if first > last:
                return []
            eras = list(range(first >> ERA_BITS, (last >> ERA_BITS) + 1))
            sql = (
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {_ERA} = ANY(%s)"
                " AND entity_kind = %s AND entity_id = %s AND seq BETWEEN %s AND %s"
            )
            args: list[Any] = [eras, kind, id, first, last]
            if kinds := list(kinds):
                sql += " AND kind = ANY(%s)"
                args.append(kinds)
            rows = con.execute(sql + " ORDER BY seq", args).fetchall()
        return [event(row) for row in rows]

    def last_seq(self) -> int:
        with self._connection() as con:
            return _last_seq(con)

    def state_at(self, moment: datetime, kinds: Iterable[str] | None = None) -> Picture:
        kinds = list(kinds or ENTITY_KINDS)
        for kind in kinds:
            check_kind(kind)
        out: dict[str, list[Record]] = {kind: [] for kind in kinds}
        with self._snapshot() as con:
            seq, time_us = con.execute(
                "SELECT seq, time_us FROM events WHERE time_us <= %s ORDER BY time_us DESC,"
                " seq DESC LIMIT 1",
                (to_micros(moment),),
            ).fetchone() or (0, None)
            if seq:
                for kind, payloads in _payloads_at(con, seq, kinds).items():
                    out[kind] = records_from_features(kind, [orjson.loads(p) for p in payloads])
        return Picture(seq, None if time_us is None else from_micros(time_us), out)

    def record_rows(self, kind: str, moment: datetime | None = None) -> pd.DataFrame:
        check_kind(kind)
        with self._snapshot() as con:
            if moment is None:
                rows = con.execute(
                    "SELECT ev.seq, ev.time_us, ev.entity_id, ev.classification, ev.payload"
                    " FROM entities AS en JOIN events AS ev ON ev.seq = en.seq"
                    " WHERE en.kind = %s ORDER BY en.rid",
                    (kind,),
                ).fetchall()
            else:
                (seq,) = con.execute(
                    "SELECT coalesce(max(seq), 0) FROM events WHERE time_us <= %s",
                    (to_micros(moment),),
                ).fetchone()
                rows = con.execute(
                    "SELECT seq, time_us, entity_id, classification, payload FROM events"
                    " WHERE seq = ANY(%s) ORDER BY seq",
                    (_record_seqs(con, kind, seq),),
                ).fetchall()
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
        with self._snapshot() as con:
            first, last = _seq_bounds(con, start, end)
            where = ["entity_kind = %s", "seq BETWEEN %s AND %s"]
            args: list[Any] = [entity_kind, first, last]
            kinds = list(kinds)
            if kinds:
                where.append("kind = ANY(%s)")
                args.append(kinds)
            if view is not None:
                view_column(view)
                where.append(f"audience & {VIEW_BITS[view]} <> 0")
            # the value at a JSON path, a JSON scalar as SQLite's json_extract gives it
            picked = "".join(", jsonb_path_query_first(payload::jsonb, %s::jsonpath)"
                             for _ in fields)
            rows = con.execute(
                f"SELECT seq, time_us, kind, entity_id, classification{picked} FROM events"
                f" WHERE {' AND '.join(where)} ORDER BY seq",
                [*fields.values(), *args],
            ).fetchall()
        return pd.DataFrame(rows, columns=[*EVENT_ROW_COLUMNS, *fields])


def _configure(con: psycopg.Connection) -> None:
    con.execute("SET synchronous_commit = on")  # durable on return, whatever the server says


def _notify(con: psycopg.Connection, seq: int) -> None:
    """Tell every listening instance that the journal reaches ``seq`` (delivered when the
    transaction commits, and not at all if it rolls back)."""
    con.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))


def _placeholders(sql: str) -> str:
    """The shared query builder's ``?`` placeholders as psycopg's (it writes no other
    ``?`` and no ``%``)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _last_seq(con: psycopg.Connection) -> int:
    return con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]


_HEAD = f"""
SELECT (SELECT coalesce(max(rid), 0) + 1 FROM entities), last.*
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
    SELECT seq, time_us, {VIEW_COLUMNS} FROM events ORDER BY seq DESC LIMIT 1
) AS last ON true
"""
#: Batches this long or longer go in with COPY; shorter ones as INSERTs in the same
#: pipeline as their projection rows and NOTIFY (one round trip for a single event).
COPY_FROM = 64
_INSERT_EVENT = (f"INSERT INTO events ({EVENT_ROW}) VALUES"
                 f" ({', '.join(['%s'] * len(EVENT_ROW.split(',')))})")


def _write_events(con: psycopg.Connection, rows: list[tuple[Any, ...]],
                  batch: Batch | None) -> None:
    """The events, the projection rows of their batch (None: an access event, which has
    none) and the NOTIFY of the journal's new end."""
    if len(rows) >= COPY_FROM:
        _copy_events(con, rows)
    with con.pipeline(), con.cursor() as cursor:
        if len(rows) < COPY_FROM:
            cursor.executemany(_INSERT_EVENT, rows)
        if batch is not None:
            _write_entities(con, batch)
        _notify(con, rows[-1][0])


def _copy_events(con: psycopg.Connection, rows: list[tuple[Any, ...]]) -> None:
    with con.cursor() as cursor, cursor.copy(f"COPY events ({EVENT_ROW}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


_GEOM = "ST_GeomFromWKB(%s::bytea, 4326)"
_INSERT_ENTITY = f"""
INSERT INTO entities (rid, kind, id, category, status, agency, classification, severity,
                      start_us, end_us, label, county, municipality, seq, geom,
                      min_x, min_y, max_x, max_y, first_seq)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, {_GEOM},
        %s, %s, %s, %s, %s)
"""
_UPDATE_ENTITY = f"""
UPDATE entities SET category = %s, status = %s, agency = %s, classification = %s,
    severity = %s, start_us = %s, end_us = %s, label = %s, county = %s, municipality = %s,
    seq = %s, geom = {_GEOM}, min_x = %s, min_y = %s, max_x = %s, max_y = %s
WHERE rid = %s
"""
# A position report changes only these (see projection_columns for a unit). One
# statement for the whole batch, its rows as arrays: a thousand single-row UPDATEs, even
# pipelined, took half of a batch's time.
_MOVE_ENTITIES = """
UPDATE entities AS e SET start_us = m.at_us, end_us = m.at_us, seq = m.seq,
    geom = ST_GeomFromWKB(m.wkb, 4326), min_x = m.min_x, min_y = m.min_y,
    max_x = m.max_x, max_y = m.max_y
FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[], %s::float8[], %s::float8[],
            %s::float8[], %s::float8[], %s::bigint[])
     AS m (at_us, seq, wkb, min_x, min_y, max_x, max_y, rid)
WHERE e.rid = m.rid
"""
_UPSERT_GENERALISED = """
INSERT INTO generalised (rid, category, label, start_us, end_us, min_x, min_y, max_x, max_y)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (rid) DO UPDATE SET category = excluded.category, label = excluded.label,
    start_us = excluded.start_us, end_us = excluded.end_us, min_x = excluded.min_x,
    min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y
"""
_SET_REACH = "UPDATE entities SET reach = ST_MakeEnvelope(%s, %s, %s, %s, 4326) WHERE rid = %s"


def _write_entities(con: psycopg.Connection, batch: Batch) -> None:
    """Write the projection rows, their generalised rows and their index boxes."""
    changes = projection_changes(batch)
    with con.cursor() as cursor:
        if changes.moves:  # (start, end, seq, wkb, *bounds, rid): start and end are equal
            columns = list(zip(*changes.moves, strict=True))
            cursor.execute(_MOVE_ENTITIES, [list(column) for column in columns[1:]])
        for sql, rows in ((_INSERT_ENTITY, changes.inserts), (_UPDATE_ENTITY, changes.updates),
                          (_UPSERT_GENERALISED, changes.generalised),
                          ("DELETE FROM generalised WHERE rid = %s", changes.plain)):
            if rows:
                cursor.executemany(sql, rows)
        boxes = [(min_x, min_y, max_x, max_y, rid)
                 for kind_boxes in changes.boxes.values()
                 for rid, min_x, max_x, min_y, max_y in kind_boxes]
        if boxes:
            cursor.executemany(_SET_REACH, boxes)
        gone = [row for kind_gone in changes.gone.values() for row in kind_gone]
        if gone:
            cursor.executemany("UPDATE entities SET reach = NULL WHERE rid = %s", gone)


def _touched(con: psycopg.Connection, first: int, last: int) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT DISTINCT entity_kind, entity_id FROM events WHERE seq > %s AND seq <= %s",
        (first, last),
    ).fetchall()


def _payloads(con: psycopg.Connection, seqs: Sequence[int]) -> dict[int, str]:
    return dict(
        con.execute("SELECT seq, payload FROM events WHERE seq = ANY(%s)", (list(seqs),))
    )


def _seq_of_position(con: psycopg.Connection, column: str, position: int) -> int:
    def count_at(seq: int) -> int:
        return con.execute(f"SELECT {column} FROM events WHERE seq = %s", (seq,)).fetchone()[0]

    return seq_of_position(count_at, _last_seq(con), position)


def _seq_bounds(
    con: psycopg.Connection, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    return seq_bounds(con, "%s", start, end, lambda: _last_seq(con))


def _in_era(con: psycopg.Connection):
    def found(era: int, kind: str, ids: Sequence[str], seq: int) -> list[tuple[str, int]]:
        return con.execute(
            f"SELECT entity_id, max(seq) FROM events WHERE {_ERA} = %s AND entity_kind = %s"
            " AND entity_id = ANY(%s) AND seq <= %s GROUP BY entity_id",
            (era, kind, list(ids), seq),
        ).fetchall()

    return found


def _payloads_at(con: psycopg.Connection, seq: int, kinds: list[str]) -> dict[str, list[str]]:
    """Per kind, the payload of each entity's last event up to ``seq``, in rid order."""
    entities = con.execute(
        "SELECT kind, id, seq FROM entities WHERE kind = ANY(%s) AND first_seq <= %s"
        " ORDER BY rid",
        (kinds, seq),
    ).fetchall()
    return payloads_at(seq, kinds, entities, _in_era(con),
                       lambda seqs: _payloads(con, seqs))


def _record_seqs(con: psycopg.Connection, kind: str, seq: int) -> list[int]:
    found = [row[0] for row in con.execute(
        "SELECT seq FROM entities WHERE kind = %s AND first_seq <= %s AND seq <= %s",
        (kind, seq, seq))]
    wanted = [row[0] for row in con.execute(
        "SELECT id FROM entities WHERE kind = %s AND first_seq <= %s AND seq > %s ORDER BY id",
        (kind, seq, seq))]
    found += last_events_at(seq, {kind: wanted}, _in_era(con)).values()
    return sorted(found)


_DIALECT = Dialect(candidates=boxes.listed, contains="strpos({column}, ?) > 0",
                   geometry="ST_AsBinary(e.geom)")
_WALKING = replace(_DIALECT, candidates=boxes.walked)  # a page from a box that holds many
