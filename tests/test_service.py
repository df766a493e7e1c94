"""The real service: `georisk serve` (gunicorn) on a loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from georisk import commands as c
from georisk.store import SQLiteStore
from tests.conftest import ROOT
from tests.factories import RESCUE, incident


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def service(db_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--db", str(db_path), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            get_json(base + "/health")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the service did not start: {process.stderr.read()}")
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=15)


def test_health_answers_when_ready_and_sees_new_events(service, db_path):
    status, body = get_json(service + "/health")
    assert (status, body) == (200, {"status": "ok", "last_seq": 0})
    store = SQLiteStore(db_path)
    store.apply([c.ReportIncident(incident())], RESCUE)
    store.close()
    assert get_json(service + "/health")[1]["last_seq"] == 1
