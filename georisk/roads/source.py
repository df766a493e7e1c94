"""Which road network the picture uses: an imported real one if present, else schematic.

Operators must never mistake the schematic lines for real roads, so the choice is
returned together with the data and a human-readable label rather than made silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from georisk.roads.importer import read_saved_roads
from georisk.roads.schematic import SCHEMATIC_LABEL, schematic_roads
from georisk.settings import data_dir

ROADS_FILE = "roads.gpkg"
IMPORTED_LABEL = "Importerat vägnät"


@dataclass(frozen=True)
class LoadedRoads:
    roads: gpd.GeoDataFrame
    kind: str  # "imported" or "schematic"
    path: Path | None
    label: str

    @property
    def schematic(self) -> bool:
        return self.kind == "schematic"


def default_roads_path() -> Path | None:
    """``$GEORISK_DATA_DIR/roads.gpkg``, or None when no data folder is configured."""
    folder = data_dir()
    return folder / ROADS_FILE if folder else None


def load_roads(path: str | os.PathLike[str] | None = None) -> LoadedRoads:
    """The imported network at ``path`` (default: the data folder), else the schematic one."""
    candidate = Path(path) if path else default_roads_path()
    if candidate is not None and candidate.is_file():
        roads = read_saved_roads(candidate)
        return LoadedRoads(roads, "imported", candidate, f"{IMPORTED_LABEL} ({candidate.name})")
    return LoadedRoads(schematic_roads(), "schematic", None, SCHEMATIC_LABEL)
