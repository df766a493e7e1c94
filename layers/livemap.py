"""The operator's live map: the base map, empty live layers, and the script that fills them.

The page HTML holds only what does not change during a shift (outlines, roads, towns,
legend, symbol definitions, words). Incidents, units, blockages and risk zones come
from the API as the viewer may see them and then from the event stream, so the page
stays small at 5,000 incidents and every operator's map shows the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from branca.element import Element, MacroElement
from jinja2 import Template

from georisk.resources.suggest import SUITABLE
from georisk.texts import Lang, templates, text
from layers import blockages, coverage, firerisk, incidents, units
from layers.basemap import Tiles, build_basemap
from layers.page import MapPage

SCREEN_JS = ("georisk_screen", "asset:georisk/screen.js")
CLUSTERS_JS = ("georisk_clusters", "asset:georisk/clusters.js")
LIVE_JS = ("georisk_live", "asset:georisk/live.js")
RESOURCES_JS = ("georisk_resources", "asset:georisk/resources.js")
LIVE_CSS = ("georisk_live_css", "asset:georisk/live.css")


@dataclass(frozen=True)
class LiveOptions:
    """What the service tells the page: where to read and write, and the viewer."""

    picture_url: str = "/api/v1/picture"
    stream_url: str = "/api/stream"
    api_url: str = "/api/v1"
    stale_after_s: int = units.DEFAULT_STALE_AFTER_S
    viewer: dict[str, str] = field(default_factory=dict)  # name, agency, role
    counties: list[dict[str, str]] = field(default_factory=list)  # code, name
    municipalities: dict[str, str] = field(default_factory=dict)  # code -> name
    other_lang_url: str = "?lang=en"


class LiveScript(MacroElement):
    """Hands the empty layers and the configuration to live.js once the map exists."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoriskLive.start({{ this._parent.get_name() }}, {
            incidents: {{ this.layers.incidents.get_name() }},
            units: {{ this.layers.units.get_name() }},
            blockages: {{ this.layers.blockages.get_name() }},
            riskzones: {{ this.layers.riskzones.get_name() }},
            coverage: {{ this.layers.coverage.get_name() }}
        }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: Any, config: dict[str, Any]):
        super().__init__()
        self._name = "LiveScript"
        self.layers = layers
        self.config = config


@dataclass
class _Layers:
    incidents: Any
    units: Any
    blockages: Any
    riskzones: Any
    coverage: Any


def build_livemap(lang: Lang, options: LiveOptions, tiles: Tiles | None = None) -> MapPage:
    """The whole live page; `MapPage.render("served")` gives its HTML."""
    page = build_basemap(lang, tiles)
    fmap = page.map
    fmap.default_js = [*fmap.default_js, SCREEN_JS, CLUSTERS_JS, LIVE_JS, RESOURCES_JS]
    fmap.default_css = [*fmap.default_css, LIVE_CSS]
    layers = _Layers(
        coverage=coverage.add(page, lang, text("layer.coverage", lang), show=False),
        riskzones=firerisk.add(page, lang, text("layer.riskzones", lang)),
        blockages=blockages.add(page, lang),
        incidents=incidents.add(page, lang),
        units=units.add(page, lang, options.stale_after_s),
    )
    coverage.add_routes_legend(page, lang)
    west, south, east, north = page.bounds
    config = {
        "lang": lang,
        "texts": templates("ui.", lang),
        "bounds": [[south, west], [north, east]],  # the operating area, framed at start
        "layerNames": {
            "incidents": text("layer.incidents", lang),
            "units": text("layer.units", lang),
            "blockages": text("layer.blockages", lang),
            "riskzones": text("layer.riskzones", lang),
            "coverage": text("layer.coverage", lang),
        },
        # the unit kinds suggested for each incident type (as the risk brief chooses them)
        "suitable": {str(kind): sorted(map(str, found)) for kind, found in SUITABLE.items()},
        "urls": {
            "picture": options.picture_url,
            "stream": options.stream_url,
            "api": options.api_url,
            "otherLang": options.other_lang_url,
        },
        "viewer": options.viewer,
        "counties": options.counties,
        "municipalities": options.municipalities,
        "symbols": {
            "incidents": incidents.spec(),
            "units": units.spec(options.stale_after_s),
            "blockages": blockages.spec(),
            "riskzones": firerisk.spec(),
            "coverage": coverage.spec(),
        },
    }
    fmap.add_child(LiveScript(layers, config))
    fmap.get_root().html.add_child(Element('<div id="georisk-panel" aria-label="panel"></div>'))
    fmap.get_root().header.add_child(
        Element(f"<title>georisk – {text('ui.p.title', lang)}</title>")
    )
    return page
