"""The base map: offline, deterministic, labelled, and right in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import numpy as np
import pytest
from folium.plugins import MarkerCluster

from georisk.roads.schematic import SCHEMATIC_LABEL
from georisk.texts import text
from layers import assets
from layers.basemap import Tiles, build_basemap, labelled_towns, tiles_from_env
from layers.offline import external_urls
from layers.page import MapPage
from tests import browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
INERT = {url for asset in assets.all_assets() for url in asset.inert_urls}
CLUSTER_POINTS = 2000


@pytest.fixture(scope="module")
def served_html() -> str:
    return build_basemap().render("served")


@pytest.fixture(scope="module")
def inline_html() -> str:
    return build_basemap().render("inline")


def test_same_map_renders_identical_bytes() -> None:
    for mode in ("served", "inline"):
        assert build_basemap().render(mode) == build_basemap().render(mode)


def test_no_random_ids_left(served_html: str) -> None:
    assert re.search(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", served_html) is None
    assert 'id="map_1"' in served_html


def test_served_page_names_no_external_url(served_html: str) -> None:
    assert external_urls(served_html) == []
    assert served_html.count('src="/assets/') == 1  # Leaflet only: no jQuery, no Bootstrap
    for gone in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "/d3"):
        assert gone not in served_html.lower()


def test_inline_page_is_self_contained(inline_html: str) -> None:
    assert set(external_urls(inline_html)) <= INERT
    assert "<script src" not in inline_html and "<link" not in inline_html
    assert "asset:" not in inline_html


def test_folium_class_lists_are_left_alone() -> None:
    js_before, css_before = list(folium.Map.default_js), list(folium.Map.default_css)
    build_basemap()
    assert folium.Map.default_js == js_before and folium.Map.default_css == css_before
    assert "jquery" in folium.Map(tiles=None).get_root().render()


def _layer_names(html: str) -> list[str]:
    found = re.findall(r'^\s*("[^"]+") : geo_json_\d+,$', html, re.MULTILINE)
    return [json.loads(name) for name in found]


def test_swedish_labels_by_default_and_schematic_everywhere(served_html: str) -> None:
    assert '<html lang="sv">' in served_html
    names = _layer_names(served_html)
    assert names == ["Län", "Kommuner", SCHEMATIC_LABEL, "Orter"]
    legend = json.loads(re.search(r"div\.innerHTML = (\".*\");", served_html).group(1))
    assert "Teckenförklaring" in legend
    assert SCHEMATIC_LABEL in legend and text("caveat.schematic", "sv") in legend
    assert "SCB" in served_html and "GeoNames, CC BY 4.0" in served_html


def test_towns_spread_out_with_swedish_names() -> None:
    towns = labelled_towns()
    assert {"Örebro", "Karlstad", "Mora", "Västerås", "Ludvika"} <= set(towns["name"])
    assert "Majorna" not in set(towns["name"])  # a Gothenburg district, 5 km from its centre
    metric = towns.to_crs("EPSG:3006").geometry
    assert min(a.distance(b) for i, a in enumerate(metric) for b in metric[i + 1:]) >= 25_000
    assert json.dumps("Göteborg") in build_basemap().render("served")


def test_english_on_request() -> None:
    html = build_basemap(lang="en").render("served")
    assert json.dumps("Gothenburg") in html
    assert '<html lang="en">' in html
    schematic = text("layer.roads.schematic", "en")
    assert _layer_names(html) == ["Counties", "Municipalities", schematic, "Towns"]


def test_no_tiles_by_default_but_max_zoom_set(served_html: str) -> None:
    assert "L.tileLayer" not in served_html
    assert '"maxZoom": 18' in served_html  # MarkerCluster throws without it


def test_tile_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    template = "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png"
    html = build_basemap(tiles=Tiles(template, "Lantmäteriet", max_zoom=16)).render("inline")
    assert template in html and '"maxZoom": 16' in html
    assert json.dumps("Lantmäteriet") in html
    monkeypatch.setenv("GEORISK_TILES", template)
    monkeypatch.delenv("GEORISK_TILES_ATTRIBUTION", raising=False)
    with pytest.raises(ValueError, match="ATTRIBUTION"):
        tiles_from_env()
    monkeypatch.setenv("GEORISK_TILES_ATTRIBUTION", "Lantmäteriet")
    assert tiles_from_env() == Tiles(template, "Lantmäteriet")
    monkeypatch.delenv("GEORISK_TILES")
    assert tiles_from_env() is None


# --- in a real browser --------------------------------------------------------------

NO_CHROMIUM = browser.unavailable()
needs_chromium = pytest.mark.skipif(NO_CHROMIUM is not None, reason=NO_CHROMIUM or "")
READY = "document.querySelectorAll('.marker-cluster').length > 0"


def _cluster_page() -> MapPage:
    """The base map with 2,000 clustered points and one plain default marker."""
    page = build_basemap()
    rng = np.random.default_rng(18)
    lats = rng.uniform(57.8, 61.5, CLUSTER_POINTS).round(5)
    lons = rng.uniform(11.9, 16.5, CLUSTER_POINTS).round(5)
    MarkerCluster(locations=list(zip(lats.tolist(), lons.tolist(), strict=True)),
                  name="Testpunkter").add_to(page.map)
    folium.Marker([59.2741, 15.2066]).add_to(page.map)  # Örebro
    return page


@pytest.fixture(scope="module")
def chromium():
    if NO_CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    with browser.browser() as launched:
        yield launched


def _check_page(page, visit: browser.Visit, screenshot: str) -> dict:
    assert visit.blocked == [], f"external requests attempted: {visit.blocked}"
    assert visit.failed == [], f"failed requests: {visit.failed}"
    assert visit.errors == [], f"console errors: {visit.errors}"
    counts = page.evaluate(
        """() => ({
            counties: document.querySelectorAll('path.georisk-county').length,
            municipalities: document.querySelectorAll('path.georisk-municipality').length,
            roads: document.querySelectorAll('path.georisk-road').length,
            clusters: document.querySelectorAll('.marker-cluster').length,
            icon: [...document.querySelectorAll('img.leaflet-marker-icon')]
                .map(i => i.complete && i.naturalWidth).filter(Boolean).length,
            legend: document.querySelector('.georisk-legend').innerText,
            control: document.querySelector('.leaflet-control-layers').innerText,
            attribution: document.querySelector('.leaflet-control-attribution').innerText,
            scale: document.querySelector('.leaflet-control-scale-line').innerText,
        })"""
    )
    assert counts["counties"] == 5
    assert counts["municipalities"] == 102
    assert counts["roads"] > 0
    assert counts["clusters"] > 0
    assert counts["icon"] >= 1, "Leaflet's default marker image did not load"
    for shown in (counts["legend"], counts["control"]):
        assert SCHEMATIC_LABEL in shown
    assert "Kommuner" in counts["control"] and "Teckenförklaring" in counts["legend"]
    assert "SCB" in counts["attribution"] and "km" in counts["scale"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot))
    return counts


@needs_chromium
def test_inlined_map_from_disk_makes_no_external_request(chromium, tmp_path: Path) -> None:
    path = _cluster_page().save(tmp_path / "briefing.html", mode="inline")
    with browser.open_page(
        chromium, path.as_uri(), allow=lambda url: url.startswith(("file:", "data:")),
        ready=READY,
    ) as (page, visit):
        _check_page(page, visit, "basemap-inline.png")
        assert all(url.startswith(("file:", "data:")) for url in visit.requests)
    print(f"inline page ready in {visit.ready_seconds:.2f} s, {path.stat().st_size:,} bytes")


@needs_chromium
def test_served_map_over_loopback_makes_no_external_request(chromium) -> None:
    html = _cluster_page().render("served")
    with browser.loopback_server(browser.page_app(html)) as base, browser.open_page(
        chromium, base + "/", allow=lambda url: url.startswith(base + "/"), ready=READY
    ) as (page, visit):
        _check_page(page, visit, "basemap-served.png")
        served = [u for u in visit.requests if "/assets/" in u]
    assert len(served) == len(set(served)) >= 5  # JS, CSS and images, each once
    print(f"served page ready in {visit.ready_seconds:.2f} s, {len(served)} asset requests")


def test_imported_roads_are_not_called_schematic() -> None:
    import geopandas as gpd
    from shapely import LineString

    from georisk.roads.source import LoadedRoads

    roads = gpd.GeoDataFrame(
        {"ref": ["E18"]}, geometry=[LineString([(14.5, 59.3), (15.2, 59.27)])], crs="EPSG:4326"
    )
    loaded = LoadedRoads(roads, "imported", None, "Importerat vägnät (roads.gpkg)")
    html = build_basemap(roads=loaded, places=False).render("served")
    assert _layer_names(html) == ["Län", "Kommuner", "Vägnät"]
    assert json.dumps(SCHEMATIC_LABEL) not in html and "GeoNames" not in html
    assert json.dumps(SCHEMATIC_LABEL) in build_basemap().render("served")


def test_tiles_can_be_offered_switched_off() -> None:
    """A briefing may carry a tile URL as a choice; it reaches out only when chosen."""
    import re

    template = "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png"
    tiles = Tiles(template, "Lantmäteriet", max_zoom=16)
    offered = build_basemap(tiles=tiles, tiles_shown=False).render("inline")
    shown = build_basemap(tiles=tiles).render("inline")
    for html in (offered, shown):
        layer = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", html).group(1)
        assert f'"{text("layer.tiles", "sv")}" : {layer}' in html  # a choice in the control
    assert not re.search(r"tile_layer_\w+\.addTo\(map_\w+\)", offered)
    assert re.search(r"tile_layer_\w+\.addTo\(map_\w+\)", shown)
