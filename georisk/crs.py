"""The coordinate reference systems georisk computes in and offers its clients, and
moving coordinates between them: the one place CRSs are named and transformers built.

Computing. Records are kept in WGS 84 longitude/latitude (`WGS84`, OGC's CRS84);
distances, areas, buffers and grids are measured in SWEREF 99 TM metres (`METRIC`).
These short "EPSG:nnnn" codes go with ``always_xy`` transformers (lon/lat,
east/north), whatever the authority says: `to_sweref` and `to_wgs84` take numbers or
arrays, and an array goes through pyproj in one call. They never reach a client.

Client answers. GIS clients may ask for coordinates in another CRS (OGC API - Features
Part 2), named by an OGC URI (`SUPPORTED`). Such answers follow each CRS's own
(authority) axis order, as OGC requires: EPSG:4326 is latitude, longitude and EPSG:3006
(SWEREF 99 TM) is northing, easting.

Transformations are vectorised: all coordinates of a page of features go through
pyproj in one call. Transformers are built once per pair of CRSs (building one costs
milliseconds, using one microseconds) and pyproj's are safe to share between threads.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

#: WGS 84 as georisk computes in it: longitude, latitude (GeoJSON's order).
WGS84 = "EPSG:4326"
#: SWEREF 99 TM, Sweden's national grid: easting, northing in metres.
METRIC = "EPSG:3006"

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
WGS84_LATLON = "http://www.opengis.net/def/crs/EPSG/0/4326"
SWEREF99TM = "http://www.opengis.net/def/crs/EPSG/0/3006"
WEB_MERCATOR = "http://www.opengis.net/def/crs/EPSG/0/3857"

#: The CRSs offered, the storage CRS first.
SUPPORTED: tuple[str, ...] = (CRS84, WGS84_LATLON, SWEREF99TM, WEB_MERCATOR)

#: Decimals kept in metres: a millimetre, finer than any position georisk holds, and it
#: keeps answers short (degrees are left as they are: CRS84 to EPSG:4326 is exact).
METRE_DECIMALS = 3

#: Points along a box's longer edges when it is carried into another CRS (the shorter
#: get as many per length): its straight edges become curves there, and 64 points
#: follow them to well under a metre over Sweden.
BOX_EDGE_POINTS = 64

# How deep a GeoJSON geometry's coordinates nest above one position.
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2,
          "MultiLineString": 2, "MultiPolygon": 3}


@functools.cache
def xy_transformer(source: str, target: str) -> Transformer:
    """From ``source`` to ``target`` for computing: lon/lat and east/north order."""
    return Transformer.from_crs(source, target, always_xy=True)


_TO_SWEREF = xy_transformer(WGS84, METRIC)
_TO_WGS84 = xy_transformer(METRIC, WGS84)


def to_sweref(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Easting and northing (SWEREF 99 TM metres) of WGS 84 positions: floats for
    numbers, arrays for arrays (one pyproj call for all of them)."""
    return _TO_SWEREF.transform(lon, lat)


def to_wgs84(x: Any, y: Any) -> tuple[Any, Any]:
    """Longitude and latitude of SWEREF 99 TM positions: floats for numbers, arrays for
    arrays (one pyproj call for all of them)."""
    return _TO_WGS84.transform(x, y)


@functools.cache
def definition(uri: str) -> CRS:
    return CRS.from_user_input(uri)


def is_geographic(uri: str) -> bool:
    return definition(uri).is_geographic


def latitude_first(uri: str) -> bool:
    """Whether the CRS's first axis is latitude (EPSG:4326), by its authority."""
    return definition(uri).axis_info[0].direction in ("north", "south")


@functools.cache
def transformer(source: str, target: str) -> Transformer:
    """From ``source`` to ``target``, each in its authority axis order."""
    return Transformer.from_crs(definition(source), definition(target))


def transform_xy(xy: np.ndarray, source: str, target: str) -> np.ndarray:
    """An (n, 2) array of positions from ``source`` into ``target``."""
    if source == target or len(xy) == 0:
        return xy
    first, second = transformer(source, target).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([first, second])


def transform_shapes(shapes: np.ndarray, source: str, target: str) -> np.ndarray:
    """Shapely geometries (None allowed) from ``source`` into ``target``: one pyproj call."""
    if source == target:
        return shapes
    return shapely.transform(shapes, lambda xy: transform_xy(xy, source, target))


