"""Tables out of analysis: CSV, GeoParquet or GeoPackage, chosen by the file's extension.

A table keyed by place (county, municipality or 5 km cell) gets that place's polygon when
written in a spatial format, so an aggregation opens in QGIS as a map; CSV keeps text
(a geometry as its WKT). Times are written in UTC, as ISO 8601.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from georisk.crs import WGS84

FORMATS = {".csv": "CSV", ".parquet": "GeoParquet", ".gpkg": "GeoPackage"}


class OutputError(ValueError):
    """A file name whose extension names no format georisk writes."""


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{Path(path).name}: write .csv, .parquet (GeoParquet) or .gpkg "
                          "(GeoPackage)")
    return FORMATS[suffix]


def with_places(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the polygon of the place it is keyed by (its first of cell,
    municipality, county), as a GeoDataFrame; as it is when it has none."""
    if isinstance(table, gpd.GeoDataFrame) or table.empty:
        return table
    from georisk.analysis.grouping import cell_polygons
    from georisk.area.boundaries import counties, municipalities

    if "cell" in table:
        return gpd.GeoDataFrame(table, geometry=cell_polygons(table["cell"]), crs=WGS84)
    for key, shapes in (("municipality", municipalities), ("county", counties)):
        if key in table:
            places = shapes().set_index("code").geometry
            geometry = places.reindex(table[key].astype(str)).to_numpy()
            return gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)
    return table


def write_table(table: pd.DataFrame, path: str | Path) -> str:
    """Write ``table`` to ``path`` in the format its extension names; returns the format."""
    kind = format_of(path)
    if kind == "CSV":
        out = pd.DataFrame(table).copy()
        if isinstance(table, gpd.GeoDataFrame):
            out["geometry"] = table.geometry.to_wkt()
        out.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        return kind
    spatial = with_places(table)
    if kind == "GeoParquet":  # (plain Parquet for a table with no place)
        spatial.to_parquet(path, index=False)
        return kind
    import pyogrio

    Path(path).unlink(missing_ok=True)
    pyogrio.write_dataframe(_gpkg_ready(spatial), path, driver="GPKG", layer=Path(path).stem)
    return kind


def _gpkg_ready(table: pd.DataFrame) -> pd.DataFrame:
    """GeoPackage holds no Python objects: week starts and the like become text."""
    out = table.copy()
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].astype(str)
    return out
