"""Bringing a real road network in: OpenStreetMap extracts and any OGR vector file.

Both kinds end up in one schema (``ref``, ``road_class``, ``highway``, ``source``,
``schematic=False``, WGS84 LineStrings) so the graph, the map and the blockage
matcher never care where roads came from. Saving goes through a temporary file and
an atomic rename, so a failed import never leaves a half-written network behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from georisk.crs import WGS84
from georisk.errors import ValidationError
from georisk.roads.refs import class_of_ref, normalise_ref
from georisk.vector import Unreadable, VectorError, read_vector

ROAD_COLUMNS = ["ref", "road_class", "highway", "name", "source", "schematic", "geometry"]

#: OpenStreetMap ``highway`` values kept by default: the network emergency routing uses.
OSM_MAJOR = ("motorway", "trunk", "primary")
OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".o5m", ".opl")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


@dataclass
class ImportReport:
    """What an import did, for the CLI to tell the user (reprojection included)."""

    source: str
    kind: str  # "osm" or "ogr"
    features: int = 0
    skipped: int = 0
    reprojected_from: str | None = None
    notes: list[str] = field(default_factory=list)


def is_osm_path(path: str | os.PathLike[str]) -> bool:
    name = str(path).lower()
    return name.endswith(OSM_SUFFIXES)


def sniff_osm_format(path: str | os.PathLike[str]) -> str | None:
    """``"osm"`` or ``"pbf"`` when the bytes look like OpenStreetMap data, else None.

    Downloads may arrive without a telling file name; the first bytes decide.
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
    if b"OSMHeader" in head[:32]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "osm" if b"<osm" in head else None
    return None


def read_osm(
    path: str | os.PathLike[str],
    *,
    highways: Iterable[str] = OSM_MAJOR,
    include_links: bool = True,
    file_format: str | None = None,
) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Major-road ways of an OSM extract as LineStrings with their ``ref``.

    ``motorway_link`` and friends join carriageways at interchanges; without them a
    routed graph falls apart at every junction, so they are kept unless asked not to.
    """
    import osmium

    wanted = set(highways)
    if include_links:
        wanted |= {f"{h}_link" for h in highways}
    report = ImportReport(source=str(path), kind="osm")
    source = osmium.io.File(str(path), file_format) if file_format else str(path)
    processor = (
        osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*[("highway", h) for h in sorted(wanted)]))
    )
    rows: list[dict] = []
    try:
        for way in processor:
            coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(coords) < 2:
                report.skipped += 1
                continue
            tags = way.tags
            highway = tags.get("highway")
            ref = normalise_ref(tags.get("ref"))
            rows.append(
                {
                    "osm_id": way.id,
                    "ref": ref,
                    "road_class": "motorway" if highway == "motorway" else class_of_ref(ref),
                    "highway": highway,
                    "name": tags.get("name"),
                    "geometry": shapely.LineString(coords),
                }
            )
    except RuntimeError as exc:  # libosmium's parse errors surface as RuntimeError
        raise ValidationError.one("from", f"not a readable OpenStreetMap file: {exc}") from exc
    if report.skipped:
        report.notes.append(f"{report.skipped} ways skipped: nodes missing from the extract")
    gdf = gpd.GeoDataFrame(
        rows,
        columns=["osm_id", *ROAD_COLUMNS[:-1], "geometry"],
        geometry="geometry",
        crs=WGS84,
    )
    gdf["source"] = OSM_ATTRIBUTION
    gdf["schematic"] = False
    report.features = len(gdf)
    return gdf, report


def read_ogr(
    path: str | os.PathLike[str],
    *,
    ref_column: str = "ref",
    european_column: str | None = None,
    layer: str | int | None = None,
) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Lines of any OGR-readable file, numbered by ``ref_column``, reprojected to WGS84.

    NVDB's "Vägnummer" export keeps the number and the European flag in separate
    columns; ``european_column`` (truthy means E-road) joins them back into "E18".
    """
    report = ImportReport(source=str(path), kind="ogr")
    try:
        gdf, report.reprojected_from = read_vector(path, layer=layer)
    except Unreadable as exc:
        first = str(exc).split(";")[0].strip()
        raise ValidationError.one(
            "from", f"not a road file (neither OpenStreetMap nor a GDAL vector format): {first}"
        ) from exc
    except VectorError as exc:  # no geometry, no CRS: the message says which
        raise ValidationError.one("from", str(exc)) from exc
    if gdf.geometry.isna().all():
        raise ValidationError.one("from", "the file has no geometry column")
    columns = {c.casefold(): c for c in gdf.columns if c != gdf.geometry.name}
    if ref_column.casefold() not in columns:
        available = ", ".join(sorted(columns.values())) or "none"
        raise ValidationError.one(
            "ref_column", f"column {ref_column!r} not found (available: {available})"
        )
    if european_column and european_column.casefold() not in columns:
        raise ValidationError.one("european_column", f"column {european_column!r} not found")
    gdf = gdf.explode(index_parts=False)
    lines = gdf[gdf.geometry.geom_type == "LineString"]
    report.skipped = len(gdf) - len(lines)
    if report.skipped:
        report.notes.append(f"{report.skipped} non-line features skipped")
    raw = lines[columns[ref_column.casefold()]]
    refs = [normalise_ref(v) for v in raw]
    if european_column:
        flags = lines[columns[european_column.casefold()]]
        refs = [_europeanise(r) if _truthy(f) else r for r, f in zip(refs, flags, strict=True)]
    out = gpd.GeoDataFrame(
        {
            "ref": refs,
            "road_class": [class_of_ref(r) for r in refs],
            "highway": None,
            "name": None,
            "source": str(Path(path).name),
            "schematic": False,
        },
        geometry=lines.geometry.values,
        crs=WGS84,
    )
    report.features = len(out)
    return out, report


