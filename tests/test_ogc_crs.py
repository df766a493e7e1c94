"""The OGC API's CRS handling beyond what the abstract tests ask, on the running service:
bbox-crs selects by the box itself (not by its extent in CRS84), every filter acts on
what the viewer is shown (a restricted incident is found where it is shown, never where
it is), axis order, paging in another CRS, and what real clients send."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from georisk.crs import CRS84, SWEREF99TM, WGS84_LATLON
from tests.api_support import running_service
from tests.factories import T0
from tests.ogc_support import (
    SECRET_SHOWN,
    SECRET_TRUE,
    Client,
    build_world,
    ids,
    meeting,
    shown,
)

_TO_NE = Transformer.from_crs("OGC:CRS84", "EPSG:3006")  # authority order: north, east
_FROM_NE = Transformer.from_crs("EPSG:3006", "OGC:CRS84")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("ogc-crs") / "georisk.db"
    token = build_world(db)
    expected = shown(db)
    with running_service(db) as base:
        yield Client(base, token), expected


def _envelope_in_crs84(box: tuple[float, float, float, float]) -> shapely.Polygon:
    """A SWEREF 99 TM box's extent in CRS84: what a server testing only that would use."""
    outline = shapely.segmentize(shapely.box(*box), 100)
    return shapely.box(*shapely.transform(outline, lambda ne: np.column_stack(
        _FROM_NE.transform(ne[:, 0], ne[:, 1]))).bounds)


def _sweref(box: tuple[float, float, float, float]) -> dict[str, str]:
    return {"bbox": ",".join(repr(float(v)) for v in box), "bbox-crs": SWEREF99TM}


def _beside(north: float, east: float, side: str, along: float) -> tuple[float, ...]:
    """A 20 km box with the point 60 m beyond its ``side`` edge, at ``along`` (0-1) of
    the edge's length: near an edge's end, the box's extent in CRS84 (turned by the
    meridians' convergence) reaches past the point."""
    size, gap = 20_000, 60
    return {
        "N": (north - gap - size, east - along * size, north - gap, east + (1 - along) * size),
        "S": (north + gap, east - along * size, north + gap + size, east + (1 - along) * size),
        "E": (north - along * size, east - gap - size, north + (1 - along) * size, east - gap),
        "W": (north - along * size, east + gap, north + (1 - along) * size, east + gap + size),
    }[side]


def test_a_sweref_box_selects_the_points_in_it_not_those_in_its_crs84_extent(world):
    client, expected = world
    incidents = expected["incidents"]
    found = 0
    for fid, side, along in itertools.product(sorted(incidents)[::9], "NSEW", (0.02, 0.98)):
        lon, lat = incidents[fid]["geometry"]["coordinates"]
        box = _beside(*_TO_NE.transform(lon, lat), side, along)
        exact = meeting(incidents, box, SWEREF99TM)
        if fid in exact or not _envelope_in_crs84(box).contains(shapely.Point(lon, lat)):
            continue
        found += 1
        assert ids(client.every_page("incidents", **_sweref(box))) == exact, (fid, box)
    assert found >= 10  # the extent and the box did differ, for many incidents


def test_a_wide_sweref_box_finds_what_its_curved_edge_takes_in(world):
    client, expected = world
    # 600 km wide, its north edge 60 m above an incident on the central meridian (15 E):
    # in CRS84 that edge bows north by about 0.1 degree in the middle, so the box's
    # corners alone would leave the incident out, padding or not
    lon, lat = expected["incidents"]["inc-10"]["geometry"]["coordinates"]
    assert (lon, lat) == (15.0, 59.0)
    north, east = _TO_NE.transform(lon, lat)
    box = (north - 20_000, east - 300_000, north + 60, east + 300_000)
    corners = shapely.MultiPoint([_FROM_NE.transform(n, e) for n, e in
                                  shapely.box(*box).exterior.coords]).envelope
    assert corners.bounds[3] < lat - 0.05
    found = ids(client.every_page("incidents", **_sweref(box)))
    assert "inc-10" in found and found == meeting(expected["incidents"], box, SWEREF99TM)


def test_a_sweref_box_beside_a_polygon_does_not_select_it(world):
    client, expected = world
    # 500 m outside the middle of the triangle zone's long side, inside its bounds
    (north, east), (n2, e2) = (_TO_NE.transform(15.3, 59.2), _TO_NE.transform(15.6, 59.0))
    along = np.array([n2 - north, e2 - east]) / np.hypot(n2 - north, e2 - east)
    outward = np.array([along[1], -along[0]])  # to the north-east of the side
    if outward[0] < 0:
        outward = -outward
    centre = np.array([north, east]) + 500 * outward
    box = (centre[0] - 100, centre[1] - 100, centre[0] + 100, centre[1] + 100)
    triangle = "2026-01-15/georisk/se-msb2018/3/1"
    assert _envelope_in_crs84(box).intersects(
        shapely.geometry.shape(expected["riskzones"][triangle]["geometry"]).envelope)
    assert triangle not in ids(client.every_page("riskzones", **_sweref(box)))
    within = centre - 1_000 * outward  # 500 m inside the side instead
    inside = (within[0] - 100, within[1] - 100, within[0] + 100, within[1] + 100)
    assert triangle in ids(client.every_page("riskzones", **_sweref(inside)))


