"""georisk.vector.read_vector: any CRS in, WGS 84 longitude/latitude out, and the CRS
comparison that ignores axis order (what the two readers once decided differently)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from georisk.vector import NoCrs, NoGeometry, Unreadable, read_vector

# A point on SWEREF 99 TM's central meridian (15° E, false easting 500 km): its longitude
# in WGS 84 is 15 exactly, and its latitude is near 59° N.
EAST, NORTH = 500_000.0, 6_540_000.0
KARLSKOGA = (14.52, 59.33)


def _write(path, geometry, crs):
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[geometry], crs=crs).to_file(path)
    return path


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_a_sweref_file_comes_back_in_lon_lat(tmp_path, suffix):
    path = _write(tmp_path / f"depots{suffix}", shapely.Point(EAST, NORTH), "EPSG:3006")
    frame, reprojected_from = read_vector(path)
    assert reprojected_from is not None and "3006" in reprojected_from
    assert frame.crs.to_epsg() == 4326
    lon, lat = frame.geometry.iloc[0].coords[0]
    assert lon == pytest.approx(15.0, abs=1e-9) and 58.9 < lat < 59.1


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
@pytest.mark.parametrize("crs", ["EPSG:4326", "OGC:CRS84"])
def test_wgs84_in_either_axis_order_is_kept_as_it_is(tmp_path, suffix, crs):
    # EPSG:4326 is latitude first by its authority, OGC:CRS84 longitude first; the files
    # hold longitude, latitude either way, and neither is moved nor said to be.
    path = _write(tmp_path / f"towns{suffix}", shapely.Point(*KARLSKOGA), crs)
    frame, reprojected_from = read_vector(path)
    assert reprojected_from is None
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].coords[0] == KARLSKOGA


def test_geoparquet_is_read_too(tmp_path):
    path = tmp_path / "depots.parquet"
    gpd.GeoDataFrame(geometry=[shapely.Point(EAST, NORTH)], crs="EPSG:3006").to_parquet(path)
    frame, reprojected_from = read_vector(path)
    assert "3006" in reprojected_from
    assert frame.geometry.iloc[0].x == pytest.approx(15.0, abs=1e-9)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_a_file_without_a_crs_is_refused_with_the_reason(tmp_path, suffix):
    path = _write(tmp_path / f"nowhere{suffix}", shapely.Point(*KARLSKOGA), None)
    with pytest.raises(NoCrs, match="names no coordinate reference system"):
        read_vector(path)


def test_unreadable_and_geometry_less_files_are_refused(tmp_path):
    junk = tmp_path / "junk.geojson"
    junk.write_bytes(b"\x00\x01 not json {{{")
    with pytest.raises(Unreadable) as caught:
        read_vector(junk)
    assert caught.value.__cause__ is not None and "\n" not in str(caught.value)
    table = tmp_path / "table.csv"
    table.write_text("name,count\na,1\n")
    with pytest.raises(NoGeometry, match="no geometry column"):
        read_vector(table)
