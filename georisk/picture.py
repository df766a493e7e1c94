"""What "the picture" is, now or at a past moment: the one rule every view of it uses.

The live map, the briefing export (now and in the past), the Cursor-on-Target feed and
anything else that shows "the current picture" take it from `picture`, so they cannot
disagree about what belongs in it:

* the incidents that are open,
* every unit,
* the blockages that are active,
* the issued risk zones of the latest day that has any, if that day is the moment's day
  or the day before (Stockholm time): yesterday's zones stay until today's are issued,
  and out of season last September's zones must not colour today's map.

These are the true records; each caller presents them for its viewer
(`georisk.access.present`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from georisk.model import (
    BlockageStatus,
    IncidentStatus,
    Record,
    RiskZone,
    RiskZoneStatus,
)
from georisk.store import Query, Store
from georisk.timeutil import STOCKHOLM, utc_now

KINDS = ("incident", "unit", "blockage", "riskzones")
#: The incidents the picture holds: the open ones.
INCIDENT_STATUSES = frozenset({IncidentStatus.OPEN})
#: How many days old the latest issued zones may be and still show.
CURRENT_ZONE_DAYS = 1


def picture(
    store: Store, moment: datetime | None = None, kinds: tuple[str, ...] = KINDS
) -> dict[str, list[Record]]:
    """The picture now (``moment`` None) or as the journal knew it at ``moment``, by
    record kind (``incident``, ``unit``, ``blockage``, ``riskzones``; now, only those of
    ``kinds`` are read)."""
    if moment is None:
        read = {
            "incident": lambda: store.query(Query("incident", status=INCIDENT_STATUSES)).records,
            "unit": lambda: store.query(Query("unit")).records,
            "blockage": lambda: store.query(
                Query("blockage", status=frozenset({BlockageStatus.ACTIVE}))).records,
            "riskzones": lambda: current_zones(
                store.query(Query("riskzones", status=frozenset({RiskZoneStatus.ISSUED}))).records,  # type: ignore[arg-type]
                _day(utc_now())),
        }
        return {kind: read[kind]() for kind in kinds}
    past = store.state_at(moment)
    issued = [zone for zone in past.riskzones if zone.status == RiskZoneStatus.ISSUED]
    return {
        "incident": [i for i in past.incidents if i.status in INCIDENT_STATUSES],
        "unit": list(past.units),
        "blockage": [b for b in past.blockages if b.status == BlockageStatus.ACTIVE],
        "riskzones": current_zones(issued, _day(moment)),
    }


def current_zones(issued: list[RiskZone], today: date) -> list[RiskZone]:
    """Of issued zones, those of the latest day up to ``today`` that has any, if that
    day is ``today`` or at most `CURRENT_ZONE_DAYS` before it."""
    days = [day for zone in issued if (day := date.fromisoformat(zone.valid_date)) <= today]
    if not days:
        return []
    latest = max(days)
    if latest < today - timedelta(days=CURRENT_ZONE_DAYS):
        return []
    return [zone for zone in issued if date.fromisoformat(zone.valid_date) == latest]


def _day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()
