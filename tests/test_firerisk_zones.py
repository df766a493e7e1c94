"""Station weather → FWI grid → zones: aggregation, interpolation, geometry, point query."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from georisk.crs import METRIC, to_wgs84
from georisk.errors import ValidationError
from georisk.firerisk.classes import EFFIS, SWEDEN, UNCLASSIFIED
from georisk.firerisk.station_weather import daily_fire_weather, read_station_weather
from georisk.firerisk.synthetic import season_dates, station_weather_frame
from georisk.firerisk.zones import (
    fire_risk_grid,
    idw,
    make_grid,
    point_risk,
    risk_zones,
)

DATES = season_dates()[40:100]  # mid June – mid August: dry enough for several classes
# An irregular area (a rough pentagon around Örebro and Karlstad), WGS84.
AREA = shapely.Polygon([(13.0, 58.9), (15.8, 58.7), (16.4, 59.8), (14.9, 60.5), (13.2, 60.0)])


@pytest.fixture(scope="module")
def weather_frame() -> pd.DataFrame:
    return station_weather_frame(25, DATES, bbox=(12.5, 58.4, 16.9, 60.8), seed=5)


@pytest.fixture(scope="module")
def risk(weather_frame):
    obs = read_station_weather(weather_frame)
    return fire_risk_grid(daily_fire_weather(obs), AREA, cell_size=5000.0)


# --- reading and daily aggregation ------------------------------------------------------------

def test_sub_daily_observations_aggregate_to_the_daily_values(weather_frame):
    daily = daily_fire_weather(read_station_weather(weather_frame))
    hourly = station_weather_frame(25, DATES, bbox=(12.5, 58.4, 16.9, 60.8), seed=5,
                                   obs_per_day=4)
    assert len(hourly) == 4 * len(weather_frame)
    sub = daily_fire_weather(read_station_weather(hourly))
    assert sub.dates == daily.dates == DATES
    np.testing.assert_array_equal(sub.temp, daily.temp)
    np.testing.assert_array_equal(sub.rh, daily.rh)
    np.testing.assert_array_equal(sub.ws, daily.ws)
    np.testing.assert_allclose(sub.prec, daily.prec, atol=1e-9)


def test_rain_window_and_noon_choice():
    rows = pd.DataFrame({
        "station": "x", "lat": 59.3, "lon": 15.2,
        # 11:00Z = 12:00 local standard time (UTC+1)
        "time": ["2025-06-01T11:00Z", "2025-06-01T11:30Z", "2025-06-01T17:00Z",
                 "2025-06-02T05:00Z", "2025-06-02T11:00Z", "2025-06-02T12:00+01:00"],
        "temp": [15, 99, 10, 8, 20, 20], "rh": [50, 99, 60, 90, 40, 40],
        "wind": [10, 99, 5, 3, 15, 15], "precip": [1.0, 0.5, 2.0, 3.0, 4.0, 0.0],
    })
    # The last row repeats the 11:00Z instant in another notation (no new rain).
    daily = daily_fire_weather(read_station_weather(rows))
    assert daily.dates == [date(2025, 6, 1), date(2025, 6, 2)]
    assert daily.temp[:, 0].tolist() == [15, 20]  # the observation nearest noon
    # Fire day 2 June holds rain after 1 June noon up to 2 June noon (inclusive).
    assert daily.prec[:, 0].tolist() == [1.0, 0.5 + 2.0 + 3.0 + 4.0]


def test_wind_in_metres_per_second(weather_frame):
    kmh = read_station_weather(weather_frame)
    ms = weather_frame.assign(wind=weather_frame["wind"] / 3.6)
    np.testing.assert_allclose(read_station_weather(ms, wind_units="m/s")["wind"], kmh["wind"])


@pytest.mark.parametrize(("column", "value", "words"), [
    ("rh", "120", "outside 0–100"),
    ("precip", "-1", "negative"),
    ("temp", "warm", "not a number"),
    ("time", "2025-06-01T11:00", "no timezone"),
    ("time", "yesterday", "not an ISO 8601"),
])
def test_bad_weather_rows_are_named(weather_frame, column, value, words):
    frame = weather_frame.head(5).copy().astype(str)
    frame.iloc[3, frame.columns.get_loc(column)] = value
    with pytest.raises(ValidationError) as err:
        read_station_weather(frame)
    assert f"line 5 ({column})" in str(err.value)
    assert words in str(err.value)


def test_missing_weather_column(weather_frame):
    with pytest.raises(ValidationError, match="missing precip"):
        read_station_weather(weather_frame.drop(columns="precip"))


# --- grid and interpolation ----------------------------------------------------------------------

def test_grid_covers_area_and_only_cells_that_overlap_it():
    grid = make_grid(AREA, 5000.0)
    boxes = grid.boxes()
    union = shapely.union_all(boxes)
    assert union.covers(grid.area)
    assert (shapely.area(shapely.intersection(boxes, grid.area)) > 0).all()
    assert np.allclose(shapely.area(boxes), 25e6)


def test_idw_exact_at_a_station_and_renormalised_for_missing_days():
    grid = make_grid(AREA, 5000.0)
    x, y = grid.centres()
    lon, lat = to_wgs84(x[[10, 500]], y[[10, 500]])
    weights = idw(grid, lon, lat, neighbours=2)
    values = np.array([[5.0, 25.0], [np.nan, 25.0]])
    field = weights.apply(values)
    assert field[0, 10] == pytest.approx(5.0, abs=1e-3)  # station sits at that cell centre
    assert field[0, 500] == pytest.approx(25.0, abs=1e-3)
    assert np.allclose(field[1], 25.0)  # only one station reported: it alone counts
    assert (field[0] >= 5.0 - 1e-9).all() and (field[0] <= 25.0 + 1e-9).all()


# --- zones -------------------------------------------------------------------------------------

def test_zones_cover_the_area_without_overlap(risk):
    zones = risk_zones(risk, DATES[-10])
    assert zones.crs.to_epsg() == 4326
    assert len(zones["class"].unique()) >= 2  # the test would be empty otherwise
    z = zones.to_crs(METRIC)
    area = risk.grid.area
    total = z.area.sum()
    union = shapely.union_all(z.geometry.values)
    assert total == pytest.approx(area.area, rel=1e-9)  # covers it…
    assert union.area == pytest.approx(total, rel=1e-9)  # …without overlap
    assert area.buffer(1.0).covers(union)  # clipped to it
    assert set(zones["scale"]) == {SWEDEN.name}
    assert (zones["valid_date"] == DATES[-10]).all()


def test_zone_classes_match_the_grid(risk):
    when = DATES[-10]
    zones = risk_zones(risk, when).to_crs(METRIC)
    klass = risk.classes(when)
    fwi = risk.values["fwi"][risk.day(when)]
    x, y = risk.grid.centres()
    inside = shapely.contains_xy(risk.grid.area, x, y)
    tree = shapely.STRtree(zones.geometry.values)
    cell_idx, zone_idx = tree.query(shapely.points(x[inside], y[inside]),
                                    predicate="within")
    cells = np.flatnonzero(inside)[cell_idx]
    assert len(np.unique(cell_idx)) == inside.sum()  # every centre lies in a zone
    for c, z in zip(cells, zone_idx, strict=True):
        zone = zones.iloc[z]
        assert SWEDEN.classes[klass[c]].code == zone["class"]
        assert zone["fwi_min"] - 1e-12 <= fwi[c] <= zone["fwi_max"] + 1e-12
    assert zones["cells"].sum() == len(risk.grid.cells)
    assert (klass != UNCLASSIFIED).all()


def test_effis_zones_are_labelled_effis(risk):
    zones = risk_zones(risk, DATES[-10], scale=EFFIS)
    assert set(zones["scale"]) == {"effis"}
    assert set(zones["class"]) <= {c.code for c in EFFIS.classes}


def test_area_as_geodataframe_in_another_crs(risk):
    wgs84 = gpd.GeoDataFrame(geometry=[AREA], crs="EPSG:4326")
    np.testing.assert_array_equal(make_grid(wgs84, 5000.0).cells, risk.grid.cells)
    sweref = gpd.GeoDataFrame(geometry=[risk.grid.area], crs=METRIC)
    np.testing.assert_array_equal(make_grid(sweref, 5000.0).cells, risk.grid.cells)


def test_point_query(risk):
    when = DATES[30]
    day = risk.day(when)
    x, y = risk.grid.centres()
    pos = len(x) // 2
    lon, lat = to_wgs84(x[pos], y[pos])
    answer = point_risk(risk, lon, lat, when)
    assert answer["fwi"] == risk.values["fwi"][day, pos]
    assert answer["dc"] == risk.values["dc"][day, pos]
    assert answer["class"] == SWEDEN.class_of(answer["fwi"]).code
    assert answer["scale"] == SWEDEN.name and answer["date"] == when
    assert point_risk(risk, 11.0, 55.0, when) is None  # far outside
    with pytest.raises(ValidationError):
        point_risk(risk, lon, lat, date(2024, 1, 1))


def test_resuming_the_grid_equals_the_whole_season(weather_frame, risk):
    obs = read_station_weather(weather_frame)
    cut = pd.Timestamp(DATES[29]).tz_localize("UTC") + pd.Timedelta(hours=12)
    early = daily_fire_weather(obs[obs["time"] < cut])
    late = daily_fire_weather(obs[obs["time"] >= cut])
    first = fire_risk_grid(early, AREA, cell_size=5000.0)
    second = fire_risk_grid(late, AREA, cell_size=5000.0, start=first.final)
    assert second.dates == DATES[30:]
    np.testing.assert_allclose(second.values["fwi"], risk.values["fwi"][30:], atol=1e-9)


def test_synthetic_weather_is_deterministic():
    a = station_weather_frame(5, DATES[:10], seed=9)
    b = station_weather_frame(5, DATES[:10], seed=9)
    c = station_weather_frame(5, DATES[:10], seed=10)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
