"""The FWI system against cffdrs's published reference values, in both conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from georisk.firerisk.fwi import (
    FFMC_CONSTANT_1987,
    FFMC_CONSTANT_CFFDRS,
    INDICES,
    ffmc_constant,
    fwi_series,
)

REFERENCE = {
    "cffdrs": "cffdrs_test_fwi_reference.csv",
    "147.2": "cffdrs_test_fwi_reference_ffmc147.2.csv",
}
TOLERANCE = 1e-6


def _load(shared_dir, name: str) -> pd.DataFrame:
    frame = pd.read_csv(shared_dir / "reference" / "fwi" / name)
    frame.columns = [c.lower() for c in frame.columns]
    return frame


def _run(frame: pd.DataFrame, const: str, engine: str):
    return fwi_series(frame.temp, frame.rh, frame.ws, frame.prec, frame.mon,
                      frame.lat.iloc[0], ffmc_const=const, engine=engine)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("const", ["cffdrs", "147.2"])
def test_matches_full_precision_reference(shared_dir, const, engine):
    frame = _load(shared_dir, REFERENCE[const])
    assert frame["id"].nunique() == 1  # one series, started on its first day
    result = _run(frame, const, engine)
    for name in INDICES:
        diff = np.abs(getattr(result, name) - frame[name].to_numpy())
        assert diff.max() <= TOLERANCE, f"{name}: max difference {diff.max():.3g}"


def test_the_two_conventions_really_differ(shared_dir):
    """Guards against the constant being ignored: each file only fits its own mode."""
    frame = _load(shared_dir, REFERENCE["147.2"])
    wrong = _run(frame, "cffdrs", "numba")
    assert np.abs(wrong.ffmc - frame.ffmc.to_numpy()).max() > 1e-3


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_matches_cffdrs_stored_test_output(shared_dir, engine):
    """cffdrs's own expected output, stored to 4 significant digits."""
    frame = _load(shared_dir, "cffdrs_r_fwi_01_stored.csv")
    result = _run(frame, "cffdrs", engine)
    for name in INDICES:
        expected = frame[name].to_numpy()
        got = getattr(result, name)
        # 4 significant digits: half a unit in the 4th digit, relative.
        assert np.all(np.abs(got - expected) <= 5.001e-4 * np.abs(expected) + 1e-12), name


def test_ffmc_constants():
    assert pytest.approx(147.27722772277227, abs=1e-12) == FFMC_CONSTANT_CFFDRS
    assert ffmc_constant("cffdrs") == FFMC_CONSTANT_CFFDRS
    assert ffmc_constant("147.2") == FFMC_CONSTANT_1987
