"""Polisen's events end: dropped out of a newer list, or older than the configured age,
each closed by one journalled event that says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from georisk.feeds.importer import import_parsed
from georisk.feeds.polisen import PolisenAdapter
from georisk.model import IncidentStatus
from georisk.timeutil import utc_now
from tests.feeds_support import OPERATING, reasons
from tests.test_cli import georisk
from tests.test_feeds_polisen import event, payload, polisen_time

KARLSTAD = {"name": "Karlstad", "gps": "59.402724,13.511497"}
OREBRO = {"name": "Örebro", "gps": "59.274,15.2066"}
DROPPED = "Avslutad automatiskt: finns inte längre i källans lista (polisen)."


def ago(hours: float) -> str:
    return polisen_time(utc_now() - timedelta(hours=hours))


def imported(store, *events: dict, max_age_hours: float = 24):
    feed = PolisenAdapter(max_age_hours=max_age_hours)
    return import_parsed(store, feed, feed.parse(payload(*events)), area=OPERATING)


def test_an_event_that_drops_out_of_the_next_list_is_closed_with_the_reason(store):
    first = imported(store, event(1, datetime=ago(3)), event(2, datetime=ago(2)),
                     event(3, datetime=ago(1)))
    assert (first.created, first.closed) == (3, 0), reasons(first)
    second = imported(store, event(2, datetime=ago(2)), event(3, datetime=ago(1)),
                      event(4, datetime=ago(0.5)))
    assert (second.created, second.unchanged, second.closed) == (1, 2, 1)
    gone = store.get("incident", "polisen-1")
    assert gone.status == IncidentStatus.CLOSED
    assert gone.description == "Brand i ett förråd.\n" + DROPPED
    last = store.events_of("incident", "polisen-1")[-1]
    assert last.kind == "incident.closed" and last.actor == "polisen"
    assert DROPPED in last.payload["properties"]["description"]
    for kept in ("polisen-2", "polisen-3", "polisen-4"):
        assert store.get("incident", kept).status == IncidentStatus.OPEN
    again = imported(store, event(2, datetime=ago(2)), event(3, datetime=ago(1)),
                     event(4, datetime=ago(0.5)))
    assert (again.closed, again.unchanged) == (0, 3)  # closing is done once


def test_a_list_for_another_place_does_not_end_this_places_events(store):
    imported(store, event(1, datetime=ago(2), location=KARLSTAD))
    summary = imported(store, event(2, datetime=ago(1), location=OREBRO))
    assert summary.closed == 0
    assert store.get("incident", "polisen-1").status == IncidentStatus.OPEN


def test_a_list_older_than_the_event_cannot_end_it(store):
    imported(store, event(1, datetime=ago(1)))
    summary = imported(store, event(2, datetime=ago(5)))  # an archived list, read late
    assert summary.closed == 0
    assert store.get("incident", "polisen-1").status == IncidentStatus.OPEN


def test_an_event_older_than_the_configured_age_is_closed_at_that_age(store):
    summary = imported(store, event(1, datetime=ago(30)), event(2, datetime=ago(1)))
    assert (summary.created, summary.closed) == (2, 1), reasons(summary)
    old = store.get("incident", "polisen-1")
    assert old.status == IncidentStatus.CLOSED
    assert old.closed_at == old.reported_at + timedelta(hours=24)
    assert old.description.endswith(
        "Avslutad automatiskt: rapporterad för mer än 24 timmar sedan utan uppdatering från "
        "källan (polisen).")
    assert store.get("incident", "polisen-2").status == IncidentStatus.OPEN


def test_an_open_event_ages_out_on_a_later_import(store):
    imported(store, event(1, datetime=ago(2)))
    assert store.get("incident", "polisen-1").status == IncidentStatus.OPEN
    later = imported(store, event(1, datetime=ago(2)), max_age_hours=1.5)  # still listed
    assert later.closed == 1
    assert "mer än 1.5 timmar" in store.get("incident", "polisen-1").description


def test_the_note_fits_a_full_description(store):
    full = event(1, datetime=ago(30), summary="x" * 5_000)
    assert imported(store, full).closed == 1
    description = store.get("incident", "polisen-1").description
    assert len(description) == 5_000 and description.endswith("(polisen).")


@pytest.mark.parametrize("value", ["ten", "-1"])
def test_a_bad_age_setting_is_refused(monkeypatch, value):
    from georisk.errors import GeoriskError

    monkeypatch.setenv("GEORISK_POLISEN_MAX_AGE_H", value)
    with pytest.raises(GeoriskError, match="GEORISK_POLISEN_MAX_AGE_H"):
        PolisenAdapter()


def test_cli_imports_of_consecutive_lists_close_what_aged_and_dropped_out(tmp_path, db_path):
    assert georisk("init-db", "--db", str(db_path)).returncode == 0
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    first.write_bytes(payload(event(1, datetime=ago(3)), event(2, datetime=ago(2)),
                              event(3, datetime=ago(1))))
    second.write_bytes(payload(event(3, datetime=ago(1))))
    result = georisk("import", "--db", str(db_path), "polisen", str(first), str(second),
                     env={"GEORISK_POLISEN_MAX_AGE_H": "2.5"})
    assert result.returncode == 0, result.stderr
    assert "1.json: 3 created, 0 updated, 1 closed, 0 unchanged" in result.stderr  # age
    assert "2.json: 0 created, 0 updated, 1 closed, 1 unchanged" in result.stderr  # dropped
