"""Compressed answers on the production server: data and scripts in brotli or gzip when
the client accepts it, the same bytes once decoded; never the HTML pages (they carry the
CSRF token: BREACH) nor the live stream; nothing for a client that does not ask."""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.request
from urllib.parse import urlsplit

import brotli
import pytest

from layers import assets
from tests.api_support import make_token, running_service
from tests.ogc_support import build_world


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = tmp_path_factory.mktemp("compression") / "georisk.db"
    token = build_world(db)
    with running_service(db) as base:
        yield base, token, make_token(db, "rescue", "operator", "stream")


def _get(base: str, path: str, token: str, encoding: str | None) -> tuple[dict, bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    if encoding is not None:
        headers["Accept-Encoding"] = encoding
    request = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(answer.headers), answer.read()


def _decoded(headers: dict, body: bytes) -> bytes:
    coding = headers.get("Content-Encoding")
    if coding == "br":
        return brotli.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    assert coding is None, coding
    return body


@pytest.mark.parametrize("path", [
    "/ogc/collections/incidents/items?limit=1000",
    "/api/v1/incidents?limit=500",
    "/api/v1/openapi.json",
    "/assets/" + "/".join(assets.url_path(assets.get("georisk", "live.js")).split("/")[-2:]),
])
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_data_and_scripts_come_compressed_and_decode_to_the_same_bytes(served, path, encoding):
    base, token, _ = served
    plain_headers, plain = _get(base, path, token, None)
    headers, body = _get(base, path, token, f"{encoding}, identity")
    assert "Content-Encoding" not in plain_headers  # a client that did not ask
    assert headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in headers["Vary"]
    assert len(body) < len(plain) / 2
    assert _without_time_stamp(_decoded(headers, body)) == _without_time_stamp(plain)


def _without_time_stamp(body: bytes) -> object:
    """The answer less the moment it was made (an OGC page's timeStamp)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body  # a script
    if isinstance(data, dict):
        data.pop("timeStamp", None)
    return data


def test_the_html_pages_are_never_compressed(served):
    base, token, _ = served
    for path in ("/", "/signin", "/analys"):
        headers, body = _get(base, path, token, "br, gzip")
        assert headers.get("Content-Type", "").startswith("text/html"), path
        assert "Content-Encoding" not in headers, path
        assert len(body) > 1024, path  # large enough that it would have been


def test_the_stream_is_not_compressed(served):
    base, _, operator = served
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/api/stream", headers={
        "Authorization": f"Bearer {operator}", "Accept": "text/event-stream",
        "Accept-Encoding": "br, gzip"})
    response = connection.getresponse()
    try:
        assert response.status == 200
        assert response.getheader("Content-Encoding") is None
        first = response.readline()  # readable as it comes: plain text
        assert first.startswith((b"id:", b"event:", b"retry:", b":", b"data:")), first
    finally:
        connection.close()


def test_a_small_answer_is_sent_as_it_is(served):
    base, token, _ = served
    headers, body = _get(base, "/ogc/collections/incidents/items?limit=1", token, "br, gzip")
    assert "Content-Encoding" not in headers and json.loads(body)["numberReturned"] == 1
