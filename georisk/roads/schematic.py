"""The approximate road network drawn through town coordinates.

Without an imported network the map would show no roads at all, and blockages
("E18 at Karlskoga") could not be placed or routed around. Straight lines between
towns in the right order are honest enough for that, as long as every output says
they are schematic: the ``schematic`` flag and ``label`` travel with every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import geopandas as gpd
from shapely import LineString

from georisk.area.places import ATTRIBUTION as GEONAMES_ATTRIBUTION
from georisk.area.places import find_place
from georisk.crs import WGS84
from georisk.errors import NotFound
from georisk.roads.refs import class_of_ref
from georisk.roads.routes import ROUTES, Route
from georisk.texts import text

#: The rows' own label is Swedish, the operators' language; the map shows it in either.
SCHEMATIC_LABEL = text("layer.roads.schematic")
SOURCE = f"georisk route table through GeoNames towns; {GEONAMES_ATTRIBUTION}"

COLUMNS = ["ref", "road_class", "schematic", "label", "towns", "source", "geometry"]


class UnknownTown(NotFound):
    """A route names towns that GeoNames does not know; lists every one at once."""

    def __init__(self, missing: list[tuple[str, str]]):
        self.missing = missing
        text = ", ".join(f"{town!r} on {ref}" for ref, town in missing)
        super().__init__(f"route table names unknown towns: {text}")


def _town_point(spec: str) -> tuple[float, float]:
    name, _, county = spec.partition("/")
    row = find_place(name, county or None)
    return (row.geometry.x, row.geometry.y)


def build_schematic(routes: Iterable[Route] = ROUTES) -> gpd.GeoDataFrame:
    """One LineString per route through its towns in order (WGS84).

    Every unknown town in the table is reported together, so a typo cannot hide
    behind the first one.
    """
    rows: list[dict] = []
    missing: list[tuple[str, str]] = []
    for route in routes:
        coords = []
        for town in route.towns:
            try:
                coords.append(_town_point(town))
            except NotFound:
                missing.append((route.ref, town))
        if len(route.towns) < 2:
            missing.append((route.ref, "<needs at least two towns>"))
            continue
        rows.append(
            {
                "ref": route.ref,
                "road_class": class_of_ref(route.ref),
                "schematic": True,
                "label": SCHEMATIC_LABEL,
                "towns": " – ".join(route.towns),
                "source": SOURCE,
                "geometry": LineString(coords) if len(coords) >= 2 else None,
            }
        )
    if missing:
        raise UnknownTown(missing)
    return gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs=WGS84)


@lru_cache(maxsize=1)
def _cached() -> gpd.GeoDataFrame:
    return build_schematic()


def schematic_roads() -> gpd.GeoDataFrame:
    """The built-in schematic network; built once per process, returned as a copy."""
    return _cached().copy()
