"""Resources over HTTP: suggested units for an incident, coverage, the risk brief and
links between incidents (routes on the JSON API's blueprint).

The work is `georisk.resources`'; here are the viewer, the incident as the viewer is shown
it (404 when it may not see it at all) and the answer. One `Resources` per worker
process: the travel network is built on first use and kept, the live index follows the
journal.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

from app import presenting, queries, schemas
from app.api import API, GEOJSON, _existing, _json
from app.auth import require_viewer
from georisk.access import present
from georisk.resources import answers
from georisk.resources.coverage import CoverageCache
from georisk.resources.profiles import ACCESS_KMH
from georisk.resources.service import Resources
from georisk.resources.suggest import suggest


def resources() -> Resources:
    return current_app.extensions["georisk.resources"]


def coverage_cache() -> CoverageCache:
    return current_app.extensions["georisk.coverage"]


def install(app: Flask) -> None:
    shared = Resources(app.extensions["georisk.store"])
    app.extensions["georisk.resources"] = shared
    app.extensions["georisk.coverage"] = CoverageCache(shared)


@API.route("GET", "/incidents/{id}/suggestions", summary="Units that reach an incident first",
           tag="resources", query=queries.Suggestions, answer=schemas.Suggestions)  # fmt: skip
def incident_suggestions(id: str, query: queries.Suggestions) -> Response:
    """Ranked by ETA on the road network with today's blockages (the schematic network's
    times are rough: see ``network``). Computed on the units and the incident as the
    viewer is shown them: a restricted unit of another agency takes part at the centre of
    its 1 km cell, under its generic callsign; one classified `agency` not at all."""
    viewer = require_viewer()
    shown = present(viewer, _existing("incident", id), lookup=presenting.lookup)
    assert shown is not None  # _existing answered 404 for a hidden incident
    answer = suggest(resources(), viewer, shown, kinds=query.kind, agencies=query.agency,
                     statuses=query.status or ("available",), k=query.k)  # fmt: skip
    body = answers.suggestions(answer, resources().network_note(query.lang))
    return _json(body, mimetype=GEOJSON)


@API.route("GET", "/coverage", summary="Isochrones and coverage gaps of available units",
           tag="resources", query=queries.Coverage, answer=schemas.CoverageOut)  # fmt: skip
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
