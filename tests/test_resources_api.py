"""Suggestions, coverage, the brief and links over HTTP, through the access policy:
answers are computed on what the viewer is shown, so a restricted unit's true place
inside its cell changes nothing another agency receives."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shapely

from app import create_app
from georisk import commands as c
from georisk.crs import to_sweref, to_wgs84
from georisk.firerisk.publish import day_bounds
from georisk.model import Agency, Classification, IncidentType, RiskZone, UnitKind
from georisk.store import SQLiteStore
from georisk.timeutil import STOCKHOLM, utc_now
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, POLICE, RESCUE, T0, blockage, incident, unit

SOS = c.Actor("sos.s", Agency.SOS)


def _in_cell(dx: float, dy: float) -> shapely.Point:
    """A point (dx, dy) metres from the south-west corner of the 1 km cell east of Örebro."""
    x, y = to_sweref(*OREBRO)
    lon, lat = to_wgs84((x // 1000 + 5) * 1000 + dx, (y // 1000) * 1000 + dy)
    return shapely.Point(float(lon), float(lat))


@pytest.fixture
def service(db_path):
    store = SQLiteStore(db_path)
    store.apply([
        c.ReportIncident(incident("crash", location=shapely.Point(*OREBRO))),
        c.RegisterUnit(unit("rtj-1", callsign="RÖR 2010", position=_in_cell(-3_000, 500),
                            position_time=T0)),
    ], RESCUE)
    store.apply([
        c.RegisterUnit(unit("pol-secret", agency=Agency.POLICE, unit_kind=UnitKind.PATROL,
                            callsign="Hemlig 1", classification=Classification.AGENCY,
                            position=_in_cell(-500, 200), position_time=T0)),
        c.RegisterUnit(unit("pol-r", agency=Agency.POLICE, unit_kind=UnitKind.ENGINE,
                            callsign="Skyddad 7", classification=Classification.RESTRICTED,
                            position=_in_cell(100, 100), position_time=T0)),
    ], POLICE)
    store.close()
    tokens = {agency: make_token(db_path, agency, "operator") for agency in ("rescue", "police")}
    app = create_app({"DB": str(db_path), "TESTING": True})
    return app.test_client(), tokens


def _get(client, token, url):
    answer = client.get(url, headers=bearer(token))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json


def _move(db_path, dx, dy):
    store = SQLiteStore(db_path)
    store.apply([c.MoveUnit("pol-r", _in_cell(dx, dy), T0)], POLICE)
    store.close()


def test_a_restricted_units_true_place_in_its_cell_changes_no_suggestion(service, db_path):
    client, tokens = service
    url = "/api/v1/incidents/crash/suggestions?k=5"
    first = _get(client, tokens["rescue"], url)
    units = {f["properties"]["unit"]["id"]: f["properties"] for f in first["features"]}
    assert set(units) == {"rtj-1", "pol-r"}  # the agency-only unit takes no part
    shown = units["pol-r"]
    assert shown["generalised"] and shown["unit"]["properties"]["callsign"] == "Polisenhet"
    x, y = to_sweref(*shown["unit"]["geometry"]["coordinates"])
    assert abs(x % 1000 - 500) < 2 and abs(y % 1000 - 500) < 2  # at its cell's centre
    assert "Skyddad" not in str(first) and "pol-secret" not in str(first)
    assert first["network"]["approximate"] is True and first["network"]["kind"] == "schematic"
    police = _get(client, tokens["police"], url)
    _move(db_path, 900, 900)  # the other corner of the same cell
    assert _get(client, tokens["rescue"], url) == first
    moved = _get(client, tokens["police"], url)  # its owner's answer does change
    assert moved != police
    assert "Skyddad 7" in str(moved) and "pol-secret" in str(moved)


def test_coverage_is_computed_on_the_units_as_shown(service, db_path):
    client, tokens = service
    url = "/api/v1/coverage?kind=engine&minutes=5,10&gap=10"
    rescue, police = _get(client, tokens["rescue"], url), _get(client, tokens["police"], url)
    assert rescue["units"] == 2 and police["units"] == 2  # rtj-1 and pol-r (as shown)
    layers = [f["properties"]["layer"] for f in rescue["features"]]
    assert layers == ["isochrone", "isochrone", "gap"]
    gap = rescue["features"][-1]["properties"]
    assert gap["population"] > 500_000 and gap["area_km2"] < rescue["area_km2"]
    names = {town["name"] for town in gap["towns"]}
    assert "Göteborg" in names and "Gothenburg" not in names  # the journal's own names
    _move(db_path, 900, 900)
    assert _get(client, tokens["rescue"], url) == rescue
    assert _get(client, tokens["police"], url) != police  # recomputed for the owner


def test_a_link_is_journaled_and_shown_only_to_who_sees_both_in_full(service, db_path):
    client, tokens = service
    store = SQLiteStore(db_path)
    store.apply([
        c.ReportIncident(incident("pol-open", agency=Agency.POLICE, type=IncidentType.POLICE)),
        c.ReportIncident(incident("pol-coarse", agency=Agency.POLICE,
                                  classification=Classification.RESTRICTED)),
    ], POLICE)
    store.close()
    police, rescue = bearer(tokens["police"]), bearer(tokens["rescue"])
    linked = client.post("/api/v1/incidents/pol-coarse/links", headers=police,
                         json={"incident": "crash", "relation": "same"})
    assert linked.status_code == 200
    assert linked.json["feature"]["properties"]["links"] == [["crash", "same"]]
    # the rescue service sees pol-coarse generalised: no link on it, no event about it
    coarse = client.get("/api/v1/incidents/pol-coarse", headers=rescue).json
    assert coarse["properties"]["links"] == []
    kinds = [e["kind"] for e in client.get("/api/v1/events", headers=rescue).json["events"]]
    assert "incident.linked" not in kinds
    police_kinds = [e["kind"] for e in client.get("/api/v1/events", headers=police).json["events"]]
    assert police_kinds.count("incident.linked") == 1
    # nor may it link to what it sees only generalised, nor to what it may not see
    refused = client.post("/api/v1/incidents/crash/links", headers=rescue,
                          json={"incident": "pol-coarse"})
    assert refused.status_code == 403 and refused.json["errors"][0]["field"] == "incident"
    # two open incidents: everyone sees the link, in the journal too; unlinking twice: 409
    assert client.post("/api/v1/incidents/crash/links", headers=rescue,
                       json={"incident": "pol-open"}).status_code == 200
    brief = client.get("/api/v1/incidents/pol-open/brief", headers=police).json
    assert [(b["incident"]["id"], b["relation"]) for b in brief["linked"]] == [
        ("crash", "possible")]
    kinds = [e["kind"] for e in client.get("/api/v1/events", headers=rescue).json["events"]]
    assert kinds.count("incident.linked") == 1
    assert client.delete("/api/v1/incidents/crash/links/pol-open",
                         headers=rescue).status_code == 200
    assert client.delete("/api/v1/incidents/crash/links/pol-open",
                         headers=rescue).status_code == 409


def test_the_brief_says_where_who_risk_blockages_units_and_possible_duplicates(service, db_path):
    client, tokens = service
    today = utc_now().astimezone(STOCKHOLM).date()
    start, end = day_bounds(today)
    near = shapely.Point(OREBRO[0] + 0.005, OREBRO[1])
    store = SQLiteStore(db_path)
    store.apply([c.IssueRiskZone(RiskZone(
        id=RiskZone.make_id(today.isoformat(), "test", "se-msb2018", "4"),
        valid_date=today.isoformat(), scale="se-msb2018", risk_class="4", label="Stor",
        area=shapely.Point(*OREBRO).buffer(0.2), fwi_min=17.0, fwi_max=21.0,
        valid_from=start, valid_to=end))], RESCUE)
    store.apply([
        c.ReportIncident(incident("sos-same", agency=Agency.SOS, type=IncidentType.MEDICAL,
                                  title="Trafikolycka E18, en skadad", location=near)),
        c.ReportIncident(incident("sos-old", agency=Agency.SOS, location=near,
                                  reported_at=T0 - timedelta(hours=3))),
        c.ReportIncident(incident("sos-far", agency=Agency.SOS,
                                  location=shapely.Point(OREBRO[0] + 0.2, OREBRO[1]))),
        c.RegisterUnit(unit("amb-1", agency=Agency.SOS, unit_kind=UnitKind.AMBULANCE,
                            position=_in_cell(-8_000, 0), position_time=T0)),
    ], SOS)
    store.apply([c.ReportIncident(incident("rtj-same", location=near)),
                 c.ReportBlockage(blockage("blk-near", section=_in_cell(-3_000, 400)))],
                RESCUE)
    store.close()
    brief = _get(client, tokens["rescue"], "/api/v1/incidents/crash/brief?lang=en")
    area = brief["area"]
    assert area["county"]["code"] == "18" and area["municipality"]["name"] == "Örebro"
    assert area["police_region"] == "Polisregion Bergslagen" and area["sos"]
    assert brief["fire_risk"]["class"] == "4" and brief["fire_risk"]["fwi_max"] == 21.0
    units = brief["units"]
    assert {u["properties"]["unit"]["id"] for u in units} == {"rtj-1", "pol-r", "amb-1"}
    etas = [u["properties"]["eta_s"] for u in units]
    assert etas == sorted(etas) and all(e > 0 for e in etas)
    same = [s["incident"]["id"] for s in brief["possibly_same"]]
    assert same == ["sos-same"]  # not its own agency's, nor 3 h earlier, nor 11 km off
    assert brief["possibly_same"][0]["score"] > 0.5
    assert brief["blockages"][0]["blockage"]["id"] == "blk-near"
    assert brief["network"]["note"].startswith("Approximate time")


def test_the_cap_alert_carries_the_brief_as_the_viewer_is_shown_it(service):
    """``GET /incidents/{id}.cap`` holds the brief as ``georisk:brief.*`` parameters, valid
    CAP 1.2, from the brief the same viewer gets: another agency's restricted unit under
    its generic callsign, an agency-only one not at all."""
    from defusedxml import ElementTree

    from georisk.feeds.capcheck import violations as own_violations
    from georisk.feeds.capschema import violations

    client, tokens = service
    answer = client.get("/api/v1/incidents/crash.cap", headers=bearer(tokens["rescue"]))
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    ns = "{urn:oasis:names:tc:emergency:cap:1.2}"
    root = ElementTree.fromstring(text.encode())
    assert own_violations(root) == [] and violations(text.encode()) == []
    params = [(p.find(ns + "valueName").text, p.find(ns + "value").text)
              for p in root.iter(ns + "parameter")]
    brief = _get(client, tokens["rescue"], "/api/v1/incidents/crash/brief")
    units = [v for k, v in params if k == "georisk:brief.unit"]
    assert any(u.startswith("Polisenhet (engine, police)") for u in units)  # generalised
    assert [u.split(" (")[0] for u in units] == [
        f["properties"]["unit"]["properties"]["callsign"] for f in brief["units"]]
    assert ("georisk:brief.police_region", brief["area"]["police_region"]) in params
    assert ("georisk:brief.network", "schematic (approximate times)") in params
    assert "Skyddad" not in text and "Hemlig" not in text and "pol-secret" not in text
