"""The JSON API under ``/api/v1``: incidents, units, assignments, blockages, journal.

Bodies are validated by `georisk.validation` (the same rules as the CLI); answers are
GeoJSON, shaped by the access policy in `app.presenting`; errors are problem+json
(`app.problems`). Every route is declared with `API.route`, with its query's model
(`app.queries`): the declaration checks each request's query and writes the OpenAPI
document served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import shapely
from flask import Blueprint, Response, current_app, request, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

from app import audit, headers, listing, presenting, queries, schemas
from app.auth import SAFE_METHODS, require_viewer
from app.idempotency import idempotent
from app.openapi import Api
from app.problems import Problem
from georisk import commands as c
from georisk import validation as v
from georisk.access import (
    Viewer,
    may_audit,
    may_read_history,
    may_write,
    present,
    present_all,
    view_of,
)
from georisk.area import attribute_point
from georisk.commands import Actor
from georisk.feeds.cap_export import incident_alert
from georisk.feeds.cot_out import picture_events
from georisk.gcpause import gc_paused
from georisk.journal import AUDIT_VIEW, ENTITY_KINDS, Event
from georisk.model import Agency, IncidentStatus, Record
from georisk.picture import picture as picture_of
from georisk.store import Query
from georisk.timeutil import format_utc, read_instant

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
API = Api(
    blueprint,
    "georisk JSON API",
    "1",
    "The shared picture of a joint emergency control centre: incidents, units, "
    "assignments, road blockages and the journal. Authenticate with a bearer token.",
)
GEOJSON = "application/geo+json"


# -- helpers -----------------------------------------------------------------------


def _json(data: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(orjson.dumps(data), status=status, mimetype=mimetype)


def _body(optional: bool = False) -> Any:
    """The request's JSON, or a precise 400/415 before any validation runs."""
    raw = _raw_body(optional)
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, f"malformed JSON: {exc}") from None


def _raw_body(optional: bool = False) -> bytes | None:
    """The request's body, once it says it is JSON and is not empty (400/415 if not)."""
    raw = request.get_data(cache=True)
    if not raw and optional:
        return None
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise Problem(415, f"send the body as application/json (got {mimetype or 'nothing'!r})",
                      headers={"Accept-Post": "application/json"})
    if not raw:
        raise Problem(400, "the request has no body; send a JSON object")
    return raw


def _existing(kind: str, id_: str) -> Record:
    """The current record, or 404 when it does not exist or the viewer may not see it
    (a 403 would tell that it exists)."""
    record = listing.store().get(kind, id_)
    if not presenting.visible(require_viewer(), record):
        if record is not None and request.method not in SAFE_METHODS:
            viewer = require_viewer()  # a write aimed at a hidden record: refused, and journaled
            _refused(viewer, record.agency, f"{kind}s", id_)  # type: ignore[attr-defined]
        raise Problem(404, f"no {kind} with id {id_!r}")
    return record  # type: ignore[return-value]


def _check_write(owner: Agency | str, what: str = "", id_: str = "") -> None:
    """403 (journaled: a refused write is an access event an admin must see) unless the
    viewer may change records of ``owner``."""
    viewer = require_viewer()
    if not may_write(viewer, Agency(owner)):
        _refused(viewer, owner, what, id_)
        raise Problem(
            403,
            f"a {viewer.role} of {viewer.agency} may not change {what or 'records'} "
            f"of {Agency(owner).value}",
        )


def _refused(viewer: Viewer, owner: Agency | str, what: str, id_: str) -> None:
    audit.note("write_refused", viewer.name, viewer.agency, id_ or what,
               role=str(viewer.role), owner=str(owner), what=what)


def _apply(commands: list[c.Command]) -> list[Event]:
    viewer = require_viewer()
    return listing.store().apply(commands, Actor(viewer.name, viewer.agency))


def _written(event: Event, status: int = 200) -> Response:
    """The write's answer: its number in the writer's view of the journal, and the record."""
    viewer = require_viewer()
    body = {"seq": event.position_in(view_of(viewer)),
            "feature": presenting.feature(viewer, event.record())}
    response = _json(body, status)
    if status == 201:
        response.headers["Location"] = request.base_url.rstrip("/") + "/" + event.entity_id
    return response


def _codes(lon: float, lat: float) -> dict[str, str]:
    """SCB county and municipality codes of a point inside the operating area."""
    found = attribute_point(lon, lat)
    if not found.in_area:
        return {"county": "", "municipality": ""}
    return {"county": found.county_code or "", "municipality": found.municipality_code or ""}


