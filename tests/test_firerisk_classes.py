"""Danger classes at their boundaries, on both scales, and the scales kept apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from georisk.errors import ValidationError
from georisk.firerisk.classes import (
    EFFIS,
    SWEDEN,
    UNCLASSIFIED,
    scale_by_name,
    swedish_scale,
)


def codes(scale, values):
    return list(scale.codes(np.array(values, dtype=float)))


def test_swedish_default_boundaries():
    # MSB 2018: 1 < 1 ≤ 2 < 7 ≤ 3 < 17 ≤ 4 < 22 ≤ 5 < 28 ≤ 5E
    values = [0, 0.999, 1, 6.999, 7, 16.999, 17, 21.999, 22, 27.999, 28, 150]
    assert codes(SWEDEN, values) == ["1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "5E",
                                     "5E"]


def test_smhi_fwiindex_preset_boundaries():
    scale = swedish_scale("smhi-fwiindex")
    values = [4.99, 5, 10.99, 11, 16.99, 17, 22, 28]
    assert codes(scale, values) == ["1", "2", "2", "3", "3", "4", "5", "5E"]
    assert scale.name != SWEDEN.name


def test_effis_boundaries():
    values = [0, 5.19, 5.2, 11.19, 11.2, 21.29, 21.3, 37.99, 38.0, 49.99, 50.0, 99]
    assert codes(EFFIS, values) == ["very_low", "very_low", "low", "low", "moderate",
                                    "moderate", "high", "high", "very_high", "very_high",
                                    "extreme", "extreme"]


def test_every_class_carries_its_scale_and_labels():
    for scale in (SWEDEN, EFFIS):
        assert len(scale.classes) == 6
        keys = {c.key for c in scale.classes}
        assert len(keys) == 6
        for c in scale.classes:
            assert c.scale == scale.name
            assert c.label("sv") and c.label("en") and c.colour.startswith("#")
        # Classes tile the real line without gaps.
        assert scale.classes[0].lower == -math.inf and scale.classes[-1].upper == math.inf
        for a, b in zip(scale.classes, scale.classes[1:], strict=False):
            assert a.upper == b.lower
    assert SWEDEN.by_code("5E").label_sv == "Extremt stor brandrisk"
    assert EFFIS.by_code("high").label_en == "High"
    # Same English word, different scale and threshold: never interchangeable.
    assert SWEDEN.by_code("4").key != EFFIS.by_code("high").key
    assert SWEDEN.by_code("4").lower != EFFIS.by_code("high").lower


def test_nan_is_unclassified_and_arrays_keep_shape():
    grid = np.array([[0.5, np.nan], [30.0, 12.0]])
    index = SWEDEN.classify(grid)
    assert index.shape == grid.shape
    assert index[0, 1] == UNCLASSIFIED
    assert SWEDEN.class_of(float("nan")) is None
    assert SWEDEN.class_of(30.0).code == "5E"


def test_custom_swedish_bounds_and_validation():
    custom = swedish_scale([2, 8, 17, 22, 28])
    assert codes(custom, [1.9, 2, 7.9, 8]) == ["1", "2", "2", "3"]
    assert custom.source == "configured"
    with pytest.raises(ValidationError):
        swedish_scale([1, 7, 7, 22, 28])
    with pytest.raises(ValidationError):
        swedish_scale([1, 7, 17])
    with pytest.raises(ValidationError):
        swedish_scale("smhi-2099")


def test_scale_by_name():
    assert scale_by_name("effis") is EFFIS
    assert scale_by_name("sweden") is SWEDEN
    assert scale_by_name("smhi-fwiindex").lower_bounds.tolist() == [5, 11, 17, 22, 28]
    with pytest.raises(ValidationError):
        scale_by_name("canada")
