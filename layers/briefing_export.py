"""Assembling a briefing: what to export (`ExportOptions`), where (`Area`) and the
picture in it as one viewer may see it (`build`), for ``GET /api/v1/export`` and
``georisk export`` alike.

Both read the picture (now, at a past time, or at instants of a window) and present
every record with `georisk.access.present` for the exporting viewer, exactly as the API
does; the file then holds only what that viewer may see, and its banner says how
sensitive the most sensitive included record is. The options are one model: the
endpoint's query and the CLI's options by the same names, checked the same way, and
the endpoint's OpenAPI parameters are written from it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
import shapely
from pydantic import AfterValidator, Field, model_validator

from georisk import queryparams as qp
from georisk.access import Viewer, may_read_history, present
from georisk.area.boundaries import OPERATING_COUNTY_CODES, counties, municipalities
from georisk.errors import Forbidden
from georisk.model import Classification, UnitKind
from georisk.picture import picture as picture_of
from georisk.resources import answers
from georisk.resources.coverage import CoverageCache
from georisk.resources.profiles import ACCESS_KMH
from georisk.resources.service import Resources
from georisk.store import Store
from georisk.texts import LANGS, Lang, text
from georisk.timeutil import STOCKHOLM, utc_now
from layers import briefing_data as bd
from layers.basemap import Tiles
from layers.briefing import Briefing, State

MAX_STEPS = 48
DEFAULT_STEPS = 6
_KIND = {"incidents": "incident", "units": "unit", "blockages": "blockage",
         "riskzones": "riskzones"}


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


def _in_area(code: str) -> str:
    if code not in _municipality_rows():
        raise ValueError(f"{code!r} is not a municipality of the operating area")
    return code


def _meets_area(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box must meet the operating area: one that does not, but would with its numbers
    in latitude-first order, is named for what it most likely is."""
    area = _whole_area()
    if shapely.intersects(area, shapely.box(*box)):
        return box
    south, west, north, east = box
    if shapely.intersects(area, shapely.box(west, south, east, north)):
        raise ValueError(
            f"{','.join(f'{v:g}' for v in box)} looks like latitude first; give "
            f"minLon,minLat,maxLon,maxLat: {west:g},{south:g},{east:g},{north:g}"
        )
    raise ValueError("the box does not meet the operating area")


def _ordered_layers(chosen: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in bd.KINDS if name in chosen)


# -- the options -------------------------------------------------------------------------

Layer = qp.one_of(bd.KINDS)
#: A tile URL template: the only thing the file may fetch.
TileUrl = qp.matching(r"^https?://[^\s]+\{z\}[^\s]*$",
                      "an http(s) URL template with {z}, {x} and {y}")


class ExportOptions(qp.QueryModel):
    """What to export: the endpoint's query and the CLI's options, by the same names (an
    option's ``-`` is the parameter's ``_``). An empty value is a value not given, as a
    form sends it."""

    at: qp.Instant | None = Field(
        None, description="Picture at this past moment (RFC 3339); default now.")
    start: qp.Instant | None = Field(
        None, alias="from", description="Start of a time window (with to): a slider over "
        "its instants.")
    end: qp.Instant | None = Field(None, alias="to", description="End of the time window.")
    steps: qp.whole(2, MAX_STEPS) = Field(  # type: ignore[valid-type]
        DEFAULT_STEPS, description=f"Instants in the window (default {DEFAULT_STEPS}).")
    county: qp.one_of(OPERATING_COUNTY_CODES) | None = Field(  # type: ignore[valid-type]
        None, description="Only this county (SCB code, e.g. 18).")
    municipality: Annotated[qp.scb_code(4), AfterValidator(_in_area)] | None = Field(
        None, description="Only this municipality of the operating area (SCB code, e.g. "
        "1880).", examples=["1880"])
    bbox: Annotated[qp.LonLatBox, AfterValidator(_meets_area)] | None = Field(
        None, description="Only this box: minLon,minLat,maxLon,maxLat (WGS84).")
    layers: Annotated[qp.listed(Layer), Field(min_length=1), AfterValidator(_ordered_layers)] = (
        Field(bd.KINDS, description="The layers, comma-separated (default all).")
    )
    title: qp.Text | None = Field(None, description="Title in the header.")
    exported_at: qp.Instant | None = Field(
        None, description="Export time shown in the file (default now): the same picture, "
        "options and export time give a byte-identical file.")
    lang: qp.one_of(LANGS) = Field("sv", description="The language of the file.")  # type: ignore[valid-type]
    tiles: TileUrl | None = Field(
        None, description="Optional tile URL template (the only thing the file may fetch).",
        examples=["https://tiles.example/{z}/{x}/{y}.png"])
    tiles_attribution: str | None = Field(None, description="Attribution, required with tiles.")
    coverage: qp.one_of(UnitKind) | None = Field(  # type: ignore[valid-type]
        None, description="Also a coverage layer of this unit kind: how soon the nearest "
        "available one gets anywhere (10, 20 and 30 minutes) and the gap beyond 20, computed "
        "on the units as the exporting viewer is shown them, as GET /coverage answers it. "
        "Of the picture now only.", examples=["engine"])

    @model_validator(mode="before")
    @classmethod
    def _empty_is_not_given(cls, given: Any) -> Any:
        if isinstance(given, dict):
            return {name: value for name, value in given.items() if value != ""}
        return given

    @model_validator(mode="after")
    def _consistent(self) -> ExportOptions:
        if (self.start is None) != (self.end is None):
            raise qp.Refused("from" if self.start is None else "to", "give both from and to")
        if self.at is not None and self.start is not None:
            raise qp.Refused("at", "give either at or from/to, not both")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise qp.Refused("to", "must be after from")
        areas = [name for name in ("county", "municipality", "bbox") if getattr(self, name)]
        if len(areas) > 1:
            raise qp.Refused(areas[1], "give one area: county, municipality or bbox")
        if self.coverage is not None and (self.at is not None or self.start is not None):
            raise qp.Refused("coverage", "coverage is of the picture now; give no at or from/to")
        if self.tiles is not None and not self.tiles_attribution:
            raise qp.Refused("tiles_attribution", "required with tiles")
        return self

    @property
    def basemap(self) -> Tiles | None:
        return None if self.tiles is None else Tiles(self.tiles, self.tiles_attribution or "")

    def moments(self) -> list[datetime | None]:
        """The instants to show; None stands for "now" (the current picture)."""
        if self.start is not None and self.end is not None:
            span = (self.end - self.start) / (self.steps - 1)
            return [self.start + span * n for n in range(self.steps)]
        return [self.at]


