"""The analyst tables' kept results: one computation however many ask at once, kept while
the journal stands, computed again once it has moved and the result is old; the page's
tables computed in the background from the start, for each agency as it may see them."""

from __future__ import annotations

import sqlite3
import threading
import time

from app import analysis as analysis_routes
from app import create_app
from app.analysis import PAGE
from georisk import analysis
from georisk import commands as c
from georisk.access import Role, Viewer
from georisk.commands import Actor
from georisk.identity import Tokens
from georisk.model import Agency
from georisk.store import SQLiteStore
from tests import factories

TABLES = dict(analysis_routes._TABLES)


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


# -- the page's tables computed in the background from the start -------------------------


def _copy(analysis_db, tmp_path):
    """The demo journal in a file of this test's own, with no token or user in it yet."""
    db = tmp_path / "warm.db"
    with sqlite3.connect(analysis_db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
        copy.execute("DELETE FROM tokens")
        copy.execute("DELETE FROM sessions")
        copy.execute("DELETE FROM users")
    return db


def _page_keys(results, agency):
    return {key for key in results._items if key[0] == agency}


def test_after_start_the_pages_tables_are_ready_for_each_reading_agency(analysis_db, tmp_path,
                                                                       monkeypatch):
    db = _copy(analysis_db, tmp_path)
    tokens = Tokens(db)
    police = tokens.create("warm-police", "police", "analyst")[1]
    rescue = tokens.create("warm-rescue", "rescue", "operator")[1]
    tokens.create("warm-sos", "sos", "viewer")  # may not read history: nothing for sos
    app = create_app({"DB": str(db), "TESTING": True, "ANALYSIS_WARM": True})
    warming = app.extensions["georisk.analysis.warming"]
    try:
        assert warming.ready.wait(timeout=300)  # no request was made
        results = app.extensions["georisk.analysis"]
        kept = {a: _page_keys(results, a) for a in ("police", "rescue", "sos", "centre")}
        assert {name for _, name, _ in kept["police"]} == {name for name, _ in PAGE}
        assert len(kept["police"]) == len(kept["rescue"]) == len(PAGE)
        assert kept["sos"] == kept["centre"] == set()

        # what the page asks for is what was computed: nothing is computed again
        def refuse(*args, **kwargs):
            raise AssertionError("computed again")

        for name, (model, _) in TABLES.items():
            monkeypatch.setitem(analysis_routes._TABLES, name, (model, refuse))
        client = app.test_client()
        answers = {}
        for agency, token in (("police", police), ("rescue", rescue)):
            for name, given in PAGE:
                answer = client.get(f"/api/v1/analysis/{name}?{given}",
                                    headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200, (agency, name, answer.get_json())
                answers[agency, name, given] = answer.data
        assert {k for k in results._items if k[0] in ("police", "rescue")} == \
            kept["police"] | kept["rescue"]
    finally:
        warming.stop()

    # each agency's tables are its own: as the policy shows that agency the journal
    store = SQLiteStore(db, create=False)
    try:
        for agency in ("police", "rescue"):
            viewer = Viewer("", Agency(agency), Role.ANALYST)
            truth = analysis.aggregate(analysis.incidents(store, viewer), ["month", "type"])
            assert answers[agency, "history", "by=month,type"] == \
                analysis_routes._table(truth, "history", "json").get_data()
    finally:
        store.close()
    assert answers["police", "history", "by=month,type"] != \
        answers["rescue", "history", "by=month,type"]
    assert answers["police", "hotspots", ""] != answers["rescue", "hotspots", ""]


def test_a_failure_in_the_background_is_logged_and_the_service_goes_on(analysis_db, tmp_path,
                                                                         caplog, monkeypatch):
    db = _copy(analysis_db, tmp_path)
    token = Tokens(db).create("warm-rescue", "rescue", "analyst")[1]

    def broken(viewer, query):
        raise RuntimeError("no hotspots today")

    monkeypatch.setitem(analysis_routes._TABLES, "hotspots",
                        (analysis_routes._TABLES["hotspots"][0], broken))
    app = create_app({"DB": str(db), "TESTING": True, "ANALYSIS_WARM": True})
    warming = app.extensions["georisk.analysis.warming"]
    try:
        assert warming.ready.wait(timeout=300)
        failed = [r for r in caplog.records if r.levelname == "ERROR"
                  and "hotspots" in r.getMessage() and "no hotspots today" in str(r.exc_info[1])]
        assert len(failed) == 1 and "rescue" in failed[0].getMessage()
        assert warming.alive()
        kept = {name for _, name, _ in _page_keys(app.extensions["georisk.analysis"], "rescue")}
        assert kept == {name for name, _ in PAGE} - {"hotspots"}
        client = app.test_client()
        answer = client.get("/api/v1/analysis/history?by=month,type",
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.get_json()["rows"]
    finally:
        warming.stop()


def test_the_background_computes_a_table_again_once_the_journal_moved_and_it_is_old(
        tmp_path, monkeypatch):
    db = tmp_path / "moving.db"
    SQLiteStore(db).close()
    Tokens(db).create("warm-rescue", "rescue", "analyst")
    app = create_app({"DB": str(db), "TESTING": True})
    store = app.extensions["georisk.store"]
    store.apply([c.ReportIncident(factories.incident()), c.RegisterUnit(factories.unit())],
                Actor("op", "rescue"))
    warming = analysis_routes.Warming(app)  # not started: its rounds, one at a time
    results = app.extensions["georisk.analysis"]
    warming.round()
    first = dict(results._items)
    assert {name for _, name, _ in _page_keys(results, "rescue")} == {n for n, _ in PAGE}
    warming.round()  # the journal stands: nothing computed again
    assert all(results._items[k][2] is v[2] for k, v in first.items())
    store.apply([c.ReportIncident(factories.incident("inc-2"))], Actor("op", "rescue"))
    warming.round()  # moved, but fresh
    assert all(results._items[k][2] is v[2] for k, v in first.items())
    monkeypatch.setattr(analysis_routes, "MAX_AGE_S", 0.0)
    warming.round()  # moved and old, but nobody of rescue has asked: kept as it is
    assert all(results._items[k][2] is v[2] for k, v in first.items())
    token = Tokens(db).create("ana", "rescue", "analyst")[1]
    assert app.test_client().get("/api/v1/analysis/blockages", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200  # a reader asks
    store.apply([c.ReportIncident(factories.incident("inc-3"))], Actor("op", "rescue"))
    kept = dict(results._items)
    warming.round()  # moved, old and read: every table again, from the incidents read again
    assert all(results._items[k][2] is not v[2] for k, v in kept.items())
    with app.app_context():
        history = analysis_routes._kept("rescue", "history",
                                        analysis_routes._page_query("history", "by=month,type"))
    assert int(history["count"].sum()) == 3


def test_every_table_answers_on_a_journal_with_no_units_and_no_incidents(tmp_path):
    db = tmp_path / "empty.db"
    SQLiteStore(db).close()
    token = Tokens(db).create("ana", "centre", "analyst")[1]
    client = create_app({"DB": str(db), "TESTING": True}).test_client()
    for name in TABLES:
        for form in ("json", "csv"):
            answer = client.get(f"/api/v1/analysis/{name}?format={form}",
                                headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, (name, form, answer.get_data(as_text=True))
