"""A minimal server-sent-events reader for tests and benchmarks (the real wire format)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Message:
    id: str | None
    event: str
    data: str


def open_stream(url: str, token: str, last_event_id: str | None = None,
                timeout: float = 10) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                       headers=headers)
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"stream: HTTP {response.status} {response.read()[:200]!r}")
    return response


def messages(response: http.client.HTTPResponse) -> Iterator[Message]:
    """Messages with data, in order; id-only heartbeats come through with event ''."""
    id_: str | None = None
    event, data = "", []
    while True:
        raw = response.fp.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data or id_ is not None:
                yield Message(id_, event or ("message" if data else ""), "\n".join(data))
            id_, event, data = None, "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            id_ = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)
