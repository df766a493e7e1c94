"""The CoT listener with real packets over loopback, and the poller against a local server."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from typing import ClassVar

import pytest

from georisk.feeds import adapter
from georisk.feeds.listener import CotListener
from georisk.feeds.poller import Poller
from tests.test_feeds_cot import report


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def listener(store):
    running = CotListener(store, udp_port=0, tcp_port=0, flush=0.05, idle=0.5)
    running.start()
    yield running
    running.stop()


def test_udp_and_tcp_reports_move_units(store, listener):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(report(uid="udp-1"), listener.udp_address)
    with socket.create_connection(listener.tcp_address) as tcp:
        stream = report(uid="tcp-1") + report(uid="tcp-1", lat=59.28, time="2026-08-22T10:00:09Z")
        tcp.sendall(stream[:50])  # an event split over several segments
        time.sleep(0.05)
        tcp.sendall(stream[50:])
    wait_for(lambda: store.get("unit", "cot-tcp-1") is not None
             and store.get("unit", "cot-tcp-1").position.y == 59.28)
    assert store.get("unit", "cot-udp-1") is not None
    assert listener.counters.summary.rejected == []


def test_garbage_and_unfinished_tcp_clients_are_dropped_others_carry_on(store, listener):
    with socket.create_connection(listener.tcp_address) as garbage:
        garbage.sendall(b"\x00\xffGET / HTTP/1.1\r\n\r\n" + report(uid="after-garbage"))
    slow = socket.create_connection(listener.tcp_address)
    slow.sendall(report(uid="never")[:40])  # and then nothing
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b"<event>not cot", listener.udp_address)
        udp.sendto(report(uid="fine"), listener.udp_address)
    wait_for(lambda: store.get("unit", "cot-fine") is not None)
    wait_for(lambda: any("never finished" in str(r) for r in listener.counters.summary.rejected))
    assert slow.recv(10) == b""  # the listener closed the idle, unfinished connection
    slow.close()
    assert store.get("unit", "cot-never") is None
    assert store.get("unit", "cot-after-garbage") is not None  # resynchronised after garbage
    assert len(listener.counters.summary.rejected) >= 3


def test_a_client_flooding_bytes_without_an_event_end_is_cut_off(store, listener):
    with socket.create_connection(listener.tcp_address) as flood:
        flood.sendall(b"<event uid='x' " + b"a" * 200_000)
        wait_for(lambda: any("without </event>" in str(r)
                             for r in listener.counters.summary.rejected))


class _Source(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, bytes]]] = []

    def do_GET(self) -> None:
        status, body = self.answers.pop(0) if self.answers else (200, b"[]")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_poller_backs_off_on_errors_and_garbage_then_imports(store, caplog):
    from tests.test_feeds_polisen import event, payload

    _Source.answers = [(500, b"oops"), (200, b"<html>"), (200, payload(event(1), event(2)))]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Source)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/events"
    poller = Poller(store, adapter("polisen"), url, every=0.01, max_backoff=0.03, timeout=5)
    try:
        caplog.set_level("INFO")
        assert poller.once() is None and poller.delay() == pytest.approx(0.02)
        assert poller.once() is None and poller.delay() == pytest.approx(0.03)  # the ceiling
        summary = poller.once()
        assert summary is not None and summary.created == 2
        assert poller.delay() == 0.01
    finally:
        poller.close()
        server.shutdown()
    assert "HTTP Error 500" in caplog.text and "not JSON" in caplog.text


def test_poller_reports_an_unreachable_source(store, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    poller = Poller(store, adapter("polisen"), f"http://127.0.0.1:{port}/", timeout=1)
    try:
        assert poller.once() is None
    finally:
        poller.close()
    assert "unreachable" in caplog.text
