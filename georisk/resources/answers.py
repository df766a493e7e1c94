"""Resource answers as JSON: the same shapes for the API, the stream and the CLI.

Records inside an answer are GeoJSON Features as the viewer is shown them, with
``generalised`` set as in every list, so an answer never carries more of a record
than the record's own endpoint would.
"""

from __future__ import annotations

import math
from typing import Any

import shapely

from georisk.access import Presented
from georisk.model import geometry_to_geojson
from georisk.resources.coverage import Coverage
from georisk.resources.profiles import PROFILES
from georisk.resources.suggest import Answer, Suggestion


def feature(shown: Presented) -> dict[str, Any]:
    out = shown.record.to_feature()
    out["properties"]["generalised"] = shown.generalised
    return out


def seconds(value: float | None) -> float | None:
    """Whole seconds, or None for "never" (JSON has no infinity)."""
    if value is None or not math.isfinite(value):
        return None
    return float(round(value))


def _blockage_refs(ids: list[str], answer: Answer) -> list[dict[str, str]]:
    roads = {item.record.id: item.record.road for item in answer.blockages}  # type: ignore[attr-defined]
    return [{"id": id_, "road": roads.get(id_, "")} for id_ in ids]


def suggestion_feature(rank: int, found: Suggestion, answer: Answer) -> dict[str, Any]:
    eta = seconds(found.eta_s)
    unblocked = seconds(found.unblocked_eta_s)
    return {
        "type": "Feature",
        "id": f"route-{rank}",
        "geometry": geometry_to_geojson(found.route),
        "properties": {
            "rank": rank,
            "unit": feature(found.unit),
            "generalised": found.unit.generalised,
            "reachable": found.reachable,
            "eta_s": eta,
            "eta_min": None if eta is None else round(eta / 60, 1),
            "distance_m": round(found.distance_m),
            "route_m": None if found.route_m is None else round(found.route_m),
            "profile": found.profile.name,
            "unblocked_eta_s": unblocked,
            "delay_s": None if eta is None or unblocked is None else eta - unblocked,
            "blockages_avoided": _blockage_refs(found.avoided, answer),
            "blockages_on_route": _blockage_refs(found.on_route, answer),
        },
    }


def suggestions(answer: Answer, network: dict[str, Any]) -> dict[str, Any]:
    """The suggestions as a FeatureCollection of routes, best first."""
    location: shapely.Point = answer.incident.record.location  # type: ignore[attr-defined]
    return {
        "type": "FeatureCollection",
        "incident": {
            "id": answer.incident.record.id,
            "generalised": answer.incident.generalised,
            "coordinates": [location.x, location.y],
        },
        "network": network,
        "access_kmh": answer.access_kmh,
        "pool": answer.pool,
        "profiles": profiles(),
        "features": [
            suggestion_feature(rank, found, answer)
            for rank, found in enumerate(answer.suggestions, start=1)
        ],
        "numberReturned": len(answer.suggestions),
    }


def profiles() -> dict[str, Any]:
    """The travel assumptions per unit kind, stated with every ETA."""
    return {str(kind): profile.describe() for kind, profile in PROFILES.items()}


def coverage(found: Coverage, network: dict[str, Any], access_kmh: float) -> dict[str, Any]:
    """Isochrones (largest first, so smaller ones draw on top) and the gap layer."""
    features = [
        {"type": "Feature", "id": f"isochrone-{minutes}",
         "geometry": geometry_to_geojson(shape),
         "properties": {"layer": "isochrone", "minutes": minutes, "kind": found.kind}}
        for minutes, shape in sorted(found.isochrones, key=lambda item: -item[0])
    ]
    features.append({
        "type": "Feature", "id": f"gap-{found.gap_minutes}",
        "geometry": geometry_to_geojson(found.gap),
        "properties": {
            "layer": "gap", "minutes": found.gap_minutes, "kind": found.kind,
            "area_km2": found.gap_km2, "population": found.gap_population,
            "towns": [{"name": name, "population": people}
                      for name, people in found.gap_towns[:TOWNS_LISTED]],
        },
    })
    return {
        "type": "FeatureCollection",
        "kind": found.kind,
        "units": found.units,
        "minutes": list(found.minutes),
        "area_km2": found.area_km2,
        "network": network,
        "access_kmh": access_kmh,
        "features": features,
        "numberReturned": len(features),
    }


#: Towns named in a gap (largest first); the population counts them all.
TOWNS_LISTED = 25