def _around(point: shapely.Point, metres: float) -> tuple[float, float, float, float]:
    north, east = _TO_NE.transform(point.x, point.y)
    return north - metres, east - metres, north + metres, east + metres


def test_a_restricted_incident_is_found_where_it_is_shown_never_where_it_is(world):
    client, expected = world
    assert expected["incidents"]["inc-secret"]["geometry"]["coordinates"] == [
        SECRET_SHOWN.x, SECRET_SHOWN.y]
    apart = shapely.Point(_TO_NE.transform(SECRET_TRUE.x, SECRET_TRUE.y)).distance(
        shapely.Point(_TO_NE.transform(SECRET_SHOWN.x, SECRET_SHOWN.y)))
    assert apart > 500
    for where, present in ((SECRET_SHOWN, True), (SECRET_TRUE, False)):
        box = _around(where, 150)
        in_sweref = ids(client.every_page("incidents", **_sweref(box)))
        lon_lat = shapely.transform(shapely.box(*box), lambda ne: np.column_stack(
            _FROM_NE.transform(ne[:, 0], ne[:, 1]))).bounds
        in_crs84 = ids(client.every_page("incidents", bbox=",".join(map(repr, lon_lat))))
        lat_lon = (lon_lat[1], lon_lat[0], lon_lat[3], lon_lat[2])
        in_4326 = ids(client.every_page(
            "incidents", bbox=",".join(map(repr, lat_lon)), **{"bbox-crs": WGS84_LATLON}))
        for found in (in_sweref, in_crs84, in_4326):
            assert ("inc-secret" in found) is present, (where, found)


def test_a_wgs84_bbox_is_latitude_first(world):
    client, _ = world
    lat_lon = {"bbox": "59.05,14.05,59.25,14.35", "bbox-crs": WGS84_LATLON}
    assert ids(client.every_page("incidents", **lat_lon)) == ids(
        client.every_page("incidents", bbox="14.05,59.05,14.35,59.25"))
    swapped = {"bbox": "14.05,59.05,14.35,59.25", "bbox-crs": WGS84_LATLON}
    assert ids(client.every_page("incidents", **swapped)) == []  # latitudes 14-14.35


def test_a_bbox_outside_its_crs_is_refused(world):
    client, _ = world
    for query in ({"bbox": "95,14,96,15", "bbox-crs": WGS84_LATLON},
                  {"bbox": "59,14,60,15,0,1", "bbox-crs": SWEREF99TM},
                  {"bbox": "14,59,190,60"}):
        answer = client.get("/ogc/collections/incidents/items", **query)
        assert answer.status == 400 and answer.json()["errors"][0]["field"] == "bbox", query


def test_pages_in_another_crs_keep_it_and_their_cursor_is_bound_to_the_box(world):
    client, _ = world
    box = _around(shapely.Point(15.0, 59.2), 40_000)
    query = {**_sweref(box), "crs": SWEREF99TM}
    first = client.get("/ogc/collections/incidents/items", limit=5, **query)
    following = [link["href"] for link in first.json()["links"] if link["rel"] == "next"]
    assert following and "bbox-crs=" in following[0] and "crs=" in following[0]
    second = client.get(following[0])
    assert second.status == 200 and second.headers["Content-Crs"] == f"<{SWEREF99TM}>"
    paged = ids(client.every_page("incidents", limit=5, **query))
    assert paged == ids(client.every_page("incidents", limit=1000, **query)) and len(paged) > 5
    cursor = following[0].split("cursor=")[1].split("&")[0]
    moved = {**_sweref(_around(shapely.Point(15.0, 59.2), 30_000)), "crs": SWEREF99TM}
    answer = client.get("/ogc/collections/incidents/items", limit=5, cursor=cursor, **moved)
    assert answer.status == 400 and answer.json()["errors"][0]["field"] == "cursor"


def test_the_year_zero_that_qgis_sends_is_an_open_start(world):
    client, _ = world
    moment = (T0.replace(hour=18)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for cid in ("incidents", "units", "blockages"):
        assert ids(client.every_page(cid, datetime=f"0000-01-01T00:00:00Z/{moment}")) == ids(
            client.every_page(cid, datetime=f"../{moment}"))
    for refused in ("0000-13-01T00:00:00Z/..", "0000-01-01T00:00:00Z",  # only as a start
                    f"{moment}/9999-12-31T00:00:00Z"):  # outside the accepted range
        answer = client.get("/ogc/collections/units/items", datetime=refused)
        assert answer.status == 400, refused


def test_f_may_name_the_media_type(world):
    client, _ = world
    for form in ("json", "geojson", "application/geo+json", "application/json"):
        assert client.get("/ogc/collections/units/items", f=form).status == 200, form
    assert client.get("/ogc/collections/units/items", f="html").status == 400


def test_crs84_is_the_default_and_can_be_named(world):
    client, _ = world
    named = client.get("/ogc/collections/incidents/items", crs=CRS84)
    assert named.headers["Content-Crs"] == f"<{CRS84}>"
    assert named.json()["features"] == client.ok("/ogc/collections/incidents/items")["features"]
