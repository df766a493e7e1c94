"""The picture as Cursor-on-Target events, so TAK clients (ATAK, WinTAK) can show it.

Units become position reports (``a-f-G-...``; helicopters ``a-f-A``, boats ``a-f-S``)
and open incidents spot markers (``b-m-p-s-m``). The caller passes records as the
viewer may see them (`georisk.access.present_all`); nothing here decides visibility.
CoT has no document for many events, so they are wrapped in ``<events>``; each child is
a complete CoT 2.0 event that `georisk.feeds.cot` reads back. ``ce`` (circular error,
metres) carries the record's precision, so a snapped 1 km cell is never shown as a fix.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring

from georisk.access import Presented
from georisk.feeds.cap_export import PRECISION_RADIUS_KM
from georisk.feeds.cot import UNKNOWN
from georisk.model import Incident, Unit, UnitKind
from georisk.timeutil import format_utc, utc_now

STALE_AFTER = timedelta(minutes=5)  # a picture older than this must not look live
UID_PREFIX = "georisk."
_UNIT_TYPES = {UnitKind.HELICOPTER: "a-f-A-C-H", UnitKind.BOAT: "a-f-S"}
_EXACT_CE_M = 10.0  # typical GNSS accuracy when the source gives none


def picture_events(shown: list[Presented], now: datetime | None = None) -> bytes:
    """``<events>`` holding one CoT event per presented unit (with a position) or incident."""
    now = now or utc_now()
    root = Element("events")
    for item in shown:
        record = item.record
        if isinstance(record, Unit) and record.position is not None:
            root.append(_unit(record, item.generalised, now))
        elif isinstance(record, Incident):
            root.append(_incident(record, item.generalised, now))
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _event(uid: str, kind: str, when: datetime | None, now: datetime, lon: float, lat: float,
           ce: float, how: str) -> Element:
    event = Element("event", version="2.0", uid=UID_PREFIX + uid, type=kind, how=how,
                    time=format_utc(when or now), start=format_utc(when or now),
                    stale=format_utc(now + STALE_AFTER))
    SubElement(event, "point", lat=f"{lat:.7f}", lon=f"{lon:.7f}", hae=str(UNKNOWN),
               ce=f"{ce:.1f}", le=str(UNKNOWN))
    return event


def _unit(unit: Unit, generalised: bool, now: datetime) -> Element:
    position = unit.position
    ce = PRECISION_RADIUS_KM["grid_cell"] * 1000 if generalised else _EXACT_CE_M
    kind = _UNIT_TYPES.get(unit.unit_kind, "a-f-G-U-C")
    event = _event(unit.id, kind, unit.position_time, now, position.x, position.y, ce,
                   "h-g-i-g-o" if generalised else "m-g")
    detail = SubElement(event, "detail")
    SubElement(detail, "contact", callsign=unit.callsign)
    SubElement(detail, "__group", name=unit.agency.value, role="Team Member")
    SubElement(detail, "status", readiness=unit.status.value)
    if unit.heading is not None and unit.speed_kmh is not None:
        speed = f"{unit.speed_kmh / 3.6:.2f}"  # CoT speed is m/s
        SubElement(detail, "track", course=f"{unit.heading:.1f}", speed=speed)
    return event


def _incident(incident: Incident, generalised: bool, now: datetime) -> Element:
    point = incident.location.centroid
    radius_km = PRECISION_RADIUS_KM.get(incident.precision, 10.0)
    ce = radius_km * 1000 if radius_km else _EXACT_CE_M
    event = _event(incident.id, "b-m-p-s-m", incident.reported_at, now, point.x, point.y, ce,
                   "h-g-i-g-o" if generalised else "h-e")
    detail = SubElement(event, "detail")
    SubElement(detail, "contact", callsign=incident.title)
    remarks = SubElement(detail, "remarks")
    remarks.text = f"{incident.type.value}, severity {incident.severity}, {incident.agency.value}"
    if incident.description:
        remarks.text += "\n" + incident.description
    return event
