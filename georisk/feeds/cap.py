"""OASIS CAP alerts (public warnings: fire, weather, chemical...) as incidents.

One alert is one incident placed at the centre of its areas (the union of every
``polygon`` and ``circle`` of every ``info``), with the precision ``area``: an alert
covers a region and must never be drawn as a pin where something happened. A circle of
radius 0 is a point and is ``exact``. Areas given only by ``geocode`` cannot be placed
without the issuer's code tables, so such alerts are refused with that reason. The
operating-area rule judges an alert by its areas, not their centre.

Updates and cancellations keep the incident: an alert that ``references`` earlier ones
belongs to the oldest of them (by its ``sent`` time), so ``msgType`` Update changes the
incident made by the original Alert and Cancel closes it. Only ``status`` Actual
reaches the picture; Exercise, Test, System and Draft alerts are ignored, as are Ack
and Error messages, which answer alerts and describe nothing.

A payload is one alert, an EDXL-DE envelope or an Atom/RSS feed of alerts (`capwrap`);
every alert in it is read on its own, and each failure is named by where it sits. XML is
parsed with defusedxml (no entities, no DTD tricks); every alert is checked against CAP
1.2 or 1.1 by georisk's own rules (`capcheck`) and, for 1.2, against OASIS's schema when
one is provided (`capschema`). A 1.1 alert is then read as 1.2: the elements are the same.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element, tostring

import shapely
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from georisk.commands import Actor
from georisk.errors import FieldError, ValidationError
from georisk.feeds import capcheck, capschema
from georisk.feeds.areas import codes_at
from georisk.feeds.base import FeedItem, Parsed, Rejected, check_size, instant, record_id
from georisk.feeds.capcheck import CAP_11, CAP_12
from georisk.feeds.capwrap import Found, unwrap
from georisk.feeds.links import Links
from georisk.model import Agency, Classification, Incident, IncidentType, Precision
from georisk.validation import ACCEPTED_EXTENT

NAME = "cap"
MAX_ALERT_BYTES = 2 * 1024 * 1024  # real alerts are a few kB; long polygons maybe 200 kB
_N = "{" + CAP_12 + "}"

#: CAP ``category`` → our incident type; the rest (Met, Geo, Env, Infra...) are "other".
CATEGORY_TYPES = {
    "Fire": IncidentType.FIRE,
    "Rescue": IncidentType.RESCUE,
    "Transport": IncidentType.TRAFFIC,
    "Health": IncidentType.MEDICAL,
    "Security": IncidentType.POLICE,
}
#: CAP ``severity`` → our 1..5 (Unknown as the default an operator would give: 2).
SEVERITIES = {"Extreme": 5, "Severe": 4, "Moderate": 3, "Minor": 2, "Unknown": 2}
_LANGUAGES = ("sv", "en")  # which info block speaks to the room, in order


class CapAdapter:
    name = NAME
    actor = Actor("cap", Agency.CENTRE)
    repeats = False

    def __init__(self, links: Links | None = None):
        self.links = links  # how a feed's linked alerts are fetched; None: they are not

    def parse(self, payload: bytes) -> Parsed:
        """One CAP payload (a file, or one HTTP answer): an alert, an envelope or a feed."""
        check_size(payload)
        parsed = Parsed()
        try:
            root = _xml(payload, "payload")
            pieces = unwrap(root)
        except ValidationError as exc:
            parsed.rejected.append(Rejected("payload", tuple(exc.errors)))
            return parsed
        if len(pieces) == 1 and pieces[0].alert is root:
            self._one(parsed, None, "alert", payload)  # exactly as received, size-checked
            return parsed
        fetched = self._fetch([p.href for p in pieces if p.href is not None])
        read: list[tuple[str, FeedItem, datetime]] = []
        for piece in pieces:
            self._piece(parsed, read, piece, fetched)
        parsed.items += _latest(read, parsed)
        return parsed

    def _fetch(self, hrefs: list[str]) -> dict[str, bytes | ValidationError]:
        if not hrefs:
            return {}
        if self.links is None:
            refused = ValidationError.one("link", "links are not followed here")
            return dict.fromkeys(hrefs, refused)
        unique = list(dict.fromkeys(hrefs))
        return dict(zip(unique, self.links.fetch_all(unique), strict=True))

    def _piece(self, parsed: Parsed, read: list[tuple[str, FeedItem, datetime]], piece: Found,
               fetched: dict[str, bytes | ValidationError]) -> None:
        if piece.skipped:
            parsed.ignored.append(f"{piece.label}: {piece.skipped}")
        elif piece.missing:
            parsed.rejected.append(Rejected(piece.label, (FieldError("", piece.missing),)))
        elif piece.alert is not None:
            self._one(parsed, read, piece.label, piece.alert)
        else:
            body = fetched[piece.href]  # type: ignore[index]
            if isinstance(body, ValidationError):
                parsed.rejected.append(Rejected(piece.label, tuple(body.errors)))
            else:
                self._one(parsed, read, f"{piece.label} ({piece.href})", body)

    @staticmethod
    def _one(parsed: Parsed, read: list[tuple[str, FeedItem, datetime]] | None, label: str,
             alert: bytes | Element) -> None:
        try:
            item, sent = _alert(alert)
        except ValidationError as exc:
            parsed.rejected.append(Rejected(label, tuple(exc.errors)))
            return
        if isinstance(item, str):
            parsed.ignored.append(f"{label}: {item}")
        elif read is None:
            parsed.items.append(item)
        else:
            read.append((label, item, sent))  # type: ignore[arg-type]


def _latest(read: list[tuple[str, FeedItem, datetime]], parsed: Parsed) -> list[FeedItem]:
    """One item per incident: a feed may list an alert beside its update or cancel, and
    only the newest (by ``sent``, then by place in the feed) says how things stand."""
    newest: dict[str, int] = {}
    for index, (_, item, sent) in enumerate(read):
        best = newest.get(item.source_id)
        if best is None or sent >= read[best][2]:
            newest[item.source_id] = index
    kept = []
    for index, (label, item, _) in enumerate(read):
        if newest[item.source_id] == index:
            kept.append(item)
        else:
            parsed.ignored.append(f"{label}: superseded by a newer alert in the same payload")
    return kept


def _xml(payload: bytes, what: str) -> Element:
    try:
        return SafeET.fromstring(payload)
    except DefusedXmlException as exc:
        raise ValidationError.one(what, f"refused XML construct: {type(exc).__name__}") from None
    except SafeET.ParseError as exc:
        raise ValidationError.one(what, f"malformed XML: {exc}") from None


def read_alert(payload: bytes | Element) -> Element:
    """The alert's root element, safely parsed, checked as CAP 1.2 or 1.1, and read as 1.2.

    Bytes are one alert document (size-checked); an element is one already parsed, such
    as an alert inside an envelope or a feed.
    """
    if isinstance(payload, Element):
        root = payload
    else:
        if len(payload) > MAX_ALERT_BYTES:
            raise ValidationError.one(
                "alert", f"{len(payload)} bytes, over the {MAX_ALERT_BYTES} limit"
            )
        root = _xml(payload, "alert")
    version = capcheck.version(root)
    if version is None:
        namespace, local = capcheck.split(root.tag)
        raise ValidationError.one("alert", (
            f"expected <alert> in namespace {CAP_12!r} (CAP 1.2) or {CAP_11!r} (CAP 1.1), "
            f"got <{local}> " + (f"in namespace {namespace!r}" if namespace else
                                 "without a namespace")
        ))
    errors = capcheck.violations(root)
    if not errors and version == "1.2":
        errors = capschema.violations(root)
    if errors:
        raise ValidationError(errors)
    if version == "1.1":  # the same elements: read on as 1.2
        for node in root.iter():
            if node.tag.startswith("{" + CAP_11 + "}"):
                node.tag = _N + node.tag.split("}", 1)[1]
    return root


def alert_item(payload: bytes | Element) -> FeedItem | str:
    """The alert as an incident, or a string saying why it is not one (ignored)."""
    return _alert(payload)[0]


def _alert(payload: bytes | Element) -> tuple[FeedItem | str, datetime | None]:
    """`alert_item`, and the alert's ``sent`` time."""
    raw = payload.strip() if isinstance(payload, bytes) else tostring(payload, "utf-8")
    root = read_alert(payload)
    status, msg_type = _text(root, "status"), _text(root, "msgType")
    if status != "Actual":
        return f"status {status} is not an actual alert", None
    if msg_type in ("Ack", "Error"):
        return f"msgType {msg_type} answers an alert and describes nothing", None
    sender, identifier = _text(root, "sender"), _text(root, "identifier")
    sent = instant(_text(root, "sent"), "sent")
    infos = root.findall(_N + "info")
    if not infos:
        if msg_type == "Cancel":
            infos = []  # a cancellation needs no info: it only closes
        else:
            raise ValidationError.one("info", "missing: an alert without info says nothing")
    original = _original(root, sender, identifier)
    withdrawn = msg_type == "Cancel"
    info = _chosen(infos) if infos else None
    areas = [area for block in infos for area in block.findall(_N + "area")]
    location, precision, extent = _place(areas) if areas or not withdrawn else (None, "", None)
    if location is None:  # a bare Cancel: the importer closes the known record by id
        location, precision = shapely.Point(15.0, 59.0), Precision.AREA.value
    times = _times(info, sent) if info is not None else (sent, None)
    ((county, municipality),) = codes_at([location.x], [location.y])
    incident = Incident(
        id=record_id(NAME, original),
        type=CATEGORY_TYPES.get(_text(info, "category"), IncidentType.OTHER)
        if info is not None else IncidentType.OTHER,
        title=_title(info)[:200],
        severity=SEVERITIES.get(_text(info, "severity"), 2) if info is not None else 2,
        agency=Agency.CENTRE,
        reported_at=times[0],
        location=location,
        description=_description(root, info, times[1])[:5000],
        classification=Classification.OPEN if _text(root, "scope") == "Public"
        else Classification.AGENCY,
        county=county,
        municipality=municipality,
        source=NAME,
        source_id=original,
        source_type=_text(info, "event")[:200] if info is not None else msg_type,
        link=_text(info, "web")[:500] if info is not None else "",
        precision=precision,
    )
    item = FeedItem(NAME, original, incident, bytes(raw), withdrawn=withdrawn, extent=extent)
    return item, sent


