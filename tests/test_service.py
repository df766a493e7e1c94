"""The real service: `georisk serve` (gunicorn) on a loopback port."""

from __future__ import annotations

import json
import urllib.request

import pytest

from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import running_service
from tests.factories import RESCUE, incident


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def service(db_path):
    with running_service(db_path) as base:
        yield base


def test_health_answers_when_ready_and_sees_new_events(service, db_path):
    status, body = get_json(service + "/health")
    assert (status, body) == (200, {"status": "ok", "last_seq": 0})
    store = SQLiteStore(db_path)
    store.apply([c.ReportIncident(incident())], RESCUE)
    store.close()
    assert get_json(service + "/health")[1]["last_seq"] == 1
