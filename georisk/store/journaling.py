"""What every store backend does the same way, whatever its database.

Turning a batch of commands into events and projection rows (`plan_batch`), an access
event (`plan_note`), event times, each view's numbering, the rows of the projection and
of the generalised projection, and the search of an entity's last event by era. A
backend reads what these ask for and writes what they return, in its own SQL, inside its
own transaction: the rules are here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import add
from typing import Any

import orjson
import shapely

from georisk.access import GENERALISED_FOR_OTHERS, audience
from georisk.commands import Actor, Command
from georisk.errors import Conflict, GeoriskError
from georisk.journal import (
    ACCESS_KIND,
    AUDIT_VIEW,
    VIEWS,
    Event,
    audience_mask,
    decide,
    references,
    target,
)
from georisk.model import RECORD_TYPES, Agency, Classification, Record
from georisk.store.base import generalised_columns, projection_columns
from georisk.timeutil import format_utc, from_micros, to_micros, utc_now

Key = tuple[str, str]  # (kind, id)
#: The journal's last seq, its time (None when empty) and each view's count there.
Head = tuple[int, "int | None", tuple[int, ...]]

#: The index of events by entity is grouped by era, 2**ERA_BITS journal events (see the
#: SQLite migration 0005): look-ups name the eras they need.
ERA_BITS = 16
VIEW_COLUMNS = ", ".join(f"view_{view}" for view in VIEWS)
EVENT_COLUMNS = (
    f"seq, time_us, actor, agency, kind, entity_id, classification, payload, audience, "
    f"{VIEW_COLUMNS}"
)
#: The columns of an event row as `plan_batch` and `plan_note` give them.
EVENT_ROW = (
    f"seq, time_us, actor, agency, kind, entity_kind, entity_id, classification, payload, "
    f"audience, {VIEW_COLUMNS}"
)
RECORD_ROW_COLUMNS = ["seq", "time_us", "id", "classification", "payload"]
EVENT_ROW_COLUMNS = ["seq", "time_us", "kind", "entity_id", "classification"]
VIEW_BITS = {view: 1 << place for place, view in enumerate(VIEWS)}
#: Kinds of record whose bounds a backend indexes spatially (units move too often).
BOXED_KINDS = frozenset({"incident", "blockage", "riskzones"})
_REFERRING = frozenset({"unit.assigned", "unit.released", "incident.linked", "incident.unlinked"})
#: Per audience mask, what an event adds to each view's count.
_STEPS = [tuple((mask >> place) & 1 for place in range(len(VIEWS)))
          for mask in range(1 << len(VIEWS))]
CLASSIFICATIONS = {member.value: member for member in Classification}
EMPTY_HEAD: Head = (0, None, (0,) * len(VIEWS))


@dataclass
class Batch:
    """A batch of commands decided: its events and what the projection must become."""

    events: list[Event]
    event_rows: list[tuple[Any, ...]]
    written: dict[Key, tuple[int, Record]]  # (rid, record) as each entity now stands
    seqs: dict[int, int] = field(default_factory=dict)  # rid -> its last seq in the batch
    created: dict[int, int] = field(default_factory=dict)  # rid -> the seq that created it
    reshaped: set[int] = field(default_factory=set)  # rids changed by more than a move


def plan_batch(
    commands: Sequence[Command],
    actor: Actor,
    at: datetime | Sequence[datetime] | None,
    head: Head,
    load: Callable[[set[Key]], dict[Key, tuple[int, Record]]],
    next_rid: Callable[[], int],
) -> Batch:
    """Decide every command against the current records (``load``: their (rid, record)
    by key) after the journal's ``head``; ``next_rid`` gives the first free rid."""
    last_seq, last_us, positions = head
    times_us = event_times(at, len(commands), last_us)

    keys = [target(command) for command in commands]
    needed = set(keys).union(*(references(command) for command in commands))
    current = load(needed)

    def lookup(key: Key) -> Record | None:
        return current.get(key, (None, None))[1]

    def find(kind: str, id_: str) -> Record | None:  # for an audience: load if need be
        if (kind, id_) not in current:
            current.update(load({(kind, id_)}))
        return lookup((kind, id_))

    new_rid: int | None = None
    now_us, now = -1, None
    name, agency, dumps = actor.name, Agency(actor.agency), orjson.dumps  # (loop locals)
    masks: dict[tuple[str, str], int] = {}  # (classification, owner) -> audience
    batch = Batch([], [], {})
    events, event_rows, written = batch.events, batch.event_rows, batch.written
    seqs, created, reshaped = batch.seqs, batch.created, batch.reshaped
    for offset, (command, key) in enumerate(zip(commands, keys, strict=True)):
        rid, record = current.get(key, (None, None))
        if times_us[offset] != now_us:
            now_us = times_us[offset]
            now = from_micros(now_us)
        event_kind, new = decide(command, record, now, lookup, key)
        seq = last_seq + 1 + offset
        feature = new.to_feature()
        if rid is None:
            if new_rid is None:
                new_rid = next_rid()
            rid, new_rid = new_rid, new_rid + 1
            created[rid] = seq
        elif event_kind != "unit.moved":
            reshaped.add(rid)
        current[key] = written[key] = (rid, new)
        seqs[rid] = seq
        classification = CLASSIFICATIONS[new.classification]  # type: ignore[attr-defined]
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
        )
        events.append(Event(seq, now, name, agency, event_kind, new.id, classification,
                            feature, mask, positions))
    return batch


