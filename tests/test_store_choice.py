"""Choosing the store: a file path keeps SQLite, a postgresql:// URL (option or
GEORISK_DB) selects PostGIS, and every command and the service's own tables (users,
tokens, sessions, sign-in counters, idempotency keys, work slots, the feed ledger) work
on either."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import shapely
from click.testing import CliRunner

from app.cli import cli
from georisk import commands as c
from georisk.store import SQLiteStore, is_url, open_store
from tests.conftest import ROOT
from tests.factories import RESCUE, T0, incident, unit


def test_the_location_chooses_the_backend(tmp_path, pg_url):
    from georisk.store.postgis import PostGISStore

    assert not is_url(tmp_path / "g.db") and is_url(pg_url)
    with open_store(tmp_path / "g.db") as lite, open_store(pg_url) as pg:
        assert isinstance(lite, SQLiteStore) and isinstance(pg, PostGISStore)
        with open_store(pg.location) as again:
            assert again.last_seq() == 0


def _seed(location: str) -> None:
    store = open_store(location)
    store.apply([c.ReportIncident(incident("inc-1")), c.RegisterUnit(unit("u1"))], RESCUE, at=T0)
    store.apply([c.MoveUnit("u1", shapely.Point(15.0, 59.0), T0)], RESCUE,
                at=T0 + timedelta(hours=1))
    store.close()


def test_commands_work_on_the_store_the_environment_names(store_location, tmp_path):
    runner = CliRunner()
    env = {"GEORISK_DB": store_location}

    def run(*args: str):
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "0 events" in run("init-db")
    if is_url(store_location):
        assert "@" in run("init-db") and "password" not in run("init-db")
    _seed(store_location)
    lines = run("events", "--json").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3]
    state = json.loads(run("state", "--at", (T0 + timedelta(minutes=30)).isoformat()))
    assert {f["id"] for f in state["features"]} == {"inc-1", "u1"}
    assert run("users", "add", "anna.r", "--agency", "rescue", "--role", "operator").strip()
    token = run("tokens", "create", "--name", "qgis", "--agency", "centre", "--role",
                "analyst").split()[-1]
    assert token.startswith("grk_")
    sample = str(ROOT / "examples" / "polisen" / "events-0955.json")
    assert "rejected" in run("import", "polisen", sample)
    assert "0 created, 0 updated" in run("import", "polisen", sample)  # the ledger knew them
    exported = tmp_path / "brief.html"
    run("export", "-o", str(exported), "--agency", "police")
    assert exported.stat().st_size > 10_000


def test_the_services_own_tables_are_shared_through_the_database(store_location):
    """Two sets of objects on one database, as two instances would hold: a sign-in
    counted by one is seen by the other, a session started by one ends for both, a token
    revoked by one is refused by both, and a work slot taken by one counts for both."""
    from georisk.identity import Tokens
    from georisk.sessions import Sessions
    from georisk.slots import Full, Slots
    from georisk.throttle import ACCOUNT, Throttle, account_key
    from georisk.users import Users

    open_store(store_location).close()  # creates the schema
    users = Users(store_location)
    user = users.add("anna.r", "rescue", "operator", "ett-långt-lösenord")
    first, second = Throttle(store_location), Throttle(store_location)
    for _ in range(ACCOUNT.free):
        assert first.attempt([(account_key("anna.r"), ACCOUNT)]).wait is None
    assert second.attempt([(account_key("anna.r"), ACCOUNT)]).wait is not None  # locked

    a, b = Sessions(store_location), Sessions(store_location)
    secret = a.start(user, timedelta(hours=1))
    assert b.check(secret).user.name == "anna.r"
    b.end(secret)
    assert a.check(secret) is None

    tokens_a, tokens_b = Tokens(store_location), Tokens(store_location)
    info, token = tokens_a.create("qgis", "centre", "analyst")
    assert tokens_b.check(token).id == info.id
    tokens_b.revoke(info.id)
    assert tokens_a.check(token) is None

    slots_a, slots_b = Slots(store_location, "export"), Slots(store_location, "export")
    taken = slots_a.take("anna.r", per_holder=1, per_process=5)
    with pytest.raises(Full):
        slots_b.take("anna.r", per_holder=1, per_process=5)
    slots_a.give_back(taken)
    slots_b.give_back(slots_b.take("anna.r", per_holder=1, per_process=5))


def test_the_feed_ledger_and_idempotency_keys_use_either_database(store_location):
    from georisk.feeds.ledger import Ledger
    from georisk.store.connections import Connections, unique_violations

    open_store(store_location).close()
    ledger = Ledger(store_location)
    assert ledger.lookup("polisen", ["1"]) == {}
    ledger.close()
    con = Connections(store_location).get()
    con.execute("INSERT INTO idempotency (token_id, key, request_hash, created_us)"
                " VALUES (?, ?, ?, ?)", ("tok", "k1", "h", 1))
    with pytest.raises(unique_violations()):
        con.execute("INSERT INTO idempotency (token_id, key, request_hash, created_us)"
                    " VALUES (?, ?, ?, ?)", ("tok", "k1", "h", 2))
