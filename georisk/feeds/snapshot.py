"""Sources that publish their current list and never say that an item ended (Polisen).

Polisen's list holds the latest events and nothing else: an event is never closed or
withdrawn, it only stops being listed. Left alone, every imported event would stay open
on the map for good. So an adapter of such a source describes each complete list it
read (`Snapshot`), and after the import the source's open incidents end by two rules:

* **dropped out**: a newer list that speaks for the incident's area no longer holds it.
  A list speaks for the areas it names (the municipalities and counties its events are
  located by): Polisen's national list names nearly every area of the region, and a list
  fetched for one place names only that place, so it never closes another place's
  events. A list whose newest event is older than the incident cannot speak for it.
* **too old**: it was reported more than ``max_age`` ago. The national list spans about a
  week, so drop-out alone would keep a week of events on the map; an event Polisen has
  not updated within that age is history for the room, not the picture.

Each is closed with a note saying which rule ended it (`georisk.commands.CloseIncident`),
so the close event and the record say why. An ended event that is still listed stays
closed: a re-import leaves a closed record as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from georisk import commands as c
from georisk.model import Incident, IncidentStatus, Record
from georisk.store import Query, Store
from georisk.texts import text


@dataclass(frozen=True)
class Snapshot:
    """What one complete list of a source says: which items it holds, for which areas,
    as of which moment, and how long an item of it stays current."""

    source: str
    ids: frozenset[str]  # every source id the list holds (readable or not)
    areas: frozenset[str]  # `area_of` each item it holds
    newest: datetime | None  # the time of its newest item
    max_age: timedelta


def area_of(record: Record) -> str:
    """The area a record stands for: the municipality or county it is located by."""
    code = getattr(record, "municipality", "") or getattr(record, "county", "")
    return f"{getattr(record, 'precision', '')}:{code}"


def endings(store: Store, snapshot: Snapshot, now: datetime) -> list[c.CloseIncident]:
    """A close command, with its reason, for each open incident of the source that ended."""
    hours = f"{snapshot.max_age.total_seconds() / 3600:g}"
    out = []
    for incident in _open_of(store, snapshot.source):
        expiry = incident.reported_at + snapshot.max_age
        if expiry <= now:
            note = text("feeds.closed.age", hours=hours, source=snapshot.source)
            out.append(c.CloseIncident(incident.id, expiry, note))
        elif _dropped(incident, snapshot):
            note = text("feeds.closed.dropped", source=snapshot.source)
            out.append(c.CloseIncident(incident.id, now, note))
    return out


def _dropped(incident: Incident, snapshot: Snapshot) -> bool:
    return (
        incident.source_id not in snapshot.ids
        and area_of(incident) in snapshot.areas
        and snapshot.newest is not None
        and incident.reported_at <= snapshot.newest
    )


def _open_of(store: Store, source: str) -> list[Incident]:
    page = store.query(Query("incident", status=frozenset({IncidentStatus.OPEN.value})))
    return [r for r in page.records if r.source == source]  # type: ignore[attr-defined]
