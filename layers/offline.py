"""Make a rendered folium/branca page work with no internet, or refuse it.

folium, branca and every plugin write CDN links into the page, some of them hidden
(branca's colour legends load d3; a CSS file can fetch fonts). Rather than chase
each class's ``default_js`` (which misses branca, and whose ``add_js_link`` mutates
lists shared by every later map in the process), we post-process the finished
HTML: each known reference becomes the local copy, served from the app or inlined,
and any other external URL anywhere in the page is an error. A page that would
try the internet in a control room is a bug we want at render time, not on shift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from layers import assets
from layers.assets import Asset

Mode = Literal["served", "inline"]

#: Absolute URLs with a host (any scheme: http, https, ws, ftp...) and protocol-relative
#: ones (``//cdn.example.org/x``, host with a dot so a ``//comment`` is not one), also in
#: JSON-escaped form (``https:\/\/``).
_SLASHES = r"(?<![/\\])(?://|\\/\\/)"
_REST = r"(?::\d+)?(?:[/?#][^\s\"'<>()`]*)?"
_EXTERNAL = re.compile(
    rf"\b[a-z][a-z0-9+.-]*:{_SLASHES}[a-z0-9-]+(?:\.[a-z0-9-]+)*{_REST}"
    rf"|{_SLASHES}[a-z0-9-]+(?:\.[a-z0-9-]+)+{_REST}",
    re.IGNORECASE,
)
_SCRIPT_SRC = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*>\s*</script\s*>""",
    re.IGNORECASE,
)
_LINK_HREF = re.compile(
    r"""<link\b[^>]*?\bhref\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*?/?>""", re.IGNORECASE
)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(?P<ref>[^"')]*)\1\s*\)""", re.IGNORECASE)
_PLACEHOLDER = "\x00georisk-asset-{}\x00"


class ExternalURLError(ValueError):
    """The page would fetch from outside: it names every such URL at once."""

    def __init__(self, urls: Iterable[str], where: str = "page"):
        self.urls = sorted(set(urls))
        listed = ", ".join(self.urls)
        super().__init__(
            f"{where} refers to {len(self.urls)} external URL(s) with no local copy: {listed}"
        )


def external_urls(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Every absolute or protocol-relative URL in ``text``, except the ``allowed`` strings.

    An allowed string is removed wherever it occurs (a tile URL template holds
    ``{z}`` and friends, which are not URL characters), then the rest is scanned.
    """
    for allowed_text in sorted(set(allowed), key=len, reverse=True):
        text = text.replace(allowed_text, " ")
    return [m.group(0) for m in _EXTERNAL.finditer(text)]


def escape_inline_script(js: str) -> str:
    """JS safe inside ``<script>``: the HTML parser ends a script at the first
    ``</script`` whatever the JS means by it, and ``<!--`` can make it miss the real end."""
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js.replace("<!--", "<\\!--")


def rewrite_css(css: str, base: Asset, mode: Mode, prefix: str = "/assets") -> str:
    """``url(...)`` references of a CSS asset made local: data: URIs when inlined.

    A relative reference must name another registered file of the same library;
    anything else (an external font, an unregistered image) raises, because it
    would fail or leak in the control room.
    """
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("data:", "#")) or not ref:
            return match.group(0)
        if external_urls(ref):
            unknown.append(ref)
            return match.group(0)
        try:
            target = assets.resolve_relative(base, ref.split("?")[0].split("#")[0])
        except assets.UnknownAsset:
            unknown.append(f"{base.name}/{ref}")
            return match.group(0)
        if mode == "inline":
            return f'url("{assets.data_uri(target)}")'
        return f'url("{assets.url_path(target, prefix)}")'

    rewritten = _CSS_URL.sub(replace, css)
    if unknown:
        raise ExternalURLError(unknown, where=f"CSS {base.name}/{base.file}")
    leftovers = external_urls(rewritten, base.inert_urls)
    if leftovers:
        raise ExternalURLError(leftovers, where=f"CSS {base.name}/{base.file}")
    return rewritten


def _icon_default_script() -> str:
    """Leaflet finds its default marker images next to leaflet.css; inlined, there is none."""
    image = {f: assets.data_uri(assets.get("leaflet", f"images/{f}")) for f in (
        "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")}
    return (
        "<script>L.Icon.Default.imagePath = \"\";"
        f"L.Icon.Default.mergeOptions({{iconUrl: \"{image['marker-icon.png']}\", "
        f"iconRetinaUrl: \"{image['marker-icon-2x.png']}\", "
        f"shadowUrl: \"{image['marker-shadow.png']}\"}});</script>"
    )


def _inline(asset: Asset, prefix: str) -> str:
    text = assets.read_text(asset)
    if asset.content_type.startswith("text/css"):
        css = rewrite_css(text, asset, "inline", prefix)
        return "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "</style>"
    leftovers = external_urls(text, asset.inert_urls)
    if leftovers:
        raise ExternalURLError(leftovers, where=f"script {asset.name}/{asset.file}")
    tag = "<script>" + escape_inline_script(text) + "</script>"
    if asset.key == ("leaflet", "leaflet.js"):
        tag += _icon_default_script()
    return tag


def _served(asset: Asset, prefix: str) -> str:
    if asset.content_type.startswith("text/css"):
        # Checked for its url(...) targets even though the browser resolves them itself.
        rewrite_css(assets.read_text(asset), asset, "served", prefix)
        return (
            f'<link rel="stylesheet" href="{assets.url_path(asset, prefix)}" '
            f'integrity="{assets.sri(asset)}"/>'
        )
    leftovers = external_urls(assets.read_text(asset), asset.inert_urls)
    if leftovers:
        raise ExternalURLError(leftovers, where=f"script {asset.name}/{asset.file}")
    src, integrity = assets.url_path(asset, prefix), assets.sri(asset)
    return f'<script src="{src}" integrity="{integrity}"></script>'


def localize(
    html: str, mode: Mode = "served", prefix: str = "/assets", allowed: Iterable[str] = ()
) -> str:
    """The page with every asset reference local, or ExternalURLError naming what is not.

    ``served`` links to ``<prefix>/<name>/<file>`` (the app serves them, with
    subresource integrity); ``inline`` makes one self-contained file. ``allowed`` are
    URL strings the caller deliberately keeps, such as a configured tile server.
    Each asset appears once even if several plugins asked for it.
    """
    if mode not in ("served", "inline"):
        raise ValueError(f"mode must be 'served' or 'inline', not {mode!r}")
    chunks: list[str] = []
    seen: set[tuple[str, str]] = set()
    unresolved: list[str] = []

    def swap(match: re.Match[str]) -> str:
        url = match.group("url")
        if match.re is _LINK_HREF and not _is_stylesheet(match.group(0)):
            return match.group(0)
        asset = assets.for_url(url)
        if asset is None:
            if url.startswith("asset:"):
                raise assets.UnknownAsset(url)
            if mode == "inline" and not external_urls(url) and not url.startswith("data:"):
                unresolved.append(url)  # a relative file cannot travel in a single file
            return match.group(0)  # external ones are reported by the scan below
        if asset.key in seen:
            return ""
        seen.add(asset.key)
        chunks.append(_inline(asset, prefix) if mode == "inline" else _served(asset, prefix))
        return _PLACEHOLDER.format(len(chunks) - 1)

    page = _LINK_HREF.sub(swap, _SCRIPT_SRC.sub(swap, html))
    found = external_urls(page, allowed) + unresolved
    if found:
        raise ExternalURLError(found)
    for index, chunk in enumerate(chunks):
        page = page.replace(_PLACEHOLDER.format(index), chunk, 1)
    return page


def _is_stylesheet(tag: str) -> bool:
    return re.search(r"""\brel\s*=\s*["']?stylesheet""", tag, re.IGNORECASE) is not None
