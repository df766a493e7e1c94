"""One legend per map, listing every layer's symbol, in plain HTML/CSS of our own.

branca's colour legends load d3 from a CDN and draw only colour ramps; an operator
needs to read "what is this dashed line" at a glance, in Swedish, offline. Each
layer module adds its entry with the same symbol it draws, so the legend and the
map cannot disagree.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from branca.element import MacroElement
from jinja2 import Template


@dataclass(frozen=True)
class LegendEntry:
    """One row: an inline-SVG symbol, the layer's name, and an optional caveat."""

    label: str
    symbol: str
    note: str | None = None
    #: Shown only while a page script says this layer is on (``gr-on``): a layer that
    #: starts off keeps its rows out of the way until it is turned on.
    layer: str | None = None


def line_symbol(color: str, weight: float = 2, dash: str | None = None) -> str:
    """A short line drawn as the layer draws it (same colour, weight and dash)."""
    dash_attr = f' stroke-dasharray="{html.escape(dash)}"' if dash else ""
    return (
        f'<svg width="28" height="14" aria-hidden="true"><line x1="2" y1="7" x2="26" y2="7" '
        f'stroke="{html.escape(color)}" stroke-width="{weight}"{dash_attr} '
        f'stroke-linecap="round"/></svg>'
    )


def area_symbol(stroke: str, fill: str, weight: float = 1, fill_opacity: float = 1) -> str:
    """A small square with the layer's outline and fill."""
    return (
        f'<svg width="28" height="14" aria-hidden="true"><rect x="3" y="1.5" width="22" '
        f'height="11" fill="{html.escape(fill)}" fill-opacity="{fill_opacity}" '
        f'stroke="{html.escape(stroke)}" stroke-width="{weight}"/></svg>'
    )


def point_symbol(fill: str, stroke: str = "#ffffff", radius: float = 4) -> str:
    """A dot, as a circle marker is drawn."""
    return (
        f'<svg width="28" height="14" aria-hidden="true"><circle cx="14" cy="7" r="{radius}" '
        f'fill="{html.escape(fill)}" stroke="{html.escape(stroke)}" stroke-width="1.2"/></svg>'
    )


@dataclass
class Legend:
    """The legend's content; `element()` makes the folium element that draws it."""

    title: str
    entries: list[LegendEntry] = field(default_factory=list)

    def add(self, entry: LegendEntry) -> None:
        self.entries.append(entry)

    def html(self) -> str:
        rows = []
        for entry in self.entries:
            note = f'<span class="note">{html.escape(entry.note)}</span>' if entry.note else ""
            layer = f' data-layer="{html.escape(entry.layer)}"' if entry.layer else ""
            rows.append(
                f"<li{layer}>{entry.symbol}<span>{html.escape(entry.label)}{note}</span></li>"
            )
        # the title is the button that folds the list away (LegendControl's script)
        return (
            f'<h2><button type="button" class="georisk-legend-toggle" aria-expanded="true">'
            f"{html.escape(self.title)}</button></h2><ul>{''.join(rows)}</ul>"
        )

    def element(self, position: str = "bottomleft") -> LegendControl:
        return LegendControl(self, position)


class LegendControl(MacroElement):
    """A Leaflet control holding the legend; its HTML is built at render time, so
    entries added after the control was attached still appear. Its title folds the list
    away and back: on a small screen the legend would cover what it explains."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "georisk-legend");
            div.innerHTML = {{ this.legend.html()|tojson }};
            var toggle = div.querySelector(".georisk-legend-toggle");
            toggle.addEventListener("click", function () {
                var folded = div.classList.toggle("gr-collapsed");
                toggle.setAttribute("aria-expanded", folded ? "false" : "true");
            });
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend: Legend, position: str = "bottomleft"):
        super().__init__()
        self._name = "Legend"
        self.legend = legend
        self.position = position
