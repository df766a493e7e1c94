"""``GET /api/v1/picture``: everything the live map shows, in one answer, for one viewer.

The map needs the picture (`georisk.picture`: open incidents, all units, active
blockages, the current day's risk zones) at once, plus the journal position they stand
at, in the viewer's own view of the journal (`georisk.journal.VIEWS`): the page then
follows the stream from ``seq``. It is read *before* the records, so an event written in
between is in the stream as well as (perhaps) in the records; applying a whole-record
event twice changes nothing, while the reverse order could lose it.

Open incidents come from ``GET /api/v1/picture/incidents`` (the picture names it), as
lines of rows of the few fields the map draws, filters and lists them by
(`INCIDENT_FIELDS`, named on the first line), not as features: at 100,000 of them a
feature each is 44 MB and seconds of building, and one JSON document of 10 MB is one
parse that holds the page for a quarter of a second; the page asks for an incident's
whole record when its popup opens (``GET /api/v1/incidents/{id}``, through the same
policy). Units, blockages and risk zones are few and come whole.

The rows are kept per agency (`IncidentRows`; what the policy shows depends on the
viewer's agency alone, and a row holds nothing a lookup decides) and brought up to date
from the journal's incident events since they were made, so a map opened at 100,000
incidents costs a join of kept rows, not a reading of every record. A started service
makes every agency's rows at once, off the request path, so the first map need not wait.
"""

from __future__ import annotations

import logging
import threading

import orjson
from flask import Blueprint, Flask, Response, current_app, url_for

from app import presenting, warm_at_start
from app.auth import current_viewer
from app.kept_json import compact
from georisk.access import Presented, Role, Viewer, may_write, present, view_of
from georisk.model import Agency, Incident, Record
from georisk.picture import INCIDENT_STATUSES
from georisk.picture import picture as picture_of
from georisk.store import Store

blueprint = Blueprint("picture", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)

#: reported_s: when it was reported, in whole seconds since 1970 (UTC).
INCIDENT_FIELDS = ("id", "lon", "lat", "type", "severity", "agency", "reported_s",
                   "municipality", "county", "title", "generalised")
NDJSON = "application/x-ndjson"
#: Beyond this many incident events since the rows were made, they are made afresh.
CATCH_UP_EVENTS = 5_000


def _store() -> Store:
    return current_app.extensions["georisk.store"]


def _row(item: Presented) -> bytes:
    incident: Incident = item.record  # type: ignore[assignment]
    point = incident.location
    return compact(orjson.dumps([
        incident.id, point.x, point.y, incident.type, incident.severity, incident.agency,
        int(incident.reported_at.timestamp()), incident.municipality, incident.county,
        incident.title, item.generalised,
    ]))


def _rows_of(agency: Agency, incidents: list[Record]) -> dict[str, bytes]:
    """``agency``'s viewers' rows of ``incidents``, by id (the policy looks at the agency
    alone, so any of its viewers stands for all)."""
    viewer = Viewer("georisk", agency, Role.VIEWER)
    return {item.record.id: _row(item) for item in presenting.shown(viewer, incidents)}


