"""Compressed answers: bytes on the wire and time per request, plain, gzip and brotli.

The demo (15,000 incidents over a year) served by `georisk serve` on loopback; for the
operator's picture and for 10,000 incidents as OGC GeoJSON, each encoding asked for
seven times in turn: the size sent and the median time to the last byte, decoded. On
loopback the bytes cost nothing, so the time shows compression's own cost; on a real
link the smaller answer arrives sooner.

Run: ``.venv/bin/python -m tests.bench.bench_compression``
"""

from __future__ import annotations

import gzip
import os
import statistics
import time
import urllib.request

import brotli

from georisk.identity import Tokens
from tests.api_support import running_service
from tests.bench.bench_analysis import DEMO, journal

PATHS = ("/api/v1/picture", "/ogc/collections/incidents/items?limit=10000")
ENCODINGS = ("identity", "gzip", "br")
RUNS = 7
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda body: body}


def main() -> None:
    db = journal("demo", DEMO)
    token = Tokens(db).create(f"bench-compression-{os.getpid()}", "centre", "operator")[1]
    with running_service(db) as base:
        for path in PATHS:
            for encoding in ENCODINGS:
                times, sent, plain = [], 0, 0
                for _ in range(RUNS):
                    request = urllib.request.Request(base + path, headers={
                        "Authorization": f"Bearer {token}", "Accept-Encoding": encoding})
                    started = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        body = answer.read()
                        coding = answer.headers.get("Content-Encoding")
                    plain = len(DECODE[coding](body))
                    times.append(time.perf_counter() - started)
                    sent = len(body)
                print(f"{path:<46} {encoding:<9} {sent / 1e6:6.2f} MB sent ({plain / 1e6:.2f} MB "
                      f"plain)  median {statistics.median(times) * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
