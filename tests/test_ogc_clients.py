"""OGC API - Features read by real clients against the live service: GDAL 3.12's OAPIF
driver (the one in pyogrio's wheels, which sends ``crs``), Debian's gdal-bin (an older
GDAL) and OWSLib. Every collection, in CRS84 and in other CRSs, with the feature counts
and the coordinates of what the store holds as the viewer may see it, carried into the
CRS with pyproj: within 1e-7 degrees or 1 cm.

GDAL 3.12 ignores ``GDAL_HTTP_HEADERS`` for OAPIF; a header file
(``GDAL_HTTP_HEADER_FILE``) with the ``Authorization`` line works.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from georisk.crs import CRS84, SWEREF99TM, WEB_MERCATOR
from tests.api_support import running_service
from tests.ogc_support import COLLECTIONS, build_world, shown

DEGREES, METRES = 1e-7, 0.01  # the largest coordinate difference accepted
EPSG = {CRS84: "OGC:CRS84", SWEREF99TM: "EPSG:3006", WEB_MERCATOR: "EPSG:3857"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    db = tmp_path_factory.mktemp("ogc") / "georisk.db"
    token = build_world(db)
    expected = shown(db)
    with running_service(db) as base:
        yield base, token, expected


def _expected_xy(feature: dict[str, Any], uri: str, gis_order: bool) -> np.ndarray:
    """The feature's coordinates carried into ``uri`` by pyproj: east/north (lon/lat)
    when ``gis_order``, else in the CRS's own axis order."""
    if feature["geometry"] is None:
        return np.empty((0, 2))
    xy = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))
    to = Transformer.from_crs("OGC:CRS84", EPSG[uri], always_xy=gis_order)
    return np.column_stack(to.transform(xy[:, 0], xy[:, 1]))


def _largest_difference(
    got: dict[str, shapely.Geometry | None], want: dict[str, dict[str, Any]], uri: str,
    gis_order: bool,
) -> float:
    """The largest coordinate difference between what a client read and the expected
    features (same ids, same vertices)."""
    assert sorted(got) == sorted(want)
    largest = 0.0
    for fid, geometry in got.items():
        read = np.empty((0, 2)) if geometry is None else shapely.get_coordinates(geometry)
        wanted = _expected_xy(want[fid], uri, gis_order)
        assert read.shape == wanted.shape, fid
        if len(read):
            largest = max(largest, float(np.abs(read - wanted).max()))
    return largest


def _tolerance(uri: str) -> float:
    return METRES if uri in (SWEREF99TM, WEB_MERCATOR) else DEGREES


@pytest.fixture
def gdal_header_file(live, tmp_path):
    """GDAL 3.12's OAPIF driver sends headers only from a file (not GDAL_HTTP_HEADERS)."""
    _, token, _ = live
    headers = tmp_path / "headers.txt"
    headers.write_text(f"Authorization: Bearer {token}\n")
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": str(headers)})
    yield
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})


def test_pyogrio_bundles_a_gdal_that_sends_crs():
    assert pyogrio.__gdal_version__ >= (3, 12, 0)


@pytest.mark.parametrize("uri", [CRS84, SWEREF99TM, WEB_MERCATOR], ids=["CRS84", "3006", "3857"])
def test_gdal_312_reads_every_collection(live, gdal_header_file, uri):
    base, _, expected = live
    options = {} if uri == CRS84 else {"CRS": EPSG[uri]}
    for cid in COLLECTIONS:
        frame = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=cid, **options)
        assert len(frame) == len(expected[cid]), cid
        assert frame.crs.equals(EPSG[uri] if uri != CRS84 else "OGC:CRS84"), cid
        read = dict(zip(frame["id"].astype(str), frame.geometry.values, strict=True))
        # GDAL reads the CRS's axis order from the server and hands out east/north
        assert _largest_difference(read, expected[cid], uri, gis_order=True) < _tolerance(uri)


def test_gdal_312_filters_by_a_box_in_sweref(live, gdal_header_file):
    base, _, expected = live
    to_sweref = Transformer.from_crs("OGC:CRS84", "EPSG:3006", always_xy=True)
    east, north = to_sweref.transform(14.0, 59.0)
    box = (east - 1_000, north - 1_000, east + 30_000, north + 15_000)  # GIS order
    frame = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer="incidents", CRS="EPSG:3006",
                                   bbox=box)
    inside = [fid for fid, f in expected["incidents"].items()
              if shapely.box(*box).contains(shapely.Point(
                  to_sweref.transform(*f["geometry"]["coordinates"])))]
    assert sorted(frame["id"]) == sorted(inside) and len(inside) == 12


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
    )
    assert result.returncode == 0, result.stderr
    counts, layer = {}, None
    for line in result.stdout.splitlines():
        if line.startswith("Layer name:"):
            layer = line.split(":", 1)[1].strip()
        elif line.startswith("Feature Count:"):
            counts[layer] = int(line.split(":", 1)[1])
    assert counts == {cid: len(features) for cid, features in expected.items()}
    assert "ERROR" not in result.stderr


