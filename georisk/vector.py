"""Reading a vector file from elsewhere (a county's GIS, NVDB, an export) into WGS 84.

Every reader of such files goes through `read_vector`, so they all decide "is this
already WGS 84?" the same way. The answer ignores axis order: GDAL hands coordinates
over in longitude, latitude order whatever the CRS definition says (EPSG:4326 by its
authority is latitude first, OGC:CRS84 longitude first), so both are WGS 84 as georisk
keeps it and neither is moved. A file in any other CRS is reprojected; a file that
names no CRS is refused, since where it lies cannot be told.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from georisk.crs import WGS84
from georisk.errors import GeoriskError

#: Read with pyarrow: the GDAL that pyogrio bundles has no Parquet driver.
PARQUET_SUFFIXES = (".parquet", ".geoparquet")


class VectorError(GeoriskError):
    """A vector file that cannot be used as it is; the message says why."""


class Unreadable(VectorError):
    """Not a vector file GDAL (or pyarrow, for GeoParquet) can read: the cause is chained."""


class NoGeometry(VectorError):
    """A table without a geometry column: not a map layer."""


class NoCrs(VectorError):
    """A file that names no coordinate reference system."""


def read_vector(
    path: str | os.PathLike[str], *, layer: str | int | None = None
) -> tuple[gpd.GeoDataFrame, str | None]:
    """The file (one ``layer`` of it) in WGS 84 longitude/latitude, and the CRS it was
    reprojected from (None when it was in WGS 84 already).

    Raises `Unreadable`, `NoGeometry` or `NoCrs`; the reader's own error, if any, is
    the cause of `Unreadable` and its first line is the message.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # GDAL, pyarrow and OS errors all mean "cannot read this file"
        text = str(exc).strip()
        raise Unreadable(text.splitlines()[0] if text else type(exc).__name__) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise NoGeometry("no geometry column: not a map layer")
    if frame.crs is None:
        raise NoCrs(
            "no CRS: the file names no coordinate reference system, so where it lies cannot "
            "be told (for a shapefile: is the .prj file missing?)"
        )
    if frame.crs.equals(WGS84, ignore_axis_order=True):
        frame.set_crs(WGS84, allow_override=True, inplace=True)  # one name for it downstream
        return frame, None
    return frame.to_crs(WGS84), frame.crs.to_string()
