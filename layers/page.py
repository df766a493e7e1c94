"""A map page: a folium map with our assets and legend, rendered deterministically.

folium names every element with random hex ids, so the same map renders different
HTML each time. Briefing files are compared, hashed and archived, so we renumber
those ids in order of appearance: the same map gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import folium
from branca.element import MacroElement
from jinja2 import Template

from georisk.texts import DEFAULT_LANG, Lang
from layers.legend import Legend
from layers.offline import Mode, localize

#: branca/folium element ids: 32 lowercase hex digits, not part of a longer hex run.
_RANDOM_ID = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])")

#: What our pages load instead of folium's defaults (jQuery, Bootstrap, Font Awesome,
#: awesome-markers): Leaflet and our own stylesheet. Symbols are our own SVG.
PAGE_JS = (("leaflet", "asset:leaflet/leaflet.js"),)
PAGE_CSS = (("leaflet_css", "asset:leaflet/leaflet.css"), ("georisk_css", "asset:georisk/map.css"))


def stable_ids(html: str) -> str:
    """Replace folium's random element ids by a counter, in order of first appearance."""
    numbers: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), str(len(numbers) + 1))

    return _RANDOM_ID.sub(number, html)


class MapChrome(MacroElement):
    """Scale bar (metric), attributions as plain text and our CSS hook on the map.

    Leaflet's default attribution prefix is a link to its web site: a click on it in
    a control room would try the internet, so the prefix is plain text.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.DomUtil.addClass({{ this._parent.get_name() }}.getContainer(), "georisk-map");
        L.control.scale({metric: true, imperial: false, maxWidth: 160})
            .addTo({{ this._parent.get_name() }});
        {{ this._parent.get_name() }}.attributionControl.setPrefix("Leaflet");
        {%- for text in this.attributions %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ text|tojson }});
        {%- endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, attributions: list[str]):
        super().__init__()
        self._name = "MapChrome"
        self.attributions = attributions


@dataclass
class MapPage:
    """A folium map plus what rendering it offline needs.

    Layer modules add to ``map`` and to ``legend``; ``attributions`` collects the
    data credits; ``layer_control`` lists every layer, whenever it was added;
    ``allowed_urls`` holds deliberate external URLs (a configured tile server),
    which the offline check would otherwise refuse.
    """

    map: folium.Map
    legend: Legend
    lang: Lang = DEFAULT_LANG
    attributions: list[str] = field(default_factory=list)
    allowed_urls: tuple[str, ...] = ()
    layer_control: folium.LayerControl | None = None
    bounds: tuple[float, float, float, float] | None = None  # the area shown: W, S, E, N

    def attribute(self, text: str) -> None:
        if text not in self.attributions:
            self.attributions.append(text)

    def render(self, mode: Mode = "served", prefix: str = "/assets") -> str:
        """The whole HTML page: assets served under ``prefix`` or inlined into one file.

        The layer control is moved behind every layer first: its script names the
        layers, and one added after it would be an undefined variable there, which
        breaks the control and every layer after it.
        """
        if self.layer_control is not None:
            self.map._children.move_to_end(self.layer_control.get_name())
        html = self.map.get_root().render().replace("<html>", f'<html lang="{self.lang}">', 1)
        return localize(stable_ids(html), mode, prefix, self.allowed_urls)

    def save(self, path: str | Path, mode: Mode = "inline", prefix: str = "/assets") -> Path:
        """Write the page (self-contained by default, for briefings) and return its path."""
        target = Path(path)
        target.write_text(self.render(mode, prefix), encoding="utf-8")
        return target


def new_page(legend_title: str, lang: Lang = DEFAULT_LANG, **options: object) -> MapPage:
    """An empty map page loading only our asset set, with its legend and chrome attached.

    The asset lists are set on the instance, fresh: folium's class-level lists are
    shared by every map in the process, and its ``add_js_link`` mutates them in place.
    Legend and attributions are read at render time, so layers added later appear.
    """
    fmap = folium.Map(**options)
    fmap.default_js = list(PAGE_JS)
    fmap.default_css = list(PAGE_CSS)
    page = MapPage(fmap, Legend(legend_title), lang)
    fmap.add_child(MapChrome(page.attributions))
    fmap.add_child(page.legend.element())
    return page
