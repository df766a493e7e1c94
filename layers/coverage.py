"""Coverage on a map: how soon the nearest available unit of a kind gets anywhere
(isochrones) and where nobody gets in time (the gap), from `georisk.resources.coverage`.

The live map fetches it for the viewer (``GET /api/v1/coverage``) while its layer is on;
a briefing embeds it when asked to (`layers.briefing_export`). Both draw it with
``makeCoverage`` in ``live.js`` from the style given here, and list the same legend rows.
Nearer bands are darker: the isochrones are drawn largest first, so each smaller one lies
on top of the larger, and the gap, violet with a dashed edge, lies above them.
"""

from __future__ import annotations

from typing import Any

import folium

from georisk.resources.defaults import DEFAULT_GAP_MINUTES, DEFAULT_MINUTES
from georisk.texts import Lang, text
from layers.legend import LegendEntry, area_symbol, line_symbol
from layers.page import MapPage

#: Fill per band, nearest first (a band beyond the list takes the last colour).
BANDS = ("#1a7f37", "#5aae61", "#a6dba0")
BAND_OPACITY = 0.22
#: The gap in violet: red and orange already mean fire risk and blockages on this map.
GAP = {"color": "#5b2a86", "weight": 1.5, "dashArray": "5 4", "fillColor": "#7b3fb0",
       "fillOpacity": 0.25}
#: A suggested unit's route: the first ranked drawn strongest.
ROUTE = {"color": "#1f5fbf", "weight": 5, "opacity": 0.85}
ROUTE_OTHER = {"color": "#1f5fbf", "weight": 3, "opacity": 0.55, "dashArray": "6 5"}


def spec() -> dict[str, Any]:
    """What ``makeCoverage`` and the route drawing in the page scripts read."""
    return {"bands": list(BANDS), "bandOpacity": BAND_OPACITY, "gap": GAP,
            "route": ROUTE, "routeOther": ROUTE_OTHER}


def legend(page: MapPage, lang: Lang, minutes: tuple[int, ...] = DEFAULT_MINUTES,
           gap_minutes: int = DEFAULT_GAP_MINUTES, layer: str | None = None) -> None:
    """The rows; with ``layer``, shown only while the page has that layer on."""
    note = text("legend.coverage.note", lang)
    for n, value in enumerate(sorted(minutes)):
        colour = BANDS[min(n, len(BANDS) - 1)]
        page.legend.add(LegendEntry(
            text("legend.coverage.within", lang, minutes=value),
            area_symbol(colour, colour, 1, min(1.0, BAND_OPACITY * (n + 2))),
            note if n == 0 else None, layer,
        ))
    page.legend.add(LegendEntry(
        text("legend.coverage.gap", lang, minutes=gap_minutes),
        area_symbol(GAP["color"], GAP["fillColor"], GAP["weight"], GAP["fillOpacity"] + 0.1),
        layer=layer,
    ))


def add(page: MapPage, lang: Lang, label: str, *, show: bool = True,
        minutes: tuple[int, ...] = DEFAULT_MINUTES,
        gap_minutes: int = DEFAULT_GAP_MINUTES) -> folium.FeatureGroup:
    """The coverage layer (empty: a page script fills it) and its legend rows, which a
    layer that starts off shows only once it is on (``data-layer="coverage"``)."""
    layer = folium.FeatureGroup(name=label, show=show)
    layer.add_to(page.map)
    legend(page, lang, minutes, gap_minutes, None if show else "coverage")
    return layer


def add_routes_legend(page: MapPage, lang: Lang) -> None:
    """The row of a suggested unit's route, shown while routes are drawn."""
    page.legend.add(LegendEntry(text("legend.route", lang), line_symbol(ROUTE["color"], 4),
                                layer="routes"))
