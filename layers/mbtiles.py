"""A background map from one MBTiles file, served by the service itself.

At street level the vector base map has county lines and straight schematic roads and
nothing else; a control room needs streets, buildings and terrain there, offline. An
MBTiles file (SQLite: a ``metadata`` table of name/value pairs and a ``tiles`` table of
``zoom_level``, ``tile_column``, ``tile_row``, ``tile_data``, rows counted from the south
as in TMS) holds such a map as raster tiles, made once with GDAL or QGIS (docs/map.md).
The service answers ``/tiles/{z}/{x}/{y}.{ext}`` from it, on its own origin, so the page's
Content-Security-Policy names no other server and no request leaves the building.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from layers.basemap import MAX_ZOOM, Tiles

URL = "/tiles/{z}/{x}/{y}.{ext}"
FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
#: Where the file has no tile (open sea, the edge of its coverage): a transparent pixel,
#: which the browser stretches over the tile, so the vector layers show there.
EMPTY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201d3a6"
    "ae2e0000000049454e44ae426082"
)


class MBTilesError(ValueError):
    """The file is missing, is no MBTiles file, or holds tiles a browser cannot show."""


@dataclass(frozen=True)
class Tile:
    body: bytes
    content_type: str
    etag: str


class MBTiles:
    """One MBTiles file, read-only; each thread of the service reads it on its own
    connection (a SQLite connection belongs to the thread that opened it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise MBTilesError(f"{self.path}: no such file")
        self._local = threading.local()
        try:
            rows = self._db().execute("SELECT name, value FROM metadata").fetchall()
            self._db().execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise MBTilesError(f"{self.path}: not an MBTiles file ({exc})") from None
        self.metadata = {str(name): str(value) for name, value in rows}
        self.format = self.metadata.get("format", "png").lower()
        if self.format not in FORMATS:
            raise MBTilesError(f"{self.path}: tiles in {self.format!r}; a raster map is needed "
                               f"({', '.join(sorted(FORMATS))})")
        found = self._db().execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        if found[0] is None:
            raise MBTilesError(f"{self.path}: holds no tiles")
        self.min_zoom = int(self.metadata.get("minzoom", found[0]))
        self.max_zoom = int(self.metadata.get("maxzoom", found[1]))
        self.bounds = _bounds(self.metadata.get("bounds"))

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                 check_same_thread=True)
            self._local.db = db
        return db

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        """The tile at XYZ ``z/x/y`` (rows from the north, as Leaflet asks), an empty one
        where the file has none within its zoom levels, None outside any tile grid."""
        if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        row = self._db().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
            "AND tile_row = ?", (z, x, 2**z - 1 - y),  # TMS counts rows from the south
        ).fetchone()
        if row is None:
            return Tile(EMPTY_PNG, "image/png", "empty")
        body = bytes(row[0])
        return Tile(body, self.content_type, hashlib.blake2b(body, digest_size=12).hexdigest())

    def layer(self, attribution: str | None = None) -> Tiles:
        """The page's tile layer: this service's URL, the file's zoom levels and bounds,
        and the credit its licence requires (the setting's, else the file's own)."""
        credit = (attribution or self.metadata.get("attribution", "")).strip()
        if not credit:
            raise MBTilesError(f"{self.path}: no attribution in its metadata; set "
                               "GEORISK_MBTILES_ATTRIBUTION to the credit its licence requires")
        return Tiles(URL.replace("{ext}", self.format), credit, MAX_ZOOM,
                     min_native_zoom=self.min_zoom, max_native_zoom=self.max_zoom,
                     bounds=self.bounds)


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` from the metadata, or None when absent or unreadable."""
    try:
        west, south, east, north = (float(part) for part in (text or "").split(","))
    except ValueError:
        return None
    return (west, south, east, north)


@functools.lru_cache(maxsize=4)
def opened(path: str) -> MBTiles:
    """The file at ``path``, opened once per process."""
    return MBTiles(path)
