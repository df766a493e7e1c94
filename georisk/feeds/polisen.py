"""Polisen's "händelser" (https://polisen.se/api/events): a JSON array of up to 500 events.

An event's ``location.gps`` is the centroid of the municipality or county named in
``location.name``, never where it happened: records get that area's codes and the
precision ``municipality_centroid`` or ``county_centroid``, and maps draw them hollow.

The list is all there is: Polisen never closes an event, it only stops listing it. Each
payload is read as a `Snapshot`, and the importer closes the events that dropped out
of it or grew older than `max_age` (`georisk.feeds.snapshot`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import shapely

from georisk.commands import Actor
from georisk.errors import FieldError, ValidationError
from georisk.feeds.areas import codes_at, county_codes, municipality_codes
from georisk.feeds.base import FeedItem, Parsed, Rejected, json_payload, record_id
from georisk.feeds.snapshot import Snapshot, area_of
from georisk.model import Agency, Classification, Incident, IncidentType, Precision
from georisk.timeutil import to_utc
from georisk.validation import check_position

NAME = "polisen"
BASE_URL = "https://polisen.se"
#: A day: the room's picture is today's work, shift to shift; a police notice not
#: updated for a day is history (the list itself reaches back about a week).
DEFAULT_MAX_AGE_HOURS = 24.0

# "2024-09-04 18:27:49 +02:00"; the hour is sometimes one digit ("9:13:04").
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2}) ?([+-]\d{2}):?(\d{2})$")

#: Polisen's event types that are another agency's kind of work; the rest are police.
_TYPES: tuple[tuple[str, IncidentType], ...] = (
    ("trafikolycka", IncidentType.TRAFFIC),
    ("brand", IncidentType.FIRE),
    ("mordbrand", IncidentType.FIRE),
    ("räddningsinsats", IncidentType.RESCUE),
    ("fjällräddning", IncidentType.RESCUE),
    ("sjöräddning", IncidentType.RESCUE),
    ("arbetsplatsolycka", IncidentType.RESCUE),
)


def incident_type(event_type: str) -> IncidentType:
    head = event_type.split(",", 1)[0].strip().casefold()
    for name, mapped in _TYPES:
        if head == name:
            return mapped
    return IncidentType.POLICE


class PolisenAdapter:
    name = NAME
    actor = Actor("polisen", Agency.POLICE)
    repeats = False

    def __init__(self, max_age_hours: float | None = None):
        from georisk import settings

        hours = settings.polisen_max_age_hours() if max_age_hours is None else max_age_hours
        self.max_age = timedelta(hours=hours)

    def parse(self, payload: bytes) -> Parsed:
        events = json_payload(payload)
        if not isinstance(events, list):
            raise ValidationError.one("payload", "expected a JSON array of events")
        parsed = Parsed()
        pending: list[tuple[int, dict[str, Any], Incident]] = []
        for index, event in enumerate(events):
            try:
                pending.append((index, event, _incident(event)))
            except ValidationError as exc:
                parsed.rejected.append(Rejected(_where(index, event), tuple(exc.errors)))
        # areas named but not known by name get their codes from the centroid, at once
        unknown = [i for i, (_, _, inc) in enumerate(pending) if not inc.county]
        located = codes_at(
            [pending[i][2].location.x for i in unknown], [pending[i][2].location.y for i in unknown]
        )
        for i, (county, muni) in zip(unknown, located, strict=True):
            index, event, inc = pending[i]
            pending[i] = (index, event, inc.replace(county=county, municipality=muni))
        for _, event, inc in pending:
            raw = orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
            parsed.items.append(FeedItem(NAME, inc.source_id, inc, raw))
        parsed.snapshot = Snapshot(
            NAME,
            ids=frozenset(str(e["id"]) for e in events if isinstance(e, dict) and "id" in e),
            areas=frozenset(area_of(inc) for _, _, inc in pending),
            newest=max((inc.reported_at for _, _, inc in pending), default=None),
            max_age=self.max_age,
        )
        return parsed


def _where(index: int, event: object) -> str:
    ident = event.get("id") if isinstance(event, dict) else None
    return f"item {index}" + ("" if ident is None else f" (id {ident})")


def _incident(event: object) -> Incident:
    if not isinstance(event, dict):
        raise ValidationError.one("", "an event must be a JSON object")
    errors: list[FieldError] = []

    def need(field: str, kind: type) -> Any:
        value = event.get(field)
        if not isinstance(value, kind) or isinstance(value, bool) or value == "":
            errors.append(FieldError(field, "missing" if value is None else "wrong type"))
            return None
        return value

    ident, name, when = need("id", int), need("name", str), need("datetime", str)
    event_type = need("type", str)
    summary = event.get("summary") or ""
    url = event.get("url") or ""
    location = event.get("location")
    reported = None
    if when is not None:
        reported = _time(when, errors)
    point = area = None
    if not isinstance(location, dict):
        errors.append(FieldError("location", "missing"))
    else:
        area = location.get("name")
        if not isinstance(area, str) or not area.strip():
            errors.append(FieldError("location.name", "missing"))
        point = _gps(location.get("gps"), errors)
    if not isinstance(summary, str) or not isinstance(url, str):
        errors.append(
            FieldError("summary" if not isinstance(summary, str) else "url", "wrong type")
        )
    if errors:
        raise ValidationError(errors)
    precision, county, municipality = _area(area.strip())
    return Incident(
        id=record_id(NAME, str(ident)),
        type=incident_type(event_type),
        title=name.strip()[:200],
        severity=2,  # Polisen grades nothing; operators raise it when they know more
        agency=Agency.POLICE,
        reported_at=reported,
        location=point,
        description=summary[:5000],
        classification=Classification.OPEN,  # published by the police themselves
        county=county,
        municipality=municipality,
        source=NAME,
        source_id=str(ident),
        source_type=event_type,
        link=BASE_URL + url if url.startswith("/") else url,
        precision=precision,
    )


def _time(text: str, errors: list[FieldError]) -> datetime | None:
    match = _TIME.match(text.strip())
    if match is None:
        errors.append(FieldError(
            "datetime", f"{text!r} is not 'YYYY-MM-DD HH:MM:SS +HH:MM' (with an offset)"
        ))
        return None
    y, mo, d, h, mi, s, oh, om = (int(part) for part in match.groups())
    offset = timedelta(hours=abs(oh), minutes=om) * (-1 if match.group(7).startswith("-") else 1)
    try:  # the range check of to_utc too: year 1 at +14:00 has no UTC instant
        return to_utc(datetime(y, mo, d, h, mi, s, tzinfo=timezone(offset)))
    except ValueError as exc:
        errors.append(FieldError("datetime", f"{text!r}: {exc}"))
        return None


def _gps(value: object, errors: list[FieldError]) -> shapely.Point | None:
    """'lat,lon' (latitude first, unlike GeoJSON)."""
    if not isinstance(value, str) or value.count(",") != 1:
        errors.append(FieldError("location.gps", f"{value!r} is not 'latitude,longitude'"))
        return None
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        errors.append(FieldError("location.gps", f"{value!r} is not two numbers"))
        return None
    try:
        check_position(lon, lat, "location.gps")
    except ValidationError as exc:
        errors += exc.errors
        return None
    return shapely.Point(lon, lat)


def _area(name: str) -> tuple[str, str, str]:
    """(precision, county code, municipality code) from the location's name."""
    key = name.casefold()
    if key.endswith(" län"):
        return Precision.COUNTY_CENTROID.value, county_codes().get(key, ""), ""
    found = municipality_codes().get(key)
    if found is None:
        return Precision.MUNICIPALITY_CENTROID.value, "", ""
    code, county = found
    return Precision.MUNICIPALITY_CENTROID.value, county, code
