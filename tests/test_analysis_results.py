"""The analyst tables' kept results: one computation however many ask at once, kept while
the journal stands, computed again once it has moved and the result is old."""

from __future__ import annotations

import threading
import time

from app import analysis as analysis_routes
from app import create_app
from georisk import commands as c
from georisk.commands import Actor
from georisk.store import SQLiteStore
from tests import factories


def test_six_at_once_compute_once_and_the_journal_moving_computes_again(tmp_path, monkeypatch):
    db = tmp_path / "kept.db"
    SQLiteStore(db).close()
    app = create_app({"DB": str(db), "TESTING": True})
    results = app.extensions["georisk.analysis"]
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        time.sleep(0.2)  # long enough that the others ask while it runs
        return len(calls)

    got: list[int] = []

    def ask() -> None:
        with app.app_context():
            got.append(results.get(("centre", "history", ()), compute))

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert calls == [1] and got == [1] * 6

    store = app.extensions["georisk.store"]
    with app.app_context():
        assert results.get(("centre", "history", ()), compute) == 1  # the journal stands
        store.apply([c.ReportIncident(factories.incident())], Actor("op", "centre"))
        assert results.get(("centre", "history", ()), compute) == 1  # moved, but fresh
        monkeypatch.setattr(analysis_routes, "MAX_AGE_S", 0.0)
        assert results.get(("centre", "history", ()), compute) == 2  # moved and old
