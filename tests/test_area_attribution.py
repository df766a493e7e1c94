"""Attribution of points to the operating area, checked on places anyone can verify."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from georisk.area.attribution import COLUMNS, Method, attribute, attribute_point
from georisk.area.boundaries import counties, municipalities

# Town centres (WGS84 lon, lat), as in GeoNames.
TOWNS = [
    ("Karlstad", 13.50357, 59.3793, "17", "Värmlands län", "1780", "Karlstad"),
    ("Falun", 15.63548, 60.60357, "20", "Dalarnas län", "2080", "Falun"),
    ("Örebro", 15.2066, 59.27412, "18", "Örebro län", "1880", "Örebro"),
    ("Västerås", 16.54476, 59.61617, "19", "Västmanlands län", "1980", "Västerås"),
    ("Trollhättan", 12.28864, 58.28365, "14", "Västra Götalands län", "1488", "Trollhättan"),
]


@pytest.mark.parametrize(("town", "lon", "lat", "county", "county_name", "code", "name"), TOWNS)
def test_towns_fall_inside_their_municipality(town, lon, lat, county, county_name, code, name):
    a = attribute_point(lon, lat)
    assert a.method is Method.INSIDE
    assert (a.county_code, a.county_name) == (county, county_name)
    assert (a.municipality_code, a.municipality_name) == (code, name)
    assert a.distance_m == 0.0
    assert a.sos == "SOS Alarm (112)"


def test_police_regions_follow_counties():
    regions = {t[0]: attribute_point(t[1], t[2]).police_region for t in TOWNS}
    assert regions == {
        "Karlstad": "Polisregion Bergslagen",
        "Falun": "Polisregion Bergslagen",
        "Örebro": "Polisregion Bergslagen",
        "Västerås": "Polisregion Mitt",
        "Trollhättan": "Polisregion Väst",
    }


def test_point_on_vanern_goes_to_nearest_municipality():
    # Open water in the middle of Vänern, about 5 km off the nearest shore.
    a = attribute_point(13.3, 58.87)
    assert a.method is Method.NEAREST
    assert a.county_code in {"14", "17"}
    assert a.distance_m is not None and 1_000 < a.distance_m < 30_000
    assert a.police_region is not None and a.rescue_region_status is not None


def test_point_on_hjalmaren_goes_to_orebro_county_side():
    a = attribute_point(15.7, 59.25)  # western Hjälmaren, off Örebro
    assert a.method is Method.NEAREST
    assert a.municipality_code == "1880"


def test_lake_point_nearer_another_county_is_outside():
    # Eastern Hjälmaren: the nearest shore is in Södermanland, which is not ours.
    a = attribute_point(15.83, 59.235)
    assert a.method is Method.OUTSIDE
    assert a.county_code in {"18", "19"} and a.distance_m is not None


def test_point_in_norway_is_flagged_with_nearest_area_municipality():
    a = attribute_point(11.39, 59.12)  # Halden, Norway, just across from Strömstad
    assert a.method is Method.OUTSIDE
    assert a.municipality_code == "1486" and a.distance_m is not None
    assert a.police_region is None and a.rescue_region_status is None
    far = attribute_point(10.75, 59.91)  # Oslo: too far for a "nearest" to mean anything
    assert far.method is Method.OUTSIDE and far.municipality_code is None


def test_point_in_stockholm_is_outside_but_named():
    a = attribute_point(18.07, 59.33)
    assert a.method is Method.OUTSIDE
    assert (a.context_municipality_code, a.context_county_code) == ("0180", "01")
    assert a.sos == "SOS Alarm (112)"


def test_coast_tolerance_covers_generalised_shoreline():
    # 11.303 E 58.6 N is sea about 200 m off Tanum's generalised coastline.
    a = attribute_point(11.303, 58.6)
    assert a.method is Method.NEAREST and a.municipality_code == "1435"
    assert 100 < a.distance_m < 400
    strict = attribute_point(11.303, 58.6, coast_tolerance_m=0)
    assert strict.method is Method.OUTSIDE and strict.municipality_code == "1435"


def test_outside_limit_is_configurable():
    assert attribute_point(11.39, 59.12, outside_limit_m=500).municipality_code is None


def test_invalid_points_are_kept_and_flagged():
    df = attribute([np.nan, 13.5, 200.0], [59.0, 59.38, 59.0])
    assert list(df["method"]) == ["invalid", "inside", "invalid"]


def test_vectorised_equals_per_point():
    rng = np.random.default_rng(7)
    n = 250
    lon = rng.uniform(10.5, 18.5, n)  # Norway, the five counties, Stockholm, lakes
    lat = rng.uniform(57.5, 62.5, n)
    df = attribute(lon, lat)
    assert list(df.columns) == list(COLUMNS) and len(df) == n
    assert set(df["method"]) >= {"inside", "outside"}
    for i in range(n):
        expected = attribute_point(lon[i], lat[i]).to_dict()
        got = {k: (None if pd.isna(v) else v) for k, v in df.iloc[i].to_dict().items()}
        got["rescue_region_confirmed"] = (
            None if got["rescue_region_confirmed"] is None else bool(got["rescue_region_confirmed"])
        )
        assert got == expected, i


def test_operating_area_layers():
    assert sorted(counties()["code"]) == ["14", "17", "18", "19", "20"]
    muni = municipalities()
    assert len(muni) == 102 and muni["code"].str.len().eq(4).all()
    assert len(municipalities("sweden")) == 290 and len(counties("sweden")) == 21
    assert muni.crs.to_epsg() == 4326


def test_shared_municipality_set_matches(shared_dir):
    import geopandas as gpd

    ref = gpd.read_file(shared_dir / "data/admin/municipalities.geojson")
    ref = ref[ref["county_code"].isin(["14", "17", "18", "19", "20"])]
    ours = municipalities()
    assert set(zip(ref["code"], ref["name"], strict=True)) == set(
        zip(ours["code"], ours["name"], strict=True)
    )


def test_reported_distances_are_true_polygon_distances():
    """The fast outline search must give the same metres as a brute-force distance."""
    from georisk.area.boundaries import municipalities_sweref

    rng = np.random.default_rng(11)
    lon = rng.uniform(10.8, 17.5, 400)
    lat = rng.uniform(57.0, 62.5, 400)
    df = attribute(lon, lat)
    rows = df[df["method"].isin(["nearest", "outside"]) & df["distance_m"].notna()]
    assert len(rows) > 50
    muni = municipalities_sweref()
    area = muni[muni["in_area"]]
    pts = gpd.GeoSeries(gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326).to_crs(3006)
    for pt, (_, row) in zip(pts, rows.iterrows(), strict=True):
        pool = area if row["method"] == "outside" else muni
        dist = shapely.distance(pt, pool.geometry.values)
        assert row["distance_m"] == pytest.approx(dist.min(), abs=0.01)
        assert row["municipality_code"] == pool["code"].iloc[int(np.argmin(dist))]
