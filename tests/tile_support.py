"""A small MBTiles file made here, so the tile tests need no GDAL, Pillow or download:
PNG tiles written with zlib (a checkerboard per tile, its colour by zoom level) in the
``tiles`` table, rows counted from the south as MBTiles (TMS) has them."""

from __future__ import annotations

import math
import sqlite3
import struct
import zlib
from pathlib import Path

COLOURS = {6: (214, 226, 198), 7: (198, 214, 230), 8: (236, 214, 190), 12: (230, 200, 220)}


def png(rgb: tuple[int, int, int], size: int = 256, square: int = 32) -> bytes:
    """A ``size`` x ``size`` RGB PNG: a checkerboard of ``rgb`` and a darker shade."""
    dark = tuple(int(c * 0.8) for c in rgb)
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(rgb if (x // square + y // square) % 2 else dark)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (rows from the north) holding ``lon``, ``lat`` at zoom ``z``."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def write_mbtiles(
    path: Path, bbox: tuple[float, float, float, float], zooms: tuple[int, ...],
    attribution: str | None = "Testkarta",
) -> dict[tuple[int, int, int], bytes]:
    """Tiles over ``bbox`` (W, S, E, N) at ``zooms``; returns them by XYZ ``(z, x, y)``."""
    west, south, east, north = bbox
    made: dict[tuple[int, int, int], bytes] = {}
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                   "tile_row INTEGER, tile_data BLOB)")
        meta = {"name": "test", "format": "png", "bounds": f"{west},{south},{east},{north}",
                "minzoom": str(min(zooms)), "maxzoom": str(max(zooms))}
        if attribution:
            meta["attribution"] = attribution
        db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        for z in zooms:
            body = png(COLOURS.get(z, (220, 220, 220)))
            x0, y0 = tile_xy(west, north, z)
            x1, y1 = tile_xy(east, south, z)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    made[(z, x, y)] = body
                    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                               (z, x, 2**z - 1 - y, body))
    return made
