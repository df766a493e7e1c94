"""georisk.crs: the offered CRSs, their axis order, and GeoJSON geometries moved between
them in one vectorised call, checked against pyproj point by point."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from georisk import crs

OREBRO = (15.2066, 59.2741)
_LONLAT_TO = {
    uri: pyproj.Transformer.from_crs("OGC:CRS84", uri, always_xy=True) for uri in crs.SUPPORTED
}


def _expected(lon: float, lat: float, uri: str) -> tuple[float, float]:
    """The position in ``uri``'s authority axis order, written out per CRS."""
    x, y = _LONLAT_TO[uri].transform(lon, lat)  # east, north
    return {crs.CRS84: (x, y), crs.WGS84_LATLON: (y, x), crs.SWEREF99TM: (y, x),
            crs.WEB_MERCATOR: (x, y)}[uri]


def test_axis_orders_are_the_authorities():
    assert crs.latitude_first(crs.WGS84_LATLON) and not crs.latitude_first(crs.CRS84)
    names = [a.abbrev for a in pyproj.CRS("EPSG:3006").axis_info]
    assert names == ["N", "E"]  # SWEREF 99 TM: northing first, so coordinates are (N, E)
    assert crs.is_geographic(crs.CRS84) and not crs.is_geographic(crs.SWEREF99TM)


@pytest.mark.parametrize("uri", crs.SUPPORTED)
def test_every_geometry_type_is_transformed_position_by_position(uri):
    ring = [[15.0, 59.0], [15.5, 59.0], [15.5, 59.4], [15.0, 59.4], [15.0, 59.0]]
    hole = [[15.1, 59.1], [15.2, 59.1], [15.2, 59.2], [15.1, 59.1]]
    geometries = [
        {"type": "Point", "coordinates": list(OREBRO)},
        None,
        {"type": "LineString", "coordinates": [[14.52, 59.33], [14.60, 59.31]]},
        {"type": "Polygon", "coordinates": [ring, hole]},
        {"type": "MultiPolygon", "coordinates": [[ring], [hole]]},
        {"type": "MultiPoint", "coordinates": [[14.0, 59.0], [16.0, 60.0]]},
        {"type": "MultiLineString", "coordinates": [ring[:2], hole[:3]]},
        {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [14.0, 59.0, 120.0]}]},  # a height is kept
    ]
    moved = crs.transform_geometries(geometries, crs.CRS84, uri)
    assert moved[1] is None
    assert [g["type"] for g in moved if g] == [g["type"] for g in geometries if g]
    tolerance = 1e-9 if crs.is_geographic(uri) else 1e-3  # metres are kept to a millimetre
    assert np.allclose(moved[0]["coordinates"], _expected(*OREBRO, uri), rtol=0, atol=tolerance)
    for before, after in zip(ring, moved[3]["coordinates"][0], strict=True):
        assert np.allclose(after, _expected(*before, uri), rtol=0, atol=tolerance)
    assert len(moved[3]["coordinates"][1]) == len(hole)
    assert np.allclose(moved[4]["coordinates"][1][0][2], _expected(*hole[2], uri), atol=tolerance)
    assert moved[7]["geometries"][0]["coordinates"][2] == 120.0
    back = crs.transform_geometries(moved, uri, crs.CRS84)
    assert np.allclose(back[3]["coordinates"][0], ring, rtol=0, atol=1e-7)


def test_wgs84_latlon_is_the_exact_swap_of_crs84():
    moved = crs.transform_geometries([{"type": "Point", "coordinates": [14.123456789, 59.98765]}],
                                     crs.CRS84, crs.WGS84_LATLON)
    assert moved[0]["coordinates"] == [59.98765, 14.123456789]


def test_transformers_are_built_once_per_pair():
    assert crs.transformer(crs.CRS84, crs.SWEREF99TM) is crs.transformer(crs.CRS84, crs.SWEREF99TM)
    assert crs.xy_transformer(crs.WGS84, crs.METRIC) is crs.xy_transformer(crs.WGS84, crs.METRIC)


def test_computing_takes_lon_lat_and_gives_east_north():
    # SWEREF 99 TM's central meridian is 15° E with a false easting of 500 km: a point on
    # it is 500 000 m east at any latitude, and one degree further east is further east.
    east, north = crs.to_sweref(15.0, 59.0)
    assert east == pytest.approx(500_000.0, abs=1e-6) and 6_500_000 < north < 6_600_000
    assert type(east) is float and type(north) is float  # numbers in, numbers out
    assert crs.to_sweref(16.0, 59.0)[0] > east + 50_000
    lon, lat = crs.to_wgs84(east, north)
    assert (lon, lat) == (pytest.approx(15.0, abs=1e-9), pytest.approx(59.0, abs=1e-9))


def test_arrays_go_through_in_one_call_as_each_point_alone():
    lon, lat = np.linspace(11.0, 24.0, 40), np.linspace(55.0, 69.0, 40)
    east, north = crs.to_sweref(lon, lat)
    assert isinstance(east, np.ndarray) and east.shape == lon.shape
    assert list(zip(east, north, strict=True)) == [
        crs.to_sweref(a, b) for a, b in zip(lon, lat, strict=True)
    ]
    back_lon, back_lat = crs.to_wgs84(east, north)
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)


def test_a_box_in_sweref_becomes_a_curved_polygon_in_crs84():
    north, east = _expected(*OREBRO, crs.SWEREF99TM)
    box = crs.box_in((north - 50_000, east - 80_000, north + 50_000, east + 80_000), crs.SWEREF99TM)
    area = crs.box_area(box, crs.SWEREF99TM)
    assert len(area.exterior.coords) > 2 * crs.BOX_EDGE_POINTS  # densified: edges followed
    # every point of the box's edge, carried over exactly, lies on the polygon's edge
    edge = shapely.segmentize(box, 1_000).exterior.coords
    exact = [(lon, lat) for lat, lon in (_to_latlon(n, e) for n, e in edge)]
    assert max(area.exterior.distance(shapely.Point(p)) for p in exact) < 5e-6  # < 0.6 m
    plain = crs.transform_shapes(np.asarray([box]), crs.SWEREF99TM, crs.CRS84)[0]
    assert max(plain.exterior.distance(shapely.Point(p)) for p in exact) > 5e-3  # corners only


def _to_latlon(north: float, east: float) -> tuple[float, float]:
    lon, lat = pyproj.Transformer.from_crs("EPSG:3006", "OGC:CRS84", always_xy=True).transform(
        east, north)
    return lat, lon


def test_a_box_outside_the_crs_is_refused():
    with pytest.raises(crs.OutsideCrs, match="latitudes"):
        crs.box_in((-95.0, 10.0, 50.0, 20.0), crs.WGS84_LATLON)  # latitude first
    with pytest.raises(crs.OutsideCrs, match="longitudes"):
        crs.box_in((50.0, 170.0, 60.0, 190.0), crs.WGS84_LATLON)
    crs.box_in((59.0, 14.0, 60.0, 15.0), crs.WGS84_LATLON)  # the same order, in range
