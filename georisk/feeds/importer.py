"""Feed items into the journal: create, update, close, or skip, per item all-or-nothing.

All items of a payload go to the store in one transaction (thousands per second); only
when that transaction is refused is the batch retried item by item, so one bad item
costs its own rejection and never the rest of the batch.

Items that lie wholly outside the operating area (`georisk.area.operating`, one rule for
every source) are counted and dropped before anything is planned: they are not invalid,
only not the centre's, so they never make an import fail. Their raw form is not kept in
the ledger either: the ledger maps items to the records they became, and keeping other
regions' police events would be keeping personal data the centre has no use for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from georisk import commands as c
from georisk.area.operating import OperatingArea, configured
from georisk.errors import FieldError, GeoriskError, ValidationError
from georisk.feeds.base import FeedItem, Parsed, Rejected
from georisk.feeds.ledger import Ledger
from georisk.feeds.snapshot import Snapshot, endings
from georisk.model import (
    Blockage,
    BlockageStatus,
    Incident,
    IncidentStatus,
    Record,
    RiskZone,
    Unit,
)
from georisk.store import Store
from georisk.timeutil import utc_now
from georisk.validation import check_position

# Fields a feed never changes on an existing record: its life cycle belongs to the journal.
_LIFECYCLE = frozenset({"id", "status", "closed_at", "lifted_at"})


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    ignored: int = 0  # all items not for us, of which:
    outside: int = 0  # ... those wholly outside the operating area
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        self.created += other.created
        self.updated += other.updated
        self.closed += other.closed
        self.unchanged += other.unchanged
        self.ignored += other.ignored
        self.outside += other.outside
        self.rejected += other.rejected

    def __str__(self) -> str:
        ignored = f"{self.ignored} ignored"
        if self.outside:
            ignored += f" ({self.outside} outside the operating area)"
        return (
            f"{self.created} created, {self.updated} updated, {self.closed} closed, "
            f"{self.unchanged} unchanged, {ignored}, {len(self.rejected)} rejected"
        )


class Importer:
    """Imports parsed payloads of one source into one store."""

    def __init__(self, store: Store, actor: c.Actor, *, repeats: bool = False,
                 area: OperatingArea | None = None):
        self.store = store
        self.actor = actor
        self.repeats = repeats
        self.area = area if area is not None else configured()
        self.ledger = Ledger(store.location)

    def close(self) -> None:
        self.ledger.close()

    def run(self, parsed: Parsed) -> Summary:
        summary = self._import(parsed)
        if parsed.snapshot is not None:
            self._end(parsed.snapshot, summary)
        return summary

    def _import(self, parsed: Parsed) -> Summary:
        summary = Summary(ignored=len(parsed.ignored), rejected=list(parsed.rejected))
        items = self._unique(parsed.items, summary)
        items = self._valid_positions(items, summary)
        items = self._in_operating_area(items, summary)
        if not items:
            return summary
        planned = self._plan(items, summary)
        if not planned:
            return summary
        try:
            events = self.store.apply([cmd for _, cmds, _ in planned for cmd in cmds], self.actor)
        except GeoriskError:
            events = None
        if events is not None:
            self._count_and_remember(planned, events, summary)
            return summary
        for one in planned:  # isolate the item(s) the store refused
            try:
                events = self.store.apply(one[1], self.actor)
            except GeoriskError as exc:
                summary.rejected.append(Rejected(_label(one[0]), (FieldError("", str(exc)),)))
                continue
            self._count_and_remember([one], events, summary)
        return summary

    def _end(self, snapshot: Snapshot, summary: Summary) -> None:
        """Close the source's incidents the list says have ended (see `snapshot`)."""
        closes = endings(self.store, snapshot, utc_now())
        if not closes:
            return
        try:
            self.store.apply(closes, self.actor)
            summary.closed += len(closes)
            return
        except GeoriskError:
            pass
        for close in closes:  # one was closed by someone else meanwhile: that one is done
            try:
                self.store.apply([close], self.actor)
            except GeoriskError:
                continue
            summary.closed += 1

    # -- steps -------------------------------------------------------------------

    def _unique(self, items: list[FeedItem], summary: Summary) -> list[FeedItem]:
        if self.repeats:
            return items
        seen: set[str] = set()
        kept = []
        for item in items:
            if item.source_id in seen:
                summary.rejected.append(Rejected(
                    _label(item), (FieldError("id", "duplicate id within one payload"),)
                ))
                continue
            seen.add(item.source_id)
            kept.append(item)
        return kept

    @staticmethod
    def _valid_positions(items: list[FeedItem], summary: Summary) -> list[FeedItem]:
        """The system-wide coordinate rule (finite, in range, not swapped, near Sweden)."""
        kept = []
        for item in items:
            geometry = item.record.geometry
            try:
                if geometry is not None:
                    for lon, lat in _corners(geometry):
                        check_position(lon, lat, "geometry")
            except ValidationError as exc:
                summary.rejected.append(Rejected(_label(item), tuple(exc.errors)))
                continue
            kept.append(item)
        return kept

    def _in_operating_area(self, items: list[FeedItem], summary: Summary) -> list[FeedItem]:
        """Items with any part near the operating area; the rest only counted."""
        if not items:
            return items
        outside = self.area.outside([
            item.extent if item.extent is not None else item.record.geometry for item in items
        ])
        count = int(outside.sum())
        summary.ignored += count
        summary.outside += count
        return [item for item, away in zip(items, outside, strict=True) if not away]

    def _plan(
        self, items: list[FeedItem], summary: Summary
    ) -> list[tuple[FeedItem, list[c.Command], str]]:
        """Each item's commands and what they do ("created", "updated", "closed")."""
        by_kind: dict[str, set[str]] = {}
        for item in items:
            by_kind.setdefault(item.kind, set()).add(item.record.id)
        current: dict[tuple[str, str], Record] = {}
        for kind, ids in by_kind.items():
            for id_, record in self.store.get_many(kind, ids).items():
                current[(kind, id_)] = record
        known = self.ledger.lookup(items[0].source, (item.source_id for item in items))
        planned = []
        for item in items:
            key = (item.kind, item.record.id)
            existing = current.get(key)
            entry = known.get(item.source_id)
            if existing is not None and entry is not None and entry.payload_hash == item.digest:
                summary.unchanged += 1
                continue
            step = _commands(item, existing)
            if step is None:
                summary.unchanged += 1
                continue
            commands, effect = step
            planned.append((item, commands, effect))
            current[key] = _after(item, existing)
        return planned

    def _count_and_remember(
        self,
        planned: Sequence[tuple[FeedItem, list[c.Command], str]],
        events: Sequence[object],
        summary: Summary,
    ) -> None:
        seqs = iter(events)
        remembered: dict[tuple[str, str], tuple[FeedItem, int | None]] = {}
        for item, commands, effect in planned:
            seq = None
            for _ in commands:
                seq = next(seqs).seq  # type: ignore[attr-defined]
            setattr(summary, effect, getattr(summary, effect) + 1)
            remembered[(item.source, item.source_id)] = (item, seq)
        self.ledger.record(remembered.values())