def _truthy(value: object) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    if isinstance(value, str):
        return value.strip().casefold() in {"1", "true", "ja", "yes", "j", "y", "t", "e"}
    return bool(value)


def _europeanise(ref: str | None) -> str | None:
    if ref is None:
        return None
    return ";".join(f"E{p[3:]}" if p.startswith(("Rv ", "Lv ")) else p for p in ref.split(";"))


def import_roads(
    path: str | os.PathLike[str],
    *,
    ref_column: str = "ref",
    european_column: str | None = None,
    layer: str | int | None = None,
) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Read a road file of either kind; refuses a file with no road lines in it."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError.one("from", f"no such file: {path}")
    fmt = None if is_osm_path(path) else sniff_osm_format(path)
    if is_osm_path(path) or fmt:
        gdf, report = read_osm(path, file_format=fmt)
    else:
        gdf, report = read_ogr(
            path, ref_column=ref_column, european_column=european_column, layer=layer
        )
    gdf = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
    if gdf.empty:
        raise ValidationError.one("from", f"{path.name} contains no road lines")
    return gdf.reset_index(drop=True), report


def save_roads(roads: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a GeoPackage atomically: a temporary sibling file, then one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL refuses to create a GeoPackage over an existing empty file
    try:
        frame = roads[[c for c in ROAD_COLUMNS if c in roads.columns]].copy()
        frame["schematic"] = frame["schematic"].astype(bool)
        frame.to_file(tmp, layer="roads", driver="GPKG", engine="pyogrio")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_saved_roads(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    gdf, _ = read_vector(path, layer="roads")
    if "schematic" in gdf.columns:
        gdf["schematic"] = gdf["schematic"].astype(bool)
    return gdf


__all__ = [
    "OSM_MAJOR",
    "ROAD_COLUMNS",
    "ImportReport",
    "import_roads",
    "read_ogr",
    "read_osm",
    "read_saved_roads",
    "save_roads",
    "sniff_osm_format",
]
