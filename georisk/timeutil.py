"""Time: timezone-aware UTC inside, Europe/Stockholm when shown to people.

The store keeps instants as integer microseconds since the Unix epoch so that
comparisons and indexes are exact; float timestamps lose sub-microsecond bits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    return (moment - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an explicit offset (``Z`` or ``+02:00``), as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone; add Z or an offset such as +01:00")
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, the form every georisk output uses."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds")  # ends in +00:00
    return text[:-13] + "Z" if text.endswith(".000000+00:00") else text[:-6] + "Z"


def format_local(moment: datetime) -> str:
    """How operators read a time: Stockholm wall clock with the zone's name."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
