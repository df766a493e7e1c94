"""Road blockages on the live map: closed sections as thick lines, spots as signs.

The line is drawn twice (dark casing, red core) so it stays visible on top of the
dashed schematic roads and on any tile background.
"""

from __future__ import annotations

from typing import Any

import folium

from georisk.texts import Lang, text
from layers.legend import LegendEntry
from layers.page import MapPage

CASING = {"color": "#3b0a0a", "weight": 9, "opacity": 0.9, "lineCap": "round"}
CORE = {"color": "#e11d1d", "weight": 5, "opacity": 1, "lineCap": "round", "dashArray": "10 6"}
SPOT = (
    '<svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">'
    '<circle cx="10" cy="10" r="8.5" fill="#e11d1d" stroke="#3b0a0a" stroke-width="1.5"/>'
    '<rect x="4.5" y="8.3" width="11" height="3.4" fill="#fff"/></svg>'
)


def spec() -> dict[str, Any]:
    return {"casing": CASING, "core": CORE, "spot": SPOT}


def add(page: MapPage, lang: Lang) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=text("layer.blockages", lang))
    layer.add_to(page.map)
    line = (
        '<svg width="28" height="14" aria-hidden="true">'
        f'<line x1="3" y1="7" x2="25" y2="7" stroke="{CASING["color"]}" stroke-width="8" '
        'stroke-linecap="round"/>'
        f'<line x1="3" y1="7" x2="25" y2="7" stroke="{CORE["color"]}" stroke-width="4.5" '
        'stroke-dasharray="6 3"/></svg>'
    )
    page.legend.add(LegendEntry(text("legend.blockage.line", lang), line))
    page.legend.add(LegendEntry(text("legend.blockage.point", lang), SPOT))
    return layer
