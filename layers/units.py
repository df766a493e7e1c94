"""Units on the live map: a shape per agency, a code per kind, a colour per status.

A unit whose last position is older than the configured age is drawn grey with its
age: an operator must not send the "nearest" unit on a position from an hour ago. But
units report while they move, so a unit that is available and last reported standing
still (speed 0: parked at its station, as the demo's units and CoT trackers report it)
is where that report put it however old it is: it is drawn in its status colour with
a house mark, never grey. Out of service is no duty to be stale in. The rule itself is
``unitLook`` in ``live.js``, which draws every marker; this module owns how each look is
drawn. Co-located units (a station) are one cluster marker with their count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from folium.plugins import MarkerCluster
from folium.utilities import JsCode

from georisk.model import Agency, UnitKind, UnitStatus
from georisk.texts import Lang, fill, text
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
}
STATUS_COLOURS: dict[str, str] = {
    UnitStatus.AVAILABLE: "#1a7f37", UnitStatus.EN_ROUTE: "#1f5fbf",
    UnitStatus.ON_SCENE: "#c2410c", UnitStatus.OUT_OF_SERVICE: "#57606a",
}
STALE_COLOUR = "#b4bcc4"
DEFAULT_STALE_AFTER_S = 15 * 60
#: A house in the marker's top right corner: available and standing still (at its station).
HOUSE = "M18.5 1.2L22.8 5V9.6H14.2V5Z"
#: Units closer than this (pixels) are one marker with their count: a station's engines
#: stand at one point, and their stacked labels would be unreadable.
CLUSTER_RADIUS_PX = 24
#: Zoomed out further than `NEAR_ZOOM` (where callsigns show), units this close gather:
#: a national picture's 2,000 units are then a few hundred markers, not 2,000.
CLUSTER_RADIUS_FAR_PX = 60
NEAR_ZOOM = 10


MARKER = Symbol(
    template=(
        '<svg width="{size}" height="{size}" viewBox="0 0 24 24" aria-hidden="true">'
        '<path d="{shape}" fill="{fill}" stroke="#fff" stroke-width="1.6"/>'
        '<text x="12" y="15.2" font-size="8.5" font-weight="700" text-anchor="middle" '
        'fill="#fff" font-family="sans-serif">{code}</text>'
        '<path d="' + HOUSE + '" fill="#fff" stroke="#1f2a33" stroke-width="1.1" '
        'stroke-linejoin="round" visibility="{house}"/></svg>'
    ),
    fields=("agency", "unit_kind", "status", "age", "parked"),
    parts={
        "agency": {str(a): {"shape": SHAPES[a]} for a in Agency},
        "unit_kind": {str(k): {"code": KIND_CODES[k]} for k in UnitKind},
        "status": {str(s): {"fill": STATUS_COLOURS[s]} for s in UnitStatus},
        "age": {"stale": {"fill": STALE_COLOUR}},  # over the status: its colour is old news
        "parked": {"yes": {"house": "visible"}},
    },
    fallback={"shape": SHAPES[Agency.CENTRE], "fill": "#555", "code": "?", "house": "hidden"},
)


#: The cluster marker: the count on a dark disc in a ring of status colours, each status
#: (and "stale") an arc as long as its share. live.js fills the same template.
CLUSTER_LOOKS: tuple[str, ...] = (*(str(s) for s in UnitStatus), "stale")
_RING_R = 11.0
_RING = 2 * math.pi * _RING_R
_GAP = _RING + 1  # after each arc: longer than the ring, so an arc is drawn once
CLUSTER_TEMPLATE = (
    '<svg width="{size}" height="{size}" viewBox="0 0 28 28" aria-hidden="true">'
    '<circle cx="14" cy="14" r="13" fill="#fff"/>'
    + "".join(
        f'<circle cx="14" cy="14" r="{_RING_R:g}" fill="none" stroke="{colour}" '
        f'stroke-width="4" stroke-dasharray="{{len_{look}}} {_GAP:.2f}" '
        f'stroke-dashoffset="{{at_{look}}}" transform="rotate(-90 14 14)"/>'
        for look, colour in zip(
            CLUSTER_LOOKS, [*(STATUS_COLOURS[s] for s in UnitStatus), STALE_COLOUR], strict=True
        )
    )
    + '<circle cx="14" cy="14" r="8.4" fill="#1f2a33"/>'
    '<text x="14" y="17.5" font-size="10" font-weight="700" text-anchor="middle" '
    'fill="#fff" font-family="sans-serif">{count}</text></svg>'
)


def cluster_symbol(counts: Mapping[str, int], size: int = 28) -> str:
    """The cluster marker for ``counts`` per look (a status, or "stale"), as live.js draws
    it (``clusterSymbol``): arcs in `CLUSTER_LOOKS` order from the top, clockwise. Numbers
    have two decimals, computed in the same order there, so both write the same bytes."""
    total = sum(counts.values())
    values: dict[str, object] = {"size": size, "count": total}
    start = 0.0
    for look in CLUSTER_LOOKS:
        length = _RING * counts.get(look, 0) / total if total else 0.0
        values[f"len_{look}"] = f"{length:.2f}"
        values[f"at_{look}"] = f"{length + _GAP - start:.2f}"  # the arc begins at ``start``
        start += length
    return fill(CLUSTER_TEMPLATE, values)


def symbol(
    agency: str, kind: str, status: str, size: int = 22, stale: bool = False,
    parked: bool = False,
) -> str:
    """The marker as SVG, as live.js draws it on the map (without the callsign beside it)."""
    return MARKER.draw(
        size, agency=agency, unit_kind=kind, status=status, age="stale" if stale else "fresh",
        parked="yes" if parked else "no",
    )


def spec(stale_after_s: int) -> dict[str, Any]:
    cluster = {"template": CLUSTER_TEMPLATE, "looks": list(CLUSTER_LOOKS), "ring": _RING,
               "gap": _GAP}
    return {**MARKER.spec(), "staleAfterS": stale_after_s, "cluster": cluster,
            "nearZoom": NEAR_ZOOM}


def add(page: MapPage, lang: Lang, stale_after_s: int) -> MarkerCluster:
    """An empty layer the script fills (units at one place cluster at every zoom, and
    a click on their count spreads them out); its legend rows."""
    layer = MarkerCluster(
        name=text("layer.units", lang),
        options={"showCoverageOnHover": False,
                 "maxClusterRadius": JsCode(f"function (zoom) {{ return zoom < {NEAR_ZOOM} ? "
                                            f"{CLUSTER_RADIUS_FAR_PX} : {CLUSTER_RADIUS_PX}; }}"),
                 "spiderfyOnMaxZoom": True, "spiderfyDistanceMultiplier": 1.6,
                 # no split/merge animation: a move during one would leave markers out
                 "animate": False},
    )
    layer.add_to(page.map)
    for agency in Agency:
        page.legend.add(LegendEntry(
            f"{text('layer.units', lang)}: {text(f'ui.agency.{agency}', lang)}",
            symbol(agency, UnitKind.OTHER, UnitStatus.AVAILABLE, 18),
        ))
    for status in UnitStatus:
        page.legend.add(
            LegendEntry(
                text(f"ui.ustatus.{status}", lang), symbol(Agency.SOS, UnitKind.OTHER, status, 18)
            )
        )
    page.legend.add(LegendEntry(
        text("legend.parked", lang),
        symbol(Agency.SOS, UnitKind.OTHER, UnitStatus.AVAILABLE, 18, parked=True),
        text("legend.parked.note", lang),
    ))
    page.legend.add(LegendEntry(
        text("legend.stale", lang),
        symbol(Agency.SOS, UnitKind.OTHER, UnitStatus.EN_ROUTE, 18, stale=True),
        text("legend.stale.note", lang, minutes=stale_after_s // 60),
    ))
    page.legend.add(LegendEntry(
        text("legend.unit_cluster", lang),
        cluster_symbol({UnitStatus.AVAILABLE: 2, UnitStatus.ON_SCENE: 1}, 18),
        text("legend.unit_cluster.note", lang),
    ))
    return layer
