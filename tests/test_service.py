"""The real service: `georisk serve` (gunicorn) on a loopback port."""

from __future__ import annotations

import gc
import json
import urllib.request

import pytest

from app.server import _Gunicorn
from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import running_service
from tests.factories import RESCUE, incident, unit


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


def test_a_worker_starts_with_the_units_decoded_and_checkpointing(db_path):
    # The first position batch after a start finds its units in the record cache.
    store = SQLiteStore(db_path)
    store.apply([c.RegisterUnit(unit(f"unit-{i}")) for i in range(3)], RESCUE)
    store.close()
    app = _Gunicorn({"DB": str(db_path)}, {"bind": "127.0.0.1:0"}).load()
    try:
        loaded = app.extensions["georisk.store"]
        keys = [("unit", f"unit-{i}") for i in range(3)]
        assert sorted(loaded._cache.current(None, keys, loaded.last_seq())) == keys
        # and copies the write-ahead log back from a thread of its own
        assert loaded.start_checkpointing() is None
    finally:
        gc.unfreeze()  # load() freezes what the worker holds; this process goes on
        app.extensions["georisk.store"].close()
