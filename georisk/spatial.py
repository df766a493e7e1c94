"""The live spatial index: where units and open incidents are, right now.

An in-process R-tree (libspatialindex through `rtree`) in SWEREF 99 TM metres, kept
current from the journal one event at a time: units move every few seconds, so a
static tree rebuilt on change would be rebuilt constantly. Answers nearest, within a
distance, and within a box; distances are in metres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rtree

from georisk.crs import METRIC, WGS84, to_sweref, xy_transformer
from georisk.journal import Event
from georisk.model import Incident, IncidentStatus, Record, Unit
from georisk.store.base import Query, Store


@dataclass(frozen=True, slots=True)
class Hit:
    record: Record
    distance_m: float


@dataclass(slots=True)
class _Item:
    number: int
    record: Record
    x: float
    y: float


class LiveIndex:
    """Units with a position and open incidents, by location."""

    KINDS = ("unit", "incident")

    def __init__(self) -> None:
        # One tree per kind, so that "nearest units" never wades through incidents.
        self._trees = {kind: rtree.index.Index(interleaved=True) for kind in self.KINDS}
        self._items: dict[int, _Item] = {}
        self._numbers: dict[tuple[str, str], int] = {}
        # incident id -> ids of the open incidents whose links name it (links go one way:
        # each agency links its own record), so "linked from" is a look-up, not a scan
        self._linked_from: dict[str, set[str]] = {}
        self._next_number = itertools.count(1)
        self.seq = 0  # the last journal event applied

    # -- keeping current -----------------------------------------------------------

    @classmethod
    def from_store(cls, store: Store) -> LiveIndex:
        index = cls()
        index.seq = store.last_seq()  # read first: later events are caught up, not lost
        for query in (
            Query("unit"),
            Query("incident", status=frozenset({IncidentStatus.OPEN})),
        ):
            for record in store.query(query).records:
                index.put(record)
        index.catch_up(store)
        return index

    def catch_up(self, store: Store, batch: int = 5_000) -> int:
        """Apply the journal's events after the last one seen; return how many."""
        applied = 0
        while events := store.events_after(self.seq, batch):
            for event in events:
                self.apply(event)
            applied += len(events)
        return applied

    def apply(self, event: Event) -> None:
        if event.seq <= self.seq:
            return
        self.seq = event.seq
        if event.entity_kind in ("unit", "incident"):
            self.put(event.record())

    def put(self, record: Record) -> None:
        """Insert, move or remove ``record`` according to its current state."""
        key = (record.kind, record.id)
        number = self._numbers.get(key)
        if number is not None:
            old = self._items.pop(number)
            self._trees[record.kind].delete(number, (old.x, old.y, old.x, old.y))
            self._unlink(old.record)
        if not _belongs(record):
            self._numbers.pop(key, None)
            return
        for other, _ in getattr(record, "links", ()):
            self._linked_from.setdefault(other, set()).add(record.id)
        if number is None:
            number = next(self._next_number)
            self._numbers[key] = number
        x, y = to_sweref(record.geometry.x, record.geometry.y)  # type: ignore[union-attr]
        self._items[number] = _Item(number, record, x, y)
        self._trees[record.kind].insert(number, (x, y, x, y))

    def _unlink(self, record: Record) -> None:
        for other, _ in getattr(record, "links", ()):
            linking = self._linked_from.get(other)
            if linking is not None:
                linking.discard(record.id)
                if not linking:
                    del self._linked_from[other]

    def __len__(self) -> int:
        return len(self._items)

    # -- questions -------------------------------------------------------------------

    def linking(self, incident_id: str) -> list[Record]:
        """The open incidents whose links name ``incident_id``, in id order."""
        numbers = (self._numbers[("incident", id_)]
                   for id_ in sorted(self._linked_from.get(incident_id, ())))
        return [self._items[n].record for n in numbers]

    def nearest(
        self,
        lon: float,
        lat: float,
        k: int = 10,
        *,
        kind: str = "unit",
        where: Callable[[Record], bool] | None = None,
        **equals: str,
    ) -> list[Hit]:
        """The ``k`` nearest records of ``kind`` passing the filters, nearest first.

        ``equals`` filters by attribute (``agency="rescue", status="available"``);
        ``where`` takes any further predicate.
        """
        x, y = to_sweref(lon, lat)
        accept = _filter(None, where, equals)
        tree = self._trees[kind]
        wanted = max(k * 4, 16)
        while True:
            numbers = list(tree.nearest((x, y, x, y), wanted))
            hits = [self._hit(n, x, y) for n in numbers if accept(self._items[n].record)]
            if len(hits) >= k or len(numbers) < wanted:
                hits.sort(key=lambda hit: hit.distance_m)
                return hits[:k]
            wanted *= 4

    def within(
        self,
        lon: float,
        lat: float,
        distance_m: float,
        *,
        kind: str | None = None,
        where: Callable[[Record], bool] | None = None,
        **equals: str,
    ) -> list[Hit]:
        """Everything within ``distance_m`` metres, nearest first."""
        x, y = to_sweref(lon, lat)
        accept = _filter(kind, where, equals)
        box = (x - distance_m, y - distance_m, x + distance_m, y + distance_m)
        hits = [
            hit
            for n in self._candidates(kind, box)
            if accept(self._items[n].record)
            and (hit := self._hit(n, x, y)).distance_m <= distance_m
        ]
        return sorted(hits, key=lambda hit: hit.distance_m)

    def in_bbox(
        self,
        min_lon: float,
        min_lat: float,
        max_lon: float,
        max_lat: float,
        *,
        kind: str | None = None,
        where: Callable[[Record], bool] | None = None,
        **equals: str,
    ) -> list[Record]:
        """Everything inside a longitude/latitude box (edges included)."""
        # The image of a lon/lat box in SWEREF 99 TM is curved: bound its densified edges.
        box = xy_transformer(WGS84, METRIC).transform_bounds(
            min_lon, min_lat, max_lon, max_lat, densify_pts=32
        )
        accept = _filter(kind, where, equals)
        found = []
        for n in self._candidates(kind, box):
            record = self._items[n].record
            point = record.geometry
            inside = min_lon <= point.x <= max_lon and min_lat <= point.y <= max_lat  # type: ignore[union-attr]
            if inside and accept(record):
                found.append(record)
        return found

    def _candidates(self, kind: str | None, box: tuple[float, ...]) -> Iterable[int]:
        kinds = self.KINDS if kind is None else (kind,)
        return itertools.chain.from_iterable(self._trees[k].intersection(box) for k in kinds)

    def _hit(self, number: int, x: float, y: float) -> Hit:
        item = self._items[number]
        return Hit(item.record, math.hypot(item.x - x, item.y - y))


def _belongs(record: Record) -> bool:
    if isinstance(record, Unit):
        return record.position is not None
    if isinstance(record, Incident):
        return record.status == IncidentStatus.OPEN
    return False


def _filter(
    kind: str | None, where: Callable[[Record], bool] | None, equals: dict[str, str]
) -> Callable[[Record], bool]:
    checks: Iterable[tuple[str, str]] = tuple(equals.items())

    def accept(record: Record) -> bool:
        if kind is not None and record.kind != kind:
            return False
        for name, value in checks:
            if getattr(record, name, None) != value:
                return False
        return where is None or where(record)

    return accept
