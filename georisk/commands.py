"""What may be asked of the picture: one small type per change.

A command is already valid in itself (see `georisk.validation`); whether it fits the
current state (the unit exists, the incident is not already closed) is decided by
`georisk.journal.decide` inside the store's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from georisk.model import Agency, Blockage, Incident, LinkRelation, RiskZone, Unit, UnitStatus


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a person, a machine token or a feed, and the agency it speaks for."""

    name: str
    agency: Agency


SYSTEM = Actor("system", Agency.CENTRE)


@dataclass(frozen=True, slots=True)
class ReportIncident:
    incident: Incident


@dataclass(frozen=True, slots=True)
class UpdateIncident:
    id: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CloseIncident:
    """``note`` says why, when a rule rather than a person closes it (a feed's event that
    ended): it becomes the last line of the description, so the close event itself
    carries the reason to every reader of the journal, the map and the history."""

    id: str
    closed_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class LinkIncident:
    """Link an incident to another agency's (or change the link's relation)."""

    id: str
    other: str
    relation: LinkRelation = LinkRelation.POSSIBLE


@dataclass(frozen=True, slots=True)
class UnlinkIncident:
    id: str
    other: str


@dataclass(frozen=True, slots=True)
class RegisterUnit:
    unit: Unit


@dataclass(frozen=True, slots=True)
class UpdateUnit:
    id: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MoveUnit:
    """A position report."""

    id: str
    position: BaseGeometry
    time: datetime
    heading: float | None = None
    speed_kmh: float | None = None


@dataclass(frozen=True, slots=True)
class SetUnitStatus:
    id: str
    status: UnitStatus


@dataclass(frozen=True, slots=True)
class AssignUnit:
    """Attach a unit to an open incident (it may leave another incident for it)."""

    id: str
    incident_id: str


@dataclass(frozen=True, slots=True)
class ReleaseUnit:
    """Detach a unit from the incident it is assigned to."""

    id: str


@dataclass(frozen=True, slots=True)
class ReportBlockage:
    blockage: Blockage


@dataclass(frozen=True, slots=True)
class UpdateBlockage:
    id: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LiftBlockage:
    id: str
    lifted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueRiskZone:
    """Issue a zone, or re-issue it for the same day (replacing the earlier version)."""

    zone: RiskZone


@dataclass(frozen=True, slots=True)
class WithdrawRiskZone:
    id: str


Command = (
    ReportIncident
    | UpdateIncident
    | CloseIncident
    | LinkIncident
    | UnlinkIncident
    | RegisterUnit
    | UpdateUnit
    | MoveUnit
    | SetUnitStatus
    | AssignUnit
    | ReleaseUnit
    | ReportBlockage
    | UpdateBlockage
    | LiftBlockage
    | IssueRiskZone
    | WithdrawRiskZone
)
