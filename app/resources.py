"""Resources over HTTP: suggested units for an incident, coverage, the risk brief and
links between incidents (routes on the JSON API's blueprint).

The work is `georisk.resources`'; here are the viewer, the incident as the viewer is shown
it (404 when it may not see it at all) and the answer. One `Resources` per worker
process: the travel network is built on first use and kept, the live index follows the
journal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app

from app import presenting, queries, schemas, warm_at_start
from app.api import API, GEOJSON, _apply, _body, _check_write, _existing, _json, _written
from app.auth import require_viewer
from app.idempotency import idempotent
from app.problems import Problem
from georisk import commands as c
from georisk import validation as v
from georisk.access import Viewer, present, present_event, view_of
from georisk.area import attribute_point
from georisk.journal import Event
from georisk.resources import answers
from georisk.resources.brief import brief
from georisk.resources.coverage import CoverageCache
from georisk.resources.profiles import ACCESS_KMH
from georisk.resources.service import Resources
from georisk.resources.suggest import suggest

log = logging.getLogger(__name__)


def resources() -> Resources:
    return current_app.extensions["georisk.resources"]


def coverage_cache() -> CoverageCache:
    return current_app.extensions["georisk.coverage"]


def install(app: Flask) -> None:
    shared = Resources(app.extensions["georisk.store"])
    app.extensions["georisk.resources"] = shared
    app.extensions["georisk.coverage"] = CoverageCache(shared)
    if warm_at_start(app):  # what a first brief reads: the live index (7 s at 100,000
        # incidents) and the road network
        ready = app.extensions["georisk.resources.ready"] = threading.Event()
        threading.Thread(target=_warm, args=(shared, ready), name="georisk-live-index",
                         daemon=True).start()


def _warm(shared: Resources, ready: threading.Event) -> None:
    try:
        with shared.live():
            pass
        shared.network  # noqa: B018 (built on first use)
    except Exception:  # a brief that asks later makes them itself
        log.exception("making the live index and the road network at start failed")
    finally:
        ready.set()


@API.route("GET", "/incidents/{id}/suggestions", summary="Units that reach an incident first",
           tag="resources", query=queries.Suggestions, answer=schemas.Suggestions)
def incident_suggestions(id: str, query: queries.Suggestions) -> Response:
    """Ranked by ETA on the road network with today's blockages (the schematic network's
    times are rough: see ``network``). Computed on the units and the incident as the
    viewer is shown them: a restricted unit of another agency takes part at the centre of
    its 1 km cell, under its generic callsign; one classified `agency` not at all."""
    viewer = require_viewer()
    shown = present(viewer, _existing("incident", id), lookup=presenting.lookup)
    assert shown is not None  # _existing answered 404 for a hidden incident
    answer = suggest(resources(), viewer, shown, kinds=query.kind, agencies=query.agency,
                     statuses=query.status or ("available",), k=query.k)
    body = answers.suggestions(answer, resources().network_note(query.lang))
    return _json(body, mimetype=GEOJSON)


@API.route("GET", "/coverage", summary="Isochrones and coverage gaps of available units",
           tag="resources", query=queries.Coverage, answer=schemas.CoverageOut)
def coverage(query: queries.Coverage) -> Response:
    """How soon the nearest available unit of ``kind`` reaches each place: isochrones,
    and the gap beyond ``gap`` minutes with its area and the population of the GeoNames
    towns in it. Over the units as the viewer is shown them (a generalised unit at its
    cell's centre, a hidden one not at all), so an agency's gaps may look larger than
    its owner's picture."""
    viewer = require_viewer()
    found = coverage_cache().get(viewer, query.kind, query.agency, query.minutes, query.gap)
    body = answers.coverage(found, resources().network_note(query.lang), ACCESS_KMH)
    return _json(body, mimetype=GEOJSON)


@API.route("GET", "/incidents/{id}/brief", summary="The risk brief of an incident",
           tag="resources", query=queries.Brief, answer=schemas.BriefOut)
def incident_brief(id: str, query: queries.Brief) -> Response:
    """Where it is and who answers for it there, today's fire risk at the point, active
    blockages near it (on the likely approach roads first), the three nearest suitable
    units with ETAs, and other agencies' incidents close in place and time that may be
    the same event. Also sent on the stream as a ``brief`` event when an incident is
    reported. All of it as the viewer is shown it."""
    viewer = require_viewer()
    shown = present(viewer, _existing("incident", id), lookup=presenting.lookup)
    assert shown is not None
    return _json(brief(resources(), viewer, shown, lang=query.lang))


@API.route("POST", "/incidents/{id}/links", summary="Link an incident to another agency's",
           tag="resources", body=v.LinkRequest, answer=schemas.WriteResult,
           write=True)
@idempotent
def link_incident(id: str) -> Response:
    """Journaled as ``incident.linked`` on this incident (the writer's agency's or the
    centre's); ``relation`` is ``possible`` (possibly the same event) or ``same``. Only
    between incidents the writer sees in full, and shown only to those who see both in
    full: a link is judged on true places and words."""
    command = v.link_incident(id, _body())
    _check_write(_existing("incident", id).agency, "incidents", id)  # type: ignore[attr-defined]
    _linkable(command.other)
    (event,) = _apply([command])
    return _written(event)


@API.route("DELETE", "/incidents/{id}/links/{other}", summary="Remove a link between incidents",
           tag="resources", answer=schemas.WriteResult, write=True)
@idempotent
def unlink_incident(id: str, other: str) -> Response:
    """Journaled as ``incident.unlinked``; 409 when the two are not linked."""
    _check_write(_existing("incident", id).agency, "incidents", id)  # type: ignore[attr-defined]
    _linkable(other)
    (event,) = _apply([c.UnlinkIncident(id, other)])
    return _written(event)


def _linkable(other: str) -> None:
    """404 for an incident the writer may not see; 403 for one it sees only generalised."""
    shown = present(require_viewer(), _existing("incident", other), lookup=presenting.lookup)
    if shown is not None and shown.generalised:
        raise Problem.field(403, "incident", f"incident {other!r} is shown to you generalised; "
                            "links are made between incidents seen in full")


def briefer(app: Flask) -> Callable[[Event | None, Viewer | None], dict[str, Any] | None]:
    """The stream's brief of a reported incident for one viewer (None: not shown to it).
    Called with no event once, to build what a first brief would wait for."""
    shared: Resources = app.extensions["georisk.resources"]

    def make(event: Event | None, viewer: Viewer | None) -> dict[str, Any] | None:
        if event is None or viewer is None:
            shared.network  # noqa: B018 (built on first use)
            shared.index()
            attribute_point(15.2, 59.3)
            return None
        if present_event(viewer, event, lookup=shared.store.get) is None:
            return None
        shown = present(viewer, event.record(), lookup=shared.store.get)
        if shown is None:
            return None
        return {"seq": event.position_in(view_of(viewer)), "incident": event.entity_id,
                "brief": brief(shared, viewer, shown)}

    return make
