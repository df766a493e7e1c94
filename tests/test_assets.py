"""The map asset registry and the offline page check."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from importlib.metadata import version

import folium
import pytest
from branca.colormap import LinearColormap
from folium.plugins import MarkerCluster

from layers import assets
from layers.offline import (
    ExternalURLError,
    escape_inline_script,
    external_urls,
    localize,
    rewrite_css,
)


def _page(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("asset", assets.all_assets(), ids=lambda a: f"{a.name}/{a.file}")
def test_every_asset_is_installed_and_matches_its_pin(asset: assets.Asset) -> None:
    data = assets.load(asset)
    assert data, "empty file"
    if asset.sha256 is not None:
        assert hashlib.sha256(data).hexdigest() == asset.sha256
        # The pin in pyproject.toml and the registry name the same release.
        assert version(asset.package).startswith(asset.version + ".")
    else:
        assert asset.package == assets.OWN


def test_verify_reports_nothing_wrong() -> None:
    assert assets.verify() == []


def test_a_changed_file_is_refused() -> None:
    leaflet = assets.get("leaflet", "leaflet.js")
    tampered = dataclasses.replace(leaflet, sha256="0" * 64)
    with pytest.raises(assets.AssetError, match="not the pinned"):
        assets.load(tampered)


def test_a_missing_package_is_named() -> None:
    ghost = dataclasses.replace(
        assets.get("leaflet", "leaflet.js"), module="xstatic.pkg.not_installed", file="x.js"
    )
    with pytest.raises(assets.AssetError, match="install XStatic-Leaflet"):
        assets.load(ghost)


def test_served_gives_bytes_type_and_etag() -> None:
    got = assets.served("leaflet", "images/marker-icon.png")
    assert got.content_type == "image/png"
    assert got.body.startswith(b"\x89PNG")
    assert got.etag == hashlib.sha256(got.body).hexdigest()[:32]
    assert assets.served("leaflet", "leaflet.css").content_type.startswith("text/css")


@pytest.mark.parametrize(
    ("name", "file"),
    [("leaflet", "leaflet-src.js"), ("leaflet", "../leaflet/__init__.py"),
     ("leaflet", "../../../../etc/passwd"), ("jquery", "jquery.js")],
)
def test_served_refuses_anything_unregistered(name: str, file: str) -> None:
    with pytest.raises(assets.UnknownAsset):
        assets.served(name, file)


def test_folium_cdn_links_of_used_plugins_are_all_known() -> None:
    """If folium changes a URL, this fails instead of a page silently going online."""
    for _, url in [*MarkerCluster.default_js, *MarkerCluster.default_css]:
        assert assets.for_url(url) is not None, url
    for name in ("leaflet", "leaflet_css"):
        url = dict([*folium.Map.default_js, *folium.Map.default_css])[name]
        assert assets.for_url(url) is not None, url


def test_external_urls_finds_every_form() -> None:
    text = (
        'src="https://cdn.example.org/a.js" href="//cdn.example.org/b.css" '
        "url(http://x.example/f.woff2) ws://live.example:8443/s https:\\/\\/json.example\\/x "
        "file:///tmp/map.html // a comment //TODO"
    )
    found = external_urls(text)
    assert len(found) == 5
    assert external_urls(text, allowed=[found[0], found[1]]) == found[2:]


def test_unknown_cdn_script_raises_and_names_it() -> None:
    html = _page('<script src="https://unpkg.com/evil@1.0/evil.js"></script>')
    for mode in ("served", "inline"):
        with pytest.raises(ExternalURLError, match=r"unpkg\.com/evil"):
            localize(html, mode)


def test_url_in_page_css_raises() -> None:
    html = _page("<style>.x { background: url(https://tiles.example/bg.png) }</style>")
    with pytest.raises(ExternalURLError, match=r"tiles\.example"):
        localize(html, "inline")


def test_protocol_relative_url_raises() -> None:
    with pytest.raises(ExternalURLError, match=r"//fonts\.example\.net"):
        localize(_page('<link rel="stylesheet" href="//fonts.example.net/f.css"/>'), "served")


def test_url_in_asset_css_raises() -> None:
    base = assets.get("leaflet", "leaflet.css")
    for css in ('@font-face { src: url("https://fonts.example/x.woff2") }',
                ".x { background: url(images/not-registered.png) }"):
        with pytest.raises(ExternalURLError):
            rewrite_css(css, base, "inline")


def test_branca_colormap_hidden_d3_is_caught() -> None:
    fmap = folium.Map(tiles=None)
    fmap.default_js, fmap.default_css = [], []
    LinearColormap(["green", "red"], vmin=0, vmax=1).add_to(fmap)
    with pytest.raises(ExternalURLError, match="d3"):
        localize(fmap.get_root().render(), "served")


def test_folium_default_page_is_refused_until_trimmed() -> None:
    """Plain folium pulls jQuery, Bootstrap, Font Awesome... from CDNs: all refused."""
    with pytest.raises(ExternalURLError) as caught:
        localize(folium.Map(tiles=None).get_root().render(), "served")
    assert any("jquery" in url for url in caught.value.urls)
    assert any("fontawesome" in url for url in caught.value.urls)


def test_inline_mode_inlines_css_images_and_icon_defaults() -> None:
    html = _page(
        '<script src="asset:leaflet/leaflet.js"></script>'
        '<link rel="stylesheet" href="asset:leaflet/leaflet.css"/>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
    )
    out = localize(html, "inline")
    assert "<script src" not in out and "<link" not in out
    assert out.count("<style>") == 1  # the same file asked for twice is inlined once
    assert "url(images/" not in out and 'url("data:image/png;base64,' in out
    assert "L.Icon.Default.mergeOptions({iconUrl: \"data:image/png;base64," in out
    assert set(external_urls(out)) <= {u for a in assets.all_assets() for u in a.inert_urls}


def test_served_mode_links_with_integrity() -> None:
    out = localize(_page('<script src="asset:leaflet.markercluster/leaflet.markercluster.js">'
                         "</script>"), "served", prefix="/static/assets")
    src = re.search(r'src="([^"]+)" integrity="([^"]+)"', out)
    assert src is not None
    assert src.group(1) == "/static/assets/leaflet.markercluster/leaflet.markercluster.js"
    body = assets.served("leaflet.markercluster", "leaflet.markercluster.js").body
    assert src.group(2) == "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert external_urls(out) == []


def test_unknown_asset_reference_raises() -> None:
    with pytest.raises(assets.UnknownAsset):
        localize(_page('<script src="asset:leaflet/nope.js"></script>'), "served")


def test_inline_mode_refuses_relative_files() -> None:
    with pytest.raises(ExternalURLError, match=r"local\.js"):
        localize(_page('<script src="js/local.js"></script>'), "inline")


def test_allowed_tile_template_passes() -> None:
    template = "https://tiles.example.se/{z}/{x}/{y}.png"
    html = _page(body=f'<script>L.tileLayer("{template}")</script>')
    with pytest.raises(ExternalURLError):
        localize(html, "served")
    assert template in localize(html, "served", allowed=[template])


def test_inline_script_escaping() -> None:
    js = 'var s = "</script><script>alert(1)</SCRIPT>"; // <!-- x'
    escaped = escape_inline_script(js)
    assert "</script" not in escaped.lower() and "<!--" not in escaped
