"""Road numbers from any source get one spelling and one class."""

from __future__ import annotations

import pytest

from georisk.roads.refs import class_of_ref, normalise_ref


@pytest.mark.parametrize(
    ("raw", "ref", "cls"),
    [
        ("E 18", "E18", "european"),
        ("e18;E 20", "E18;E20", "european"),
        ("E 45/E 16", "E45;E16", "european"),
        ("50", "Rv 50", "national"),
        ("rv 50", "Rv 50", "national"),
        (63.0, "Rv 63", "national"),
        ("väg 237", "Lv 237", "regional"),
        ("870", "Lv 870", "local"),
        ("Rv 50;E 16", "Rv 50;E16", "european"),
        (None, None, "local"),
        ("", None, "local"),
        (float("nan"), None, "local"),
    ],
)
def test_normalise_and_classify(raw, ref, cls):
    assert normalise_ref(raw) == ref
    assert class_of_ref(ref) == cls
