"""Moving a centre from one store to another (SQLite to PostGIS, or back).

The journal is copied exactly: every event keeps its sequence number, time, actor,
agency, kind, classification, payload and journal views, so cursors, exports and the
audit trail read the same afterwards. The projections are built anew from the copied
journal. Users, API tokens, the service's secrets (cursor and session keys) and the feed
ledger come along; sessions, sign-in counters, idempotency keys and work slots are
short-lived and do not (everyone signs in again).

`check` then compares both stores: the journal's length and each view's count, every
kind's ids, and the picture `state_at` at sampled times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from georisk.journal import ENTITY_KINDS, VIEWS, Event
from georisk.store.base import Store, StoreError
from georisk.store.connections import connect

#: The service's own tables that move with the journal, with their columns.
CARRIED = {
    "users": "name, agency, role, password_hash, disabled, epoch, created_us",
    "tokens": "id, name, agency, role, secret_hash, created_us, revoked_us, user_name",
    "service_secrets": "name, value",
    "feed_items": "source, source_id, entity_kind, entity_id, payload_hash, payload, "
                  "first_us, last_us, seq",
}
CHUNK = 20_000


def _chunks(source: Store, progress: Callable[[int], None] | None) -> Iterator[list[Event]]:
    after = 0
    while chunk := source.events_after(after, CHUNK):
        after = chunk[-1].seq
        if progress is not None:
            progress(after)
        yield chunk


def copy_store(source: Store, target: Store, progress: Callable[[int], None] | None = None
               ) -> dict[str, int]:
    """Copy ``source``'s journal and carried tables into the empty ``target``; how many
    events and rows of each table were copied."""
    copied = {"events": target.load_journal(_chunks(source, progress))}
    reading, writing = connect(source.location), connect(target.location)
    try:
        writing.execute("BEGIN IMMEDIATE")
        try:
            for table, columns in CARRIED.items():
                rows = [tuple(row) for row in
                        reading.execute(f"SELECT {columns} FROM {table}").fetchall()]
                marks = ", ".join("?" * len(columns.split(",")))
                writing.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
                copied[table] = len(rows)
            writing.execute("COMMIT")
        except BaseException:
            writing.execute("ROLLBACK")
            raise
    finally:
        reading.close()
        writing.close()
    return copied


@dataclass
class Comparison:
    """What `check` compared, and every difference it found (none: the same centre)."""

    events: int = 0
    moments: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences


def check(source: Store, target: Store, samples: int = 12) -> Comparison:
    """Compare two stores: length and views of the journal, ids of each kind, and the
    picture at ``samples`` times spread over the journal (and at its end)."""
    out = Comparison(events=source.last_seq())
    if target.last_seq() != out.events:
        out.differences.append(f"journal length {out.events} ≠ {target.last_seq()}")
        return out
    for view in VIEWS:
        mine, theirs = source.view_position(view, out.events), target.view_position(view,
                                                                                    out.events)
        if mine != theirs:
            out.differences.append(f"view {view}: {mine} events ≠ {theirs}")
    for kind in ENTITY_KINDS:
        if source.ids(kind) != target.ids(kind):
            out.differences.append(f"the ids of kind {kind} differ")
    if not out.events:
        return out
    first = source.events_after(0, 1)[0].time
    last = source.events_after(out.events - 1, 1)[0].time
    span = last - first
    moments = [first + span * (i / max(samples - 1, 1)) for i in range(samples)]
    moments.append(last + timedelta(seconds=1))
    for moment in moments:
        out.moments.append(moment.isoformat())
        mine, theirs = source.state_at(moment), target.state_at(moment)
        if mine.seq != theirs.seq:
            out.differences.append(f"state_at({moment.isoformat()}): seq {mine.seq} ≠ "
                                   f"{theirs.seq}")
            continue
        for kind in ENTITY_KINDS:
            left = [r.to_feature() for r in mine.records.get(kind, [])]
            right = [r.to_feature() for r in theirs.records.get(kind, [])]
            if left != right:
                out.differences.append(f"state_at({moment.isoformat()}): {kind} differ")
    return out


def refuse_same(source: Store, target: Store) -> None:
    if source.location == target.location:
        raise StoreError("--from and --to name the same store")
