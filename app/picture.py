"""``GET /api/v1/picture``: everything the live map shows, in one answer, for one viewer.

The map needs the open incidents, all units, the active blockages and the latest
day's risk zones at once, plus the journal position they stand at, in the viewer's own
view of the journal (`georisk.journal.VIEWS`): the page then follows the stream from
``seq``. It is read *before* the records, so an event written in between is in the
stream as well as (perhaps) in the records; applying a whole-record event twice changes
nothing, while the reverse order could lose it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
from flask import Blueprint, Response, current_app

from app import presenting
from app.auth import current_viewer
from georisk.access import view_of
from georisk.model import BlockageStatus, IncidentStatus, RiskZoneStatus
from georisk.store import Query, Store
from georisk.timeutil import STOCKHOLM, utc_now

blueprint = Blueprint("picture", __name__, url_prefix="/api/v1")


def _store() -> Store:
    return current_app.extensions["georisk.store"]


CURRENT_ZONE_DAYS = 1  # yesterday's zones still show until today's are issued


def latest_zones(store: Store, today: date | None = None) -> list[Any]:
    """The issued zones of the latest day that has any, if that day is today or yesterday
    (Stockholm): out of season, last September's zones must not colour today's map."""
    issued = store.query(Query("riskzones", status=frozenset({RiskZoneStatus.ISSUED}))).records
    if not issued:
        return []
    day = max(zone.valid_date for zone in issued)  # type: ignore[attr-defined]
    today = today or utc_now().astimezone(STOCKHOLM).date()
    if date.fromisoformat(day) < today - timedelta(days=CURRENT_ZONE_DAYS):
        return []
    return [zone for zone in issued if zone.valid_date == day]  # type: ignore[attr-defined]


@blueprint.get("/picture")
def picture() -> Response:
    viewer = current_viewer()
    assert viewer is not None  # app.auth refuses anonymous requests
    store = _store()
    seq = store.view_position(view_of(viewer), store.last_seq())
    incidents = store.query(Query("incident", status=frozenset({IncidentStatus.OPEN}))).records
    units = store.query(Query("unit")).records
    blockages = store.query(Query("blockage", status=frozenset({BlockageStatus.ACTIVE}))).records
    body = {
        "seq": seq,
        "viewer": {"name": viewer.name, "agency": str(viewer.agency), "role": str(viewer.role)},
        "incidents": presenting.features(viewer, incidents),
        "units": presenting.features(viewer, units),
        "blockages": presenting.features(viewer, blockages),
        "riskzones": presenting.features(viewer, latest_zones(store)),
    }  # fmt: skip
    return Response(orjson.dumps(body), mimetype="application/json")