def _text(node: Element | None, name: str) -> str:
    if node is None:
        return ""
    found = node.find(_N + name)
    return "" if found is None or found.text is None else found.text.strip()


def _original(root: Element, sender: str, identifier: str) -> str:
    """The source id of the incident: the oldest alert this one refers to, or itself.

    ``references`` is "sender,identifier,sent" triples separated by whitespace.
    """
    oldest: tuple[datetime, str] | None = None
    for index, triple in enumerate(_text(root, "references").split()):
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise ValidationError.one(f"references[{index}]",
                                      f"{triple!r} is not 'sender,identifier,sent'")
        when = instant(parts[2], f"references[{index}].sent")
        if oldest is None or when < oldest[0]:
            oldest = (when, f"{parts[0]},{parts[1]}")
    return oldest[1] if oldest is not None else f"{sender},{identifier}"


def _chosen(infos: list[Element]) -> Element:
    """The info block read by the room: Swedish, else English, else the first."""
    for wanted in _LANGUAGES:
        for info in infos:
            if (_text(info, "language") or "en-US").lower().startswith(wanted):
                return info
    return infos[0]


def _times(info: Element, sent: datetime) -> tuple[datetime, datetime | None]:
    start = _text(info, "effective") or _text(info, "onset")
    reported = instant(start, "info.effective") if start else sent
    expires = _text(info, "expires")
    return reported, instant(expires, "info.expires") if expires else None