def plan_note(
    kind: str, actor: Actor, entity_id: str, payload: dict[str, Any], head: Head
) -> tuple[tuple[Any, ...], Event]:
    """The row and the event of an access event after the journal's ``head``."""
    if not kind.startswith(ACCESS_KIND + "."):
        raise ValueError(f"{kind!r} is not an access event kind")
    mask = audience_mask({AUDIT_VIEW})
    last_seq, last_us, positions = head
    time_us = max(to_micros(utc_now()), last_us or 0)  # time never goes back
    seq = last_seq + 1
    positions = tuple(map(add, positions, _STEPS[mask]))
    row = (seq, time_us, actor.name, actor.agency, kind, ACCESS_KIND, entity_id,
           Classification.AGENCY, orjson.dumps(payload).decode(), mask, *positions)
    event = Event(seq, from_micros(time_us), actor.name, Agency(actor.agency), kind,
                  entity_id, Classification.AGENCY, payload, mask, positions)
    return row, event


def event_times(
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


@dataclass
class ProjectionChanges:
    """The rows a batch writes to the projection, sorted by what must happen to them.

    Geometries are WKB (WGS84); a box is (rid, min_x, max_x, min_y, max_y): the union of
    the record's bounds and, when others see it generalised, of its generalised form's.
    """

    inserts: list[tuple[Any, ...]] = field(default_factory=list)  # entity_row + first seq
    updates: list[tuple[Any, ...]] = field(default_factory=list)  # entity_row[3:] + rid
    # (start, end, seq, wkb, *bounds, rid)
    moves: list[tuple[Any, ...]] = field(default_factory=list)
    generalised: list[tuple[Any, ...]] = field(default_factory=list)  # generalised_row
    plain: list[tuple[int]] = field(default_factory=list)  # rids no longer generalised
    boxes: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # by kind
    gone: dict[str, list[tuple[int]]] = field(default_factory=dict)  # rids without a box


def projection_changes(batch: Batch) -> ProjectionChanges:
    """The projection rows of a batch, with the geometry work vectorised.

    A unit that only moved gets a narrow update (times, seq, geometry): most of the
    traffic is position reports, and the other columns cannot have changed.
    """
    written = list(batch.written.values())
    seqs, created, reshaped = batch.seqs, batch.created, batch.reshaped
    geometries = [record.geometry for _, record in written]
    wkbs = shapely.to_wkb(geometries)
    bounds = shapely.bounds(geometries).tolist()
    out = ProjectionChanges()
    for (rid, record), wkb, box in zip(written, wkbs, bounds, strict=True):
        seq = seqs[rid]
        if rid in created:
            out.inserts.append((*entity_row(rid, record, seq, wkb, box), created[rid]))
        elif rid in reshaped:
            out.updates.append((*entity_row(rid, record, seq, wkb, box)[3:], rid))
        else:
            moved = to_micros(record.position_time)  # type: ignore[attr-defined]
            out.moves.append((moved, moved, seq, wkb, *box, rid))
        if record.classification in GENERALISED_FOR_OTHERS:  # type: ignore[attr-defined]
            row = generalised_row(rid, record)
            out.generalised.append(row)
            if wkb is not None and row[5] is not None:
                box = union(box, row[5:])
        elif rid in reshaped:  # perhaps generalised until this change
            out.plain.append((rid,))
        if record.kind not in BOXED_KINDS:
            continue
        if wkb is None:
            out.gone.setdefault(record.kind, []).append((rid,))
        else:
            min_x, min_y, max_x, max_y = box
            out.boxes.setdefault(record.kind, []).append((rid, min_x, max_x, min_y, max_y))
    return out


def entity_row(
    rid: int, record: Record, seq: int, wkb: bytes | None, bounds: list[float]
) -> tuple[Any, ...]:
    """(rid, kind, id, category, status, agency, classification, severity, start_us,
    end_us, label, county, municipality, seq, geom, min_x, min_y, max_x, max_y)."""
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


def generalised_row(rid: int, record: Record) -> tuple[Any, ...]:
    """(rid, category, label, start_us, end_us, min_x, min_y, max_x, max_y) of the form
    other agencies are shown."""
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


def union(box: Sequence[float], other: Sequence[float]) -> list[float]:
    return [min(box[0], other[0]), min(box[1], other[1]),
            max(box[2], other[2]), max(box[3], other[3])]


def step_positions(positions: tuple[int, ...], mask: int) -> tuple[int, ...]:
    """Each view's count after an event of audience ``mask``."""
    return tuple(map(add, positions, _STEPS[mask]))


def last_events_at(
    seq: int,
    wanted: dict[str, list[str]],
    in_era: Callable[[int, str, Sequence[str], int], Iterable[tuple[str, int]]],
) -> dict[Key, int]:
    """The seq of each wanted entity's last event up to ``seq`` (entities that changed
    since): the eras are searched backwards from ``seq``'s, all such entities of a kind
    at once per era (``in_era(era, kind, ids, seq)`` gives (id, max seq) of those with
    an event in that era up to ``seq``), until each has been found. Units moving all the
    time are found in the first."""
    at: dict[Key, int] = {}
    wanted = {kind: list(ids) for kind, ids in wanted.items() if ids}
    era = seq >> ERA_BITS
    while wanted and era >= 0:
        for kind, ids in list(wanted.items()):
            for id_, found in in_era(era, kind, ids, seq):
                at[(kind, id_)] = found
            left = [id_ for id_ in ids if (kind, id_) not in at]
            if left:
                wanted[kind] = left
            else:
                del wanted[kind]
        era -= 1
    return at


def payloads_at(
    seq: int,
    kinds: Sequence[str],
    entities: Sequence[tuple[str, str, int]],
    in_era: Callable[[int, str, Sequence[str], int], Iterable[tuple[str, int]]],
    payloads_of: Callable[[list[int]], dict[int, str]],
) -> dict[str, list[str]]:
    """Per kind, the payload of each entity's last event up to ``seq``, in the order of
    ``entities`` ((kind, id, current seq) of those that existed at ``seq``): an entity
    not changed since has it as its current event, the rest are searched by era
    (`last_events_at`); ``payloads_of(seqs)`` reads the payloads by seq."""
    at: dict[Key, int] = {}
    wanted: dict[str, list[str]] = {}
    for kind, id_, current in entities:
        if current <= seq:
            at[(kind, id_)] = current
        else:
            wanted.setdefault(kind, []).append(id_)
    at.update(last_events_at(seq, wanted, in_era))
    by_seq = payloads_of(sorted(at.values()))
    payloads: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, id_, _ in entities:
        if (kind, id_) in at:
            payloads[kind].append(by_seq[at[(kind, id_)]])
    return payloads


def seq_bounds(
    con: Any, mark: str, start: datetime | None, end: datetime | None,
    last_seq: Callable[[], int],
) -> tuple[int, int]:
    """The first and last seq of the events in a time window (first > last if none):
    event times never decrease with seq, so the window is one run of seqs. ``con`` is
    either backend's connection, ``mark`` its parameter placeholder (``?``, ``%s``)."""
    first = 1
    if start is not None:
        found = con.execute(f"SELECT min(seq) FROM events WHERE time_us >= {mark}",
                            (to_micros(start),)).fetchone()[0]
        first = found if found is not None else last_seq() + 1
    if end is None:
        return first, last_seq()
    last = con.execute(f"SELECT max(seq) FROM events WHERE time_us <= {mark}",
                       (to_micros(end),)).fetchone()[0]
    return first, last or 0


def view_column(view: str) -> str:
    if view not in VIEWS:
        raise GeoriskError(f"unknown journal view {view!r}; one of {', '.join(VIEWS)}")
    return f"view_{view}"


def check_kind(kind: str) -> None:
    if kind not in RECORD_TYPES:
        raise GeoriskError(f"unknown kind {kind!r}; one of {', '.join(RECORD_TYPES)}")


def records(kind: str, rows: Sequence[tuple[Any, ...]]) -> list[Record]:
    """Records from (rid, id, payload, wkb) rows, decoding geometries in one call."""
    cls = RECORD_TYPES[kind]
    geometries = shapely.from_wkb([None if row[3] is None else bytes(row[3]) for row in rows])
    return [
        cls.from_parts(row[1], orjson.loads(row[2])["properties"], geometry)
        for row, geometry in zip(rows, geometries, strict=True)
    ]


def event(row: Sequence[Any]) -> Event:
    """An event from a row of `EVENT_COLUMNS`."""
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
        tuple(row[9:]),
    )