def _first_point(geometry: Any) -> tuple[float, float]:
    first = shapely.get_coordinates(geometry)[0]
    return float(first[0]), float(first[1])


# -- lists -------------------------------------------------------------------------

_FILTERS_NOTE = ("Every filter and the order act on the records as the viewer is shown them: "
                 "a generalised record is found by its cell, generic type and title only.")


def _list(query: queries.RecordList) -> Response:
    found = listing.page(require_viewer(), query.selection(), query.cursor, written=True)
    return _json(_collection(found.features, found.next_cursor), mimetype=GEOJSON)


def _collection(features: list[Any], following: str | None) -> dict[str, Any]:
    links = [{"href": request.url, "rel": "self", "type": GEOJSON}]
    if following is not None:
        query = {k: v for k, v in request.args.items() if k != "cursor"}
        query["cursor"] = following
        links.append({"href": f"{request.base_url}?{urlencode(query)}", "rel": "next",
                      "type": GEOJSON})
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "next": following,
        "links": links,
    }


# -- incidents ---------------------------------------------------------------------


@API.route("GET", "/incidents", summary="List incidents", tag="incidents",
           query=queries.IncidentList, answer=schemas.FeatureCollection,
           description=_FILTERS_NOTE)
def list_incidents(query: queries.IncidentList) -> Response:
    return _list(query)


@API.route("POST", "/incidents", summary="Report an incident", tag="incidents",
           body=v.IncidentReport, status=201, answer=schemas.WriteResult, write=True)
@idempotent
def report_incident() -> Response:
    """The county and municipality are filled in from the location."""
    command = v.report_incident(_body())
    incident = command.incident
    _check_write(incident.agency, "incidents", incident.id)
    incident = incident.replace(**_codes(incident.location.x, incident.location.y))
    (event,) = _apply([c.ReportIncident(incident)])  # type: ignore[arg-type]
    return _written(event, 201)


@API.route("GET", "/incidents/{id}", summary="Get an incident", tag="incidents",
           answer=schemas.Feature)
def get_incident(id: str) -> Response:
    return _json(presenting.feature(require_viewer(), _existing("incident", id)), mimetype=GEOJSON)


@API.route("GET", "/incidents/{id}.cap", summary="An incident as a CAP 1.2 alert",
           tag="incidents")
def get_incident_cap(id: str) -> Response:
    """As the viewer may see it: a restricted incident of another agency exports
    generalised (generic title, snapped point, a circle the size of its grid cell). An
    open incident's risk brief, as the viewer is shown it (``GET .../brief``), follows as
    ``georisk:brief.*`` parameters."""
    viewer = require_viewer()
    shown = present(viewer, _existing("incident", id), lookup=presenting.lookup)
    assert shown is not None  # _existing answered 404 for a hidden record
    found = None
    if shown.record.status == IncidentStatus.OPEN:  # type: ignore[attr-defined]
        from georisk.resources.brief import brief  # scipy's road search: loaded when needed

        found = brief(current_app.extensions["georisk.resources"], viewer, shown)
    body = incident_alert(shown.record, generalised=shown.generalised, brief=found)  # type: ignore[arg-type]
    return Response(body, mimetype="application/cap+xml")


@API.route("PATCH", "/incidents/{id}", summary="Update an incident", tag="incidents",
           body=v.IncidentUpdate, answer=schemas.WriteResult, write=True)
@idempotent
def update_incident(id: str) -> Response:
    command = v.update_incident(id, _body())
    _check_write(_existing("incident", id).agency, "incidents", id)  # type: ignore[attr-defined]
    changes = dict(command.changes)
    if "location" in changes:
        changes.update(_codes(changes["location"].x, changes["location"].y))
    (event,) = _apply([c.UpdateIncident(id, changes)])
    return _written(event)


@API.route("POST", "/incidents/{id}/close", summary="Close an incident", tag="incidents",
           body=v.Closing, answer=schemas.WriteResult, write=True)
