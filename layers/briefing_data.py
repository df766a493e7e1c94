"""What a briefing file carries: presented records cut to the area, pruned, counted.

A briefing travels by USB stick and e-mail and is archived, so it holds only what the
map and the summary show: properties nobody reads are dropped, coordinates are rounded
to 5 decimals (about a metre), risk-zone polygons are clipped to the area and
simplified, and a record that looks the same at several instants is stored once.
Everything here works on features *already presented* for the exporting viewer: this
module decides what to show of them, never whether they may be shown.

A national picture does not fit a file one can mail: beyond `DETAIL_LIMIT` incidents at
an instant, the most severe (then newest) are kept whole and the rest are counted in
5 km squares of SWEREF 99 TM (`aggregate`), which the file says. Generalised incidents
stand at the centres of 1 km squares of the same grid, which lie inside one 5 km square
each: a count says no more of where they are than the generalised place does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from georisk.crs import to_sweref, to_wgs84
from georisk.model import Agency, Classification, IncidentType, UnitStatus

KINDS = ("incidents", "units", "blockages", "riskzones")
DECIMALS = 5  # about a metre: finer digits only grow the file
ZONE_TOLERANCE_DEG = 0.002  # about 150 m: risk classes are drawn on a coarse grid anyway

#: The properties the briefing's popups, symbols and summary read, per layer.
KEEP: dict[str, tuple[str, ...]] = {
    "incidents": ("title", "description", "type", "severity", "agency", "reported_at",
                  "municipality", "county", "status", "generalised"),
    "units": ("callsign", "unit_kind", "agency", "status", "position_time", "generalised"),
    "blockages": ("road", "reason", "start", "expected_end", "agency", "municipality",
                  "county", "status", "generalised"),
    "riskzones": ("label", "risk_class", "scale", "fwi_min", "fwi_max", "valid_date", "status"),
}

#: Incidents kept whole at one instant; beyond these, the rest are counted per square.
DETAIL_LIMIT = 2_000
#: The side of a counting square, in metres of SWEREF 99 TM.
CELL_M = 5_000

#: Banner levels, least to most sensitive.
LEVELS = (Classification.OPEN, Classification.AGENCY, Classification.RESTRICTED)


@dataclass(frozen=True)
class Banner:
    """The classification of the whole file: its most sensitive record, as presented.

    A generalised record counts as its generalised form, which every agency of the
    centre is shown: it raises the level no higher than open, and the banner says the
    file contains such records. ``agency`` is the owner of the sensitive records (the
    exporting viewer's own agency: nobody else's are ever shown in full).
    """

    level: Classification
    agency: str
    generalised: int


def round_coords(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], (int, float)):
            return [round(float(c), DECIMALS) for c in coords]
        return [round_coords(c) for c in coords]
    return coords


def prune(kind: str, feature: dict[str, Any], clip: shapely.Geometry | None = None) -> dict:
    """The feature as the briefing stores it: kept properties, rounded geometry.

    A unit's speed is kept only when it is 0: the marker asks no more than whether the
    unit stands still (an available unit standing still is never drawn stale)."""
    props = feature["properties"]
    kept = {k: props[k] for k in KEEP[kind] if props.get(k) not in (None, "", False)}
    if kind == "units" and props.get("speed_kmh") == 0:
        kept["speed_kmh"] = 0
    geometry = feature["geometry"]
    if kind == "riskzones" and geometry is not None:
        area = shape(geometry)
        if clip is not None:
            area = shapely.intersection(area, clip)
        area = shapely.simplify(area, ZONE_TOLERANCE_DEG, preserve_topology=True)
        geometry = None if area.is_empty else mapping(area)
    if geometry is not None:
        geometry = {"type": geometry["type"], "coordinates": round_coords(geometry["coordinates"])}
    return {"type": "Feature", "id": feature["id"], "geometry": geometry, "properties": kept}


def prune_coverage(feature: dict[str, Any], clip: shapely.Geometry | None) -> dict[str, Any]:
    """A coverage feature as the briefing stores it: cut to the area, rounded."""
    geometry = feature["geometry"]
    if geometry is not None and clip is not None:
        cut = shapely.intersection(shape(geometry), clip)
        # a cut may leave slivers of lines or points beside the areas: keep the areas
        areas = [part for part in shapely.get_parts(cut)
                 if part.geom_type in ("Polygon", "MultiPolygon")]
        cut = shapely.union_all(areas) if areas else shapely.Polygon()
        geometry = None if cut.is_empty else mapping(cut)
    if geometry is not None:
        geometry = {"type": geometry["type"], "coordinates": round_coords(geometry["coordinates"])}
    return {"type": "Feature", "id": feature["id"], "geometry": geometry,
            "properties": feature["properties"]}


def banner(features: dict[str, list[dict]], classes: dict[str, str], viewer_agency: str,
           derived: Iterable[Classification] = ()) -> Banner:
    """``classes`` maps each included record id to its classification; ``derived`` are the
    classifications of records a layer was computed on without including them (the units
    behind a coverage layer, a generalised one as open): they raise the level too."""
    level, generalised = Classification.OPEN, 0
    for found in derived:
        if LEVELS.index(Classification(found)) > LEVELS.index(level):
            level = Classification(found)
    for kind in KINDS:
        for feature in features.get(kind, []):
            if feature["properties"].get("generalised"):
                generalised += 1
                continue
            found = Classification(classes.get(feature["id"], Classification.OPEN))
            if LEVELS.index(found) > LEVELS.index(level):
                level = found
    return Banner(level, viewer_agency, generalised)


def summary(
    features: dict[str, list[dict]],
    county_names: dict[str, str],
    zone_counties: dict[str, list[str]],
) -> dict[str, Any]:
    """The summary panel's numbers for one instant, counted from what the map draws.

    ``zone_counties`` gives, per risk zone id, the counties it touches.
    """
    incidents = [f["properties"] for f in features.get("incidents", [])]
    types = [t.value for t in IncidentType if any(p["type"] == t for p in incidents)]
    by_county: dict[str, Counter] = {}
    for p in incidents:
        by_county.setdefault(p.get("county", ""), Counter())[p["type"]] += 1
    incident_rows = [
        {"county": county_names.get(code, code or "–"), "code": code,
         "counts": [counts[t] for t in types], "total": sum(counts.values())}
        for code, counts in sorted(by_county.items(), key=lambda item: item[0] or "~")
    ]
    blockage_rows = sorted(
        ({"road": p.get("road", ""), "reason": p.get("reason", ""), "since": p.get("start"),
          "municipality": p.get("municipality", ""), "generalised": bool(p.get("generalised"))}
         for p in (f["properties"] for f in features.get("blockages", []))),
        key=lambda row: (row["since"] or "", row["road"]),
    )
    risk: dict[str, Counter] = {}
    for f in features.get("riskzones", []):
        for code in zone_counties.get(f["id"], []):
            risk.setdefault(code, Counter())[f["properties"]["risk_class"]] += 1
    risk_rows = [
        {"county": county_names.get(code, code), "code": code,
         "classes": sorted(counts), "highest": max(counts, key=_class_rank)}
        for code, counts in sorted(risk.items())
    ]
    units = [f["properties"] for f in features.get("units", []) if f["geometry"] is not None]
    statuses = [s.value for s in UnitStatus]
    unit_rows = []
    for agency in Agency:
        mine = Counter(p["status"] for p in units if p["agency"] == agency)
        if mine:
            unit_rows.append({"agency": agency.value, "counts": [mine[s] for s in statuses],
                              "total": sum(mine.values())})
    return {
        "incidents": {"types": types, "rows": incident_rows, "total": len(incidents)},
        "blockages": {"rows": blockage_rows, "total": len(blockage_rows)},
        "risk": {"rows": risk_rows},
        "units": {"statuses": statuses, "rows": unit_rows, "total": len(units)},
    }


def _class_rank(code: str) -> tuple[int, str]:
    return (int(code[0]) if code[:1].isdigit() else 0, code)


def stamp(moment: datetime) -> str:
    """An instant as the briefing shows it: Europe/Stockholm, to the minute."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")


