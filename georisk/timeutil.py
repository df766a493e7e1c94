"""Time: timezone-aware UTC inside, Europe/Stockholm when shown to people.

The store keeps instants as integer microseconds since the Unix epoch so that
comparisons and indexes are exact; float timestamps lose sub-microsecond bits.

Times from outside (API, CLI, feeds) must lie in `EARLIEST`..`LATEST`: RFC 3339 allows
``0001-01-01T00:00:00+14:00``, which Python cannot even convert to UTC, and every
instant near the ends of Python's calendar (years 1-9999) overflows in some later step
(a window widened by a tolerance, a local time for display). Times read back from the
journal are georisk's own and are not checked again (`read_instant`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# The accepted range, in UTC: centuries on both sides of anything a control centre
# records or plans, and a century from the end of Python's calendar.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2199, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
ACCEPTED_RANGE = "1900-01-01T00:00:00Z to 2199-12-31T23:59:59Z"


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    return (moment - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant from outside, with an explicit offset (``Z`` or ``+02:00``),
    as UTC; ValueError when it is malformed, has no zone or is out of range."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone; add Z or an offset such as +01:00")
    return to_utc(moment)


def to_utc(moment: datetime) -> datetime:
    """An aware time from outside as UTC, or ValueError when it is outside the accepted
    range. The range is checked first: comparing aware times cannot overflow, while
    converting one near the ends of the calendar can."""
    if moment.utcoffset() is None:
        raise ValueError(f"time {moment.isoformat()} has no timezone")
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"{moment.isoformat()} is outside the accepted range of times, "
                         f"{ACCEPTED_RANGE}")
    return moment.astimezone(UTC)


def read_instant(text: str) -> datetime:
    """A time georisk wrote itself (journal payloads, always UTC), as UTC. Not checked
    against the range: records written before the range existed must stay readable."""
    return datetime.fromisoformat(text).astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, the form every georisk output uses (microseconds
    only when there are any)."""
    utc = moment.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def in_stockholm_offset(text: str) -> str:
    """An RFC 3339 time (as `format_utc` writes it) as the same instant written with
    Stockholm's UTC offset at that instant: ``2026-01-15T08:00:00Z`` is
    ``2026-01-15T09:00:00+01:00``. For clients that drop the offset and read the rest as
    their local time (`app.ogc`)."""
    local = datetime.fromisoformat(text).astimezone(STOCKHOLM)
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


def format_local(moment: datetime) -> str:
    """How operators read a time: Stockholm wall clock with the zone's name."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
