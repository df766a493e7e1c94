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

import pytest

from tests.api_support import make_token, service_process
from tests.factories import incident_input
from tests.sse import messages, open_stream


def _post(url: str, token: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})},
    )
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


def test_a_write_on_one_instance_reaches_the_stream_of_another(pg_url, monkeypatch):
    # (no risk briefs: a new worker's first brief loads the road graph for seconds)
    monkeypatch.setenv("GEORISK_STREAM_BRIEFS", "0")
    # B reads the journal unprompted only every 60 s: each write can reach it within the
    # 10 s below only through the NOTIFY of A's commit
    monkeypatch.setenv("GEORISK_LISTEN_SAFETY_S", "60")
    token = make_token(pg_url, "rescue", "operator")
    with service_process(pg_url) as (a, _), service_process(pg_url) as (b, _):
        received = _follow(b, token)
        received.get(timeout=10)  # the stream's opening id: it is connected
        arrived = []
        for n in range(8):
            status, body = _post(a + "/api/v1/incidents", token,
                                 incident_input(title=f"Brand {n}"))
            assert status == 201, body
            while True:
                _, message = received.get(timeout=10)
                if message.event == "change" and body["feature"]["id"] in message.data:
                    arrived.append(body["feature"]["id"])
                    break
        assert len(arrived) == 8


def test_an_idempotency_key_holds_across_instances(pg_url):
    token = make_token(pg_url, "rescue", "operator")
    key = {"Idempotency-Key": "report-7"}
    with service_process(pg_url) as (a, _), service_process(pg_url) as (b, _):
        first = _post(a + "/api/v1/incidents", token, incident_input(), key)
        again = _post(b + "/api/v1/incidents", token, incident_input(), key)
        assert first[0] == 201 and again == first
        other = _post(b + "/api/v1/incidents", token, incident_input(title="Annan"), key)
        assert other[0] == 422


def test_sign_in_sign_out_throttling_and_revocation_hold_on_every_instance(pg_url,
                                                                          monkeypatch):
    """A browser signed in on A is signed in on B; signing out on B ends it on A; a
    password guessed at on A is locked on B; a token revoked on A is refused by B."""
    import http.cookiejar
    import urllib.parse

    from georisk.identity import Tokens
    from georisk.throttle import ACCOUNT
    from georisk.users import Users
    from tests.test_auth import PASSWORD, _csrf

    token = make_token(pg_url, "rescue", "operator")
    Users(pg_url).add("polis.op", "police", "operator", PASSWORD)
    Users(pg_url).add("sos.op", "sos", "operator", PASSWORD)
    monkeypatch.setenv("GEORISK_SECURE_COOKIES", "0")  # plain HTTP on the loopback
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(url: str, form: dict | None = None) -> tuple[int, str]:
        data = None if form is None else urllib.parse.urlencode(form).encode()
        try:
            with opener.open(urllib.request.Request(url, data=data), timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def sign_in(base: str, name: str, password: str) -> None:
        _, page = call(f"{base}/signin")
        call(f"{base}/signin", {"name": name, "password": password, "csrf_token": _csrf(page)})

    with service_process(pg_url) as (a, _), service_process(pg_url) as (b, _):
        # (the cookie is the loopback's: one jar serves both instances, as one site would)
        sign_in(a, "polis.op", PASSWORD)
        assert call(f"{b}/api/v1/units")[0] == 200
        _, page = call(f"{b}/signin")
        call(f"{b}/signout", {"csrf_token": _csrf(page)})
        assert call(f"{a}/api/v1/units")[0] == 401

        for _ in range(ACCOUNT.free):
            sign_in(a, "sos.op", "wrong password")
        sign_in(b, "sos.op", PASSWORD)  # the right one, but the account is locked
        assert call(f"{b}/api/v1/units")[0] == 401

        headers = {"Authorization": f"Bearer {token}"}
        for base in (a, b):
            request = urllib.request.Request(f"{base}/api/v1/units", headers=headers)
            assert urllib.request.urlopen(request, timeout=10).status == 200
        (info,) = [t for t in Tokens(pg_url).list() if t.active]
        Tokens(pg_url).revoke(info.id)
        for base in (a, b):
            request = urllib.request.Request(f"{base}/api/v1/units", headers=headers)
            with pytest.raises(urllib.error.HTTPError, match="401"):
                urllib.request.urlopen(request, timeout=10)
