"""The journal: events, and the rules that turn a command into an event.

Every change to the picture is one event. An event carries the whole record as it
stood *after* the change (a GeoJSON Feature), so that

* a live client applies an event by replacing its copy of the record,
* the picture at a past moment is, per entity, the payload of its last event before
  that moment (no replay from the start), and
* the audit trail shows each version in full.

`decide` is pure: every store backend calls it inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from georisk import commands as c
from georisk.errors import Conflict, NotFound, ValidationError
from georisk.model import (
    Agency,
    BlockageStatus,
    Classification,
    IncidentStatus,
    Record,
    RiskZoneStatus,
    record_from_feature,
)
from georisk.timeutil import format_utc

ENTITY_KINDS = ("incident", "unit", "blockage", "riskzones")
#: Events about access rather than the picture (sign-ins, refused writes, users).
ACCESS_KIND = "access"

#: The journal as each reader sees it: one view per agency (the events whose change that
#: agency's viewers are shown) and the audit view (access events, for admins). Each view
#: numbers its own events 1, 2, 3, ... without gaps, so that no reader learns from the
#: numbers how much happened that it may not see. Which views an event belongs to is
#: decided when it is written (`georisk.access.audience`) and kept with it.
VIEWS: tuple[str, ...] = (*(agency.value for agency in Agency), "audit")
AUDIT_VIEW = "audit"
_VIEW_BIT = {view: 1 << place for place, view in enumerate(VIEWS)}
_VIEW_PLACE = {view: place for place, view in enumerate(VIEWS)}


def audience_mask(views: frozenset[str] | set[str]) -> int:
    """Views as the bit mask the journal keeps (bit i for VIEWS[i])."""
    mask = 0
    for view in views:
        mask |= _VIEW_BIT[view]
    return mask


class Event(NamedTuple):
    """One change to the journal (immutable; a tuple: thousands are made per batch)."""

    seq: int
    time: datetime
    actor: str
    agency: Agency
    kind: str  # "<entity kind>.<what happened>", e.g. "incident.reported"
    entity_id: str
    classification: Classification
    payload: dict[str, Any]
    audience: int | None = None  # the views it belongs to (`audience_mask`), once journaled
    positions: tuple[int, ...] = ()  # per view of VIEWS, its number in that view up to here

    def seen_in(self, view: str) -> bool | None:
        """Whether the event belongs to ``view`` (None: not journaled, so not decided)."""
        if self.audience is None:
            return None
        return bool(self.audience & _VIEW_BIT[view])

    def position_in(self, view: str) -> int:
        """The event's number in ``view`` (or, for an event not in it, the number of the
        view's last event before it)."""
        return self.positions[_VIEW_PLACE[view]]

    @property
    def entity_kind(self) -> str:
        return self.kind.partition(".")[0]

    @property
    def is_picture(self) -> bool:
        """Whether the event changes a record of the picture (not an access event)."""
        return self.entity_kind in ENTITY_KINDS

    def record(self) -> Record:
        return record_from_feature(self.entity_kind, self.payload)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": format_utc(self.time),
            "actor": self.actor,
            "agency": str(self.agency),
            "kind": self.kind,
            "entity_id": self.entity_id,
            "classification": str(self.classification),
            "payload": self.payload,
        }


def target(command: c.Command) -> tuple[str, str]:
    """The (entity kind, id) a command changes."""
    match command:
        case c.MoveUnit(id=id_):  # first: most of the traffic
            return "unit", id_
        case c.ReportIncident(incident=incident):
            return "incident", incident.id
        case c.RegisterUnit(unit=unit):
            return "unit", unit.id
        case c.ReportBlockage(blockage=blockage):
            return "blockage", blockage.id
        case (
            c.UpdateIncident(id=id_)
            | c.CloseIncident(id=id_)
            | c.LinkIncident(id=id_)
            | c.UnlinkIncident(id=id_)
        ):
            return "incident", id_
        case (
            c.UpdateUnit(id=id_)
            | c.SetUnitStatus(id=id_)
            | c.AssignUnit(id=id_)
            | c.ReleaseUnit(id=id_)
        ):
            return "unit", id_
        case c.UpdateBlockage(id=id_) | c.LiftBlockage(id=id_):
            return "blockage", id_
        case c.IssueRiskZone(zone=zone):
            return "riskzones", zone.id
        case c.WithdrawRiskZone(id=id_):
            return "riskzones", id_
    raise TypeError(f"not a command: {command!r}")


def references(command: c.Command) -> list[tuple[str, str]]:
    """Other entities a command's decision needs to see (besides its target)."""
    if isinstance(command, c.AssignUnit):
        return [("incident", command.incident_id)]
    if isinstance(command, c.LinkIncident | c.UnlinkIncident):
        return [("incident", command.other)]
    return []


Lookup = Callable[[tuple[str, str]], "Record | None"]


