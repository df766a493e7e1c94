"""Fire-risk zones of one day on the live map, coloured by class.

Colours come from the class tables in `georisk.firerisk.classes`, the same ones the
risk brief and the exports use, so "class 4" is one colour everywhere.
"""

from __future__ import annotations

from typing import Any

import folium

from georisk.firerisk.classes import EFFIS, swedish_scale
from georisk.texts import Lang
from layers.legend import LegendEntry, area_symbol
from layers.page import MapPage

FILL_OPACITY = 0.35


def colours() -> dict[str, dict[str, str]]:
    """Per scale name, per class code: the fill colour."""
    return {
        scale.name: {c.code: c.colour for c in scale.classes} for scale in (swedish_scale(), EFFIS)
    }


def spec() -> dict[str, Any]:
    return {"colours": colours(), "fillOpacity": FILL_OPACITY}


def add(page: MapPage, lang: Lang, label: str) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=label)
    layer.add_to(page.map)
    for c in swedish_scale().classes:
        page.legend.add(LegendEntry(
            c.label(lang), area_symbol(c.colour, c.colour, 1, FILL_OPACITY + 0.2)
        ))
    return layer