def _title(info: Element | None) -> str:
    if info is None:
        return "Cancelled alert"
    return _text(info, "headline") or _text(info, "event") or "CAP alert"


def _description(root: Element, info: Element | None, expires: datetime | None) -> str:
    if info is None:
        return _text(root, "note")
    grades = ", ".join(f"{name}: {_text(info, name)}" for name in ("urgency", "severity",
                                                                    "certainty"))
    lines = [_text(info, "description"), _text(info, "instruction"), grades]
    areas = "; ".join(_text(area, "areaDesc") for area in info.findall(_N + "area"))
    lines.append(f"areaDesc: {areas}" if areas else "")
    lines.append(f"expires: {expires.isoformat()}" if expires is not None else "")
    lines.append(f"sender: {_text(info, 'senderName') or _text(root, 'sender')}")
    return "\n".join(line for line in lines if line)


def _place(areas: list[Element]) -> tuple[shapely.Point, str, shapely.Geometry]:
    """The centre of all areas, its precision (a point circle alone is exact), and the
    areas themselves."""
    shapes: list[shapely.Geometry] = []
    errors: list[FieldError] = []
    for a, area in enumerate(areas):
        where = f"area[{a}]"
        for p, node in enumerate(area.findall(_N + "polygon")):
            try:
                shapes.append(_polygon(node.text or "", f"{where}.polygon[{p}]"))
            except ValidationError as exc:
                errors += exc.errors
        for c, node in enumerate(area.findall(_N + "circle")):
            try:
                shapes.append(_circle(node.text or "", f"{where}.circle[{c}]"))
            except ValidationError as exc:
                errors += exc.errors
    if errors:
        raise ValidationError(errors)
    if not shapes:
        raise ValidationError.one("area", "no polygon or circle: geocodes alone cannot be placed")
    union = shapely.union_all(shapes)
    if isinstance(union, shapely.Point):
        return union, Precision.EXACT.value, union
    centre = union.centroid if union.contains(union.centroid) else union.representative_point()
    return shapely.Point(round(centre.x, 6), round(centre.y, 6)), Precision.AREA.value, union


