"""An incident as a CAP 1.2 alert, for systems that take public-warning formats.

The caller passes the incident as the viewer may see it (`georisk.access.present`):
this module never decides visibility, so a generalised incident exports with its
generic title and snapped point. The area is a circle whose radius says how well the
point is known (`PRECISION_RADIUS_KM`), so a receiver never mistakes a municipality
centroid or a 1 km grid cell for an exact position.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from georisk.feeds.capcheck import CAP_12 as CAP_NS
from georisk.model import Incident, IncidentStatus, IncidentType
from georisk.timeutil import utc_now

#: How far (km) the thing itself may be from the exported point, by precision: half the
#: diagonal of a 1 km cell; a typical municipality's or county's half-width.
PRECISION_RADIUS_KM = {
    "exact": 0.0,
    "line": 1.0,
    "grid_cell": 0.71,
    "municipality_centroid": 25.0,
    "county_centroid": 100.0,
    "area": 10.0,
}
TYPE_CATEGORY = {
    IncidentType.FIRE: "Fire",
    IncidentType.FOREST_FIRE: "Fire",
    IncidentType.TRAFFIC: "Transport",
    IncidentType.POLICE: "Security",
    IncidentType.MEDICAL: "Health",
    IncidentType.RESCUE: "Rescue",
    IncidentType.OTHER: "Other",
}
SEVERITY_NAMES = {1: "Minor", 2: "Minor", 3: "Moderate", 4: "Severe", 5: "Extreme"}


def sender() -> str:
    """Who the alerts say they are from (``GEORISK_CAP_SENDER``); CAP forbids spaces."""
    return os.environ.get("GEORISK_CAP_SENDER", "georisk@ledningscentral.local")


def cap_time(moment: datetime) -> str:
    """CAP's own dateTime form: seconds, a numeric offset, never "Z" or fractions."""
    return moment.replace(microsecond=0).isoformat()


def incident_alert(incident: Incident, *, generalised: bool, now: datetime | None = None,
                   brief: Mapping[str, Any] | None = None) -> bytes:
    """The CAP 1.2 alert (UTF-8 XML) describing ``incident`` as presented; with its risk
    brief (`georisk.resources.brief`, computed for the same viewer) as parameters."""
    now = (now or utc_now()).replace(microsecond=0)
    alert = Element("alert", xmlns=CAP_NS)
    closed = incident.status == IncidentStatus.CLOSED
    for name, value in (
        ("identifier", f"{incident.id}.{int(now.timestamp())}"),
        ("sender", sender()),
        ("sent", cap_time(now)),
        ("status", "Actual"),
        ("msgType", "Alert"),
        ("scope", "Restricted"),
        ("restriction", "Gemensam lägesbild; får inte spridas vidare utan ägarens medgivande"),
    ):
        SubElement(alert, name).text = value
    if generalised:
        SubElement(alert, "note").text = "Generaliserad: typ, titel och plats är grova."
    info = SubElement(alert, "info")
    SubElement(info, "language").text = "sv-SE"
    SubElement(info, "category").text = TYPE_CATEGORY[incident.type]
    SubElement(info, "event").text = incident.source_type or incident.type.value
    SubElement(info, "urgency").text = "Past" if closed else "Immediate"
    SubElement(info, "severity").text = SEVERITY_NAMES.get(incident.severity, "Unknown")
    SubElement(info, "certainty").text = "Observed"
    SubElement(info, "effective").text = cap_time(incident.reported_at)
    if closed and incident.closed_at is not None:
        SubElement(info, "expires").text = cap_time(incident.closed_at)
    SubElement(info, "senderName").text = f"georisk ({incident.agency.value})"
    SubElement(info, "headline").text = incident.title
    if incident.description:
        SubElement(info, "description").text = incident.description
    if incident.link:
        SubElement(info, "web").text = incident.link
    parameters = [("precision", incident.precision), ("status", incident.status.value)]
    for name, value in [*parameters, *(brief_parameters(brief) if brief else [])]:
        parameter = SubElement(info, "parameter")
        SubElement(parameter, "valueName").text = f"georisk:{name}"
        SubElement(parameter, "value").text = value
    area = SubElement(info, "area")
    SubElement(area, "areaDesc").text = _area_text(incident)
    point = incident.location.centroid
    radius = PRECISION_RADIUS_KM.get(incident.precision, 10.0)
    SubElement(area, "circle").text = f"{point.y:.6f},{point.x:.6f} {radius}"
    for name, value in (("SE-SCB-lan", incident.county), ("SE-SCB-kommun", incident.municipality)):
        if value:
            geocode = SubElement(area, "geocode")
            SubElement(geocode, "valueName").text = name
            SubElement(geocode, "value").text = value
    return tostring(alert, encoding="utf-8", xml_declaration=True)


def brief_parameters(brief: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The risk brief as CAP ``<parameter>``s (``georisk:brief.*``): who answers for the
    place, today's fire risk, blockages near it, the nearest units with their ETAs and
    incidents that may be the same event, one value per line of the brief. Times are as
    approximate as the network says (``brief.network``). Only what the brief holds, and
    it was computed on the records as the alert's reader is shown them."""
    out: list[tuple[str, str]] = []
    area = brief.get("area") or {}
    for name in ("police_region", "rescue_service", "rescue_region", "sos"):
        if area.get(name):
            out.append((f"brief.{name}", str(area[name])))
    risk = brief.get("fire_risk")
    if risk:
        out.append(("brief.fire_risk", f"{risk['class']} {risk['label']} "
                    f"(FWI {risk['fwi_min']:g}-{risk['fwi_max']:g}, {risk['scale']})"))
    for item in brief.get("blockages", [])[:5]:
        road = item["blockage"]["properties"].get("road", "")
        approach = ", on an approach road" if item["on_approach"] else ""
        out.append(("brief.blockage", f"{road} {item['distance_m'] / 1000:.1f} km{approach}"))
    for route in brief.get("units", []):
        props = route["properties"]
        unit = props["unit"]["properties"]
        eta = "unreachable" if props["eta_min"] is None else f"ETA {props['eta_min']:g} min"
        out.append(("brief.unit", f"{unit['callsign']} ({unit['unit_kind']}, {unit['agency']}) "
                    f"{eta}, {props['distance_m'] / 1000:.1f} km"))
    for other in brief.get("possibly_same", []):
        out.append(("brief.possibly_same", f"{other['incident']['id']} score {other['score']:g}, "
                    f"{other['distance_m'] / 1000:.1f} km, {other['minutes_apart']:g} min apart"))
    for linked in brief.get("linked", []):
        out.append(("brief.linked", f"{linked['incident']['id']} {linked['relation']}"))
    network = brief.get("network") or {}
    if network:
        out.append(("brief.network", f"{network['kind']}"
                    f"{' (approximate times)' if network.get('approximate') else ''}"))
    return out


def _area_text(incident: Incident) -> str:
    if incident.municipality:
        return f"Kommun {incident.municipality}"
    if incident.county:
        return f"Län {incident.county}"
    return "Plats enligt cirkel"
