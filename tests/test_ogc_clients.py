"""OGC API - Features read by real clients, GDAL's OAPIF driver and OWSLib, against the
live service: every collection, with the same feature counts as the store."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
import shapely

from georisk import commands as c
from georisk.area import counties, municipalities
from georisk.model import RiskZone
from georisk.store import Query, SQLiteStore
from tests.api_support import make_token, running_service
from tests.factories import RESCUE, T0, blockage, incident, unit

COLLECTIONS = {"incidents": "incident", "units": "unit", "blockages": "blockage",
               "riskzones": "riskzones", "counties": None, "municipalities": None}  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    db = tmp_path_factory.mktemp("ogc") / "georisk.db"
    store = SQLiteStore(db)
    commands = [
        c.ReportIncident(incident(f"inc-{i}", location=shapely.Point(14 + i % 30 / 10,
                                                                     59 + i // 30 / 10)))
        for i in range(130)
    ] + [
        c.RegisterUnit(unit(f"unit-{i}", position=shapely.Point(15 + i / 100, 59.3),
                            position_time=T0))
        for i in range(12)
    ] + [c.ReportBlockage(blockage(f"blk-{i}")) for i in range(3)] + [
        c.IssueRiskZone(RiskZone(
            id=RiskZone.make_id("2026-01-15", "georisk", "se-msb2018", str(k)),
            valid_date="2026-01-15",
            scale="se-msb2018", risk_class=str(k), label=f"Klass {k}",
            area=shapely.box(14, 59, 14.5 + k / 10, 59.5), fwi_min=k, fwi_max=k + 1,
            valid_from=T0, valid_to=T0 + timedelta(days=1)))
        for k in (1, 2)
    ]  # fmt: skip
    store.apply(commands, RESCUE)
    expected = {
        cid: len(store.query(Query(kind)).records) if kind else
        len(counties() if cid == "counties" else municipalities())
        for cid, kind in COLLECTIONS.items()
    }  # fmt: skip
    store.close()
    token = make_token(db, "centre", "analyst", "gis")
    with running_service(db) as base:
        yield base, token, expected


def _gdal(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (Debian package gdal-bin) is not installed; .ci/run installs it")
    return path


def test_gdal_ogrinfo_reads_every_collection_with_the_store_counts(live):
    base, token, expected = live
    result = subprocess.run(
        [_gdal("ogrinfo"), "-ro", "-so", "-al", f"OAPIF:{base}/ogc",
         "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    counts, layer = {}, None
    for line in result.stdout.splitlines():
        if line.startswith("Layer name:"):
            layer = line.split(":", 1)[1].strip()
        elif line.startswith("Feature Count:"):
            counts[layer] = int(line.split(":", 1)[1])
    assert counts == expected
    assert "ERROR" not in result.stderr


def test_gdal_ogr2ogr_copies_every_collection_to_a_geopackage(live, tmp_path):
    import pyogrio

    base, token, expected = live
    target = tmp_path / "picture.gpkg"
    result = subprocess.run(
        [_gdal("ogr2ogr"), "-f", "GPKG", str(target), f"OAPIF:{base}/ogc",
         "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    layers = {name: pyogrio.read_info(target, layer=name)["features"]
              for name, _ in pyogrio.list_layers(target)}  # fmt: skip
    assert layers == expected
    frame = pyogrio.read_dataframe(target, layer="incidents")
    assert set(frame["title"]) == {"Trafikolycka E18"} and frame.crs.to_epsg() == 4326


def test_gdal_without_a_token_is_refused(live):
    base, _, _ = live
    result = subprocess.run([_gdal("ogrinfo"), "-ro", "-so", f"OAPIF:{base}/ogc"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0


def test_owslib_features_reads_every_collection_with_the_store_counts(live):
    from owslib.ogcapi.features import Features

    base, token, expected = live
    client = Features(f"{base}/ogc", headers={"Authorization": f"Bearer {token}"})
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in (
        client.conformance()["conformsTo"])  # fmt: skip
    listed = [c["id"] for c in client.collections()["collections"]]
    assert listed == list(COLLECTIONS)
    for cid in listed:
        meta = client.collection(cid)
        assert meta["extent"]["spatial"]["crs"].endswith("CRS84")
        count, cursor = 0, None
        while True:
            page = client.collection_items(cid, limit=50, **({"cursor": cursor} if cursor else {}))
            count += page["numberReturned"]
            following = [link for link in page["links"] if link["rel"] == "next"]
            if not following:
                break
            cursor = following[0]["href"].split("cursor=")[1].split("&")[0]
        assert count == expected[cid], cid
    one = client.collection_item("riskzones", "2026-01-15/georisk/se-msb2018/1/1")
    assert one["properties"]["label"] == "Klass 1"
    bbox = client.collection_items("incidents", bbox=[14.0, 59.0, 14.25, 59.05], limit=1000)
    assert bbox["numberReturned"] == 3
