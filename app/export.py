"""Briefing exports: ``GET /api/v1/export`` and the engine behind ``georisk export``.

Both read the picture (now, at a past time, or at instants of a window) and pass every
record through `app.presenting` for the exporting viewer, exactly as the API does; the
file then holds only what that viewer may see, and its banner says how sensitive the
most sensitive included record is. The CLI runs this same code inside an app context,
so there is one path for both and one policy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import shapely
from flask import Flask, Response, current_app, request

from app import params, presenting
from app.api import API
from app.auth import require_viewer
from app.openapi import Param
from app.problems import Problem
from georisk.access import Viewer, may_read_history
from georisk.area.boundaries import counties, municipalities
from georisk.picture import picture as picture_of
from georisk.slots import Full, Slots
from georisk.store import Store
from georisk.texts import DEFAULT_LANG, LANGS, Lang, language, text
from georisk.timeutil import STOCKHOLM, parse_instant, utc_now
from layers import briefing_data as bd
from layers.basemap import Tiles
from layers.briefing import Briefing, State, render

MAX_STEPS = 48
DEFAULT_STEPS = 6
_KIND = {"incidents": "incident", "units": "unit", "blockages": "blockage",
         "riskzones": "riskzones"}  # fmt: skip


@dataclass(frozen=True)
class ExportOptions:
    """What to export; the same fields as the endpoint's query and the CLI's options."""

    at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    steps: int = DEFAULT_STEPS
    county: str | None = None
    municipality: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    layers: tuple[str, ...] = bd.KINDS
    title: str | None = None
    exported_at: datetime | None = None
    lang: Lang = DEFAULT_LANG
    tiles: Tiles | None = None
    instants: tuple[datetime, ...] = field(default=(), compare=False)

    def moments(self, exported_at: datetime) -> list[datetime | None]:
        """The instants to show; None stands for "now" (the current picture)."""
        if self.start is not None and self.end is not None:
            span = (self.end - self.start) / (self.steps - 1)
            return [self.start + span * n for n in range(self.steps)]
        return [self.at]


QUERY_PARAMS = ("at", "from", "to", "steps", "county", "municipality", "bbox", "layers",
                "title", "exported_at", "lang", "tiles", "tiles_attribution")  # fmt: skip


def parse_options(args: Mapping[str, str | None]) -> ExportOptions:
    """Options from query parameters (or the CLI's, by the same names); Problem 400 naming
    the field otherwise."""

    def instant(name: str) -> datetime | None:
        value = args.get(name)
        if value in (None, ""):
            return None
        try:
            return parse_instant(str(value))
        except ValueError as exc:
            raise Problem.field(400, name, str(exc)) from None

    at, start, end = instant("at"), instant("from"), instant("to")
    if (start is None) != (end is None):
        raise Problem.field(400, "from" if start is None else "to", "give both from and to")
    if at is not None and start is not None:
        raise Problem.field(400, "at", "give either at or from/to, not both")
    if start is not None and end is not None and end <= start:
        raise Problem.field(400, "to", "must be after from")
    steps = DEFAULT_STEPS
    if args.get("steps") not in (None, ""):
        try:
            steps = int(str(args["steps"]))
        except ValueError:
            raise Problem.field(400, "steps", "must be a whole number") from None
        if not 2 <= steps <= MAX_STEPS:
            raise Problem.field(400, "steps", f"must be between 2 and {MAX_STEPS}")
    areas = [name for name in ("county", "municipality", "bbox") if args.get(name)]
    if len(areas) > 1:
        raise Problem.field(400, areas[1], "give one area: county, municipality or bbox")
    county = args.get("county") or None
    if county is not None and county not in _county_geoms():
        raise Problem.field(400, "county", f"{county!r} is not a county of the operating area")
    municipality = args.get("municipality") or None
    if municipality is not None and municipality not in _municipality_rows():
        reason = f"{municipality!r} is not a municipality of the operating area"
        raise Problem.field(400, "municipality", reason)
    layers = bd.KINDS
    if args.get("layers"):
        chosen = [part.strip() for part in str(args["layers"]).split(",") if part.strip()]
        wrong = [name for name in chosen if name not in bd.KINDS]
        if wrong or not chosen:
            raise Problem.field(400, "layers", f"choose from {', '.join(bd.KINDS)}")
        layers = tuple(name for name in bd.KINDS if name in chosen)
    try:
        lang = language(args.get("lang"))
    except ValueError:
        raise Problem.field(400, "lang", f"one of {', '.join(LANGS)}") from None
    title = args.get("title")
    if title is not None and len(str(title)) > 200:
        raise Problem.field(400, "title", "at most 200 characters")
    tiles = None
    if args.get("tiles"):
        url = str(args["tiles"])
        if not re.match(r"^https?://[^\s]+\{z\}[^\s]*$", url):
            raise Problem.field(400, "tiles", "an http(s) URL template with {z}, {x} and {y}")
        if not args.get("tiles_attribution"):
            raise Problem.field(400, "tiles_attribution", "required with tiles")
        tiles = Tiles(url, str(args["tiles_attribution"]))
    return ExportOptions(
        at=at, start=start, end=end, steps=steps, county=county, municipality=municipality,
        bbox=params.bbox(args.get("bbox") or None), layers=layers,
        title=None if title is None else str(title), exported_at=instant("exported_at"),
        lang=lang, tiles=tiles,
    )  # fmt: skip


# -- the operating area ------------------------------------------------------------------


@functools.cache
def _county_geoms() -> dict[str, tuple[str, shapely.Geometry]]:
    frame = counties()
    return {str(r.code): (str(r.name), r.geometry) for r in frame.itertuples()}


@functools.cache
def _municipality_rows() -> dict[str, tuple[str, shapely.Geometry]]:
    frame = municipalities()
    return {str(r.code): (str(r.name), r.geometry) for r in frame.itertuples()}


@functools.cache
def _whole_area() -> shapely.Geometry:
    return shapely.union_all([geom for _, geom in _county_geoms().values()])


@dataclass(frozen=True)
class Area:
    """Where the briefing looks: a name, a shape to test geometries against (None: the
    whole operating area, no test), and the SCB code records may be matched on instead.

    Boundaries leave lakes out (Vänern, Hjälmaren): a boat rescue on a lake would fall
    outside every polygon. Incidents and blockages carry the county and municipality
    they were attributed to when reported (with a shore tolerance), so those are used
    where present; units and risk zones are tested against the shape, holes filled.
    """

    name: str
    shape: shapely.Geometry | None
    field: str | None = None
    code: str | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        shape = self.shape if self.shape is not None else _whole_area()
        return tuple(round(float(v), 5) for v in shape.bounds)  # type: ignore[return-value]


def _filled(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    return shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))


def area_of(options: ExportOptions) -> Area:
    if options.county:
        name, geom = _county_geoms()[options.county]
        return Area(name, _filled(geom), "county", options.county)
    if options.municipality:
        name, geom = _municipality_rows()[options.municipality]
        return Area(f"{name} ({options.municipality})", _filled(geom), "municipality",
                    options.municipality)  # fmt: skip
    if options.bbox:
        west, south, east, north = options.bbox
        return Area(f"{west:g}, {south:g} – {east:g}, {north:g}",
                    shapely.box(west, south, east, north))  # fmt: skip
    return Area(text("brief.whole_area", options.lang), None)


# -- reading the picture -----------------------------------------------------------------


def _inside(features: list[dict], area: Area) -> list[dict]:
    """The features in ``area``: by their attributed code where they have one."""
    placed = [f for f in features if f["geometry"] is not None]
    if area.shape is None:
        return placed
    keep = [None if not area.field else (f["properties"].get(area.field) or None) for f in placed]
    tested = [i for i, k in enumerate(keep) if k is None]
    if tested:
        geoms = shapely.from_geojson([orjson.dumps(placed[i]["geometry"]) for i in tested])
        for i, inside in zip(tested, shapely.intersects(area.shape, geoms), strict=True):
            keep[i] = bool(inside)
    return [f for f, k in zip(placed, keep, strict=True)
            if k is True or (isinstance(k, str) and k == area.code)]  # fmt: skip


def build(store: Store, viewer: Viewer, options: ExportOptions) -> Briefing:
    """The briefing for ``viewer``; must run in an app context (the policy's lookups)."""
    exported_at = options.exported_at or utc_now().replace(microsecond=0)
    moments = options.moments(exported_at)
    if any(m is not None for m in moments) and not may_read_history(viewer):
        raise Problem(403, f"a {viewer.role} may not export the picture at a past time")
    area = area_of(options)
    if area.shape is not None:
        shapely.prepare(area.shape)
    county_geoms = {code: geom for code, (_, geom) in _county_geoms().items()}
    county_names = {code: name for code, (name, _) in _county_geoms().items()}
    versions: list[dict] = []
    index: dict[bytes, int] = {}
    states: list[State] = []
    all_shown: dict[str, list[dict]] = {kind: [] for kind in bd.KINDS}
    classes: dict[str, str] = {}
    for moment in moments:
        records = picture_of(store, moment)
        shown: dict[str, list[dict]] = {}
        items: dict[str, list[int]] = {}
        zone_counties: dict[str, list[str]] = {}
        for kind in options.layers:
            ordered = sorted(records[_KIND[kind]], key=lambda record: record.id)
            presented = presenting.features(viewer, ordered)
            inside = _inside(presented, area)
            for f in inside:
                classes[f["id"]] = f["properties"].get("classification", "open")
            clip = area.shape if kind == "riskzones" else None
            pruned = [bd.prune(kind, f, clip) for f in inside]
            pruned = [f for f in pruned if f["geometry"] is not None]
            if kind == "riskzones":
                for f in pruned:
                    geom = shapely.geometry.shape(f["geometry"])
                    zone_counties[f["id"]] = [c for c, g in county_geoms.items()
                                              if shapely.intersects(g, geom)]  # fmt: skip
            shown[kind] = pruned
            all_shown[kind] += pruned
            refs = []
            for f in pruned:
                key = orjson.dumps(f, option=orjson.OPT_SORT_KEYS)
                if key not in index:
                    index[key] = len(versions)
                    versions.append(f)
                refs.append(index[key])
            items[kind] = refs
        states.append(State(moment or exported_at, items,
                            bd.summary(shown, county_names, zone_counties)))  # fmt: skip
    title = options.title or text("brief.default_title", options.lang)
    who = (f"{viewer.name} ({text(f'ui.agency.{viewer.agency}', options.lang)}, "
           f"{text(f'brief.role.{viewer.role}', options.lang)})")  # fmt: skip
    return Briefing(
        title=title, lang=options.lang, exported_by=who, exported_at=exported_at,
        area=area.name, bounds=area.bounds,
        layers=options.layers, versions=versions, states=states,
        banner=bd.banner(all_shown, classes, str(viewer.agency)),
        municipalities={code: name for code, (name, _) in _municipality_rows().items()},
        stale_after_s=int(current_app.config.get("STALE_AFTER_S", 15 * 60)), tiles=options.tiles,
    )  # fmt: skip


def export_html(store: Store, viewer: Viewer, options: ExportOptions) -> str:
    return render(build(store, viewer, options))


def filename(options: ExportOptions, exported_at: datetime) -> str:
    stamp = exported_at.astimezone(STOCKHOLM).strftime("%Y%m%d-%H%M")
    return f"lagesbild-{stamp}.html"


# -- the endpoint --------------------------------------------------------------------------

_P = [
    Param("at", "query", "Picture at this past moment (RFC 3339); default now.",
          {"type": "string", "format": "date-time"}),
    Param("from", "query", "Start of a time window (with to): a slider over its instants.",
          {"type": "string", "format": "date-time"}),
    Param("to", "query", "End of the time window.", {"type": "string", "format": "date-time"}),
    Param("steps", "query", f"Instants in the window (2-{MAX_STEPS}, default {DEFAULT_STEPS}).",
          {"type": "integer", "minimum": 2, "maximum": MAX_STEPS}),
    Param("county", "query", "Only this county (SCB code, e.g. 18).", {"type": "string"}),
    Param("municipality", "query", "Only this municipality (SCB code, e.g. 1880).",
          {"type": "string"}),
    Param("bbox", "query", "Only this box: minLon,minLat,maxLon,maxLat.", {"type": "string"}),
    Param("layers", "query", "Comma-separated: incidents,units,blockages,riskzones (default all).",
          {"type": "string"}),
    Param("title", "query", "Title in the header.", {"type": "string", "maxLength": 200}),
    Param("exported_at", "query", "Export time shown in the file (default now): the same "
          "picture, options and export time give a byte-identical file.",
          {"type": "string", "format": "date-time"}),
    Param("lang", "query", "sv (default) or en.", {"type": "string", "enum": list(LANGS)}),
    Param("tiles", "query", "Optional tile URL template (the only thing the file may fetch).",
          {"type": "string"}),
    Param("tiles_attribution", "query", "Attribution, required with tiles.", {"type": "string"}),
]  # fmt: skip


@API.route("GET", "/export", summary="A self-contained HTML briefing map", tag="picture",
           params=_P,
           description="One HTML file with everything inlined (opens offline, from disk), "
                       "holding what the signed-in viewer may see.")  # fmt: skip
def export_briefing() -> Response:
    params.refuse_unknown(request.args, QUERY_PARAMS)
    options = parse_options(request.args)
    viewer = require_viewer()
    store = current_app.extensions["georisk.store"]
    with _place(viewer):
        briefing = build(store, viewer, options)
        body = render(briefing)
    response = Response(body, mimetype="text/html")
    name = filename(options, briefing.exported_at)
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
                      headers={"Retry-After": str(RETRY_AFTER_S)}) from None  # fmt: skip
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