def test_gdal_ogr2ogr_copies_every_collection_to_a_geopackage(live, tmp_path):
    base, token, expected = live
    target = tmp_path / "picture.gpkg"
    result = subprocess.run(
        [_gdal("ogr2ogr"), "-f", "GPKG", str(target), f"OAPIF:{base}/ogc",
         "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert {name for name, _ in pyogrio.list_layers(target)} == set(COLLECTIONS)
    for cid in COLLECTIONS:
        frame = pyogrio.read_dataframe(target, layer=cid)
        read = dict(zip(frame["id"].astype(str), frame.geometry.values, strict=True))
        assert _largest_difference(read, expected[cid], CRS84, gis_order=True) < DEGREES
    incidents = pyogrio.read_dataframe(target, layer="incidents")
    assert incidents.crs.to_epsg() == 4326
    assert "Polisinsats" in set(incidents["title"])  # the restricted one, generalised


def test_gdal_reads_with_the_token_as_basic_credentials(live):
    """GDAL_HTTP_USERPWD (the token's name and the token): every collection, in full,
    with the pyogrio wheel's GDAL and with Debian's."""
    base, token, expected = live
    pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": f"gis:{token}",
                                     "GDAL_HTTP_AUTH": "BASIC"})
    try:
        for cid in COLLECTIONS:
            frame = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=cid)
            assert sorted(frame["id"].astype(str)) == sorted(expected[cid]), cid
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_USERPWD": None, "GDAL_HTTP_AUTH": None})
    result = subprocess.run(
        [_gdal("ogrinfo"), "-ro", "-so", "-al", f"OAPIF:{base}/ogc",
         "--config", "GDAL_HTTP_USERPWD", f"gis:{token}", "--config", "GDAL_HTTP_AUTH", "BASIC"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    counts = [int(line.split(":", 1)[1]) for line in result.stdout.splitlines()
              if line.startswith("Feature Count:")]
    assert counts == [len(expected[cid]) for cid in COLLECTIONS]


def test_gdal_without_a_token_is_refused(live):
    base, _, _ = live
    result = subprocess.run([_gdal("ogrinfo"), "-ro", "-so", f"OAPIF:{base}/ogc"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0


def _owslib_every_page(client, cid: str, **query: Any) -> list[dict[str, Any]]:
    features, cursor = [], None
    while True:
        page = client.collection_items(cid, limit=50, **query,
                                       **({"cursor": cursor} if cursor else {}))
        features += page["features"]
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            return features
        cursor = following[0]["href"].split("cursor=")[1].split("&")[0]


@pytest.mark.parametrize("uri", [CRS84, SWEREF99TM], ids=["CRS84", "3006"])
def test_owslib_reads_every_collection(live, uri):
    from owslib.ogcapi.features import Features

    base, token, expected = live
    client = Features(f"{base}/ogc", headers={"Authorization": f"Bearer {token}"})
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in (
        client.conformance()["conformsTo"])
    listed = [c["id"] for c in client.collections()["collections"]]
    assert listed == list(COLLECTIONS)
    query = {} if uri == CRS84 else {"crs": uri}
    for cid in listed:
        assert uri in client.collection(cid)["crs"]
        features = _owslib_every_page(client, cid, **query)
        assert client.response_headers["Content-Crs"] == f"<{uri}>"
        read = {str(f["id"]): _shape(f) for f in features}
        # OWSLib hands over the server's JSON: the CRS's own axis order (north, east)
        assert _largest_difference(read, expected[cid], uri, gis_order=False) < _tolerance(uri)
    one = client.collection_item("riskzones", "2026-01-15/georisk/se-msb2018/1/1")
    assert one["properties"]["label"] == "Klass 1"
    bbox = client.collection_items("incidents", bbox=[14.0, 59.0, 14.25, 59.05], limit=1000)
    assert bbox["numberReturned"] == 3


def test_owslib_reads_with_basic_credentials(live):
    from owslib.ogcapi.features import Features
    from owslib.util import Authentication

    base, token, expected = live
    client = Features(f"{base}/ogc", auth=Authentication("gis", token))
    for cid in COLLECTIONS:
        assert sorted(str(f["id"]) for f in _owslib_every_page(client, cid)) == sorted(
            expected[cid])


def _shape(feature: dict[str, Any]) -> shapely.Geometry | None:
    geometry = feature["geometry"]
    return None if geometry is None else shapely.geometry.shape(geometry)
