"""The schematic major-road network through GeoNames towns."""

from __future__ import annotations

import pytest
import shapely

from georisk.area.places import find_place
from georisk.roads.routes import ROUTES, Route
from georisk.roads.schematic import (
    SCHEMATIC_LABEL,
    UnknownTown,
    build_schematic,
    schematic_roads,
)


def test_every_town_in_the_route_table_exists():
    # build_schematic raises UnknownTown listing every missing name.
    roads = build_schematic(ROUTES)
    assert len(roads) == len(ROUTES)


def test_missing_towns_fail_loudly_and_all_at_once():
    bad = (Route("E18", ("Karlstad", "Nowhereby", "Örebro")), Route("Rv 50", ("Falun", "Xyz")))
    with pytest.raises(UnknownTown) as info:
        build_schematic(bad)
    assert info.value.missing == [("E18", "Nowhereby"), ("Rv 50", "Xyz")]
    assert "Nowhereby" in str(info.value) and "Xyz" in str(info.value)


def test_lines_pass_through_their_towns_in_order():
    roads = schematic_roads().set_index("ref")
    for route in ROUTES:
        line = roads.loc[route.ref, "geometry"]
        coords = list(line.coords)
        assert len(coords) == len(route.towns)
        for (x, y), town in zip(coords, route.towns, strict=True):
            p = find_place(town.partition("/")[0]).geometry
            assert (x, y) == (p.x, p.y)


def test_every_row_is_flagged_and_labelled_approximate():
    roads = schematic_roads()
    assert roads["schematic"].all()
    assert (roads["label"] == SCHEMATIC_LABEL).all()
    assert roads.crs.to_epsg() == 4326
    assert {"E18", "E20", "E45", "E16", "E6", "Rv 50", "Rv 26", "Rv 61", "Rv 62", "Rv 63",
            "Rv 68", "Rv 70"} <= set(roads["ref"])
    assert set(roads.loc[roads["ref"].str.startswith("E"), "road_class"]) == {"european"}
    assert set(roads.loc[roads["ref"].str.startswith("Rv"), "road_class"]) == {"national"}


def test_lengths_are_plausible():
    # Straight lines between towns are shorter than the real road but not by much.
    length_km = schematic_roads().to_crs(3006).set_index("ref").length / 1000
    assert 250 < length_km["E18"] < 340  # real Töcksfors–Västerås ≈ 330 km
    assert 250 < length_km["E20"] < 350  # real Göteborg–Kungsör ≈ 330 km
    assert all(shapely.is_valid(schematic_roads().geometry))
