"""The risk brief of an incident: what an operator wants to know in its first minute.

Where it is (county, municipality) and who answers for it there (police region, rescue
service, SOS Alarm); today's fire risk at the point; active blockages nearby and whether
they lie on the likely approach roads (the routes the nearest units would take with no
blockage); the nearest suitable units with their ETAs; and other agencies' incidents
close in place and time that may be the same event, beside the links already made.

Computed on the incident and everything around it as the viewer is shown them
(`georisk.resources.service`), so a brief says no more than the viewer's own lists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import shapely

from georisk.access import Presented, Viewer
from georisk.area import attribute_point
from georisk.crs import to_sweref
from georisk.firerisk.publish import risk_at
from georisk.model import Incident
from georisk.resources import answers, links
from georisk.resources.service import Resources
from georisk.resources.suggest import SUITABLE, suggest
from georisk.texts import DEFAULT_LANG, Lang
from georisk.timeutil import STOCKHOLM, format_utc, utc_now

DEFAULT_BLOCKAGE_KM = 10.0
NEAREST_UNITS = 3


def brief(
    resources: Resources,
    viewer: Viewer | None,
    incident: Presented,
    *,
    lang: Lang = DEFAULT_LANG,
    day: date | None = None,
    blockage_km: float = DEFAULT_BLOCKAGE_KM,
    link_m: float = links.DEFAULT_DISTANCE_M,
    link_minutes: float = links.DEFAULT_MINUTES,
) -> dict[str, Any]:
    this: Incident = incident.record  # type: ignore[assignment]
    lon, lat = this.location.x, this.location.y
    day = day or utc_now().astimezone(STOCKHOLM).date()
    answer = suggest(resources, viewer, incident, kinds=SUITABLE[this.type], k=NEAREST_UNITS)
    approach = frozenset().union(*(s.unblocked_edges for s in answer.suggestions))
    return {
        "incident": answers.feature(incident),
        "computed_at": format_utc(utc_now()),
        "area": _area(lon, lat),
        "fire_risk": _fire_risk(resources, lon, lat, day),
        "blockages": _blockages(resources, answer.blockages, lon, lat, blockage_km, approach),
        "units": [answers.suggestion_feature(rank, found, answer)
                  for rank, found in enumerate(answer.suggestions, start=1)],
        "suitable_kinds": sorted(SUITABLE[this.type]),
        "possibly_same": [
            {"incident": answers.feature(c.shown), "distance_m": round(c.distance_m),
             "minutes_apart": round(c.minutes, 1), "score": c.score}
            for c in links.candidates(resources, viewer, incident, link_m, link_minutes)
        ],
        "linked": [{"incident": answers.feature(other), "relation": relation}
                   for other, relation in links.linked(resources, viewer, incident)],
        "network": resources.network_note(lang),
        "access_kmh": answer.access_kmh,
    }


def _area(lon: float, lat: float) -> dict[str, Any]:
    found = attribute_point(lon, lat)
    status = found.rescue_region_status
    return {
        "in_area": found.in_area,
        "county": {"code": found.county_code, "name": found.county_name},
        "municipality": {"code": found.municipality_code, "name": found.municipality_name},
        "police_region": found.police_region,
        "rescue_service": found.rescue_service,
        "rescue_region": found.rescue_region,
        "rescue_region_status": None if status is None else status.value,
        "sos": found.sos,
    }


def _fire_risk(resources: Resources, lon: float, lat: float, day: date) -> dict[str, Any] | None:
    zone = risk_at(resources.store, lon, lat, day)
    if zone is None:
        return None
    return {"valid_date": zone.valid_date, "scale": zone.scale, "class": zone.risk_class,  # type: ignore[attr-defined]
            "label": zone.label, "fwi_min": zone.fwi_min, "fwi_max": zone.fwi_max,  # type: ignore[attr-defined]
            "zone": zone.id}


def _blockages(resources: Resources, shown: list[Presented], lon: float, lat: float,
               km: float, approach: frozenset[int]) -> list[dict[str, Any]]:
    """Blockages within ``km`` of the point (as shown), those on approach roads first."""
    x, y = to_sweref(lon, lat)
    here = shapely.Point(x, y)
    by_blockage = resources.blockage_edges(shown)
    out = []
    for item in shown:
        section = shapely.transform(item.record.geometry, _metric)
        distance = float(section.distance(here))
        if distance > km * 1000:
            continue
        record = item.record
        out.append({
            "blockage": answers.feature(item), "distance_m": round(distance),
            "on_approach": bool(by_blockage.get(record.id, {}).keys() & approach),
        })
    return sorted(out, key=lambda b: (not b["on_approach"], b["distance_m"]))


def _metric(xy: np.ndarray) -> np.ndarray:
    x, y = to_sweref(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])
