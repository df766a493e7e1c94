"""Times on the wire: RFC 3339 in UTC, whatever zone a time arrived in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from georisk.timeutil import (
    EARLIEST,
    LATEST,
    format_utc,
    from_micros,
    in_stockholm_offset,
    parse_instant,
    read_instant,
    to_micros,
    to_utc,
)

STOCKHOLM_WINTER = timezone(timedelta(hours=1))


def test_format_utc_answers_each_instant_right_however_calls_alternate():
    noon_local = datetime(2026, 1, 15, 12, 0, tzinfo=STOCKHOLM_WINTER)
    same_in_utc = datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    later = datetime(2026, 1, 15, 11, 0, 0, 250, tzinfo=UTC)
    expected = ["2026-01-15T11:00:00Z", "2026-01-15T11:00:00Z", "2026-01-15T11:00:00.000250Z"]
    for _ in range(2):  # repeated and interleaved, as a batch's reports are
        assert [format_utc(t) for t in (noon_local, same_in_utc, later)] == expected
        assert format_utc(later) == expected[2] and format_utc(noon_local) == expected[0]
    assert format_utc(datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)) == "2026-06-30T23:59:59Z"


def test_microseconds_round_trip():
    moment = datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC)
    assert from_micros(to_micros(moment)) == moment


def test_times_from_outside_must_lie_in_the_accepted_range():
    assert parse_instant("1900-01-01T01:00:00+01:00") == EARLIEST
    assert parse_instant("2200-01-01T00:59:59.999999+01:00") == LATEST
    for text in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                 "1900-01-01T00:59:59+01:00", "2199-12-31T23:00:00-01:00"):
        with pytest.raises(ValueError, match="outside the accepted range of times, 1900-"):
            parse_instant(text)
    with pytest.raises(ValueError, match="no timezone"):
        to_utc(datetime(2026, 1, 15))


def test_times_read_back_from_the_journal_are_not_checked_again():
    """A record written before the range existed must stay readable."""
    assert read_instant("9999-12-31T23:59:59Z") == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert read_instant("2026-01-15T08:00:00Z").tzinfo is UTC


@pytest.mark.parametrize("utc, stockholm", [
    ("2026-01-15T08:00:00Z", "2026-01-15T09:00:00+01:00"),
    ("2026-07-01T22:30:00.250000Z", "2026-07-02T00:30:00.250000+02:00"),
    ("2026-03-29T00:59:59Z", "2026-03-29T01:59:59+01:00"),  # the last second of winter time
    ("2026-03-29T01:00:00Z", "2026-03-29T03:00:00+02:00"),
])
def test_a_utc_time_in_stockholms_offset_is_the_same_instant(utc, stockholm):
    assert in_stockholm_offset(utc) == stockholm
    assert datetime.fromisoformat(stockholm) == datetime.fromisoformat(utc)
