"""Fire-danger classes from the FWI value: the Swedish scale and the EFFIS scale.

Two scales are in use around the control centre: Swedish rescue services read
MSB/SMHI's classes 1–5E, while European and cross-border briefings use EFFIS.
They share names ("high", "very high") but not thresholds, so every class carries
its scale and nothing here converts one into the other.

Swedish default: MSB (2018), "Brandriskprognoser" class table as cited by Swedish
Wikipedia ("Brandrisk") and the GFMC country page for Sweden: class 1 below FWI 1,
2 from 1, 3 from 7, 4 from 17, 5 from 22 and 5E from 28. Public sources disagree on
the lower bounds (SMHI's open-data ``fwiindex`` is described with 5, 11, 17, 22,
28); all agree on 17, 22 and 28. ``swedish_scale`` takes either preset or bounds
of one's own.

EFFIS: the European Forest Fire Information System's FWI danger classes
(very low < 5.2, low < 11.2, moderate < 21.3, high < 38, very high < 50, extreme).

Colours are georisk's own (a sequential ramp legible on a light base map), not
copied from SMHI or EFFIS products.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

from georisk.errors import ValidationError
from georisk.texts import DEFAULT_LANG, Lang

UNCLASSIFIED = -1
"""Class index for a missing FWI (NaN): no class is shown rather than a guess."""


@dataclass(frozen=True)
class DangerClass:
    """One class of one scale; ``lower ≤ FWI < upper``."""

    scale: str
    code: str
    lower: float
    upper: float
    colour: str
    label_sv: str
    label_en: str

    def label(self, lang: Lang = DEFAULT_LANG) -> str:
        return self.label_en if lang == "en" else self.label_sv

    @property
    def key(self) -> str:
        """Unique across scales, e.g. ``se-msb2018:5E`` or ``effis:high``."""
        return f"{self.scale}:{self.code}"


@dataclass(frozen=True)
class DangerScale:
    name: str
    title_sv: str
    title_en: str
    source: str
    classes: tuple[DangerClass, ...]

    @property
    def lower_bounds(self) -> NDArray[np.float64]:
        return np.array([c.lower for c in self.classes[1:]])

    def classify(self, fwi: ArrayLike) -> NDArray[np.int8]:
        """Index into ``classes`` for each FWI value; ``UNCLASSIFIED`` where NaN."""
        values = np.asarray(fwi, dtype=np.float64)
        index = np.searchsorted(self.lower_bounds, values, side="right").astype(np.int8)
        index[np.isnan(values)] = UNCLASSIFIED
        return index

    def class_of(self, fwi: float) -> DangerClass | None:
        index = int(self.classify(np.array([fwi]))[0])
        return None if index == UNCLASSIFIED else self.classes[index]

    def codes(self, fwi: ArrayLike) -> NDArray[np.object_]:
        """Class codes as strings ("1".."5E" or "very_low".."extreme"); None where NaN."""
        table = np.array([c.code for c in self.classes] + [None], dtype=object)
        return table[self.classify(fwi)]  # UNCLASSIFIED (-1) picks the trailing None

    def by_code(self, code: str) -> DangerClass:
        for c in self.classes:
            if c.code == code:
                return c
        raise ValidationError.one("class", f"{code!r} is not a class of scale {self.name}")


_SV_LABELS = (
    ("1", "Mycket liten brandrisk", "Very low fire danger", "#2b83ba"),
    ("2", "Liten brandrisk", "Low fire danger", "#80bfab"),
    ("3", "Normal brandrisk", "Normal fire danger", "#e6e68a"),
    ("4", "Stor brandrisk", "High fire danger", "#fdae61"),
    ("5", "Mycket stor brandrisk", "Very high fire danger", "#e34a33"),
    ("5E", "Extremt stor brandrisk", "Extreme fire danger", "#7f0000"),
)

MSB_2018_BOUNDS = (1.0, 7.0, 17.0, 22.0, 28.0)
SMHI_FWIINDEX_BOUNDS = (5.0, 11.0, 17.0, 22.0, 28.0)
_SWEDISH_PRESETS = {
    "msb2018": (
        MSB_2018_BOUNDS,
        "MSB 2018 (Brandriskprognoser), as cited by Swedish "
        "Wikipedia 'Brandrisk' and the GFMC country page for Sweden",
    ),
    "smhi-fwiindex": (SMHI_FWIINDEX_BOUNDS, "SMHI open-data fwiindex class description"),
}


def _build(
    name: str, bounds: Sequence[float], labels, title_sv: str, title_en: str, source: str
) -> DangerScale:
    edges = [-math.inf, *bounds, math.inf]
    classes = tuple(
        DangerClass(name, code, edges[i], edges[i + 1], colour, sv, en)
        for i, (code, sv, en, colour) in enumerate(labels)
    )
    return DangerScale(name, title_sv, title_en, source, classes)


def swedish_scale(bounds: str | Sequence[float] = "msb2018") -> DangerScale:
    """The Swedish scale (1, 2, 3, 4, 5, 5E) with a preset's or one's own lower bounds.

    ``bounds`` is a preset name (``msb2018``, the default, or ``smhi-fwiindex``) or
    five increasing FWI values where classes 2, 3, 4, 5 and 5E begin.
    """
    if isinstance(bounds, str):
        if bounds not in _SWEDISH_PRESETS:
            raise ValidationError.one(
                "bounds", f"unknown preset {bounds!r}; use one of {sorted(_SWEDISH_PRESETS)}"
            )
        values, source = _SWEDISH_PRESETS[bounds]
        name = f"se-{bounds}"
    else:
        values, source, name = tuple(float(b) for b in bounds), "configured", "se-custom"
        if len(values) != 5 or any(b <= a for a, b in pairwise(values)):
            raise ValidationError.one(
                "bounds", "need five strictly increasing lower bounds for classes 2, 3, 4, 5, 5E"
            )
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise ValidationError.one("bounds", "lower bounds must be finite and ≥ 0")
    return _build(
        name,
        values,
        _SV_LABELS,
        "Brandrisk skog och mark (Sverige)",
        "Forest fire danger (Sweden)",
        source,
    )


EFFIS_BOUNDS = (5.2, 11.2, 21.3, 38.0, 50.0)
_EFFIS_LABELS = (
    ("very_low", "Mycket låg (EFFIS)", "Very low", "#1a9641"),
    ("low", "Låg (EFFIS)", "Low", "#a6d96a"),
    ("moderate", "Måttlig (EFFIS)", "Moderate", "#ffe066"),
    ("high", "Hög (EFFIS)", "High", "#fdae61"),
    ("very_high", "Mycket hög (EFFIS)", "Very high", "#d7191c"),
    ("extreme", "Extrem (EFFIS)", "Extreme", "#5e0a3b"),
)

SWEDEN = swedish_scale()
EFFIS = _build(
    "effis",
    EFFIS_BOUNDS,
    _EFFIS_LABELS,
    "Brandfara enligt EFFIS",
    "EFFIS fire danger",
    "European Forest Fire Information System FWI classes",
)


def scale_by_name(name: str) -> DangerScale:
    """``sweden`` (default table), ``effis``, or a Swedish preset name."""
    key = name.strip().lower()
    if key in ("sweden", "se", "swedish"):
        return SWEDEN
    if key == "effis":
        return EFFIS
    if key.removeprefix("se-") in _SWEDISH_PRESETS:
        return swedish_scale(key.removeprefix("se-"))
    raise ValidationError.one("scale", f"unknown scale {name!r}; use sweden, effis or a preset")