def seq_of_position(count_at: Callable[[int], int], last: int, position: int) -> int:
    """The last seq at which a view counts at most ``position`` events (``count_at(seq)``
    is its count there): its reader, having read that many, goes on after it. A binary
    search over seq (each view's count never decreases with seq, and a view never counts
    more events than seq does)."""
    low, high = min(position, last), last  # its count at ``low`` is at most ``position``
    while low < high:
        middle = (low + high + 1) // 2
        if count_at(middle) <= position:
            low = middle
        else:
            high = middle - 1
    return low


def event_row(event: Event) -> tuple[Any, ...]:
    """The row of an event already journaled (by another store), in `EVENT_ROW` order."""
    return (event.seq, to_micros(event.time), event.actor, str(event.agency), event.kind,
            event.entity_kind, event.entity_id, str(event.classification),
            orjson.dumps(event.payload).decode(), event.audience, *event.positions)


class Replay:
    """The projection a journal leads to, taken event by event in seq order: each entity's
    first and last event, and the payload of the last (decoded once, at the end)."""

    def __init__(self) -> None:
        self._entities: dict[Key, list[Any]] = {}  # key -> [first seq, last seq, payload]
        self.last: Head = EMPTY_HEAD

    def take(self, events: Sequence[Event]) -> list[tuple[Any, ...]]:
        """Note the events (continuing the journal without a gap); their rows."""
        rows = []
        for event in events:
            if event.seq != self.last[0] + 1:
                raise GeoriskError(f"the journal has a gap before event {event.seq}")
            rows.append(event_row(event))
            self.last = (event.seq, to_micros(event.time), event.positions)
            if event.entity_kind == ACCESS_KIND:
                continue
            key = (event.entity_kind, event.entity_id)
            known = self._entities.get(key)
            if known is None:
                self._entities[key] = [event.seq, event.seq, event.payload]
            else:
                known[1], known[2] = event.seq, event.payload
        return rows

    def batch(self) -> Batch:
        """Every entity as a record created in an empty projection (rids in creation
        order), for `projection_changes`."""
        from georisk.model import record_from_feature

        batch = Batch([], [], {})
        ordered = sorted(self._entities.items(), key=lambda item: item[1][0])
        for rid, (key, (first, last, payload)) in enumerate(ordered, start=1):
            batch.written[key] = (rid, record_from_feature(key[0], payload))
            batch.seqs[rid], batch.created[rid] = last, first
        return batch
