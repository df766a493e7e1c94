"""Incidents on the live map: a glyph per type, a colour per severity, the agency's tag.

The page's script draws the markers from the API (`layers/static/live.js`), grouped
on a grid of screen cells (`layers/static/clusters.js`); this module owns what they look
like (`MARKER`, see `layers.symbols`), so the legend here and the markers there are drawn
from the same template.
"""

from __future__ import annotations

from typing import Any

from folium import FeatureGroup

from georisk.model import Agency, IncidentType
from georisk.texts import Lang, text
from layers.legend import LegendEntry
from layers.page import MapPage
from layers.symbols import Symbol

#: White (or dark, on the pale low severities) glyphs in a 20x20 box.
GLYPHS: dict[str, str] = {
    IncidentType.FIRE: "M10 2c1 4 5 5 5 10a5 5 0 0 1-10 0c0-3 2-4 2-6 1 1 1 2 2 3 0-3 0-5 1-7z",
    IncidentType.FOREST_FIRE: "M10 2l6 9h-3l4 6H3l4-6H4z",
    IncidentType.TRAFFIC: "M4 11l2-5h8l2 5v5h-2v-2H6v2H4zm2.5 0h7l-1-3h-5z",
    IncidentType.POLICE: "M10 2l7 3v5c0 4-3 7-7 8-4-1-7-4-7-8V5z",
    IncidentType.MEDICAL: "M8 3h4v5h5v4h-5v5H8v-5H3V8h5z",
    IncidentType.RESCUE: "M10 3a7 7 0 1 0 0 14a7 7 0 1 0 0-14zm0 4a3 3 0 1 1 0 6a3 3 0 1 1 0-6z",
    IncidentType.OTHER: "M8.8 3h2.4l-.4 9H9.2zM8.8 14h2.4v2.4H8.8z",
}
SEVERITY_COLOURS = {1: "#f2d24b", 2: "#f0a030", 3: "#e0621c", 4: "#c81e1e", 5: "#6e0f1a"}
DARK_GLYPH_BELOW = 3  # severities 1-2 are pale: a dark glyph reads better on them
GLYPH_DARK, GLYPH_LIGHT = "#1f2a33", "#ffffff"
AGENCY_COLOURS = {
    Agency.POLICE: "#1d3f8f", Agency.RESCUE: "#b8430f",
    Agency.SOS: "#0f7a4f", Agency.CENTRE: "#4b5563",
}
AGENCY_TAGS = {Agency.POLICE: "P", Agency.RESCUE: "R", Agency.SOS: "S", Agency.CENTRE: "C"}

MARKER = Symbol(
    template=(
        '<svg width="{size}" height="{size}" viewBox="0 0 26 26" aria-hidden="true">'
        '<circle cx="12" cy="14" r="10.5" fill="{fill}" stroke="#fff" stroke-width="1.8"/>'
        '<path d="{glyph}" transform="translate(5.5 7.5) scale(.65)" '
        'fill="{glyph_fill}" fill-rule="evenodd"/>'
        '<circle cx="20" cy="6" r="5.5" fill="{badge}" stroke="#fff"/>'
        '<text x="20" y="8.6" font-size="7.5" font-weight="700" text-anchor="middle" '
        'fill="#fff" font-family="sans-serif">{tag}</text></svg>'
    ),
    fields=("type", "severity", "agency"),
    parts={
        "type": {str(t): {"glyph": GLYPHS[t]} for t in IncidentType},
        "severity": {
            str(n): {"fill": c, "glyph_fill": GLYPH_DARK if n < DARK_GLYPH_BELOW else GLYPH_LIGHT}
            for n, c in SEVERITY_COLOURS.items()
        },
        "agency": {str(a): {"badge": AGENCY_COLOURS[a], "tag": AGENCY_TAGS[a]} for a in Agency},
    },
    fallback={
        "glyph": GLYPHS[IncidentType.OTHER], "fill": "#888", "glyph_fill": GLYPH_LIGHT,
        "badge": "#555", "tag": "?",
    },
)


def symbol(type_: str, severity: int, agency: str, size: int = 26) -> str:
    """The marker as SVG, as live.js draws it on the map."""
    return MARKER.draw(size, type=type_, severity=severity, agency=agency)


def spec() -> dict[str, Any]:
    return MARKER.spec()


def add(page: MapPage, lang: Lang) -> FeatureGroup:
    """An empty layer the script fills with its grid clusters; its legend rows."""
    layer = FeatureGroup(name=text("layer.incidents", lang))
    layer.add_to(page.map)
    for type_ in IncidentType:
        page.legend.add(LegendEntry(text(f"ui.type.{type_}", lang), symbol(type_, 4, "centre", 20)))
    ramp = "".join(
        f'<rect x="{2 + 5 * (n - 1)}" y="2" width="5" height="10" fill="{colour}"/>'
        for n, colour in SEVERITY_COLOURS.items()
    )
    page.legend.add(LegendEntry(
        f"{text('ui.f.severity', lang)} 1–5",
        f'<svg width="28" height="14" aria-hidden="true">{ramp}</svg>',
        " · ".join(f"{tag} {text(f'ui.agency.{a}', lang)}" for a, tag in AGENCY_TAGS.items()),
    ))
    return layer
