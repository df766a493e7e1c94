"""``GET /api/v1/export``: a briefing file for the signed-in viewer, and the export places.

The briefing is assembled by `layers.briefing_export` (which ``georisk export`` uses
too, with the same options by the same names); here are only what HTTP adds: the query
read into its options, the file as an attachment, and how many exports may run at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app

from app.api import API
from app.auth import require_viewer
from app.problems import Problem
from georisk.access import Viewer
from georisk.slots import Full, Slots
from layers.briefing import render
from layers.briefing_export import ExportOptions, build, filename
from layers.units import DEFAULT_STALE_AFTER_S


@API.route("GET", "/export", summary="A self-contained HTML briefing map", tag="picture",
           query=ExportOptions,
           description="One HTML file with everything inlined (opens offline, from disk), "
                       "holding what the signed-in viewer may see.")
def export_briefing(query: ExportOptions) -> Response:
    viewer = require_viewer()
    store = current_app.extensions["georisk.store"]
    stale_after_s = int(current_app.config.get("STALE_AFTER_S", DEFAULT_STALE_AFTER_S))
    with _place(viewer):
        briefing = build(store, viewer, query, stale_after_s,
                         current_app.extensions["georisk.coverage"])  # the API's own cache
        body = render(briefing)
    response = Response(body, mimetype="text/html")
    name = filename(briefing.exported_at)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- what exports may cost at once -------------------------------------------------------

#: What a refused caller is told to wait (s): about what an export takes.
RETRY_AFTER_S = 5


@contextmanager
def _place(viewer: Viewer) -> Iterator[None]:
    """Hold one of the export places (`georisk.slots`) while the export runs; 429 when
    the viewer's own, or this worker's, are all taken."""
    slots: Slots = current_app.extensions["georisk.export_slots"]
    per_user, per_process = current_app.extensions["georisk.export_limits"]
    try:
        slot = slots.take(viewer.name, per_user, per_process)
    except Full as full:
        detail = (f"at most {full.limit} export(s) at once per user, and yours are running"
                  if full.reason == "holder" else
                  f"this worker is running the {full.limit} export(s) it takes at once")
        raise Problem(429, detail + f": try again in {RETRY_AFTER_S} s",
                      headers={"Retry-After": str(RETRY_AFTER_S)}) from None
    try:
        yield
    finally:
        slots.give_back(slot)


def install(app: Flask) -> None:
    """The export places and their limits: ``EXPORTS_PER_USER`` (default 1, counted over
    every worker process) and ``EXPORTS_PER_PROCESS`` (default 2, per worker process:
    with ``--workers N`` the service runs up to N times as many)."""
    limits = []
    for name, default in (("EXPORTS_PER_USER", 1), ("EXPORTS_PER_PROCESS", 2)):
        value = int(app.config.get(name, default))
        if value < 1:
            raise ValueError(f"{name} must be 1 or more, not {value}")
        limits.append(value)
    app.extensions["georisk.export_slots"] = Slots(app.config["DB"], "export")
    app.extensions["georisk.export_limits"] = tuple(limits)
