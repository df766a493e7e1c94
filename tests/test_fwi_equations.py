"""Edge cases of the FWI equations, checked against values worked out by hand from
Van Wagner (1987), and properties that hold for any input (vectorisation, resume)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from georisk.errors import ValidationError
from georisk.firerisk.fwi import (
    FFMC_CONSTANT_CFFDRS,
    INDICES,
    FWIState,
    bui_day,
    dc_band,
    dc_day,
    dmc_band,
    dmc_day,
    fwi_day,
    fwi_series,
)
from georisk.firerisk.synthetic import season_dates, season_weather

ENGINES = ["numba", "numpy"]


def one_day(temp, rh, ws, prec, *, mon=7, lat=60.0, start=(85.0, 6.0, 15.0), engine="numba"):
    result = fwi_series([temp], [rh], [ws], [prec], [mon], lat,
                        start=FWIState(*(np.array([v]) for v in start)), engine=engine)
    return {name: float(getattr(result, name)[0]) for name in INDICES}


# --- rain thresholds ------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_rain_at_each_threshold_has_no_effect_and_just_above_does(engine):
    dry = one_day(20, 40, 10, 0.0, engine=engine)
    # 0.5 mm: no FFMC rain phase; 1.5: no DMC rain phase; 2.8: no DC rain phase.
    at_ffmc = one_day(20, 40, 10, 0.5, engine=engine)
    at_dmc = one_day(20, 40, 10, 1.5, engine=engine)
    at_dc = one_day(20, 40, 10, 2.8, engine=engine)
    assert at_ffmc["ffmc"] == pytest.approx(dry["ffmc"], abs=1e-12)
    assert at_dmc["dmc"] == pytest.approx(dry["dmc"], abs=1e-12)
    assert at_dc["dc"] == pytest.approx(dry["dc"], abs=1e-12)
    # The next code's threshold has already been passed at the lower ones.
    assert at_dmc["ffmc"] < dry["ffmc"] - 0.5
    assert at_dc["dmc"] < dry["dmc"]
    above_dc = one_day(20, 40, 10, 2.81, engine=engine)
    assert above_dc["dc"] < dry["dc"]


def test_dc_rain_phase_by_hand():
    # DC 300, 10 mm: rw = 0.83*10 - 1.27 = 7.03; Q0 = 800 exp(-300/400);
    # DC_r = 300 - 400 ln(1 + 3.937 rw / Q0); then + pe (July, lat 60, 20 °C).
    q0 = 800 * math.exp(-300 / 400)
    dr = 300 - 400 * math.log(1 + 3.937 * 7.03 / q0)
    pe = (0.36 * (20 + 2.8) + 6.4) / 2
    got = dc_day(np.array([300.0]), np.array([20.0]), np.array([10.0]), 6.4)
    assert got[0] == pytest.approx(dr + pe, abs=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_heavy_rain_after_drought(engine):
    drought = (95.0, 80.0, 600.0)
    out = one_day(15, 90, 5, 60.0, start=drought, engine=engine)
    assert out["ffmc"] < 40  # fine fuels soaked
    # DMC rain phase by hand (P0 = 80 > 65 uses b = 6.2 ln P0 − 17.2):
    rw = 0.92 * 60 - 1.27
    b = 6.2 * math.log(80) - 17.2
    wmr = 20 + 280 * math.exp(-0.023 * 80) + 1000 * rw / (48.77 + b * rw)
    dmc = 43.43 * (5.6348 - math.log(wmr - 20)) + 1.894 * (15 + 1.1) * (100 - 90) * 12.4e-4
    assert out["dmc"] == pytest.approx(dmc, abs=1e-9)
    assert 300 < out["dc"] < 500  # deep layer only partly recovers
    assert out["fwi"] < 1
    # FFMC moisture is capped at 250 after rain: more rain changes nothing further.
    # From FFMC 30 (moisture 117 %), 200 mm already passes 250 %: 400 mm is no wetter.
    wet = (30.0, 80.0, 600.0)
    flood = one_day(15, 90, 5, 200.0, start=wet, engine=engine)
    assert flood["ffmc"] == pytest.approx(one_day(15, 90, 5, 400.0, start=wet,
                                                  engine=engine)["ffmc"], abs=1e-12)
    assert flood["ffmc"] != pytest.approx(one_day(15, 90, 5, 20.0, start=wet,
                                                  engine=engine)["ffmc"], abs=1e-3)


# --- humidity, wind, temperature floors -------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_rh_100_is_treated_as_99_9999(engine):
    assert one_day(10, 100, 10, 0, engine=engine) == pytest.approx(
        one_day(10, 99.9999, 10, 0, engine=engine), abs=1e-12)
    out = one_day(10, 100, 10, 0, engine=engine)
    assert all(math.isfinite(v) for v in out.values())


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_wind(engine):
    out = one_day(25, 30, 0, 0, engine=engine)
    # ISI with no wind: 0.208 · f(F) only.
    fm = FFMC_CONSTANT_CFFDRS * (101 - out["ffmc"]) / (59.5 + out["ffmc"])
    ff = 91.9 * math.exp(-0.1386 * fm) * (1 + fm**5.31 / 4.93e7)
    assert out["isi"] == pytest.approx(0.208 * ff, rel=1e-12)
    assert out["ffmc"] > 85  # still dries, by humidity and temperature alone


def test_rh_zero_is_finite():
    out = one_day(30, 0, 20, 0)
    assert all(math.isfinite(v) for v in out.values())


@pytest.mark.parametrize("engine", ENGINES)
def test_temperature_floors(engine):
    # Below -1.1 °C the DMC does not dry at all; below -2.8 °C DC gains only the
    # day-length term (April, lat > 20: 0.9 → +0.45).
    cold = one_day(-5, 50, 10, 0, mon=4, start=(85, 6, 15), engine=engine)
    colder = one_day(-20, 50, 10, 0, mon=4, start=(85, 6, 15), engine=engine)
    assert cold["dmc"] == pytest.approx(6.0, abs=1e-12)
    assert cold["dc"] == pytest.approx(15 + 0.9 / 2, abs=1e-12)
    assert colder["dc"] == pytest.approx(cold["dc"], abs=1e-12)
    # Between the floors: DMC stuck at the floor, DC already drying.
    between = one_day(-2.0, 50, 10, 0, mon=7, start=(85, 6, 15), engine=engine)
    assert between["dmc"] == pytest.approx(6.0, abs=1e-12)
    assert between["dc"] == pytest.approx(15 + (0.36 * 0.8 + 6.4) / 2, abs=1e-12)


def test_dc_potential_evapotranspiration_clamped_at_zero():
    # January, lat > 20: (0.36·(T+2.8) − 1.6)/2 < 0 at −2.8 °C → DC unchanged, not lowered.
    assert dc_day(np.array([50.0]), np.array([-10.0]), np.array([0.0]), -1.6)[0] == 50.0


def test_dmc_drying_by_hand():
    # July, lat 60 (day length 12.4): K = 1.894 (T+1.1)(100−RH) Le 1e-4.
    got = dmc_day(np.array([20.0]), np.array([22.0]), np.array([35.0]), np.array([0.0]), 12.4)
    assert got[0] == pytest.approx(20 + 1.894 * 23.1 * 65 * 12.4e-4, abs=1e-12)


# --- BUI and FWI branches -----------------------------------------------------------------

def test_bui_both_equations():
    # DMC ≤ 0.4 DC: U = 0.8 P D / (P + 0.4 D)
    assert bui_day(np.array([40.0]), np.array([400.0]))[0] == pytest.approx(
        0.8 * 40 * 400 / (40 + 160), abs=1e-12)
    # DMC > 0.4 DC: U = P − (1 − 0.8 D/(P + 0.4 D)) (0.92 + (0.0114 P)^1.7)
    p, d = 60.0, 50.0
    expected = p - (1 - 0.8 * d / (p + 0.4 * d)) * (0.92 + (0.0114 * p) ** 1.7)
    assert bui_day(np.array([p]), np.array([d]))[0] == pytest.approx(expected, abs=1e-12)
    assert bui_day(np.array([0.0]), np.array([0.0]))[0] == 0.0


def test_fwi_above_bui_80_uses_other_form():
    isi = np.array([10.0, 10.0])
    bui = np.array([80.0, 120.0])
    got = fwi_day(isi, bui)
    for i, u in enumerate(bui):
        fd = 0.626 * u**0.809 + 2 if u <= 80 else 1000 / (25 + 108.64 * math.exp(-0.023 * u))
        b = 0.1 * 10 * fd
        expected = b if b <= 1 else math.exp(2.72 * (0.434 * math.log(b)) ** 0.647)
        assert got[i] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_high_bui_through_the_season_function(engine):
    out = one_day(30, 20, 30, 0, start=(92, 150, 700), engine=engine)
    assert out["bui"] > 80
    fd = 1000 / (25 + 108.64 * math.exp(-0.023 * out["bui"]))
    b = 0.1 * out["isi"] * fd
    assert out["fwi"] == pytest.approx(math.exp(2.72 * (0.434 * math.log(b)) ** 0.647), rel=1e-9)
    assert out["dsr"] == pytest.approx(0.0272 * out["fwi"] ** 1.77, rel=1e-9)


# --- latitude bands -------------------------------------------------------------------------

def test_latitude_bands_follow_cffdrs():
    lat = np.array([60, 30.1, 30, 10.1, 10, -9.9, -10, -29.9, -30, -60])
    assert dmc_band(lat).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert dc_band(np.array([60, 20.1, 20, -19.9, -20, -60])).tolist() == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("engine", ENGINES)
def test_southern_hemisphere_july_is_winter(engine):
    north = one_day(20, 40, 10, 0, mon=7, lat=45, engine=engine)
    south = one_day(20, 40, 10, 0, mon=7, lat=-45, engine=engine)
    tropics = one_day(20, 40, 10, 0, mon=7, lat=0, engine=engine)
    assert south["dmc"] < tropics["dmc"] < north["dmc"]
    assert south["dc"] < tropics["dc"] < north["dc"]
    assert tropics["dc"] == pytest.approx(15 + (0.36 * 22.8 + 1.4) / 2, abs=1e-12)


# --- vectorisation, engines, resume ----------------------------------------------------------

@pytest.fixture(scope="module")
def season():
    lat = np.linspace(57.5, 62.5, 300)
    return lat, season_weather(lat, season_dates(), seed=7)


def test_engines_agree_on_a_season(season):
    lat, w = season
    a = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat, engine="numba")
    b = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat, engine="numpy", workers=1)
    for name in INDICES:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-11, atol=1e-11)
    assert a.fwi.max() > 10  # the synthetic season actually gets dry


def test_grid_equals_each_cell_alone(season):
    lat, w = season
    grid = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat)
    for cell in (0, 137, 299):
        alone = fwi_series(w.temp[:, cell], w.rh[:, cell], w.ws[:, cell], w.prec[:, cell],
                           w.month, lat[cell])
        for name in INDICES:
            np.testing.assert_array_equal(getattr(alone, name), getattr(grid, name)[:, cell])


@pytest.mark.parametrize("engine", ENGINES)
def test_resume_from_start_codes_equals_full_run(season, engine):
    lat, w = season
    full = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat, engine=engine)
    cut = 90
    first = fwi_series(w.temp[:cut], w.rh[:cut], w.ws[:cut], w.prec[:cut], w.month[:cut], lat,
                       engine=engine)
    rest = fwi_series(w.temp[cut:], w.rh[cut:], w.ws[cut:], w.prec[cut:], w.month[cut:], lat,
                      start=first.final, engine=engine)
    for name in INDICES:
        np.testing.assert_array_equal(getattr(rest, name), getattr(full, name)[cut:])
    np.testing.assert_array_equal(first.final.dc, full.dc[cut - 1])


def test_start_codes_are_not_modified(season):
    lat, w = season
    start = FWIState.startup(len(lat))
    fwi_series(w.temp[:5], w.rh[:5], w.ws[:5], w.prec[:5], w.month[:5], lat, start=start)
    assert (start.ffmc == 85).all() and (start.dmc == 6).all() and (start.dc == 15).all()


def test_keep_only_some_indices(season):
    lat, w = season
    out = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat, keep=("fwi",))
    full = fwi_series(w.temp, w.rh, w.ws, w.prec, w.month, lat)
    assert out.ffmc is None and out.dsr is None
    np.testing.assert_array_equal(out.fwi, full.fwi)


def test_per_cell_months(season):
    """Stations aligned by day number may sit in different months on the same row."""
    lat, w = season
    cells = slice(0, 2)
    month = np.stack([w.month, np.roll(w.month, 40)], axis=1)
    both = fwi_series(w.temp[:, cells], w.rh[:, cells], w.ws[:, cells], w.prec[:, cells],
                      month, lat[cells])
    second = fwi_series(w.temp[:, 1], w.rh[:, 1], w.ws[:, 1], w.prec[:, 1], month[:, 1], lat[1])
    np.testing.assert_array_equal(both.dc[:, 1], second.dc)


def test_nan_weather_propagates_without_touching_other_cells():
    t = np.array([[20.0, 20.0], [np.nan, 20.0], [20.0, 20.0]])
    rh, ws, pr = np.full_like(t, 40.0), np.full_like(t, 10.0), np.zeros_like(t)
    out = fwi_series(t, rh, ws, pr, [7, 7, 7], 60.0)
    assert np.isnan(out.fwi[1:, 0]).all() and np.isfinite(out.fwi[:, 1]).all()


@pytest.mark.parametrize(("field", "value"), [("rh", 101.0), ("rh", -1.0), ("prec", -0.1),
                                                ("ws", -3.0)])
def test_invalid_weather_is_refused(field, value):
    args = {"temp": [10.0], "rh": [50.0], "ws": [5.0], "prec": [0.0]}
    args[field] = [value]
    with pytest.raises(ValidationError) as err:
        fwi_series(args["temp"], args["rh"], args["ws"], args["prec"], [6], 60.0)
    assert err.value.errors[0].field == field


def test_bad_latitude_is_refused():
    with pytest.raises(ValidationError, match="lat"):
        fwi_series([10.0], [50.0], [5.0], [0.0], [6], 95.0)
    with pytest.raises(ValidationError, match="lat"):
        fwi_series(np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 3)), np.zeros((1, 3)), [6],
                   [60.0, 61.0])


def test_bad_month_and_constant_are_refused():
    with pytest.raises(ValidationError):
        fwi_series([10.0], [50.0], [5.0], [0.0], [13], 60.0)
    with pytest.raises(ValidationError):
        fwi_series([10.0], [50.0], [5.0], [0.0], [6], 60.0, ffmc_const="fast")