def _pair(text: str, where: str) -> tuple[float, float]:
    """CAP's "latitude,longitude" (WGS84) as (lon, lat), refusing the swapped order."""
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise ValidationError.one(where, f"{text!r} is not 'latitude,longitude'") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError.one(where, f"{text!r}: latitude {lat}, longitude {lon} out of range")
    min_lon, min_lat, max_lon, max_lat = ACCEPTED_EXTENT
    swapped = min_lon <= lat <= max_lon and min_lat <= lon <= max_lat
    if swapped and not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
        raise ValidationError.one(
            where, f"{text!r} looks like 'longitude,latitude'; CAP order is 'latitude,longitude'"
        )
    return lon, lat


def _polygon(text: str, where: str) -> shapely.Polygon:
    pairs = [_pair(part, where) for part in text.split()]
    if len(pairs) < 4 or pairs[0] != pairs[-1]:
        raise ValidationError.one(where, "needs at least 4 points, the first repeated as the last")
    polygon = shapely.Polygon(pairs)
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def _circle(text: str, where: str) -> shapely.Geometry:
    """A point for radius 0, else an approximate circle (radius km, at the latitude)."""
    import math

    parts = text.split()
    if len(parts) != 2:
        raise ValidationError.one(where, f"{text!r} is not 'latitude,longitude radius-km'")
    lon, lat = _pair(parts[0], where)
    try:
        radius = float(parts[1])
    except ValueError:
        raise ValidationError.one(where, f"radius {parts[1]!r} is not a number") from None
    if not (0 <= radius <= 5000) or not math.isfinite(radius):
        raise ValidationError.one(where, f"radius {radius} km is out of range")
    if radius == 0:
        return shapely.Point(lon, lat)
    degrees_lat = radius / 111.32
    degrees_lon = degrees_lat / max(math.cos(math.radians(lat)), 0.01)
    ring = [
        (lon + degrees_lon * math.cos(t), lat + degrees_lat * math.sin(t))
        for t in (2 * math.pi * i / 32 for i in range(32))
    ]
    return shapely.Polygon(ring)