def _commands(item: FeedItem, existing: Record | None) -> tuple[list[c.Command], str] | None:
    record = item.record
    if isinstance(record, Unit):
        if existing is None:
            return [c.RegisterUnit(record)], "created"
        last = existing.position_time  # type: ignore[attr-defined]
        if record.position is None or record.position_time is None:
            return None
        if last is not None and record.position_time <= last:
            return None  # an older or repeated report: the unit is already further on
        move = c.MoveUnit(record.id, record.position, record.position_time, record.heading,
                          record.speed_kmh)
        return [move], "updated"
    if isinstance(record, Incident):
        if existing is None:
            if item.withdrawn:
                return None  # cancelled before we ever saw it
            return [c.ReportIncident(record)], "created"
        if existing.status == IncidentStatus.CLOSED:  # type: ignore[attr-defined]
            return None
        if item.withdrawn:
            return [c.CloseIncident(record.id)], "closed"
        changes = _changes(existing, record)
        return ([c.UpdateIncident(record.id, changes)], "updated") if changes else None
    if isinstance(record, Blockage):
        if existing is None:
            if item.withdrawn:
                return None
            return [c.ReportBlockage(record)], "created"
        if existing.status == BlockageStatus.LIFTED:  # type: ignore[attr-defined]
            return None
        if item.withdrawn:
            return [c.LiftBlockage(record.id)], "closed"
        changes = _changes(existing, record)
        return ([c.UpdateBlockage(record.id, changes)], "updated") if changes else None
    if isinstance(record, RiskZone):
        if item.withdrawn:
            return ([c.WithdrawRiskZone(record.id)], "closed") if existing is not None else None
        return [c.IssueRiskZone(record)], "created" if existing is None else "updated"
    raise TypeError(f"no import rule for {record!r}")


def _changes(existing: Record, new: Record) -> dict[str, object]:
    changes = {}
    for name in type(new).__dataclass_fields__:
        if name in _LIFECYCLE:
            continue
        value = getattr(new, name)
        old = getattr(existing, name)
        if name == new.geometry_field:
            if old is None or value is None or not old.equals_exact(value, 1e-9):
                changes[name] = value
        elif value != old:
            changes[name] = value
    return changes


def _after(item: FeedItem, existing: Record | None) -> Record:
    """The record as it will be once the item's commands ran (for repeats in one batch)."""
    if existing is None or not isinstance(item.record, Unit):
        return item.record
    return existing.replace(position=item.record.position, position_time=item.record.position_time)


def _corners(geometry: object) -> list[tuple[float, float]]:
    import shapely

    coords = shapely.get_coordinates(geometry)
    return [(float(x), float(y)) for x, y in coords]


def _label(item: FeedItem) -> str:
    return f"{item.source} item {item.source_id!r}"


def import_parsed(store: Store, adapter: object, parsed: Parsed, *,
                  area: OperatingArea | None = None) -> Summary:
    """Convenience: one payload of one adapter into the store."""
    importer = Importer(store, adapter.actor, repeats=adapter.repeats,  # type: ignore[attr-defined]
                        area=area)
    try:
        return importer.run(parsed)
    finally:
        importer.close()
