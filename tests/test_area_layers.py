"""Extra layers from the data dir: each fault reported, good layers still loaded."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from georisk.area.layers import LayerError, LayerSpec, load_layer, load_layers

BOWTIE = shapely.Polygon([(14, 59), (15, 60), (15, 59), (14, 60)])


@pytest.fixture
def data_dir(tmp_path):
    sweref = gpd.GeoDataFrame(
        {"name": ["Karlstad C"]}, geometry=[shapely.Point(415000, 6583000)], crs="EPSG:3006"
    )
    sweref.to_file(tmp_path / "depots.geojson")
    sweref.to_parquet(tmp_path / "depots_pq.parquet")
    gpd.GeoDataFrame({"label": ["x"]}, geometry=[shapely.Point(15, 59)], crs="EPSG:4326").to_file(
        tmp_path / "rescue_stations.gpkg"
    )
    gpd.GeoDataFrame(
        {"id": [7, 8], "name": ["bow", "box"]},
        geometry=[BOWTIE, shapely.box(14, 59, 15, 60)],
        crs="EPSG:4326",
    ).to_file(tmp_path / "zones.geojson")
    (tmp_path / "garbage.geojson").write_bytes(b"\x00\x01 not json {{{")
    (tmp_path / "notes.txt").write_text("not a layer")
    return tmp_path


def test_good_layers_load_despite_bad_ones(data_dir):
    result = load_layers(data_dir)
    assert set(result.layers) == {"depots", "depots_pq"}
    problems = {p.name: p for p in result.problems}
    assert set(problems) == {"rescue_stations", "zones", "garbage"}
    assert "missing required column(s): name, organisation" in problems["rescue_stations"].reason
    assert "columns present: label" in problems["rescue_stations"].reason
    assert problems["garbage"].reason.startswith("unreadable:")
    assert "1 invalid geometry" in problems["zones"].reason
    assert problems["zones"].details == ("id 7: Self-intersection[14.5 59.5]",)


def test_reprojection_to_wgs84_is_reported(data_dir):
    for name in ("depots", "depots_pq"):
        layer = load_layers(data_dir).layers[name]
        assert layer.data.crs.to_epsg() == 4326
        assert layer.notes == ["reprojected from EPSG:3006 to WGS84 (EPSG:4326)"]
        x, y = layer.data.geometry.iloc[0].coords[0]
        assert 13.4 < x < 13.6 and 59.3 < y < 59.45


def test_repair_only_when_asked(data_dir):
    with pytest.raises(LayerError):
        load_layer(data_dir / "zones.geojson")
    layer = load_layer(data_dir / "zones.geojson", repair=True)
    assert layer.data.geometry.is_valid.all() and len(layer.data) == 2
    assert "repaired 1 invalid geometries" in layer.notes[0]


def test_custom_specs_and_missing_directory(tmp_path, data_dir):
    result = load_layers(data_dir, specs={"depots": LayerSpec(("name", "capacity"))})
    assert "rescue_stations" in result.layers  # no rule for it in these specs
    assert any("capacity" in p.reason for p in result.problems if p.name == "depots")
    gone = load_layers(tmp_path / "nope")
    assert not gone.layers and "does not exist" in gone.problems[0].reason
