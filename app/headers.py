"""The security headers of every answer, decided here and nowhere else.

Every answer (pages, the API, OGC, files, problem+json errors, redirects) gets
``X-Content-Type-Options: nosniff`` (a JSON answer is never run as a script or shown as
HTML), ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin``, and a
Content-Security-Policy. Data may run and load nothing (`NOTHING`); the pages a browser
shows get a policy naming what they need, and their views take it from here:

* the sign-in form (`SIGNIN`): its inline style, and posting to this site;
* the map (`map_page`): scripts and styles from ``/assets`` on this site, the inline
  scripts folium writes (allowed by their hashes, so an injected script would not run),
  inline styles (Leaflet and the markers set them), ``data:`` images, requests and the
  event stream to this site, and the tile server's origin when one is configured (tiles
  from an MBTiles file come from this site: `app.tiles`);
* Swagger UI (`docs_page`): its files from this site and its one inline script;
* the analyst page (`ANALYSIS_PAGE`): its files from this site and nothing inline to run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask, Response

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_FRAMING = "frame-ancestors 'none'; base-uri 'none'"
#: JSON, problem+json, files and the event stream: nothing in them may run or load.
NOTHING = f"default-src 'none'; {_FRAMING}; form-action 'none'"
#: The sign-in form: its inline style, and posting the form to this site.
SIGNIN = f"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; {_FRAMING}"
#: The analyst page: its scripts (plotly.js, Leaflet, its own) and styles from this site,
#: inline styles (plotly.js and Leaflet set them), data: images (plotly's icons), its
#: tables fetched from this site. No inline script: its settings are a JSON block.
ANALYSIS_PAGE = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; form-action 'self'; {_FRAMING}"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def script_hashes(html: str) -> list[str]:
    """CSP sources allowing exactly the inline ``<script>`` elements of ``html``."""
    found = dict.fromkeys(_INLINE_SCRIPT.findall(html))  # each once, in order
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for code in found
    ]


def tile_origin(url: str) -> str:
    """The origin of a tile URL template, as a CSP source: a placeholder in the host's
    first label (Leaflet's ``{s}`` subdomains) makes that label a wildcard."""
    parts = urlsplit(url)
    return f"{parts.scheme}://" + re.sub(r"^[^.]*\{[^}]*\}[^.]*\.", "*.", parts.netloc)


def map_page(html: str, tiles_url: str | None) -> str:
    """The operator map's policy; ``tiles_url`` is the tile server's template, if any (the
    service's own ``/tiles/...`` needs nothing more than ``'self'``)."""
    elsewhere = tiles_url is not None and "://" in tiles_url
    images = "'self' data:" + (f" {tile_origin(tiles_url)}" if elsewhere else "")
    return (
        f"default-src 'none'; script-src 'self' {' '.join(script_hashes(html))}; "
        f"style-src 'self' 'unsafe-inline'; img-src {images}; connect-src 'self'; "
        f"form-action 'self'; {_FRAMING}"
    )


def docs_page(html: str) -> str:
    """Swagger UI's policy: its files, its inline start-up script, the spec from here."""
    return (
        f"default-src 'none'; script-src 'self' {' '.join(script_hashes(html))}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        f"form-action 'self'; {_FRAMING}"
    )


def install(app: Flask) -> None:
    """Add the headers to every answer; a view's own policy (a page's) stays."""

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in EVERY_ANSWER.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", NOTHING)
        return response
