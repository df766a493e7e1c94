"""The briefing map: one self-contained HTML file of the picture for a room or a ministry.

It is the live map's base map, layers and symbols (drawn by the same functions of
``live.js``, fed embedded records instead of the API), plus what a hand-over needs: a
header saying what, when and by whom, a classification banner at top and bottom, a
summary panel, and print styles. It must open from a USB stick with no network, so
every asset is inlined and any external URL is refused (`layers.offline`). It is
archived and diffed, so the same input gives the same bytes: ids are counters, records
and JSON keys are sorted, and the export time is an input, never read from a clock.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from branca.element import Element, MacroElement
from jinja2 import Template

from georisk.model import Classification
from georisk.texts import Lang, templates, text
from layers import blockages, briefing_data, coverage, firerisk, incidents, units
from layers.basemap import Tiles, build_basemap
from layers.briefing_data import KINDS, Banner, stamp

BRIEFING_JS = ("georisk_briefing", "asset:georisk/briefing.js")
BRIEFING_CSS = ("georisk_briefing_css", "asset:georisk/briefing.css")
LIVE_JS = ("georisk_live", "asset:georisk/live.js")
SCREEN_JS = ("georisk_screen", "asset:georisk/screen.js")
CLUSTERS_JS = ("georisk_clusters", "asset:georisk/clusters.js")
LIVE_CSS = ("georisk_live_css", "asset:georisk/live.css")
_DATA = "\x00georisk-briefing-data\x00"
_CHROME = "\x00georisk-briefing-chrome\x00"


@dataclass(frozen=True)
class State:
    """The picture at one instant: indices into the file's table of record versions, and
    the incidents counted per square beyond those kept whole (`briefing_data.aggregate`)."""

    time: datetime
    items: dict[str, list[int]]
    summary: dict[str, Any]
    cells: list[list] = field(default_factory=list)


@dataclass(frozen=True)
class Briefing:
    title: str
    lang: Lang
    exported_by: str
    exported_at: datetime
    area: str
    bounds: tuple[float, float, float, float]  # west, south, east, north
    layers: tuple[str, ...]
    versions: list[dict[str, Any]]
    states: list[State]
    banner: Banner
    municipalities: dict[str, str] = field(default_factory=dict)
    stale_after_s: int = units.DEFAULT_STALE_AFTER_S
    tiles: Tiles | None = None
    #: The coverage layer (a `GET /coverage` answer, cut to the area), when asked for.
    coverage: dict[str, Any] | None = None


class BriefingScript(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoriskBriefing.start({{ this._parent.get_name() }}, {
        {%- for name, layer in this.layers %}
            {{ name }}: {{ layer.get_name() }}{{ "," if not loop.last }}
        {%- endfor %}
        }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: list[tuple[str, Any]], config: dict[str, Any]):
        super().__init__()
        self._name = "BriefingScript"
        self.layers = layers
        self.config = config


def banner_text(banner: Banner, lang: Lang) -> tuple[str, str]:
    """The banner's words and its CSS class."""
    if banner.level == Classification.RESTRICTED:
        words = text("brief.banner.restricted", lang, agency=_agency(banner.agency, lang))
    elif banner.level == Classification.AGENCY:
        words = text("brief.banner.agency", lang, agency=_agency(banner.agency, lang).upper())
    else:
        words = text("brief.banner.open", lang)
    if banner.generalised:
        words += " · " + text("brief.banner.generalised", lang, n=banner.generalised)
    return words, f"gr-banner-{banner.level.value}"


def _agency(agency: str, lang: Lang) -> str:
    return text(f"ui.agency.{agency}", lang)


