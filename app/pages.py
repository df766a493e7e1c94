"""The operator map page (``/``) and the offline assets it loads (``/assets/...``).

The page HTML is the same for every viewer of one language (the picture and the
viewer come from `app.picture`), so it is rendered once per language and process:
building the base map takes about a second, serving the cached bytes microseconds.
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, request

from app import headers
from app.auth import csrf_meta
from georisk.area.boundaries import counties, municipalities
from georisk.texts import Lang, language
from layers import assets
from layers.basemap import Tiles
from layers.livemap import LiveOptions, build_livemap
from layers.mbtiles import opened
from layers.units import DEFAULT_STALE_AFTER_S

blueprint = Blueprint("pages", __name__)


@functools.cache
def _county_list() -> tuple[tuple[str, str], ...]:
    frame = counties().sort_values("name")
    pairs = zip(frame["code"], frame["name"], strict=True)
    return tuple((str(code), str(name)) for code, name in pairs)


@functools.cache
def _municipality_names() -> tuple[tuple[str, str], ...]:
    frame = municipalities()
    pairs = zip(frame["code"], frame["name"], strict=True)
    return tuple((str(code), str(name)) for code, name in pairs)


def _tiles() -> Tiles | None:
    """``TILES`` and ``TILES_ATTRIBUTION`` (``GEORISK_TILES...`` in the environment), or
    ``MBTILES`` (a file this service serves at ``/tiles``, `app.tiles`) and, when the file
    names no credit, ``MBTILES_ATTRIBUTION``."""
    url = str(current_app.config.get("TILES") or "").strip()
    mbtiles = str(current_app.config.get("MBTILES") or "").strip()
    if url and mbtiles:
        raise ValueError("set TILES (a tile server) or MBTILES (a file), not both")
    if mbtiles:
        credit = str(current_app.config.get("MBTILES_ATTRIBUTION") or "").strip()
        return opened(mbtiles).layer(credit or None)
    if not url:
        return None
    attribution = str(current_app.config.get("TILES_ATTRIBUTION") or "").strip()
    if not attribution:
        raise ValueError("TILES is set but TILES_ATTRIBUTION is empty")
    return Tiles(url, attribution)


def render_page(lang: Lang, tiles: Tiles | None, stale_after_s: int) -> str:
    other = "sv" if lang == "en" else "en"
    options = LiveOptions(
        stale_after_s=stale_after_s,
        counties=[{"code": code, "name": name} for code, name in _county_list()],
        municipalities=dict(_municipality_names()),
        other_lang_url=f"?lang={other}",
    )
    return build_livemap(lang, options, tiles).render("served")


@functools.lru_cache(maxsize=8)
def _cached(lang: Lang, tiles: Tiles | None, stale_after_s: int) -> tuple[bytes, str]:
    """The page and its Content-Security-Policy (which names its inline scripts)."""
    html = render_page(lang, tiles, stale_after_s)
    return html.encode("utf-8"), headers.map_page(html, tiles.url if tiles else None)


def page_language() -> Lang:
    """The language a page's ``?lang=`` asks for (the default when none); 400 for any
    other value."""
    try:
        return language(request.args.get("lang"))
    except ValueError as exc:
        abort(400, f"lang: {exc}")


@blueprint.get("/")
def live_map() -> Response:
    lang = page_language()
    stale = int(current_app.config.get("STALE_AFTER_S", DEFAULT_STALE_AFTER_S))
    body, policy = _cached(lang, _tiles(), stale)
    # the page is the same for everyone but for this session's CSRF token; the empty
    # icon spares the browser a request for /favicon.ico (a 404 in its console)
    head = str(csrf_meta()) + '<link rel="icon" href="data:,">'
    body = body.replace(b"<head>", b"<head>" + head.encode(), 1)
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # the CSRF meta makes it per session
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = policy
    return response


@blueprint.get("/assets/<name>/<path:file>")
def asset(name: str, file: str) -> Response:
    try:
        found = assets.served(name, file)
    except assets.UnknownAsset:
        abort(404, f"no asset {name}/{file}")
    if request.if_none_match.contains(found.etag):
        return Response(status=304, headers={"ETag": f'"{found.etag}"'})
    response = Response(found.body, content_type=found.content_type)
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
