"""Units on the live map: a shape per agency, a code per kind, a colour per status.

A unit whose last position is older than the configured age is drawn grey with its
age: an operator must not send the "nearest" unit on a position from an hour ago.
"""

from __future__ import annotations

from typing import Any

import folium

from georisk.model import Agency, UnitKind, UnitStatus
from georisk.texts import Lang, text
from layers.legend import LegendEntry
from layers.page import MapPage
from layers.symbols import Symbol

#: Outline per agency in a 24x24 box: the shape tells the agency at a glance.
SHAPES: dict[str, str] = {
    Agency.POLICE: "M3 3h18v18H3z",
    Agency.RESCUE: "M12 1.5l10.5 10.5L12 22.5 1.5 12z",
    Agency.SOS: "M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z",
    Agency.CENTRE: "M7 2.5h10l5 9.5-5 9.5H7l-5-9.5z",
}
KIND_CODES: dict[str, str] = {
    UnitKind.ENGINE: "SL", UnitKind.TANKER: "TA", UnitKind.AERIAL: "HÖ", UnitKind.RESCUE: "RÄ",
    UnitKind.AMBULANCE: "AM", UnitKind.PATROL: "PB", UnitKind.HELICOPTER: "HK",
    UnitKind.COMMAND: "LE", UnitKind.BOAT: "BÅ", UnitKind.OTHER: "ÖV",
}  # fmt: skip
STATUS_COLOURS: dict[str, str] = {
    UnitStatus.AVAILABLE: "#1a7f37", UnitStatus.EN_ROUTE: "#1f5fbf",
    UnitStatus.ON_SCENE: "#c2410c", UnitStatus.OUT_OF_SERVICE: "#57606a",
}  # fmt: skip
STALE_COLOUR = "#b4bcc4"
DEFAULT_STALE_AFTER_S = 15 * 60


MARKER = Symbol(
    template=(
        '<svg width="{size}" height="{size}" viewBox="0 0 24 24" aria-hidden="true">'
        '<path d="{shape}" fill="{fill}" stroke="#fff" stroke-width="1.6"/>'
        '<text x="12" y="15.2" font-size="8.5" font-weight="700" text-anchor="middle" '
        'fill="#fff" font-family="sans-serif">{code}</text></svg>'
    ),
    fields=("agency", "unit_kind", "status", "age"),
    parts={
        "agency": {str(a): {"shape": SHAPES[a]} for a in Agency},
        "unit_kind": {str(k): {"code": KIND_CODES[k]} for k in UnitKind},
        "status": {str(s): {"fill": STATUS_COLOURS[s]} for s in UnitStatus},
        "age": {"stale": {"fill": STALE_COLOUR}},  # over the status: its colour is old news
    },
    fallback={"shape": SHAPES[Agency.CENTRE], "fill": "#555", "code": "?"},
)


def symbol(agency: str, kind: str, status: str, size: int = 22, stale: bool = False) -> str:
    """The marker as SVG, as live.js draws it on the map (without the callsign beside it)."""
    age = "stale" if stale else "fresh"
    return MARKER.draw(size, agency=agency, unit_kind=kind, status=status, age=age)


def spec(stale_after_s: int) -> dict[str, Any]:
    return {**MARKER.spec(), "staleAfterS": stale_after_s}


def add(page: MapPage, lang: Lang, stale_after_s: int) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=text("layer.units", lang))
    layer.add_to(page.map)
    for agency in Agency:
        page.legend.add(LegendEntry(
            f"{text('layer.units', lang)}: {text(f'ui.agency.{agency}', lang)}",
            symbol(agency, UnitKind.OTHER, UnitStatus.AVAILABLE, 18),
        ))  # fmt: skip
    for status in UnitStatus:
        page.legend.add(
            LegendEntry(
                text(f"ui.ustatus.{status}", lang), symbol(Agency.SOS, UnitKind.OTHER, status, 18)
            )
        )
    minutes = stale_after_s // 60
    page.legend.add(LegendEntry(
        text("legend.stale", lang), symbol(Agency.SOS, UnitKind.OTHER, "available", 18, stale=True),
        f"> {minutes} min",
    ))  # fmt: skip
    return layer
