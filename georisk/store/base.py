"""The store interface every backend implements (SQLite and PostGIS).

Callers speak only this interface: commands in, events and records out.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from georisk.access import GENERALISED_FOR_OTHERS, Scope, generalise
from georisk.commands import Actor, Command
from georisk.errors import GeoriskError
from georisk.journal import Event
from georisk.model import Blockage, Incident, Record, RiskZone, Unit

#: Per kind, the properties a list can be ordered by, and the projection column of each
#: (`projection_columns`). Without an order, records come in the order they were created.
SORTABLE: dict[str, dict[str, str]] = {
    "incident": {"reported_at": "start", "closed_at": "end", "severity": "severity",
                 "type": "category", "title": "label"},
    "unit": {"position_time": "start", "unit_kind": "category", "callsign": "label"},
    "blockage": {"start": "start", "lifted_at": "end", "reason": "category", "road": "label"},
    "riskzones": {"valid_from": "start", "valid_to": "end", "risk_class": "category",
                  "label": "label"},
}


@dataclass(frozen=True)
class Query:
    """A selection of current records of one kind.

    ``start``/``end`` select records whose time span meets the window: an incident
    from report to close (open ones have no end), a blockage from start to lift, a
    unit at its position time. Sets are "any of"; empty means no filter.

    ``seen_by`` makes every filter and the order act on the records as the viewers of
    one agency are shown them (`georisk.access.Scope`): records they may not see are not
    selected at all, and a generalised record is matched on its generalised form only
    (its cell, generic type and title), never on the values it hides. Without it the
    true records are selected, for the service's own use.
    """

    kind: str
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    start: datetime | None = None
    end: datetime | None = None
    status: frozenset[str] = frozenset()
    agency: frozenset[str] = frozenset()
    category: frozenset[str] = frozenset()  # incident type, unit kind or blockage reason
    classification: frozenset[str] = frozenset()
    severity: frozenset[int] = frozenset()
    county: frozenset[str] = frozenset()  # SCB codes
    municipality: frozenset[str] = frozenset()
    text: str | None = None  # case-insensitive part of title, callsign or road
    # records without a geometry (or time) match any bbox (or datetime), as OGC API -
    # Features asks; otherwise they match none
    unplaced_match: bool = False
    seen_by: Scope | None = None
    sort: tuple[tuple[str, bool], ...] = ()  # (property of SORTABLE, descending), in order
    limit: int | None = None
    after: tuple[Any, ...] | None = None  # `Page.next_after` of the previous page


@dataclass(frozen=True)
class Page:
    records: list[Record]
    # Pass as Query.after for the next page (None at the end): the sort values and the id
    # of the page's last record, as the query's viewers are shown them.
    next_after: tuple[Any, ...] | None


@dataclass(frozen=True)
class Picture:
    """The state of the picture after journal sequence number ``seq``."""

    seq: int
    time: datetime | None
    records: dict[str, list[Record]] = field(default_factory=dict)

    @property
    def incidents(self) -> list[Incident]:
        return self.records.get("incident", [])  # type: ignore[return-value]

    @property
    def units(self) -> list[Unit]:
        return self.records.get("unit", [])  # type: ignore[return-value]

    @property
    def blockages(self) -> list[Blockage]:
        return self.records.get("blockage", [])  # type: ignore[return-value]

    @property
    def riskzones(self) -> list[RiskZone]:
        return self.records.get("riskzones", [])  # type: ignore[return-value]


def projection_columns(record: Record) -> dict[str, Any]:
    """The attributes a backend indexes for filtering, the same for every backend."""
    match record:
        case Incident():
            return {
                "category": record.type,
                "severity": record.severity,
                "start": record.reported_at,
                "end": record.closed_at,
                "label": record.title,
                "county": record.county,
                "municipality": record.municipality,
            }
        case Unit():
            return {
                "category": record.unit_kind,
                "severity": None,
                "start": record.position_time,
                "end": record.position_time,
                "label": record.callsign,
                "county": "",
                "municipality": "",
            }
        case Blockage():
            return {
                "category": record.reason,
                "severity": None,
                "start": record.start,
                "end": record.lifted_at,
                "label": record.road,
                "county": record.county,
                "municipality": record.municipality,
            }
        case RiskZone():
            return {
                "category": record.risk_class,
                "severity": None,
                "start": record.valid_from,
                "end": record.valid_to,
                "label": record.label,
                "county": "",
                "municipality": "",
            }
    raise TypeError(f"not a record: {record!r}")


def generalised_columns(record: Record) -> dict[str, Any] | None:
    """The filter columns of the form other agencies are shown, for a record they are
    shown generalised (None for any other): `projection_columns` of `generalise`, and the
    bounds of its geometry."""
    if record.classification not in GENERALISED_FOR_OTHERS:  # type: ignore[attr-defined]
        return None
    shown = generalise(record)
    columns = projection_columns(shown)
    geometry = shown.geometry
    columns["bounds"] = None if geometry is None else geometry.bounds
    return columns


class StoreError(GeoriskError):
    """The database cannot be used (missing, unreachable, not georisk's, from a newer
    georisk)."""


class StoreClosed(StoreError):
    """The store was closed: whatever still reads it (a stream's poller) stops."""


class Store(ABC):
    """One journal of events with current-state projections kept in step."""

    #: Where the store is: a SQLite file's path or a PostgreSQL URL (`open_store` opens
    #: the same store again from it).
    location: str

    @abstractmethod
    def apply(
        self,
        commands: Sequence[Command],
        actor: Actor,
        *,
        at: datetime | Sequence[datetime] | None = None,
    ) -> list[Event]:
        """Journal the commands in one transaction and return their events.

        All or nothing: if any command is refused, nothing is written. ``at`` sets the
        event time (imports, scenarios), one for all or one per command; times may not
        go back before the last event nor decrease. Returns once the transaction is
        durable.
        """

    @abstractmethod
    def note(self, kind: str, actor: Actor, entity_id: str, payload: dict[str, Any]) -> Event:
        """Journal an access event (``access.<what>``: a sign-in, a refused write, user
        administration) that changes no record.

        It shares the journal's sequence and time with the picture's events, so the audit
        trail is one ordered story, but it has no projection: `state_at` and queries never
        see it, and `georisk.access.present_event` shows it to nobody.
        """

    @abstractmethod
    def get(self, kind: str, id: str) -> Record | None: ...

    @abstractmethod
    def get_many(self, kind: str, ids: Iterable[str]) -> dict[str, Record]:
        """The current records of those ids that exist, by id, in one look-up."""

    @abstractmethod
    def ids(self, kind: str) -> list[str]:
        """The ids of every current record of one kind, without decoding the records."""

    @abstractmethod
    def query(self, query: Query) -> Page: ...

    @abstractmethod
    def events_after(
        self, seq: int, limit: int = 1000, entity_kind: str | None = None
    ) -> list[Event]:
        """Events with a sequence number above ``seq``, oldest first; only those of one
        entity kind when given (``access`` for the audit listing)."""

    @abstractmethod
    def events_in_view(self, view: str, after: int, limit: int = 1000) -> list[Event]:
        """The events of one journal view (`georisk.journal.VIEWS`) numbered after
        ``after`` in that view, oldest first."""

    @abstractmethod
    def view_position(self, view: str, seq: int) -> int:
        """How many events of ``view`` the journal holds up to sequence number ``seq``:
        where a reader of that view stands once it has read that far."""

    @abstractmethod
    def seq_of_position(self, view: str, position: int) -> int:
        """The journal sequence number a reader of ``view`` stands at once it has read
        ``position`` events of it (the last seq before its next event)."""

    @abstractmethod
    def events_of(
        self,
        kind: str,
        id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: Iterable[str] = (),
    ) -> list[Event]:
        """The events of one entity, oldest first, optionally in a time window and of
        some event kinds only (``unit.moved`` events between two times are a track)."""

    @abstractmethod
    def last_seq(self) -> int: ...

    @abstractmethod
    def record_rows(self, kind: str, moment: datetime | None = None) -> pd.DataFrame:
        """Every entity of ``kind`` as the journal knew it at ``moment`` (now when None),
        one row each, in creation order: ``seq`` and ``time_us`` of the event that made
        it, ``id``, ``classification`` and ``payload`` (the record, GeoJSON text).

        For analysis, which reads a whole kind at once and decodes it column by column
        (`georisk.analysis.journal`) rather than record by record as `state_at` does.
        """

    @abstractmethod
    def event_rows(
        self,
        entity_kind: str,
        kinds: Iterable[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        fields: Mapping[str, str] | None = None,
        view: str | None = None,
    ) -> pd.DataFrame:
        """The events of one entity kind (of some event kinds only) in a time window,
        oldest first: ``seq``, ``time_us``, ``kind``, ``entity_id``, ``classification``
        and, per name in ``fields``, the value at its JSON path in the payload
        (``{"status": "$.properties.status"}``): a year of position reports is millions
        of events, of which analysis needs a few values each, never the whole payload.
        ``view`` keeps the events of one journal view only (`georisk.journal.VIEWS`).
        """

    @abstractmethod
    def state_at(self, moment: datetime, kinds: Iterable[str] | None = None) -> Picture:
        """The picture as the journal knew it at ``moment`` (transaction time)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def load_journal(self, chunks: Iterable[Sequence[Event]]) -> int:
        """Append another store's journal as it is (the same seqs, times, actors, views)
        to this empty store, and build the projections it leads to, in one transaction:
        all or nothing (`georisk.store.moving`). Returns the number of events."""

    def wait_for_events(self, after: int, poll_s: float) -> None:
        """Return when the journal may hold events after seq ``after``: what a follower
        of the journal (the live stream) waits on between reads. By default it waits
        ``poll_s`` seconds (a file on this machine is cheap to look at again); a store
        shared by several machines wakes its followers when another instance commits."""
        time.sleep(poll_s)

    def start_checkpointing(self, every_s: float = 0.5) -> Any:
        """Start whatever housekeeping the database needs from a thread of the service
        worker's own (SQLite copies its write-ahead log back); nothing by default."""
        return None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