def _chrome(b: Briefing) -> str:
    """Header, banners, summary slot and (for a time window) the slider, as HTML."""
    words, css = banner_text(b.banner, b.lang)
    banner = f'<div class="gr-banner {css}" role="note">{html.escape(words)}</div>'
    times = [stamp(s.time) for s in b.states]
    when = times[0] if len(times) == 1 else f"{times[0]} – {times[-1]}"
    slider = ""
    if len(b.states) > 1:
        slider = (
            '<div class="gr-slider"><label for="gr-time">'
            f"{html.escape(text('brief.slider', b.lang))}</label>"
            f'<input type="range" id="gr-time" min="0" max="{len(b.states) - 1}" step="1" '
            f'value="{len(b.states) - 1}"/><output id="gr-time-label">{times[-1]}</output></div>'
        )
    facts = [
        (text("brief.picture_time", b.lang), f'<span id="gr-picture-time">{when}</span> '
         f'<span class="gr-tz">({html.escape(text("brief.tz", b.lang))})</span>'),
        (text("brief.area", b.lang), html.escape(b.area)),
        (text("brief.exported_by", b.lang), html.escape(b.exported_by)),
        (text("brief.exported_at", b.lang), stamp(b.exported_at)),
    ]
    rows = "".join(f"<div><dt>{html.escape(k)}</dt><dd>{v}</dd></div>" for k, v in facts)
    return (
        f'<header id="gr-brief-head" class="gr-brief-head">{banner}'
        f'<div class="gr-head-body"><h1 id="gr-title">{html.escape(b.title)}</h1>'
        f'<dl class="gr-facts">{rows}</dl>{slider}</div></header>'
        f'<aside id="gr-summary" class="gr-summary" aria-label="'
        f'{html.escape(text("brief.summary", b.lang))}"></aside>'
        f'<footer class="gr-brief-foot">{banner}</footer>'
    )


def data_json(b: Briefing) -> str:
    """The embedded data, compact, with sorted keys, safe inside a ``<script>`` element."""
    data = {
        "coverage": b.coverage,
        "versions": b.versions,
        "states": [{"time": s.time.isoformat(), "label": stamp(s.time), "items": s.items,
                    "cells": s.cells, "summary": s.summary} for s in b.states],
        "aggregated": {"detail": briefing_data.DETAIL_LIMIT,
                       "cell_km": briefing_data.CELL_M // 1000},
    }
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # "</" would end the script element; "\u2028" is harmless in JSON but keep it ASCII-safe
    return raw.replace("</", "<\\/").replace("<!--", "<\\!--")


def _gap_minutes(answer: dict[str, Any]) -> int:
    gaps = [f["properties"]["minutes"] for f in answer["features"]
            if f["properties"]["layer"] == "gap"]
    return int(gaps[0]) if gaps else int(max(answer["minutes"]))


def render(b: Briefing) -> str:
    """The whole self-contained HTML file."""
    lang = b.lang
    page = build_basemap(lang, b.tiles, tiles_shown=False)  # a choice, off until chosen
    fmap = page.map
    fmap.default_js = [*fmap.default_js, SCREEN_JS, CLUSTERS_JS, LIVE_JS, BRIEFING_JS]
    fmap.default_css = [*fmap.default_css, LIVE_CSS, BRIEFING_CSS]
    added: list[tuple[str, Any]] = []
    if b.coverage is not None:  # under the records, over nothing but the base map
        kind = text(f"ui.kind.{b.coverage['kind']}", lang)
        added.append(("coverage", coverage.add(
            page, lang, text("layer.coverage_of", lang, kind=kind),
            minutes=tuple(b.coverage["minutes"]), gap_minutes=_gap_minutes(b.coverage))))
    if "riskzones" in b.layers:
        added.append(("riskzones", firerisk.add(page, lang, text("layer.riskzones", lang))))
    if "blockages" in b.layers:
        added.append(("blockages", blockages.add(page, lang)))
    if "incidents" in b.layers:
        added.append(("incidents", incidents.add(page, lang)))
    if "units" in b.layers:
        added.append(("units", units.add(page, lang, b.stale_after_s)))
    config = {
        "lang": lang,
        "texts": {**templates("ui.", lang), **templates("brief.", lang)},
        "layers": [name for name in KINDS if name in b.layers],
        "bounds": [[b.bounds[1], b.bounds[0]], [b.bounds[3], b.bounds[2]]],
        "municipalities": b.municipalities,
        "symbols": {
            "incidents": incidents.spec(),
            "units": units.spec(b.stale_after_s),
            "blockages": blockages.spec(),
            "riskzones": firerisk.spec(),
            "coverage": coverage.spec(),
        },
    }
    fmap.add_child(BriefingScript(added, config))
    root = fmap.get_root()
    root.header.add_child(Element(f"<title>{_CHROME}</title>"))
    root.html.add_child(Element(_CHROME))
    root.html.add_child(Element(f'<script type="application/json" id="gr-data">{_DATA}</script>'))
    out = page.render("inline")
    title = f"{html.escape(b.title)} – {stamp(b.states[-1].time)}"
    out = out.replace(f"<title>{_CHROME}</title>", f"<title>{title}</title>", 1)
    out = out.replace(_CHROME, _chrome(b), 1)
    return out.replace(_DATA, data_json(b), 1)
