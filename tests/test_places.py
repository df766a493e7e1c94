"""Towns of the five counties from GeoNames."""

from __future__ import annotations

import csv

import pytest

from georisk.area import places
from georisk.errors import NotFound


def test_admin1_codes_map_to_the_right_counties():
    expected = {
        "Örebro": "18", "Karlskoga": "18", "Karlstad": "17", "Arvika": "17",
        "Falun": "20", "Mora": "20", "Västerås": "19", "Köping": "19",
        "Gothenburg": "14", "Trollhättan": "14",
    }
    for name, county in expected.items():
        assert places.find_place(name)["county_code"] == county, name


def test_frame_shape_and_crs():
    gdf = places.load_places()
    assert list(gdf.columns) == places.COLUMNS
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf["county_code"]) == set(places.COUNTY_CODES)
    assert gdf["population"].is_monotonic_decreasing
    # All inside a generous box around the five counties.
    minx, miny, maxx, maxy = gdf.total_bounds
    assert minx > 10.9 and maxx < 17.5 and miny > 57.1 and maxy < 62.3
    assert len(places.load_places(min_population=50_000)) < len(gdf)


def test_returned_frame_is_a_copy_of_the_cache():
    first = places.load_places()
    first.loc[first.index[0], "name"] = "changed"
    assert places.load_places().iloc[0]["name"] != "changed"


def test_lookup_by_swedish_name_and_ambiguity():
    assert places.find_place("Göteborg")["name"] == "Gothenburg"
    assert places.find_place("mora")["population"] > 10_000  # the town, not the village
    with pytest.raises(NotFound, match=r"Karlstadd.*Karlstad"):
        places.find_place("Karlstadd")
    with pytest.raises(NotFound):
        places.find_place("Karlstad", county_code="20")


def test_attribution_is_exposed():
    assert places.ATTRIBUTION == "© GeoNames (geonames.org), CC BY 4.0"


def test_major_towns_match_shared_reference(shared_dir):
    path = shared_dir / "data" / "places" / "towns_5_counties.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    with path.open(encoding="utf-8") as fh:
        reference = [r for r in csv.DictReader(fh) if int(r["population"]) >= 5000]
    assert len(reference) > 40
    ours = places.load_places().set_index("geonameid")
    for row in reference:
        gid = int(row["geonameid"])
        assert gid in ours.index, row["name"]
        mine = ours.loc[gid]
        assert mine["name"] == row["name"]
        assert mine["county_code"] == row["county_code"], row["name"]
        assert mine.geometry.x == pytest.approx(float(row["lon"]), abs=1e-4)
        assert mine.geometry.y == pytest.approx(float(row["lat"]), abs=1e-4)