def decide(
    command: c.Command,
    current: Record | None,
    now: datetime,
    lookup: Lookup = lambda key: None,
    key: tuple[str, str] | None = None,
) -> tuple[str, Record]:
    """The event kind and the new record, or NotFound/Conflict if the state forbids it.

    ``lookup`` gives the current state of the entities named by `references`; ``key``
    is the command's `target` when the caller already knows it.
    """
    kind, id_ = key or target(command)
    creates = isinstance(command, c.ReportIncident | c.RegisterUnit | c.ReportBlockage)
    if creates:
        if current is not None:
            raise Conflict(f"{kind} {id_!r} already exists")
    elif current is None and not isinstance(command, c.IssueRiskZone):
        raise NotFound(f"no {kind} with id {id_!r}")

    match command:  # position reports first: they are most of the traffic
        case c.MoveUnit(position=position, time=time, heading=heading, speed_kmh=speed):
            last = current.position_time  # type: ignore[attr-defined]
            if last is not None and time < last:
                raise Conflict(
                    f"position of unit {id_!r} at {format_utc(time)} is older than "
                    f"the one it already has ({format_utc(last)})"
                )
            moved = current.replace(position=position, position_time=time, heading=heading,  # type: ignore[union-attr]
                                    speed_kmh=speed)
            return "unit.moved", moved
        case c.ReportIncident(incident=new):
            return "incident.reported", new
        case c.RegisterUnit(unit=new):
            return "unit.registered", new
        case c.ReportBlockage(blockage=new):
            return "blockage.reported", new
        case c.UpdateIncident(changes=changes):
            _refuse_if_closed(current)
            return "incident.updated", current.replace(**changes)
        case c.CloseIncident(closed_at=closed_at, note=note):
            _refuse_if_closed(current)
            _refuse_before(closed_at, current.reported_at, "reported")  # type: ignore[attr-defined]
            closed = current.replace(status=IncidentStatus.CLOSED, closed_at=closed_at or now)
            if note:
                closed = closed.replace(description=_noted(closed.description, note))  # type: ignore[attr-defined]
            return "incident.closed", closed
        case c.LinkIncident(other=other, relation=relation):
            _refuse_if_closed(current)
            if other == id_:
                raise ValidationError.one("incident", "an incident is not linked to itself")
            if lookup(("incident", other)) is None:
                raise NotFound(f"no incident with id {other!r}")
            links = dict(current.links)  # type: ignore[attr-defined]
            if links.get(other) == relation:
                raise Conflict(f"incident {id_!r} is already linked to {other!r} ({relation})")
            links[other] = str(relation)
            return "incident.linked", current.replace(links=tuple(sorted(links.items())))
        case c.UnlinkIncident(other=other):
            links = dict(current.links)  # type: ignore[attr-defined]
            if links.pop(other, None) is None:
                raise Conflict(f"incident {id_!r} is not linked to {other!r}")
            return "incident.unlinked", current.replace(links=tuple(sorted(links.items())))
        case c.UpdateUnit(changes=changes):
            return "unit.updated", current.replace(**changes)
        case c.SetUnitStatus(status=status):
            return "unit.status", current.replace(status=status)
        case c.AssignUnit(incident_id=incident_id):
            incident = lookup(("incident", incident_id))
            if incident is None:
                raise NotFound(f"no incident with id {incident_id!r}")
            if incident.status != IncidentStatus.OPEN:  # type: ignore[attr-defined]
                raise Conflict(f"incident {incident_id!r} is closed")
            if current.assigned_to == incident_id:  # type: ignore[attr-defined]
                raise Conflict(f"unit {id_!r} is already assigned to incident {incident_id!r}")
            return "unit.assigned", current.replace(assigned_to=incident_id)
        case c.ReleaseUnit():
            if current.assigned_to is None:  # type: ignore[attr-defined]
                raise Conflict(f"unit {id_!r} is not assigned to any incident")
            return "unit.released", current.replace(assigned_to=None)
        case c.UpdateBlockage(changes=changes):
            _refuse_if_lifted(current)
            updated = current.replace(**changes)
            end = updated.expected_end  # type: ignore[attr-defined]
            if end is not None and end <= updated.start:  # type: ignore[attr-defined]
                raise ValidationError.one(
                    "properties.expected_end", f"{format_utc(end)} is not after the start"
                )
            return "blockage.updated", updated
        case c.LiftBlockage(lifted_at=lifted_at):
            _refuse_if_lifted(current)
            _refuse_before(lifted_at, current.start, "started")  # type: ignore[attr-defined]
            lifted = current.replace(status=BlockageStatus.LIFTED, lifted_at=lifted_at or now)
            return "blockage.lifted", lifted
        case c.IssueRiskZone(zone=zone):
            return "riskzones.issued", zone
        case c.WithdrawRiskZone():
            if current.status == RiskZoneStatus.WITHDRAWN:  # type: ignore[attr-defined]
                raise Conflict(f"risk zone {id_!r} is already withdrawn")
            return "riskzones.withdrawn", current.replace(status=RiskZoneStatus.WITHDRAWN)
    raise TypeError(f"not a command: {command!r}")


def _refuse_before(moment: datetime | None, start: datetime, what: str) -> None:
    if moment is not None and moment < start:
        raise ValidationError.one(
            "at", f"{format_utc(moment)} is before it {what} ({format_utc(start)})"
        )


#: The longest description a record may have (the edge's rule, `validation.Description`).
MAX_DESCRIPTION = 5_000


def _noted(description: str, note: str) -> str:
    """The description with ``note`` as its last line; the old text is cut, never the note."""
    room = MAX_DESCRIPTION - len(note) - 1
    head = description[: max(room, 0)].rstrip()
    return f"{head}\n{note}" if head else note[:MAX_DESCRIPTION]


def _refuse_if_closed(incident: Record) -> None:
    if incident.status == IncidentStatus.CLOSED:  # type: ignore[attr-defined]
        closed_at = format_utc(incident.closed_at)  # type: ignore[attr-defined]
        raise Conflict(f"incident {incident.id!r} was already closed at {closed_at}")


def _refuse_if_lifted(blockage: Record) -> None:
    if blockage.status == BlockageStatus.LIFTED:  # type: ignore[attr-defined]
        lifted_at = format_utc(blockage.lifted_at)  # type: ignore[attr-defined]
        raise Conflict(f"blockage {blockage.id!r} was already lifted at {lifted_at}")
