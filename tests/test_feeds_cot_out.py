"""``GET /api/v1/cot``: the picture as CoT events, through the access policy."""

from __future__ import annotations

import pytest
import shapely
from defusedxml import ElementTree

from app import create_app
from georisk import commands as c
from georisk.feeds.cot import event_item
from georisk.model import Agency, Classification, UnitKind
from georisk.store import SQLiteStore
from tests import factories
from tests.api_support import bearer, make_token

KARLSKOGA = (14.5240, 59.3270)


@pytest.fixture
def picture(db_path):
    store = SQLiteStore(db_path)
    point = shapely.Point(*factories.OREBRO)
    for id_, classification in (("open", Classification.OPEN),
                                ("secret", Classification.AGENCY),
                                ("restricted", Classification.RESTRICTED)):
        store.apply([
            c.RegisterUnit(factories.unit(f"u-{id_}", callsign=f"RÖR {id_}",
                                          classification=classification)),
            c.MoveUnit(f"u-{id_}", point, factories.T0, 90.0, 36.0),
            c.ReportIncident(factories.incident(f"i-{id_}", classification=classification,
                                                title=f"Brand {id_}")),
        ], factories.RESCUE)
    store.apply([
        c.RegisterUnit(factories.unit("u-heli", callsign="HKP 1", unit_kind=UnitKind.HELICOPTER)),
        c.MoveUnit("u-heli", shapely.Point(*KARLSKOGA), factories.T0),
        c.RegisterUnit(factories.unit("u-nowhere", callsign="RÖR ingenstans")),  # no position
        c.ReportIncident(factories.incident("i-closed", title="Släckt",
                                            location=shapely.Point(*KARLSKOGA))),
        c.CloseIncident("i-closed"),
    ], factories.RESCUE)
    store.close()
    return db_path


def _cot(db_path, agency: str) -> tuple[object, dict[str, object]]:
    token = make_token(db_path, agency, "viewer")
    app = create_app({"DB": str(db_path), "TESTING": True, "SECURE_COOKIES": False})
    response = app.test_client().get("/api/v1/cot", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    return response, {event.get("uid"): event for event in root.iter("event")}


def test_owner_sees_every_unit_and_open_incident_as_cot_events(picture):
    _, events = _cot(picture, "rescue")
    assert set(events) == {f"georisk.{kind}-{id_}" for kind in "ui"
                           for id_ in ("open", "secret", "restricted")} | {"georisk.u-heli"}
    unit = events["georisk.u-open"]
    assert unit.get("type") == "a-f-G-U-C" and events["georisk.u-heli"].get("type") == "a-f-A-C-H"
    assert events["georisk.i-open"].get("type") == "b-m-p-s-m"
    assert unit.find("detail/contact").get("callsign") == "RÖR open"
    assert float(unit.find("detail/track").get("speed")) == pytest.approx(10.0)  # m/s


def test_events_read_back_as_the_same_unit_position(picture):
    from xml.etree.ElementTree import tostring

    _, events = _cot(picture, "rescue")

    read = event_item(tostring(events["georisk.u-open"]), Agency.RESCUE)
    assert read.record.callsign == "RÖR open"
    assert read.record.position.equals_exact(shapely.Point(*factories.OREBRO), 1e-6)
    assert read.record.position_time == factories.T0


def test_other_agencies_get_generalised_or_nothing(picture):
    response, events = _cot(picture, "police")
    assert "georisk.u-secret" not in events and "georisk.i-secret" not in events
    assert b"secret" not in response.data
    restricted = events["georisk.u-restricted"]
    assert restricted.find("detail/contact").get("callsign") == "Räddningsenhet"
    assert restricted.find("detail/track") is None  # no heading or speed when generalised
    assert float(restricted.find("point").get("ce")) == pytest.approx(710.0)
    text = response.get_data(as_text=True)
    assert "RÖR restricted" not in text and "Brand restricted" not in text
    point = restricted.find("point")
    assert (float(point.get("lon")), float(point.get("lat"))) != factories.OREBRO


def test_anonymous_requests_are_refused(picture):
    app = create_app({"DB": str(picture), "TESTING": True, "SECURE_COOKIES": False})
    assert app.test_client().get("/api/v1/cot").status_code == 401