@idempotent
def close_incident(id: str) -> Response:
    """The body is optional; ``at`` defaults to now."""
    command = v.close_incident(id, _body(optional=True))
    _check_write(_existing("incident", id).agency, "incidents", id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


@API.route("POST", "/incidents/{id}/units", summary="Assign a unit to an incident",
           tag="assignments", body=v.Assignment, answer=schemas.WriteResult,
           write=True)
@idempotent
def assign_unit(id: str) -> Response:
    """Journaled as ``unit.assigned``; the answer is the unit, with ``assigned_to`` set.
    A unit assigned elsewhere moves to this incident."""
    command = v.assign_unit(id, _body())
    _existing("incident", id)
    _check_write(_existing("unit", command.id).agency, "units", command.id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


@API.route("DELETE", "/incidents/{id}/units/{unit_id}", summary="Release a unit from an incident",
           tag="assignments", answer=schemas.WriteResult, write=True)
@idempotent
def release_unit(id: str, unit_id: str) -> Response:
    """Journaled as ``unit.released``; 409 when the unit is not assigned to this incident."""
    _existing("incident", id)
    unit = _existing("unit", unit_id)
    _check_write(unit.agency, "units", unit_id)  # type: ignore[attr-defined]
    if unit.assigned_to != id:  # type: ignore[attr-defined]
        raise Problem(409, f"unit {unit_id!r} is not assigned to incident {id!r}")
    (event,) = _apply([v.release_unit(unit_id)])
    return _written(event)


# -- units -------------------------------------------------------------------------


@API.route("GET", "/units", summary="List units", tag="units", query=queries.UnitList,
           answer=schemas.FeatureCollection, description=_FILTERS_NOTE)
def list_units(query: queries.UnitList) -> Response:
    return _list(query)


@API.route("POST", "/units", summary="Register a unit", tag="units",
           body=v.UnitRegistration, status=201, answer=schemas.WriteResult, write=True)
@idempotent
def register_unit() -> Response:
    command = v.register_unit(_body())
    _check_write(command.unit.agency, "units", command.unit.id)
    (event,) = _apply([command])
    return _written(event, 201)


@API.route("GET", "/units/{id}", summary="Get a unit", tag="units", answer=schemas.Feature)
def get_unit(id: str) -> Response:
    return _json(presenting.feature(require_viewer(), _existing("unit", id)), mimetype=GEOJSON)


@API.route("PATCH", "/units/{id}", summary="Update a unit", tag="units",
           body=v.UnitUpdate, answer=schemas.WriteResult, write=True)
@idempotent
def update_unit(id: str) -> Response:
    command = v.update_unit(id, _body())
    _check_write(_existing("unit", id).agency, "units", id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


@API.route("PUT", "/units/{id}/status", summary="Set a unit's status", tag="units",
           body=v.StatusChange, answer=schemas.WriteResult, write=True)
@idempotent
def set_unit_status(id: str) -> Response:
    command = v.set_unit_status(id, _body())
    _check_write(_existing("unit", id).agency, "units", id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


@API.route("POST", "/units/{id}/positions", summary="Report a unit's position", tag="units",
           body=v.PositionReport, answer=schemas.WriteResult, write=True)
@idempotent
def report_position(id: str) -> Response:
    command = v.move_unit(id, _body())
    _check_write(_existing("unit", id).agency, "units", id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


@API.route("POST", "/positions", summary="Report many positions at once", tag="units",
           body=v.PositionBatch, answer=schemas.BatchResult, write=True)
@idempotent
def report_positions() -> Response:
    """Up to 5,000 reports in one transaction: all are taken or none."""
    with gc_paused():  # thousands of short-lived objects, no cycles
        try:  # validated from the raw JSON: the fast path
            commands = v.move_units(_raw_body())
        except v.ValidationError:
            _body()  # JSON that does not parse at all gets its precise 400 first
            raise
        viewer = require_viewer()
        units = listing.store().get_many("unit", {command.id for command in commands})
        checked: set[str] = set()
        for i, command in enumerate(commands):
            if command.id in checked:
                continue
            unit = units.get(command.id)
            if not presenting.visible(viewer, unit):
                raise Problem.field(404, f"positions.{i}.unit", f"no unit with id {command.id!r}")
            if not may_write(viewer, unit.agency):  # type: ignore[union-attr]
                _refused(viewer, unit.agency, "units", command.id)  # type: ignore[union-attr]
                raise Problem.field(
                    403, f"positions.{i}.unit",
                    f"a {viewer.role} of {viewer.agency} may not move this unit",
                )
            checked.add(command.id)
        events = _apply(commands)  # type: ignore[arg-type]
        view = view_of(viewer)
        answer = {"count": len(events), "first_seq": events[0].position_in(view),
                  "seq": events[-1].position_in(view)}
        del events, commands  # freed before collection resumes: nothing left to walk
    return _json(answer)


@API.route("GET", "/units/{id}/track", summary="A unit's positions between two times",
           tag="units", query=queries.Track, answer=schemas.FeatureCollection)
def unit_track(id: str, query: queries.Track) -> Response:
    """Points from the journal's ``unit.moved`` events, oldest first."""
    start, end = query.window or (None, None)
    limit = query.limit
    viewer = require_viewer()
    _existing("unit", id)
    if not may_read_history(viewer):
        raise Problem(403, f"a {viewer.role} may not read history")
    # The window is on position time. A report is journaled after it was observed (or
    # at most FUTURE_TOLERANCE before), so its event time bounds the search from below.
    earliest = None if start is None else start - v.FUTURE_TOLERANCE
    moves = listing.store().events_of("unit", id, earliest, None, kinds=["unit.moved"])
    points = []
    for shown in presenting.events(viewer, moves):
        props = shown["payload"]["properties"]
        when = read_instant(props["position_time"])
        if (start is not None and when < start) or (end is not None and when > end):
            continue
        if len(points) == limit:
            break
        points.append({
            "type": "Feature",
            "id": f"{id}@{shown['seq']}",
            "geometry": shown["payload"]["geometry"],
            "properties": {"seq": shown["seq"], "time": props["position_time"],
                           "heading": props["heading"], "speed_kmh": props["speed_kmh"],
                           "status": props["status"],
                           "generalised": bool(props.get("generalised", False))},
        })
    return _json(_collection(points, None), mimetype=GEOJSON)


# -- blockages ---------------------------------------------------------------------


@API.route("GET", "/blockages", summary="List road blockages", tag="blockages",
           query=queries.BlockageList, answer=schemas.FeatureCollection,
           description=_FILTERS_NOTE)
def list_blockages(query: queries.BlockageList) -> Response:
    return _list(query)


@API.route("POST", "/blockages", summary="Report a road blockage", tag="blockages",
           body=v.BlockageReport, status=201, answer=schemas.WriteResult, write=True)
@idempotent
def report_blockage() -> Response:
    """The county and municipality are those where the section starts."""
    blockage = v.report_blockage(_body()).blockage
    _check_write(blockage.agency, "blockages", blockage.id)
    blockage = blockage.replace(**_codes(*_first_point(blockage.section)))
    (event,) = _apply([c.ReportBlockage(blockage)])  # type: ignore[arg-type]
    return _written(event, 201)


@API.route("GET", "/blockages/{id}", summary="Get a road blockage", tag="blockages",
           answer=schemas.Feature)
def get_blockage(id: str) -> Response:
    return _json(presenting.feature(require_viewer(), _existing("blockage", id)), mimetype=GEOJSON)


@API.route("PATCH", "/blockages/{id}", summary="Update a road blockage", tag="blockages",
           body=v.BlockageUpdate, answer=schemas.WriteResult, write=True)
@idempotent
def update_blockage(id: str) -> Response:
    command = v.update_blockage(id, _body())
    _check_write(_existing("blockage", id).agency, "blockages", id)  # type: ignore[attr-defined]
    changes = dict(command.changes)
    if "section" in changes:
        changes.update(_codes(*_first_point(changes["section"])))
    (event,) = _apply([c.UpdateBlockage(id, changes)])
    return _written(event)


@API.route("POST", "/blockages/{id}/lift", summary="Lift a road blockage", tag="blockages",
           body=v.Closing, answer=schemas.WriteResult, write=True)
@idempotent
def lift_blockage(id: str) -> Response:
    """The body is optional; ``at`` defaults to now."""
    command = v.lift_blockage(id, _body(optional=True))
    _check_write(_existing("blockage", id).agency, "blockages", id)  # type: ignore[attr-defined]
    (event,) = _apply([command])
    return _written(event)


# -- journal -----------------------------------------------------------------------


@API.route("GET", "/events", summary="Journal events after a sequence number", tag="journal",
           query=queries.Journal, answer=schemas.EventList)
def list_events(query: queries.Journal) -> Response:
    """The viewer's view of the journal: the events whose change its agency is shown,
    numbered 1, 2, 3, ... in that view alone (`georisk.journal.VIEWS`), so that the numbers
    say nothing of what else happened. ``last_seq`` is where to continue."""
    viewer = require_viewer()
    if not may_read_history(viewer):
        raise Problem(403, f"a {viewer.role} may not read the journal")
    after, view, limit = query.after, view_of(viewer), query.limit
    found = listing.store().events_in_view(view, after, limit)
    return _json({
        "events": presenting.events(viewer, found),
        "last_seq": found[-1].position_in(view) if found else after,
    })


@API.route("GET", "/audit", summary="Access events (admins only)", tag="journal",
           query=queries.Journal, answer=schemas.EventList)
def list_audit(query: queries.Journal) -> Response:
    """Sign-ins (good and failed), sign-outs, refused writes and user administration,
    oldest first. Writes themselves are the journal's other events (``/events``)."""
    viewer = require_viewer()
    if not may_audit(viewer):
        raise Problem(403, f"a {viewer.role} may not read the access journal")
    after, limit = query.after, query.limit
    found = listing.store().events_in_view(AUDIT_VIEW, after, limit)
    events = [dict(e.to_dict(), seq=e.position_in(AUDIT_VIEW)) for e in found]
    return _json({"events": events,
                  "last_seq": found[-1].position_in(AUDIT_VIEW) if found else after})


@API.route("GET", "/cot", summary="Units and open incidents as Cursor-on-Target events",
           tag="picture")
def cot_picture() -> Response:
    """For TAK clients: an ``<events>`` document of CoT 2.0 events, as the viewer may
    see them (hidden records are absent, restricted ones generalised): the picture's
    units (those with a position) and open incidents (`georisk.picture`)."""
    now = picture_of(listing.store())
    records = [*now["unit"], *now["incident"]]
    shown = present_all(require_viewer(), records)
    return Response(picture_events(shown), mimetype="application/xml")


# -- aggregates and history --------------------------------------------------------


@API.route("GET", "/summary", summary="Counts by type and status", tag="picture",
           answer=schemas.Summary)
def summary() -> Response:
    """Counted over what the viewer is shown, as shown: a hidden record counts nowhere,
    a generalised one under its generic type. A count over the full records would tell
    another agency how many secret incidents of each type there are."""
    viewer = require_viewer()
    out = {}
    for kind, name in (("incident", "incidents"), ("unit", "units"), ("blockage", "blockages")):
        shown = presenting.features(viewer, listing.store().query(Query(kind)).records)
        out[name] = _counts(kind, shown)
    return _json(out)


_PLURAL = {"incident": "incidents", "unit": "units", "blockage": "blockages",
           "riskzones": "riskzones"}
_CATEGORY = {"incident": "type", "unit": "unit_kind", "blockage": "reason"}


def _counts(kind: str, shown: list[dict[str, Any]]) -> dict[str, Any]:
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for item in shown:
        props = item["properties"]
        category, status = str(props[_CATEGORY[kind]]), str(props["status"])
        by_category[category] = by_category.get(category, 0) + 1
        by_status[status] = by_status.get(status, 0) + 1
    return {"total": len(shown), "by_category": by_category, "by_status": by_status}


@API.route("GET", "/history", summary="The picture at a past moment", tag="picture",
           query=queries.Moment, answer=schemas.PictureOut)
def picture_at(query: queries.Moment) -> Response:
    """What the journal knew at ``at``, through the access policy as it applies now
    (for those who may read history: operators, analysts, admins)."""
    viewer = require_viewer()
    if not may_read_history(viewer):
        raise Problem(403, f"a {viewer.role} may not read history")
    moment = query.at
    store = listing.store()
    found = store.state_at(moment)
    out: dict[str, Any] = {"at": format_utc(moment),
                           "seq": store.view_position(view_of(viewer), found.seq)}
    for kind in ENTITY_KINDS:
        out[_PLURAL[kind]] = presenting.features(viewer, found.records.get(kind, []))
    return _json(out)


# -- the document and its docs page ------------------------------------------------


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    server = request.url_root.rstrip("/") + blueprint.url_prefix
    return _json(API.document(server), mimetype="application/vnd.oai.openapi+json;version=3.1")


@blueprint.get("/docs")
def docs_page() -> Response:
    return swagger_page(url_for("api.openapi_document"), "georisk API")


def swagger_page(spec: str, title: str) -> Response:
    """Swagger UI from the swagger-ui-bundle package (no CDN) for the document at ``spec``;
    the OGC API's HTML description is this page too."""
    assets = url_for("api.docs_asset", filename="")
    html = _DOCS_PAGE.replace("{assets}", assets).replace("{spec}", spec)
    html = html.replace("{title}", title)
    return Response(html, mimetype="text/html",
                    headers={"Content-Security-Policy": headers.docs_page(html)})


@blueprint.get("/docs/assets/<path:filename>")
def docs_asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename, max_age=3600)


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "{spec}", dom_id: "#docs", validatorUrl: null});</script>
</body></html>
"""
