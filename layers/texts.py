"""Words shown on the maps, Swedish first, English on request.

Operators read Swedish; visiting staff and foreign liaison officers may need English.
One catalogue keeps the layer control, the legend and the tooltips saying the same
thing, so a layer can never be called one thing in the control and another in the legend.
"""

from __future__ import annotations

from typing import Literal

from georisk.roads.schematic import SCHEMATIC_LABEL, SCHEMATIC_LABEL_EN

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
DEFAULT_LANG: Lang = "sv"

_CATALOGUE: dict[str, tuple[str, str]] = {
    "layer.counties": ("Län", "Counties"),
    "layer.municipalities": ("Kommuner", "Municipalities"),
    "layer.roads.schematic": (SCHEMATIC_LABEL, SCHEMATIC_LABEL_EN),
    "layer.roads.imported": ("Vägnät", "Road network"),
    "layer.places": ("Orter", "Towns"),
    "layer.tiles": ("Bakgrundskarta", "Background map"),
    "field.county": ("Län", "County"),
    "field.municipality": ("Kommun", "Municipality"),
    "field.road": ("Väg", "Road"),
    "field.via": ("Via", "Via"),
    "field.place": ("Ort", "Town"),
    "field.population": ("Invånare", "Population"),
    "legend.title": ("Teckenförklaring", "Legend"),
    "legend.outside": ("Utanför operationsområdet", "Outside the operating area"),
    "caveat.schematic": (
        "Raka linjer mellan orter, inte verkliga vägsträckningar.",
        "Straight lines between towns, not the real road alignment.",
    ),
    "attribution.boundaries": ("Gränser: SCB (CC0)", "Boundaries: SCB (CC0)"),
    "attribution.geonames": ("Orter: © GeoNames, CC BY 4.0", "Places: © GeoNames, CC BY 4.0"),
    "attribution.roads.imported": ("Vägnät: {source}", "Road network: {source}"),
    "language": ("sv", "en"),
}


def text(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The text for ``key`` in ``lang``; KeyError for an unknown key, ValueError for a language."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    sv, en = _CATALOGUE[key]
    chosen = sv if lang == "sv" else en
    return chosen.format(**values) if values else chosen


#: GeoNames main names are English exonyms for a few places; operators say these.
_SWEDISH_PLACE_NAMES = {"Gothenburg": "Göteborg"}


def place_name(name: str, lang: Lang = DEFAULT_LANG) -> str:
    """A GeoNames place name as it is said in ``lang``."""
    return _SWEDISH_PLACE_NAMES.get(name, name) if lang == "sv" else name


def keys() -> tuple[str, ...]:
    return tuple(_CATALOGUE)
