"""The real service: `georisk serve` (gunicorn) on a loopback port."""

from __future__ import annotations

import gc
import json
import urllib.request

import pytest

from app import create_app
from app.server import _Gunicorn
from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import bearer, make_token, running_service
from tests.factories import RESCUE, incident, unit


def get_json(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def service(db_path):
    with running_service(db_path) as base:
        yield base


def test_health_answers_when_ready_and_sees_new_events(service, db_path):
    token = make_token(db_path, "centre", "viewer")
    status, body = get_json(service + "/health", bearer(token))
    assert (status, body) == (200, {"status": "ok", "last_seq": 0})
    store = SQLiteStore(db_path)
    store.apply([c.ReportIncident(incident())], RESCUE)
    store.close()
    assert get_json(service + "/health", bearer(token))[1]["last_seq"] == 1


def test_health_tells_an_anonymous_caller_nothing_that_moves(service, db_path):
    assert get_json(service + "/health") == (200, {"status": "ok"})
    store = SQLiteStore(db_path)
    store.apply([c.ReportIncident(incident(f"inc-{n}")) for n in range(3)], RESCUE)
    store.close()
    assert get_json(service + "/health") == (200, {"status": "ok"})
    assert get_json(service + "/health", bearer("grk_not-a-token")) == (200, {"status": "ok"})


def test_health_says_unavailable_without_the_reason_to_an_anonymous_caller(db_path):
    app = create_app({"DB": str(db_path), "TESTING": True})
    app.extensions["georisk.store"].close()
    for suffix in ("", "-wal", "-shm"):  # the database is gone from under the service
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    answer = app.test_client().get("/health")
    assert (answer.status_code, answer.get_json()) == (503, {"status": "unavailable"})


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
