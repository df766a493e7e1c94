"""The access policy itself: every classification against every kind of viewer."""

from __future__ import annotations

import pytest
import shapely

from georisk.access import (
    Role,
    Viewer,
    may_write,
    present,
    present_event,
    snap,
)
from georisk.crs import to_sweref
from georisk.model import Agency, Classification
from tests.factories import T0, blockage, incident, unit

POLICE_OP = Viewer("p", Agency.POLICE, Role.OPERATOR)
RESCUE_OP = Viewer("r", Agency.RESCUE, Role.OPERATOR)
ANALYST = Viewer("a", Agency.CENTRE, Role.ANALYST)
SECRET = "HEMLIG-7731"


def police_incident(classification):
    return incident(
        "p1", agency=Agency.POLICE, title=f"Tillslag {SECRET}", description=f"Källa {SECRET}",
        classification=classification, location=shapely.Point(15.2213, 59.2714),
    )


@pytest.mark.parametrize("viewer", [POLICE_OP, RESCUE_OP, ANALYST, None])
@pytest.mark.parametrize("classification", list(Classification))
def test_what_each_viewer_sees_of_a_police_incident(viewer, classification):
    record = police_incident(classification)
    shown = present(viewer, record)
    owner = viewer is not None and viewer.agency == Agency.POLICE
    if viewer is None:
        assert shown is None
    elif owner or classification == Classification.OPEN:
        assert shown.record == record and not shown.generalised
    elif classification == Classification.AGENCY:
        assert shown is None
    else:
        assert shown.generalised
        generic = shown.record
        assert SECRET not in repr(generic)
        assert (generic.title, generic.type, generic.description) == ("Polisinsats", "police", "")
        x0, y0 = to_sweref(*record.location.coords[0])
        x1, y1 = to_sweref(*generic.location.coords[0])
        assert (x1 % 1000, y1 % 1000) == pytest.approx((500, 500), abs=0.5)  # a cell centre
        assert abs(x1 - x0) <= 500.5 and abs(y1 - y0) <= 500.5


def test_restricted_units_and_blockages_lose_their_details():
    patrol = unit("u1", agency=Agency.POLICE, callsign=f"PAT {SECRET}", home_station=SECRET,
                  classification="restricted", position=shapely.Point(15.0, 59.0),
                  position_time=T0, heading=90.0, speed_kmh=70.0)
    shown = present(RESCUE_OP, patrol).record
    assert SECRET not in repr(shown)
    assert (shown.callsign, shown.heading, shown.speed_kmh) == ("Polisenhet", None, None)
    closed_road = blockage(agency=Agency.POLICE, classification="restricted", source=SECRET,
                           direction=SECRET)
    seen = present(RESCUE_OP, closed_road).record
    assert seen.section.geom_type == "Point" and SECRET not in repr(seen)


def test_events_are_presented_like_records():
    from georisk.journal import Event
    from georisk.store import SQLiteStore  # noqa: F401  (events come from any store)

    record = police_incident(Classification.RESTRICTED)
    event = Event(1, T0, "per.p", Agency.POLICE, "incident.reported", "p1",
                  Classification.RESTRICTED, record.to_feature())
    assert present_event(POLICE_OP, event)["payload"]["properties"]["title"].endswith(SECRET)
    other = present_event(RESCUE_OP, event)
    assert SECRET not in str(other) and other["actor"] == ""
    assert other["payload"]["properties"]["generalised"] is True
    hidden = Event(2, T0, "per.p", Agency.POLICE, "incident.reported", "p2",
                   Classification.AGENCY, police_incident("agency").to_feature())
    assert present_event(RESCUE_OP, hidden) is None


def test_writes_only_to_own_agency_or_the_centre():
    assert may_write(POLICE_OP, Agency.POLICE) and may_write(POLICE_OP, Agency.CENTRE)
    assert not may_write(POLICE_OP, Agency.RESCUE)
    assert not may_write(ANALYST, Agency.CENTRE)
    assert not may_write(None, Agency.POLICE)


def test_snap_is_stable_inside_a_cell():
    a, b = snap(shapely.Point(15.2001, 59.2701), 1000), snap(shapely.Point(15.2003, 59.2702), 1000)
    assert a == b