def transform_geometries(
    geometries: Sequence[dict[str, Any] | None], source: str, target: str
) -> list[dict[str, Any] | None]:
    """GeoJSON geometry objects (None allowed) from ``source`` into ``target``.

    Works on the coordinate lists themselves, without building shapely objects: every
    position of every geometry is gathered into one array and transformed in one call.
    Heights, if any, are kept as they are.
    """
    if source == target:
        return list(geometries)
    chunks: list[np.ndarray] = []
    for geometry in geometries:
        _gather(geometry, chunks)
    if not chunks:
        return list(geometries)
    xy = np.concatenate([chunk[:, :2] for chunk in chunks])
    moved = transform_xy(xy, source, target)
    if not is_geographic(target):
        moved = np.round(moved, METRE_DECIMALS)
    parts: list[list[Any]] = []
    start = 0
    for chunk in chunks:
        end = start + len(chunk)
        part = moved[start:end]
        if chunk.shape[1] > 2:
            part = np.column_stack([part, chunk[:, 2:]])
        parts.append(part.tolist())
        start = end
    remaining = iter(parts)
    return [_rebuild(geometry, remaining) for geometry in geometries]


def _gather(geometry: dict[str, Any] | None, out: list[np.ndarray]) -> None:
    if geometry is None:
        return
    if geometry["type"] == "GeometryCollection":
        for member in geometry["geometries"]:
            _gather(member, out)
        return
    _positions(geometry["coordinates"], _DEPTH[geometry["type"]], out)


def _positions(coordinates: Any, depth: int, out: list[np.ndarray]) -> None:
    if depth == 0:
        out.append(np.asarray([coordinates], dtype=float))
    elif depth == 1:
        width = len(coordinates[0]) if coordinates else 2
        out.append(np.asarray(coordinates, dtype=float).reshape(-1, width))
    else:
        for part in coordinates:
            _positions(part, depth - 1, out)


def _rebuild(geometry: dict[str, Any] | None, parts: Iterator[list[Any]]) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if geometry["type"] == "GeometryCollection":
        members = [_rebuild(member, parts) for member in geometry["geometries"]]
        return {**geometry, "geometries": members}
    coordinates = _placed(geometry["coordinates"], _DEPTH[geometry["type"]], parts)
    return {**geometry, "coordinates": coordinates}


def _placed(coordinates: Any, depth: int, parts: Iterator[list[Any]]) -> Any:
    if depth == 0:
        return next(parts)[0]
    if depth == 1:
        return next(parts)
    return [_placed(part, depth - 1, parts) for part in coordinates]


class OutsideCrs(ValueError):
    """Coordinates that the CRS cannot hold (beyond its range or its projection)."""


def box_in(bbox: tuple[float, float, float, float], uri: str) -> shapely.Polygon:
    """The box ``min1, min2, max1, max2`` in the CRS's own axis order, as a polygon on
    the plane of that CRS's (first, second) axes; raises OutsideCrs for values out of
    the CRS's range."""
    min1, min2, max1, max2 = bbox
    if is_geographic(uri):
        (lat_min, lat_max), (lon_min, lon_max) = (
            ((min1, max1), (min2, max2)) if latitude_first(uri) else ((min2, max2), (min1, max1))
        )
        if lat_min < -90 or lat_max > 90:
            raise OutsideCrs("latitudes must be between -90 and 90")
        if lon_min < -180 or lon_max > 180:
            raise OutsideCrs("longitudes must be between -180 and 180")
    return shapely.box(min1, min2, max1, max2)


def box_area(box: shapely.Polygon, uri: str) -> shapely.Polygon:
    """A box given in ``uri`` (from `box_in`) as a polygon in CRS84: its edges are
    densified before the transformation, so the polygon follows them where they curve."""
    if uri == CRS84:
        return box
    min1, min2, max1, max2 = box.bounds
    step = max(max1 - min1, max2 - min2) / BOX_EDGE_POINTS
    dense = shapely.segmentize(box, step) if step > 0 else box
    area = transform_shapes(np.asarray([dense]), uri, CRS84)[0]
    if not all(math.isfinite(v) for v in area.bounds):
        raise OutsideCrs("the box lies outside the area the CRS covers")
    return area
