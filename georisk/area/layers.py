"""Extra map layers a centre drops into its data directory (``GEORISK_DATA_DIR``).

Files come from many hands (county GIS, exports from other systems), so every usual
fault is expected: a SWEREF 99 TM file, a column missing, a self-intersecting polygon,
a truncated download. Each layer is checked on its own and the faults are collected:
one bad file never keeps the others off the map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from georisk.crs import WGS84
from georisk.errors import GeoriskError
from georisk.settings import data_dir
from georisk.vector import PARQUET_SUFFIXES, Unreadable, VectorError, read_vector

#: File kinds read as layers (by `georisk.vector.read_vector`: GeoParquet through pyarrow,
#: the rest through pyogrio).
LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", *PARQUET_SUFFIXES)
MAX_LISTED = 10  # invalid features named in one message; the count says how many more


@dataclass(frozen=True)
class LayerSpec:
    """What a known layer must carry for the map and the briefs to use it."""

    required_columns: tuple[str, ...] = ()


#: Layers the centre knows by file name; any other name is loaded with no column rules.
LAYER_SPECS: dict[str, LayerSpec] = {
    "rescue_stations": LayerSpec(("name", "organisation")),
    "police_stations": LayerSpec(("name",)),
    "hospitals": LayerSpec(("name",)),
}


@dataclass(frozen=True)
class LayerProblem:
    """Why one layer did not load (or loaded only after repair)."""

    name: str
    path: Path
    reason: str
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.path.name}: {self.reason}"
        return text + "".join(f"\n  - {d}" for d in self.details)


class LayerError(GeoriskError):
    """A layer that cannot be used as it is; carries the problem for the report."""

    def __init__(self, problem: LayerProblem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Layer:
    """A loaded layer, always in WGS84, with notes on what was done to it."""

    name: str
    path: Path
    data: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        if self.data.empty or self.data.geometry.isna().all():
            return None
        minx, miny, maxx, maxy = (float(v) for v in self.data.total_bounds)
        return minx, miny, maxx, maxy


@dataclass
class LayerLoad:
    """Everything found in a data directory: what loaded and what did not."""

    directory: Path | None
    layers: dict[str, Layer] = field(default_factory=dict)
    problems: list[LayerProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def layer_files(directory: Path) -> list[Path]:
    """Candidate layer files in a directory (not recursive), in a stable order."""
    return sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in LAYER_SUFFIXES
    )


def load_layers(
    directory: Path | None = None,
    *,
    repair: bool = False,
    specs: Mapping[str, LayerSpec] | None = None,
) -> LayerLoad:
    """Load every layer file in ``directory`` (default: the data dir); collect problems."""
    directory = directory if directory is not None else data_dir()
    result = LayerLoad(directory)
    if directory is None:
        return result
    if not directory.is_dir():
        result.problems.append(
            LayerProblem(directory.name, directory, "data directory does not exist")
        )
        return result
    specs = LAYER_SPECS if specs is None else specs
    for path in layer_files(directory):
        try:
            names = _sublayers(path)
        except Exception as exc:  # any reader fault is the file's fault, reported, not raised
            result.problems.append(LayerProblem(path.stem, path, _unreadable(exc)))
            continue
        for sub in names:
            name = path.stem if sub is None else f"{path.stem}.{sub}"
            spec = specs.get(name) or specs.get(path.stem) or LayerSpec()
            try:
                result.layers[name] = load_layer(path, layer=sub, spec=spec, repair=repair)
            except LayerError as exc:
                result.problems.append(exc.problem)
    return result


def _sublayers(path: Path) -> list[str | None]:
    """A GeoPackage may hold several layers; every other kind holds one."""
    if path.suffix.lower() != ".gpkg":
        return [None]
    listed = pyogrio.list_layers(path)
    return [str(row[0]) for row in listed] if len(listed) > 1 else [None]


def load_layer(
    path: Path,
    *,
    layer: str | None = None,
    spec: LayerSpec | None = None,
    repair: bool = False,
    name: str | None = None,
) -> Layer:
    """Read one layer, check it and bring it to WGS84; LayerError says what is wrong."""
    spec = spec or LayerSpec()
    name = name or (path.stem if layer is None else f"{path.stem}.{layer}")
    try:
        gdf, reprojected_from = read_vector(path, layer=layer)
    except Unreadable as exc:
        raise LayerError(LayerProblem(name, path, _unreadable(exc))) from exc
    except VectorError as exc:  # no geometry, no CRS: the message says which
        raise LayerError(LayerProblem(name, path, str(exc))) from exc

    missing = [c for c in spec.required_columns if c not in gdf.columns]
    if missing:
        have = ", ".join(c for c in gdf.columns if c != gdf.geometry.name) or "none"
        raise LayerError(
            LayerProblem(
                name,
                path,
                f"missing required column(s): {', '.join(missing)} (columns present: {have})",
            )
        )

    notes: list[str] = []
    if reprojected_from:
        notes.append(f"reprojected from {reprojected_from} to WGS84 ({WGS84})")

    geoms = gdf.geometry.values
    invalid = np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms))
    if len(invalid):
        details = _describe_invalid(gdf, invalid)
        if not repair:
            raise LayerError(
                LayerProblem(
                    name,
                    path,
                    f"{len(invalid)} invalid geometr{'y' if len(invalid) == 1 else 'ies'}"
                    " (repair=True fixes them with make_valid)",
                    details,
                )
            )
        gdf = gdf.copy()
        gdf.loc[gdf.index[invalid], gdf.geometry.name] = shapely.make_valid(geoms[invalid])
        notes.append(
            f"repaired {len(invalid)} invalid geometries with make_valid: " + "; ".join(details)
        )
    empty = int((shapely.is_missing(geoms) | shapely.is_empty(geoms)).sum())
    if empty:
        notes.append(f"{empty} feature(s) without geometry")
    return Layer(name, path, gdf, notes)


def _describe_invalid(gdf: gpd.GeoDataFrame, positions: np.ndarray) -> tuple[str, ...]:
    """Name each bad feature by its id column when there is one, else its position."""
    reasons = shapely.is_valid_reason(gdf.geometry.values[positions])
    key = next((c for c in ("id", "ID", "fid") if c in gdf.columns), None)
    out = []
    for pos, reason in zip(positions[:MAX_LISTED], reasons[:MAX_LISTED], strict=False):
        label = f"{key} {gdf[key].iloc[pos]}" if key else f"feature {pos}"
        out.append(f"{label}: {reason}")
    if len(positions) > MAX_LISTED:
        out.append(f"... and {len(positions) - MAX_LISTED} more")
    return tuple(out)


def _unreadable(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # GDAL appends advice about driver prefixes that only confuses a reader of this report.
    message = message.split("; It might help")[0].rstrip(".;")
    return f"unreadable: {message}"