class IncidentRows:
    """The picture's open incidents as each agency's viewers are shown them, one JSON row
    each by id, current at a journal position."""

    def __init__(self) -> None:
        self._kept: dict[Agency, tuple[int, dict[str, bytes]]] = {}
        self._locks = {agency: threading.Lock() for agency in Agency}
        self.warm = threading.Event()  # set unless a start's `warm_up` is still running
        self.warm.set()

    def warm_up(self, store: Store) -> None:
        """Make every agency's rows now (a service's start, off the request path), from one
        reading of the open incidents: at 100,000 a reading takes a few seconds, and one
        per agency made the start four times as long."""
        try:
            last_seq = store.last_seq()
            incidents = picture_of(store, kinds=("incident",))["incident"]
            for agency in Agency:
                with self._locks[agency]:
                    if agency not in self._kept:
                        self._kept[agency] = (last_seq, _rows_of(agency, incidents))
        except Exception:  # a map that asks later makes them itself
            log.exception("making the picture's incident rows at start failed")
        finally:
            self.warm.set()

    def rows(self, store: Store, viewer: Viewer, last_seq: int) -> list[bytes]:
        """The rows for ``viewer`` at least as new as ``last_seq``; while a start's
        `warm_up` runs, once it is done (it reads what this would read again)."""
        self.warm.wait()
        with self._locks[viewer.agency]:  # made once however many maps open at once
            seq, rows = self._kept.get(viewer.agency, (0, {}))
            if seq != last_seq:
                if not (rows and self._catch_up(store, viewer, rows, seq, last_seq)):
                    rows = _rows_of(viewer.agency,
                                    picture_of(store, kinds=("incident",))["incident"])
                self._kept[viewer.agency] = (last_seq, rows)
            return list(rows.values())

    @staticmethod
    def _catch_up(store: Store, viewer: Viewer, rows: dict[str, bytes], seq: int,
                  last_seq: int) -> bool:
        """Bring ``rows`` from ``seq`` to ``last_seq``; False when that is too far."""
        events = store.events_after(seq, limit=CATCH_UP_EVENTS + 1, entity_kind="incident")
        if len(events) > CATCH_UP_EVENTS:
            return False
        ids = {event.entity_id for event in events if event.seq <= last_seq}
        current = store.get_many("incident", ids)
        for id_ in ids:
            record = current.get(id_)
            shown = None
            if record is not None and record.status in INCIDENT_STATUSES:  # type: ignore[attr-defined]
                shown = present(viewer, record, lookup=presenting.lookup)
            if shown is None:
                rows.pop(id_, None)
            else:
                rows[id_] = _row(shown)
        return True


def install(app: Flask) -> None:
    rows = app.extensions["georisk.incident_rows"] = IncidentRows()
    app.register_blueprint(blueprint)
    if warm_at_start(app):
        def warm() -> None:
            with app.app_context():  # the policy looks up what records refer to
                rows.warm_up(app.extensions["georisk.store"])

        rows.warm.clear()
        threading.Thread(target=warm, name="georisk-picture-rows", daemon=True).start()


@blueprint.get("/picture")
def picture() -> Response:
    viewer = current_viewer()
    assert viewer is not None  # app.auth refuses anonymous requests
    store = _store()
    last_seq = store.last_seq()
    seq = store.view_position(view_of(viewer), last_seq)
    now = picture_of(store, kinds=("unit", "blockage", "riskzones"))
    body = {
        "seq": seq,
        "viewer": {"name": viewer.name, "agency": str(viewer.agency), "role": str(viewer.role),
                   # whose records the page offers to change (the server decides again)
                   "writes": [str(a) for a in Agency if may_write(viewer, a)]},
        "incidents": url_for("picture.picture_incidents"),
        "units": presenting.features(viewer, now["unit"]),
        "blockages": presenting.features(viewer, now["blockage"]),
        "riskzones": presenting.features(viewer, now["riskzones"]),
    }
    return Response(orjson.dumps(body), mimetype="application/json")


@blueprint.get("/picture/incidents")
def picture_incidents() -> Response:
    """The picture's open incidents as ``viewer`` is shown them, as lines of JSON: the
    first names the fields (``{"fields": [...]}``), then one row per incident. Asked for
    after ``/picture`` (whose ``seq`` the rows are at least as new as), and read by the
    page a part at a time as the lines arrive: 100,000 rows are never one parse."""
    viewer = current_viewer()
    assert viewer is not None  # app.auth refuses anonymous requests
    store = _store()
    rows: IncidentRows = current_app.extensions["georisk.incident_rows"]
    lines = [orjson.dumps({"fields": INCIDENT_FIELDS}), *rows.rows(store, viewer, store.last_seq())]
    return Response(b"\n".join(lines) + b"\n", mimetype=NDJSON)
