"""Moving a centre between stores: `georisk migrate-store` copies the journal exactly,
rebuilds the projections, carries users and tokens along, and checks both stores."""

from __future__ import annotations

from click.testing import CliRunner

from app.cli import cli
from georisk.identity import Tokens
from georisk.journal import VIEWS
from georisk.scenario import ScenarioOptions, generate
from georisk.store import Query, open_store
from georisk.users import Users
from tests.factories import RESCUE


def _migrate(source: str, target: str):
    return CliRunner().invoke(cli, ["migrate-store", "--from", source, "--to", target,
                                    "--samples", "6"], catch_exceptions=False)


def test_a_centre_moves_to_postgis_and_back_exactly(tmp_path, pg_url, pg_server):
    from datetime import UTC, datetime

    lite = str(tmp_path / "centre.db")
    store = open_store(lite)
    generate(store, ScenarioOptions(incidents=150, units=12, days=4,
                                    end=datetime(2026, 7, 20, tzinfo=UTC)))
    store.note("access.signed_in", RESCUE, "anna.r", {"ok": True})
    store.close()
    Users(lite).add("anna.r", "rescue", "operator", "ett-långt-lösenord")
    _, token = Tokens(lite).create("qgis", "centre", "analyst")

    moved = _migrate(lite, pg_url)
    assert moved.exit_code == 0, moved.output
    assert "checked:" in moved.stdout and "1 users" in moved.stdout

    with open_store(lite) as old, open_store(pg_url) as new:
        last = old.last_seq()
        assert old.events_after(0, last) == new.events_after(0, last)  # seqs, times, actors...
        for view in VIEWS:
            assert old.events_in_view(view, 0, last) == new.events_in_view(view, 0, last)
        for kind in ("incident", "unit", "blockage", "riskzones"):
            assert old.query(Query(kind)).records == new.query(Query(kind)).records
    assert Users(pg_url).authenticate("anna.r", "ett-långt-lösenord") is not None
    assert Tokens(pg_url).check(token) is not None

    # and back, into a new file; a store that already has a journal is refused
    back = str(tmp_path / "back.db")
    assert _migrate(pg_url, back).exit_code == 0
    refused = _migrate(lite, back)
    assert refused.exit_code != 0 and "already holds a journal" in refused.output
    with open_store(lite) as old, open_store(back) as again:
        assert old.events_after(0, 10**6) == again.events_after(0, 10**6)
