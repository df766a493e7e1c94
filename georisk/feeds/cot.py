"""Cursor-on-Target (CoT 2.0) events from TAK clients (ATAK, WinTAK): position reports.

A friendly ``a-f-...`` event moves (or first registers) the unit ``cot-<uid>``; other
event types (map markers, chat) are ignored. CoT marks an unknown value with 9999999,
and a device without a fix often sends 0,0: both are refused as positions. Unknown
``detail`` children are common (every plug-in adds its own) and are ignored.
XML is parsed with defusedxml: no external entities, no entity expansion.
"""

from __future__ import annotations

import re

import shapely
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from georisk.commands import Actor
from georisk.errors import FieldError, ValidationError
from georisk.feeds.base import FeedItem, Parsed, Rejected, check_size, instant, record_id
from georisk.model import Agency, Classification, Unit, UnitKind

NAME = "cot"
UNKNOWN = 9_999_999.0  # CoT's "no value" for hae, ce, le (and lat/lon without a fix)
MAX_EVENT_BYTES = 64 * 1024  # real events are under 2 kB; more is garbage or an attack

_EVENT_END = re.compile(rb"</event\s*>")
_EVENT_START = re.compile(rb"<event[\s>]")
_DECLARATION_BEFORE = re.compile(rb"<\?xml[^>]*\?>\s*$")
_KINDS = (("a-f-A", UnitKind.HELICOPTER), ("a-f-S", UnitKind.BOAT))


class CotAdapter:
    name = NAME
    repeats = True  # a stream carries many reports of one unit: its track

    def __init__(self, agency: Agency = Agency.CENTRE):
        self.actor = Actor("cot", agency)
        self.agency = agency

    def parse(self, payload: bytes) -> Parsed:
        """A file or buffer holding one or more concatenated ``<event>`` documents."""
        check_size(payload)
        parsed = Parsed()
        chunks, rest = split_events(payload)
        if rest.strip():
            chunks.append(rest)  # reported as unreadable below, with its reason
        for index, chunk in enumerate(chunks):
            self.parse_one(chunk, parsed, f"event {index}")
        return parsed

    def parse_one(self, chunk: bytes, parsed: Parsed, where: str) -> None:
        try:
            item = event_item(chunk, self.agency)
        except ValidationError as exc:
            parsed.rejected.append(Rejected(where, tuple(exc.errors)))
            return
        if isinstance(item, str):
            parsed.ignored.append(f"{where}: {item}")
        else:
            parsed.items.append(item)


def split_events(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete ``<event>...</event>`` documents at the front of a stream, and the rest."""
    chunks: list[bytes] = []
    start = 0
    for match in _EVENT_END.finditer(buffer):
        chunks += _resync(buffer[start : match.end()])
        start = match.end()
    return chunks, buffer[start:]


def _resync(chunk: bytes) -> list[bytes]:
    """Garbage or an event that never ended must not swallow the next event: what comes
    before the last event start (and its XML declaration) is a separate, broken chunk."""
    starts = [match.start() for match in _EVENT_START.finditer(chunk)]
    if not starts:
        return [chunk]
    cut = starts[-1]
    declaration = _DECLARATION_BEFORE.search(chunk, 0, cut)
    if declaration is not None:
        cut = declaration.start()
    if not chunk[:cut].strip():
        return [chunk]
    return [chunk[:cut], chunk[cut:]]


def event_item(chunk: bytes, agency: Agency = Agency.CENTRE) -> FeedItem | str:
    """One event as a unit position, or a string saying why it is not one (ignored)."""
    if len(chunk) > MAX_EVENT_BYTES:
        raise ValidationError.one("event", f"{len(chunk)} bytes, over the {MAX_EVENT_BYTES} limit")
    try:
        root = SafeET.fromstring(chunk.strip())
    except DefusedXmlException as exc:
        raise ValidationError.one("event", f"refused XML construct: {type(exc).__name__}") from None
    except SafeET.ParseError as exc:
        raise ValidationError.one("event", f"malformed XML: {exc}") from None
    if root.tag != "event":
        found = root.tag.split("}")[0].lstrip("{") if root.tag.startswith("{") else ""
        what = f"in namespace {found!r}" if found else f"<{root.tag}>"
        raise ValidationError.one("event", f"expected a CoT <event> without namespace, got {what}")
    errors: list[FieldError] = []
    uid = (root.get("uid") or "").strip()
    kind = root.get("type") or ""
    if not uid:
        errors.append(FieldError("event@uid", "missing"))
    if not kind:
        errors.append(FieldError("event@type", "missing"))
    time = stale = None
    for name in ("time", "stale"):
        try:
            moment = instant(root.get(name), f"event@{name}")
        except ValidationError as exc:
            errors += exc.errors
            continue
        if name == "time":
            time = moment
        else:
            stale = moment
    if errors:
        raise ValidationError(errors)
    if not kind.startswith("a-f-"):
        return f"type {kind!r} is not a friendly position report"
    if stale is not None and time is not None and stale < time:
        raise ValidationError.one("event@stale", "is before event@time")
    point = root.find("point")
    if point is None:
        raise ValidationError.one("point", "missing")
    lon, lat = _fix(point)
    detail = root.find("detail")
    contact = detail.find("contact") if detail is not None else None
    track = detail.find("track") if detail is not None else None
    callsign = (contact.get("callsign") if contact is not None else None) or uid
    heading, speed = _track(track)
    unit = Unit(
        id=record_id(NAME, uid),
        callsign=callsign.strip()[:100],
        agency=agency,
        unit_kind=_kind(kind),
        position=shapely.Point(lon, lat),
        heading=heading,
        speed_kmh=speed,
        position_time=time,
        classification=Classification.OPEN,
    )
    return FeedItem(NAME, uid, unit, bytes(chunk.strip()))


def _fix(point: object) -> tuple[float, float]:
    values = {}
    for name in ("lat", "lon"):
        text = point.get(name)  # type: ignore[attr-defined]
        try:
            values[name] = float(text)
        except (TypeError, ValueError):
            raise ValidationError.one(f"point@{name}", f"{text!r} is not a number") from None
    lat, lon = values["lat"], values["lon"]
    if UNKNOWN in (abs(lat), abs(lon)):
        raise ValidationError.one("point", "9999999 is CoT's 'no value': the device has no fix")
    if lat == 0.0 and lon == 0.0:
        raise ValidationError.one("point", "0,0 means the device has no fix; it is not a position")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError.one("point", f"lat {lat}, lon {lon} is out of range")
    return lon, lat


def _track(track: object) -> tuple[float | None, float | None]:
    if track is None:
        return None, None
    try:
        course = float(track.get("course"))  # type: ignore[attr-defined]
        speed = float(track.get("speed"))  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None, None
    heading = course % 360 if 0 <= course < UNKNOWN else None
    speed_kmh = speed * 3.6 if 0 <= speed < UNKNOWN else None  # CoT speed is m/s
    return heading, speed_kmh


def _kind(cot_type: str) -> UnitKind:
    for prefix, kind in _KINDS:
        if cot_type.startswith(prefix):
            return kind
    return UnitKind.OTHER
