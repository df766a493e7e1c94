"""The base map of the operating area: what every live and briefing map is drawn on.

A control room may have no tile server, so the map must make sense without one:
county and municipality outlines, the road network and the main towns are drawn
as vectors from packaged data. Tiles are an optional setting on top. The road
layer says "schematic" wherever it appears when that is what it is: operators
must never route a unit along a straight line between two towns believing it a road.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import folium
import geopandas as gpd
from folium.utilities import JsCode

from georisk.area.boundaries import counties, municipalities
from georisk.area.places import load_places, place_name
from georisk.crs import METRIC
from georisk.roads.source import LoadedRoads, load_roads
from georisk.texts import DEFAULT_LANG, Lang, text
from layers.legend import LegendEntry, area_symbol, line_symbol, point_symbol
from layers.page import MapPage, new_page

MAX_ZOOM = 18  # also in the map options: MarkerCluster needs it when there are no tiles
MIN_ZOOM = 5
#: Zoom in quarter steps: an area framed to the screen fills it, where whole steps could
#: leave it at a quarter of the screen. The buttons still zoom by one step.
ZOOM_SNAP = 0.25
COORD_DECIMALS = 5  # about a metre: finer digits only grow the page

#: Calm, print-friendly colours; the live layers (incidents, risk) own the strong ones.
STYLE = {
    "outside": {
        "className": "georisk-outside",
        "color": "#c3ccd3", "weight": 0.8, "fillColor": "#eef1f3", "fillOpacity": 1,
    },
    "county": {
        "className": "georisk-county",
        "color": "#4a5662", "weight": 2.2, "fillColor": "#fbfaf6", "fillOpacity": 1,
    },
    "municipality": {
        "className": "georisk-municipality",
        "color": "#98a3ad", "weight": 0.9, "fillColor": "#2b6cb0", "fillOpacity": 0,
    },
    "municipality_hover": {"color": "#2b6cb0", "weight": 2, "fillOpacity": 0.08},
    "road_schematic": {
        "className": "georisk-road",
        "color": "#9c5a2c", "weight": 2, "dashArray": "7 5", "opacity": 0.9,
    },
    "road_imported": {
        "className": "georisk-road", "color": "#9c5a2c", "weight": 1.6, "opacity": 0.9,
    },
    "road_hover": {"weight": 4},
    "place": {
        "className": "georisk-town", "radius": 4,
        "color": "#ffffff", "weight": 1.5, "fillColor": "#27313a", "fillOpacity": 1,
    },
}
#: Each town's name is a marker of its own, in a pane above the live markers, that comes
#: and goes with the town's dot. Not a permanent tooltip: Leaflet measures a tooltip's box
#: each time it places one, a layout of the whole page per town at every zoom (44 ms of a
#: county redraw at 100,000 incidents; a marker is placed without reading any box).
_TOWN_LABEL = """
function (feature, layer) {
    var name = document.createElement("span");
    name.textContent = feature.properties.name;
    var label = L.marker(layer.getLatLng(), {
        icon: L.divIcon({className: "georisk-place", html: name, iconSize: null}),
        pane: "georiskPlaces", interactive: false, keyboard: false});
    layer.on("add", function () {
        var map = layer._map;
        if (!map.getPane("georiskPlaces")) {
            map.createPane("georiskPlaces").style.zIndex = 650;  // as tooltips: over markers
        }
        label.addTo(map);
    });
    layer.on("remove", function () { label.remove(); });
}
"""
PLACE_MIN_POPULATION = 8_000  # towns labelled on the base map: enough to orient...
PLACE_SPACING_M = 25_000  # ...but no label within this distance of a larger town's


@dataclass(frozen=True)
class Tiles:
    """An optional background tile server: URL template, attribution, its zoom limit;
    for a tile set of its own (`layers.mbtiles`), the zoom levels it holds (Leaflet
    stretches the nearest beyond them) and where it has tiles (W, S, E, N)."""

    url: str
    attribution: str
    max_zoom: int = MAX_ZOOM
    min_native_zoom: int | None = None
    max_native_zoom: int | None = None
    bounds: tuple[float, float, float, float] | None = None


def tiles_from_env() -> Tiles | None:
    """``GEORISK_TILES`` (URL template) and ``GEORISK_TILES_ATTRIBUTION``; None when unset.

    The attribution is required: a tile provider's terms nearly always demand it.
    """
    url = os.environ.get("GEORISK_TILES", "").strip()
    if not url:
        return None
    attribution = os.environ.get("GEORISK_TILES_ATTRIBUTION", "").strip()
    if not attribution:
        raise ValueError("GEORISK_TILES is set but GEORISK_TILES_ATTRIBUTION is empty")
    return Tiles(url, attribution)


def _geojson(gdf: gpd.GeoDataFrame, columns: list[str]) -> dict:
    """Only the columns the map shows, coordinates rounded: smaller, stable output."""
    frame = gdf[[*columns, "geometry"]].copy()
    frame["geometry"] = frame.geometry.set_precision(10**-COORD_DECIMALS)
    return frame.__geo_interface__


def _static(style: dict) -> object:
    return lambda _feature: style


def build_basemap(
    lang: Lang = DEFAULT_LANG,
    tiles: Tiles | None = None,
    roads: LoadedRoads | None = None,
    places: bool = True,
    tiles_shown: bool = True,
) -> MapPage:
    """The operating area's base map as a `MapPage`, ready for more layers.

    ``roads`` defaults to `load_roads()` (an imported network if the data folder has
    one, else the schematic one). ``tiles`` defaults to none: the map is complete
    without them; given, they are a layer the reader can switch, on at first unless
    ``tiles_shown`` is false (a briefing file must not reach out until asked to).
    """
    area_counties = counties()
    west, south, east, north = area_counties.total_bounds
    page = new_page(
        text("legend.title", lang),
        lang,
        location=[round((south + north) / 2, 4), round((west + east) / 2, 4)],
        zoom_start=7,
        tiles=None,
        control_scale=False,  # MapChrome adds a metric-only one
        prefer_canvas=False,
        maxZoom=tiles.max_zoom if tiles else MAX_ZOOM,
        minZoom=MIN_ZOOM,
        zoomSnap=ZOOM_SNAP,
    )
    fmap = page.map
    page.bounds = tuple(round(float(v), 5) for v in (west, south, east, north))  # type: ignore[assignment]
    if tiles is not None:
        extent = {}
        if tiles.min_native_zoom is not None:
            extent["minNativeZoom"] = tiles.min_native_zoom
        if tiles.bounds is not None:
            west, south, east, north = tiles.bounds
            extent["bounds"] = [[south, west], [north, east]]
        folium.TileLayer(
            tiles=tiles.url, attr=tiles.attribution, name=text("layer.tiles", lang),
            max_zoom=tiles.max_zoom, max_native_zoom=tiles.max_native_zoom, overlay=True,
            control=True, show=tiles_shown, **extent,
        ).add_to(fmap)
        if "://" in tiles.url:  # a server elsewhere; this service's own tiles are no such URL
            page.allowed_urls = (tiles.url,)

    _add_context(page, lang)
    _add_counties(page, area_counties, lang)
    _add_municipalities(page, lang)
    _add_roads(page, roads if roads is not None else load_roads(), lang)
    if places:
        _add_places(page, lang)
    page.attribute(text("attribution.boundaries", lang))
    page.layer_control = folium.LayerControl(collapsed=False, position="topright")
    page.layer_control.add_to(fmap)
    fmap.fit_bounds([[float(south), float(west)], [float(north), float(east)]])
    return page


def _add_context(page: MapPage, lang: Lang) -> None:
    others = counties("sweden")
    others = others[~others["in_area"]]
    folium.GeoJson(
        _geojson(others, ["name"]),
        name=text("legend.outside", lang),
        style_function=_static(STYLE["outside"]),
        interactive=False,
        control=False,
    ).add_to(page.map)
    s = STYLE["outside"]
    page.legend.add(LegendEntry(
        text("legend.outside", lang), area_symbol(s["color"], s["fillColor"], s["weight"])
    ))


def _add_counties(page: MapPage, gdf: gpd.GeoDataFrame, lang: Lang) -> None:
    label = text("layer.counties", lang)
    folium.GeoJson(
        _geojson(gdf, ["code", "name"]),
        name=label,
        style_function=_static(STYLE["county"]),
        tooltip=folium.GeoJsonTooltip(
            fields=["name"], aliases=[text("field.county", lang)], class_name="georisk-tip"
        ),
    ).add_to(page.map)
    s = STYLE["county"]
    page.legend.add(LegendEntry(label, area_symbol(s["color"], s["fillColor"], s["weight"])))


def _add_municipalities(page: MapPage, lang: Lang) -> None:
    label = text("layer.municipalities", lang)
    folium.GeoJson(
        _geojson(municipalities(), ["code", "name", "county_name"]),
        name=label,
        style_function=_static(STYLE["municipality"]),
        highlight_function=_static(STYLE["municipality_hover"]),
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "county_name"],
            aliases=[text("field.municipality", lang), text("field.county", lang)],
            class_name="georisk-tip",
        ),
    ).add_to(page.map)
    s = STYLE["municipality"]
    page.legend.add(LegendEntry(label, line_symbol(s["color"], s["weight"])))


def _add_roads(page: MapPage, loaded: LoadedRoads, lang: Lang) -> None:
    if loaded.schematic:
        label, style = text("layer.roads.schematic", lang), STYLE["road_schematic"]
        note = text("caveat.schematic", lang)
        page.attribute(text("attribution.geonames", lang))  # its vertices are GeoNames towns
    else:
        label, style, note = text("layer.roads.imported", lang), STYLE["road_imported"], None
    columns = ["ref", "towns"] if "towns" in loaded.roads.columns else ["ref"]
    fields, aliases = ["ref"], [text("field.road", lang)]
    if "towns" in columns:
        fields.append("towns")
        aliases.append(text("field.via", lang))
    folium.GeoJson(
        _geojson(loaded.roads, columns),
        name=label,
        style_function=_static(style),
        highlight_function=_static(STYLE["road_hover"]),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, class_name="georisk-tip"),
    ).add_to(page.map)
    page.legend.add(LegendEntry(
        label, line_symbol(style["color"], style["weight"], style.get("dashArray")), note
    ))


def labelled_towns(
    min_population: int = PLACE_MIN_POPULATION, spacing_m: float = PLACE_SPACING_M
) -> gpd.GeoDataFrame:
    """The largest towns, each at least ``spacing_m`` from every larger one kept.

    Without the spacing, Gothenburg's districts (Majorna, Björlanda...) pile up
    into an unreadable knot while northern Dalarna gets no name at all.
    """
    towns = load_places(min_population).sort_values(
        ["population", "geonameid"], ascending=[False, True]
    )
    metric = towns.to_crs(METRIC).geometry
    kept: list[int] = []
    for index, point in metric.items():
        if all(point.distance(metric[other]) >= spacing_m for other in kept):
            kept.append(index)
    return towns.loc[kept]


def _add_places(page: MapPage, lang: Lang) -> None:
    towns = labelled_towns()
    towns["name"] = [place_name(name, lang) for name in towns["name"]]
    label = text("layer.places", lang)
    s = STYLE["place"]
    folium.GeoJson(
        _geojson(towns, ["name"]),
        name=label,
        marker=folium.CircleMarker(radius=s["radius"]),
        style_function=_static({k: v for k, v in s.items() if k != "radius"}),
        # One label per town: a tooltip bound to the whole layer would open only once.
        on_each_feature=JsCode(_TOWN_LABEL),
    ).add_to(page.map)
    page.legend.add(LegendEntry(label, point_symbol(s["fillColor"], s["color"])))
    page.attribute(text("attribution.geonames", lang))
