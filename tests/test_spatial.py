"""The live index against brute force with geopandas on random data."""

from __future__ import annotations

import random

import geopandas as gpd
import numpy as np
import pytest
import shapely

from georisk import commands as c
from georisk.model import Agency, IncidentStatus, UnitKind, UnitStatus
from georisk.spatial import LiveIndex
from tests.factories import RESCUE, T0, incident, unit

AGENCIES = [Agency.POLICE, Agency.RESCUE, Agency.SOS]
KINDS = [UnitKind.ENGINE, UnitKind.AMBULANCE, UnitKind.PATROL]
STATUSES = list(UnitStatus)


def _random_units(rng: random.Random, n: int):
    return [
        unit(
            f"u{i}",
            agency=rng.choice(AGENCIES),
            unit_kind=rng.choice(KINDS),
            status=rng.choice(STATUSES),
            position=shapely.Point(rng.uniform(11, 17), rng.uniform(57.5, 62.5)),
            position_time=T0,
        )
        for i in range(n)
    ]


def _frame(records):
    frame = gpd.GeoDataFrame(
        {
            "id": [r.id for r in records],
            "agency": [str(r.agency) for r in records],
            "status": [str(getattr(r, "status", "")) for r in records],
        },
        geometry=[r.geometry for r in records],
        crs="EPSG:4326",
    )
    return frame.to_crs("EPSG:3006")


def _brute_distances(frame, lon, lat):
    here = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs("EPSG:3006")[0]
    return frame.assign(d=frame.distance(here)).sort_values(["d", "id"])


@pytest.fixture(scope="module")
def world():
    rng = random.Random(7)
    units = _random_units(rng, 2_000)
    index = LiveIndex()
    for record in units:
        index.put(record)
    return rng, units, index


def test_nearest_matches_brute_force(world):
    rng, units, index = world
    frame = _frame(units)
    for _ in range(50):
        lon, lat = rng.uniform(11, 17), rng.uniform(57.5, 62.5)
        k = rng.choice([1, 5, 10, 25])
        agency = rng.choice([None, "police", "rescue"])
        filters = {"status": "available"} | ({"agency": agency} if agency else {})
        got = index.nearest(lon, lat, k, **filters)
        expected = _brute_distances(frame, lon, lat)
        expected = expected[expected.status == "available"]
        if agency:
            expected = expected[expected.agency == agency]
        expected = expected.head(k)
        assert [h.record.id for h in got] == list(expected.id)
        assert np.allclose([h.distance_m for h in got], expected.d, atol=1e-6)


def test_within_and_bbox_match_brute_force(world):
    rng, units, index = world
    frame = _frame(units)
    for _ in range(30):
        lon, lat = rng.uniform(11, 17), rng.uniform(57.5, 62.5)
        radius = rng.uniform(1_000, 60_000)
        got = {h.record.id for h in index.within(lon, lat, radius, kind="unit")}
        expected = _brute_distances(frame, lon, lat)
        assert got == set(expected[expected.d <= radius].id)

        x0, y0 = rng.uniform(11, 16), rng.uniform(57.5, 62)
        box = (x0, y0, x0 + rng.uniform(0.1, 1.5), y0 + rng.uniform(0.1, 1.0))
        got_box = {r.id for r in index.in_bbox(*box)}
        lonlat = gpd.GeoSeries([u.position for u in units], crs="EPSG:4326")
        inside = lonlat.intersects(shapely.box(*box))  # edges included, as in_bbox promises
        assert got_box == {u.id for u, ok in zip(units, inside, strict=True) if ok}


def test_index_follows_the_journal(store):
    store.apply([c.RegisterUnit(unit("u1", position=shapely.Point(15.0, 59.0), position_time=T0)),
                 c.RegisterUnit(unit("u2")),
                 c.ReportIncident(incident("i1"))], RESCUE, at=T0)
    index = LiveIndex.from_store(store)
    assert len(index) == 2  # u2 has no position yet
    assert index.seq == store.last_seq()

    store.apply([c.MoveUnit("u2", shapely.Point(15.2, 59.27), T0),
                 c.MoveUnit("u1", shapely.Point(13.5, 59.4), T0),
                 c.CloseIncident("i1"),
                 c.ReportIncident(incident("i2", location=shapely.Point(14.0, 58.0)))],
                RESCUE, at=T0)
    assert index.catch_up(store) == 4
    assert [h.record.id for h in index.nearest(15.21, 59.28, 2)] == ["u2", "u1"]
    assert index.nearest(15.21, 59.28, 1)[0].distance_m < 1_500
    open_incidents = index.within(14.0, 58.0, 10_000, kind="incident")
    assert [h.record.id for h in open_incidents] == ["i2"]
    assert all(h.record.status == IncidentStatus.OPEN for h in open_incidents)
    assert index.in_bbox(13.0, 59.0, 14.0, 60.0) == [store.get("unit", "u1")]
    # an event already seen is ignored
    assert index.catch_up(store) == 0


def test_linking_follows_every_change_of_links_and_status():
    """"Linked from" is kept beside the index: the open incidents whose links name an
    incident, as a scan of every indexed incident would find them."""
    index = LiveIndex()
    rng = random.Random(7)
    ids = [f"inc-{i}" for i in range(30)]
    current: dict[str, object] = {}
    for step in range(300):
        id_ = rng.choice(ids)
        others = rng.sample([i for i in ids if i != id_], rng.randint(0, 3))
        status = IncidentStatus.CLOSED if rng.random() < 0.2 else IncidentStatus.OPEN
        links = tuple((other, "possible") for other in sorted(others))
        record = incident(id_, status=status, links=links)
        index.put(record)
        current[id_] = record
        target = rng.choice(ids)
        scanned = sorted(r.id for r in current.values() if r.status == IncidentStatus.OPEN
                         and any(o == target for o, _ in r.links))
        assert [r.id for r in index.linking(target)] == scanned, step
