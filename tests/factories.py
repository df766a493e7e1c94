"""Small builders of valid records and inputs, so each test states only what matters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shapely

from georisk.commands import Actor
from georisk.model import (
    Agency,
    Blockage,
    BlockageReason,
    Incident,
    IncidentType,
    Unit,
    UnitKind,
)

RESCUE = Actor("anna.r", Agency.RESCUE)
POLICE = Actor("per.p", Agency.POLICE)
T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
OREBRO = (15.2066, 59.2741)
KARLSTAD = (13.5036, 59.3793)


def incident(id: str = "inc-1", **fields: Any) -> Incident:
    values: dict[str, Any] = dict(
        type=IncidentType.TRAFFIC,
        title="Trafikolycka E18",
        severity=3,
        agency=Agency.RESCUE,
        reported_at=T0,
        location=shapely.Point(*OREBRO),
    )
    values.update(fields)
    return Incident(id=id, **values)


def unit(id: str = "unit-1", **fields: Any) -> Unit:
    values: dict[str, Any] = dict(
        callsign="RÖR 2010", agency=Agency.RESCUE, unit_kind=UnitKind.ENGINE
    )
    values.update(fields)
    return Unit(id=id, **values)


def blockage(id: str = "blk-1", **fields: Any) -> Blockage:
    values: dict[str, Any] = dict(
        road="E18",
        reason=BlockageReason.ACCIDENT,
        start=T0,
        section=shapely.LineString([(14.52, 59.33), (14.60, 59.31)]),
    )
    values.update(fields)
    return Blockage(id=id, **values)


def incident_input(**properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "type": "fire",
        "title": "Brand i flerbostadshus",
        "severity": 3,
        "agency": "rescue",
    }
    props.update(properties)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(OREBRO)},
        "properties": props,
    }
