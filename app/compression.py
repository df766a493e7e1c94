"""Compressed answers for the data and the map's scripts (Flask-Compress).

A picture of the region is mostly repeated JSON keys and digits: brotli or gzip sends it
at a fraction of its size, which is what a control centre's links and a briefer's laptop
on a mobile network feel. Compressed, when the client says it accepts it: JSON, GeoJSON,
the OpenAPI documents, CSV downloads, and the map's scripts and style sheets.

Not compressed:
* HTML pages. They carry the session's CSRF token beside text a request can put there;
  compressed, the length of an answer would tell a network observer how well a guess
  matched the token (the BREACH attack on HTTPS).
* The live stream (server-sent events): it is written as it happens, and a compressor
  holds bytes back.
* Answers under 1 kB, where the framing costs more than it saves.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

MIMETYPES = [
    "application/json",
    "application/geo+json",
    "application/problem+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
    "application/javascript",
    "text/javascript",
    "text/css",
    "text/csv",
    "application/x-ndjson",  # the picture's incidents
]


def install(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # The fastest levels: on 10,000 incidents as OGC GeoJSON (5.1 MB) brotli at quality 1
    # gives 0.58 MB in 10 ms, where quality 4 gives 0.47 MB in 37 ms; gzip at level 1,
    # 0.72 MB in 22 ms (level 6: 0.57 MB in 48 ms). A worker's time is the scarcer.
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_LEVEL", 1)
    Compress(app)
