"""Several service instances on one PostGIS store: each `georisk serve` here is a
separate process with its own pools, caches and stream hub, as on separate hosts behind
a load balancer. What one instance writes reaches the maps connected to another, and
what guards a credential (idempotency keys, sign-in counters, revocation) is shared."""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request

from tests.api_support import make_token, service_process
from tests.factories import incident_input
from tests.sse import messages, open_stream


def _post(url: str, token: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _follow(base: str, token: str) -> queue.Queue:
    """The stream of one instance, message by message, read from a thread of its own."""
    received: queue.Queue = queue.Queue()
    response = open_stream(base + "/api/stream", token, timeout=30)

    def read() -> None:
        for message in messages(response):
            received.put((time.monotonic(), message))

    threading.Thread(target=read, daemon=True).start()
    return received


def test_a_write_on_one_instance_reaches_the_stream_of_another(pg_url):
    token = make_token(pg_url, "rescue", "operator")
    with service_process(pg_url) as (a, _), service_process(pg_url) as (b, _):
        received = _follow(b, token)
        received.get(timeout=10)  # the stream's opening id: it is connected
        delays = []
        for n in range(6):  # (the first is a new worker's first write: not timed)
            sent = time.monotonic()
            status, body = _post(a + "/api/v1/incidents", token,
                                 incident_input(title=f"Brand {n}"))  # fmt: skip
            assert status == 201, body
            while True:
                at, message = received.get(timeout=5)
                if message.event == "change" and body["feature"]["id"] in message.data:
                    delays.append(at - sent)
                    break
        # woken by the commit's NOTIFY, not by a poll: well under the safety interval
        assert max(delays[1:]) < 0.9, delays


def test_an_idempotency_key_holds_across_instances(pg_url):
    token = make_token(pg_url, "rescue", "operator")
    key = {"Idempotency-Key": "report-7"}
    with service_process(pg_url) as (a, _), service_process(pg_url) as (b, _):
        first = _post(a + "/api/v1/incidents", token, incident_input(), key)
        again = _post(b + "/api/v1/incidents", token, incident_input(), key)
        assert first[0] == 201 and again == first
        other = _post(b + "/api/v1/incidents", token, incident_input(title="Annan"), key)
        assert other[0] == 422
