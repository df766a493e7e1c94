"""`georisk analyse` on a demo journal: tables in each format, and refusals on one line."""

from __future__ import annotations

import os
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio

from tests.conftest import ROOT


def _run(db, *args: str):
    return subprocess.run([sys.executable, "-m", "app.cli", "analyse", *args, "--db", str(db)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "GEORISK_DB": ""})


def test_history_writes_a_geopackage_of_municipalities(analysis_db, tmp_path):
    out = tmp_path / "history.gpkg"
    done = _run(analysis_db, "history", "--agency", "centre", "--by", "municipality,month,type",
                "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and "GeoPackage" in done.stderr
    table = pyogrio.read_dataframe(out)
    assert {"municipality", "month", "type", "count"} <= set(table.columns)
    assert table.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert table["count"].sum() > 1000


def test_csv_to_standard_output_and_geoparquet_hotspots(analysis_db, tmp_path):
    done = _run(analysis_db, "blockages", "--agency", "rescue", "--role", "operator")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("road,reason,blockages,active")
    out = tmp_path / "hot.parquet"
    done = _run(analysis_db, "hotspots", "--agency", "police", "--role", "operator",
                "--permutations", "99", "--all-cells", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "hotspots 1/1" in done.stderr  # progress on standard error
    cells = gpd.read_parquet(out)
    assert len(cells) > 3000 and cells.crs.to_epsg() == 4326


def test_forecast_and_response_tables(analysis_db, tmp_path):
    out = tmp_path / "forecast.csv"
    done = _run(analysis_db, "forecast", "--agency", "centre", "--by", "county", "--weeks", "3",
                "--type", "medical,traffic", "-o", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out, dtype={"county": str})
    assert len(table) == 5 * 3 * 2 and set(table["type"]) == {"medical", "traffic"}
    assert (table["lower"] <= table["upper"]).all()
    done = _run(analysis_db, "response", "--agency", "sos", "--role", "analyst", "--by", "agency")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("agency,missions,to_scene_median")


def test_bad_input_is_one_line_and_a_non_zero_exit(analysis_db, tmp_path):
    for args, words in (
        (["history", "--agency", "centre", "--type", "fyre"], "--type"),
        (["forecast", "--agency", "centre", "--weeks", "60"], "--weeks"),
        (["history", "--agency", "centre", "--by", "fortnight"], "--by"),
        (["history", "--agency", "centre", "-o", str(tmp_path / "x.txt")], ".csv"),
        (["history", "--agency", "centre", "--from", "2026-01-01"], "timezone"),
        (["history"], "--as-user"),
        (["history", "--as-user", "nobody"], "no enabled user"),
        (["history", "--agency", "centre", "--role", "viewer"], "may not read history"),
    ):
        done = _run(analysis_db, *args)
        assert done.returncode != 0, args
        assert words in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "x.txt").exists()
