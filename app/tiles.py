"""The background map's tiles from an MBTiles file (``GEORISK_MBTILES``): ``/tiles/...``.

Served by the service itself, so a control room needs no tile server and the map page
loads images from its own origin only. Tiles change only when the file is replaced, so
browsers may keep them a day and revalidate by ETag after that. A signed-in viewer asks
for them, like every other path but sign-in and health.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, request

from layers.mbtiles import FORMATS, opened

blueprint = Blueprint("tiles", __name__)
_DIGITS = re.compile(r"[0-9]{1,10}")
MAX_AGE_S = 24 * 3600


@blueprint.get("/tiles/<z>/<x>/<y>.<ext>")
def tile(z: str, x: str, y: str, ext: str) -> Response:
    path = str(current_app.config.get("MBTILES") or "").strip()
    if not path:
        abort(404, "no tile set is configured (GEORISK_MBTILES)")
    numbers = [int(part) for part in (z, x, y) if _DIGITS.fullmatch(part)]
    if ext not in FORMATS or len(numbers) != 3:
        abort(404, f"no tile {z}/{x}/{y}.{ext}")
    found = opened(path).tile(*numbers)
    if found is None:
        abort(404, f"{z}/{x}/{y} is outside the tile grid")
    if request.if_none_match.contains(found.etag):
        return Response(status=304, headers={"ETag": f'"{found.etag}"'})
    response = Response(found.body, content_type=found.content_type)
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    return response
