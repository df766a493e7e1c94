"""``GET /api/v1/picture``: everything the live map shows, in one answer, for one viewer.

The map needs the picture (`georisk.picture`: open incidents, all units, active
blockages, the current day's risk zones) at once, plus the journal position they stand
at, in the viewer's own view of the journal (`georisk.journal.VIEWS`): the page then
follows the stream from ``seq``. It is read *before* the records, so an event written in
between is in the stream as well as (perhaps) in the records; applying a whole-record
event twice changes nothing, while the reverse order could lose it.
"""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, current_app

from app import presenting
from app.auth import current_viewer
from georisk.access import may_write, view_of
from georisk.model import Agency
from georisk.picture import picture as picture_of
from georisk.store import Store

blueprint = Blueprint("picture", __name__, url_prefix="/api/v1")


def _store() -> Store:
    return current_app.extensions["georisk.store"]


@blueprint.get("/picture")
def picture() -> Response:
    viewer = current_viewer()
    assert viewer is not None  # app.auth refuses anonymous requests
    store = _store()
    seq = store.view_position(view_of(viewer), store.last_seq())
    now = picture_of(store)
    body = {
        "seq": seq,
        "viewer": {"name": viewer.name, "agency": str(viewer.agency), "role": str(viewer.role),
                   # whose records the page offers to change (the server decides again)
                   "writes": [str(a) for a in Agency if may_write(viewer, a)]},
        "incidents": presenting.features(viewer, now["incident"]),
        "units": presenting.features(viewer, now["unit"]),
        "blockages": presenting.features(viewer, now["blockage"]),
        "riskzones": presenting.features(viewer, now["riskzones"]),
    }
    return Response(orjson.dumps(body), mimetype="application/json")