def aggregate(incidents: list[dict]) -> tuple[list[dict], list[list]]:
    """The incidents kept whole (the `DETAIL_LIMIT` most severe, then newest) and the
    rest counted per `CELL_M` square: ``[lon, lat, count, highest severity]`` at each
    square's centre, in square order."""
    if len(incidents) <= DETAIL_LIMIT:
        return incidents, []
    ranked = sorted(incidents, reverse=True, key=lambda f: (f["properties"]["severity"],
                                                            f["properties"]["reported_at"]))
    kept, rest = ranked[:DETAIL_LIMIT], ranked[DETAIL_LIMIT:]
    lon, lat = np.array([f["geometry"]["coordinates"] for f in rest]).T
    x, y = to_sweref(lon, lat)
    col, row = np.floor_divide(x, CELL_M), np.floor_divide(y, CELL_M)
    severity = np.array([f["properties"]["severity"] for f in rest])
    squares, which, counts = np.unique(np.stack([col, row], axis=1), axis=0,
                                       return_inverse=True, return_counts=True)
    highest = np.zeros(len(squares), dtype=int)
    np.maximum.at(highest, which.ravel(), severity)
    centre_lon, centre_lat = to_wgs84((squares[:, 0] + 0.5) * CELL_M,
                                      (squares[:, 1] + 0.5) * CELL_M)
    cells = [[round(float(a), 4), round(float(b), 4), int(n), int(h)]
             for a, b, n, h in zip(centre_lon, centre_lat, counts, highest, strict=True)]
    return sorted(kept, key=lambda f: f["id"]), cells
