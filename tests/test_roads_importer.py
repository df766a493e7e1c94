"""Importing real road networks: OSM XML and OGR files, saving, and the loader's choice."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import LineString, Point

from georisk.errors import ValidationError
from georisk.roads.importer import import_roads, read_saved_roads, save_roads
from georisk.roads.source import load_roads

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="georisk-test">
  <node id="1" lat="59.270" lon="15.200"/>
  <node id="2" lat="59.280" lon="15.250"/>
  <node id="3" lat="59.300" lon="15.300"/>
  <node id="4" lat="59.310" lon="15.210"/>
  <node id="5" lat="59.320" lon="15.220"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="motorway"/><tag k="ref" v="E 18;E 20"/></way>
  <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="motorway_link"/></way>
  <way id="13"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="primary"/><tag k="ref" v="50"/><tag k="name" v="Bergslagsvägen"/></way>
  <way id="14"><nd ref="5"/><nd ref="999"/><tag k="highway" v="trunk"/></way>
  <way id="15"><nd ref="1"/><nd ref="5"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_osm_keeps_major_ways_with_refs(osm_file):
    roads, report = import_roads(osm_file)
    by_id = roads.set_index("osm_id")
    assert sorted(by_id.index) == [10, 12, 13]  # residential, building, broken way dropped
    assert by_id.loc[10, "ref"] == "E18;E20"
    assert by_id.loc[10, "road_class"] == "motorway"
    assert by_id.loc[13, "ref"] == "Rv 50" and by_id.loc[13, "road_class"] == "national"
    assert by_id.loc[13, "name"] == "Bergslagsvägen"
    assert by_id.loc[12, "highway"] == "motorway_link"
    assert list(by_id.loc[10, "geometry"].coords) == [(15.2, 59.27), (15.25, 59.28), (15.3, 59.3)]
    assert roads.crs.to_epsg() == 4326 and not roads["schematic"].any()
    assert report.kind == "osm" and report.features == 3 and report.skipped == 1


def test_osm_is_recognised_without_its_suffix(tmp_path):
    path = tmp_path / "download.dat"
    path.write_text(OSM_XML, encoding="utf-8")
    roads, report = import_roads(path)
    assert report.kind == "osm" and len(roads) == 3


def _nvdb_like(tmp_path, suffix: str, driver: str):
    # Two lines in SWEREF 99 TM with the number and the European flag in separate columns.
    gdf = gpd.GeoDataFrame(
        {"Vägnummer": [18, 50, 237], "Europaväg": ["ja", "nej", None]},
        geometry=[
            LineString([(512000, 6574000), (515000, 6575000)]),
            LineString([(515000, 6575000), (516000, 6580000)]),
            LineString([(516000, 6580000), (519000, 6581000)]),
        ],
        crs="EPSG:3006",
    )
    path = tmp_path / f"vagnummer{suffix}"
    gdf.to_file(path, driver=driver)
    return path, gdf


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".geojson", "GeoJSON")])
def test_ogr_file_is_normalised_and_reprojected(tmp_path, suffix, driver):
    path, original = _nvdb_like(tmp_path, suffix, driver)
    roads, report = import_roads(path, ref_column="vägnummer", european_column="Europaväg")
    assert list(roads["ref"]) == ["E18", "Rv 50", "Lv 237"]
    assert list(roads["road_class"]) == ["european", "national", "regional"]
    assert roads.crs.to_epsg() == 4326
    assert report.reprojected_from and "3006" in report.reprojected_from
    back = roads.to_crs(3006)
    for a, b in zip(back.geometry, original.geometry, strict=True):
        assert a.hausdorff_distance(b) < 0.01


@pytest.mark.parametrize("crs", ["EPSG:4326", "OGC:CRS84"])
def test_a_wgs84_file_is_not_reported_as_reprojected(tmp_path, crs):
    # OGC:CRS84 is WGS 84 with longitude first: the same coordinates, nothing to move.
    line = LineString([(14.52, 59.33), (14.60, 59.35)])
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame({"ref": ["E18"]}, geometry=[line], crs=crs).to_file(path)
    roads, report = import_roads(path)
    assert report.reprojected_from is None
    assert roads.crs.to_epsg() == 4326 and roads.geometry.iloc[0].equals_exact(line, 0)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_ogr_file_without_a_crs_is_refused(tmp_path):
    path = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame({"ref": ["E18"]}, geometry=[LineString([(1, 2), (3, 4)])]).to_file(path)
    with pytest.raises(ValidationError, match="from: no CRS"):
        import_roads(path)


def test_ogr_missing_ref_column_names_the_alternatives(tmp_path):
    path, _ = _nvdb_like(tmp_path, ".gpkg", "GPKG")
    with pytest.raises(ValidationError, match=r"'nummer' not found.*Vägnummer"):
        import_roads(path, ref_column="nummer")


def test_non_road_content_is_refused(tmp_path):
    junk = tmp_path / "page.html"
    junk.write_text("<html><body>Not found</body></html>")
    with pytest.raises(ValidationError, match="not a road file"):
        import_roads(junk)
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"ref": ["E18"]}, geometry=[Point(15, 59)], crs=4326).to_file(points)
    with pytest.raises(ValidationError, match="no road lines"):
        import_roads(points)


def test_save_is_atomic_and_round_trips(tmp_path, osm_file):
    roads, _ = import_roads(osm_file)
    target = tmp_path / "out" / "roads.gpkg"
    save_roads(roads, target)
    back = read_saved_roads(target)
    assert list(back["ref"]) == list(roads["ref"])
    assert [p.name for p in target.parent.iterdir()] == ["roads.gpkg"]  # no temp leftovers


def test_loader_prefers_imported_network_in_data_dir(tmp_path, osm_file, monkeypatch):
    monkeypatch.setenv("GEORISK_DATA_DIR", str(tmp_path))
    first = load_roads()
    assert first.kind == "schematic" and first.schematic and "Schematiskt" in first.label
    roads, _ = import_roads(osm_file)
    save_roads(roads, tmp_path / "roads.gpkg")
    second = load_roads()
    assert second.kind == "imported" and not second.schematic
    assert second.path == tmp_path / "roads.gpkg"
    assert len(second.roads) == 3 and not second.roads["schematic"].any()
