"""Times on the wire: RFC 3339 in UTC, whatever zone a time arrived in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from georisk.timeutil import format_utc, from_micros, to_micros

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