def filename(exported_at: datetime) -> str:
    stamp = exported_at.astimezone(STOCKHOLM).strftime("%Y%m%d-%H%M")
    return f"lagesbild-{stamp}.html"


# -- where -------------------------------------------------------------------------------


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
                    options.municipality)
    if options.bbox:
        west, south, east, north = options.bbox
        return Area(f"{west:g}, {south:g} – {east:g}, {north:g}",
                    shapely.box(west, south, east, north))
    return Area(text("brief.whole_area", options.lang), None)


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
            if k is True or (isinstance(k, str) and k == area.code)]


# -- the picture, as the viewer may see it -------------------------------------------------


def _presented(store: Store, viewer: Viewer, records: list[Any]) -> list[dict]:
    """The records as ``viewer`` is shown them, as features (hidden ones left out); the
    records they refer to (a unit's incident) are looked up in ``store``."""
    out = []
    for record in records:
        shown = present(viewer, record, lookup=store.get)
        if shown is None:
            continue
        feature = shown.record.to_feature()
        feature["properties"]["generalised"] = shown.generalised
        out.append(feature)
    return out


def build(store: Store, viewer: Viewer, options: ExportOptions, stale_after_s: int,
          coverage_cache: CoverageCache | None = None) -> Briefing:
    """The briefing for ``viewer``; Forbidden when it asks for a past time that viewer may
    not read. ``stale_after_s`` is when a unit's position counts as old (a setting of the
    service); ``coverage_cache`` is the service's (the command line makes its own)."""
    exported_at = options.exported_at or utc_now().replace(microsecond=0)
    moments = options.moments()
    if any(m is not None for m in moments) and not may_read_history(viewer):
        raise Forbidden(f"a {viewer.role} may not export the picture at a past time")
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
        cells: list[list] = []
        zone_counties: dict[str, list[str]] = {}
        for kind in options.layers:
            ordered = sorted(records[_KIND[kind]], key=lambda record: record.id)
            inside = _inside(_presented(store, viewer, ordered), area)
            for f in inside:
                classes[f["id"]] = f["properties"].get("classification", "open")
            clip = area.shape if kind == "riskzones" else None
            pruned = [bd.prune(kind, f, clip) for f in inside]
            pruned = [f for f in pruned if f["geometry"] is not None]
            if kind == "riskzones":
                for f in pruned:
                    geom = shapely.geometry.shape(f["geometry"])
                    zone_counties[f["id"]] = [c for c, g in county_geoms.items()
                                              if shapely.intersects(g, geom)]
            shown[kind] = pruned  # all of them counted in the summary
            all_shown[kind] += pruned
            if kind == "incidents":
                pruned, cells = bd.aggregate(pruned)
            refs = []
            for f in pruned:
                key = orjson.dumps(f, option=orjson.OPT_SORT_KEYS)
                if key not in index:
                    index[key] = len(versions)
                    versions.append(f)
                refs.append(index[key])
            items[kind] = refs
        states.append(State(moment or exported_at, items,
                            bd.summary(shown, county_names, zone_counties), cells))
    lang: Lang = options.lang  # type: ignore[assignment]
    cover, derived = None, []
    if options.coverage is not None:
        cache = coverage_cache or CoverageCache(Resources(store))
        cover, derived = _coverage(cache, viewer, str(options.coverage), area, lang)
    title = options.title or text("brief.default_title", lang)
    who = (f"{viewer.name} ({text(f'ui.agency.{viewer.agency}', lang)}, "
           f"{text(f'brief.role.{viewer.role}', lang)})")
    return Briefing(
        title=title, lang=lang, exported_by=who, exported_at=exported_at,
        area=area.name, bounds=area.bounds,
        layers=options.layers, versions=versions, states=states,
        banner=bd.banner(all_shown, classes, str(viewer.agency), derived),
        municipalities={code: name for code, (name, _) in _municipality_rows().items()},
        stale_after_s=stale_after_s, tiles=options.basemap, coverage=cover,
    )


def _coverage(cache: CoverageCache, viewer: Viewer, kind: str, area: Area, lang: Lang
              ) -> tuple[dict[str, Any], list[Classification]]:
    """The coverage layer as the viewer is shown it (`CoverageCache.get`, as the API's
    ``GET /coverage``), cut to the area, and the classifications of the units it was
    computed on (as shown: a generalised one counts as open), for the banner."""
    found = cache.get(viewer, kind)
    units = cache.units(viewer, kind, frozenset())
    answer = answers.coverage(found, cache.resources.network_note(lang), ACCESS_KMH)
    clip = area.shape
    features = [bd.prune_coverage(f, clip) for f in answer["features"]]
    answer["features"] = [f for f in features if f["geometry"] is not None]
    derived = [Classification.OPEN if u.generalised else u.record.classification  # type: ignore[attr-defined]
               for u in units]
    return answer, derived
