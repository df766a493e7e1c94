"""The live map's resource parts in a real headless Chromium, on the real service:
suggested units and their routes in an incident's popup, assigning one from the list,
the risk brief with its link action, the coverage layer, and what a viewer of another
agency is (not) shown through them.

One service on a loopback port and one seeded database serve the module; the tests
change it (an assignment, a link, a status), each in records no other test reads.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import shapely

from georisk import commands as c
from georisk.access import Viewer, present
from georisk.firerisk.classes import SWEDEN
from georisk.identity import Tokens
from georisk.model import Agency, Classification, IncidentType, RiskZone, UnitKind, UnitStatus
from georisk.store import SQLiteStore
from georisk.timeutil import STOCKHOLM, utc_now
from tests import browser
from tests.factories import POLICE, RESCUE, blockage, incident, unit

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
READY = "() => document.documentElement.dataset.georiskReady === '1'"
WAIT_MS = 30_000  # the first suggestion or coverage builds the network and the grid
OREBRO = (15.2066, 59.2741)
#: The police's own units, which a rescue viewer must never see as they are.
SECRET_CALLSIGN = "P 500-9 HEMLIG"
HIDDEN_CALLSIGN = "P 500-8 DOLD"
SECRET_AT = (15.2388, 59.2815)  # restricted: shown to others at its cell's centre only
HIDDEN_AT = (15.2301, 59.2702)  # classified agency: not shown to others at all

pytestmark = pytest.mark.skipif(browser.unavailable() is not None,
                                reason=browser.unavailable() or "")


def _seed(db: Path) -> None:
    now = utc_now()
    store = SQLiteStore(db)
    lon, lat = OREBRO
    store.apply([
        c.ReportIncident(incident("inc-fire", type=IncidentType.FIRE, title="Brand i villa",
                                  severity=4, reported_at=now - timedelta(minutes=3),
                                  location=shapely.Point(lon, lat),
                                  county="18", municipality="1880")),
        c.ReportIncident(incident("inc-crash", type=IncidentType.TRAFFIC,
                                  title="Trafikolycka väg 50",
                                  reported_at=now - timedelta(minutes=2),
                                  location=shapely.Point(lon + 0.02, lat + 0.01),
                                  county="18", municipality="1880")),
        c.ReportIncident(incident("inc-assign", type=IncidentType.FIRE, title="Brand i garage",
                                  reported_at=now - timedelta(minutes=1),
                                  location=shapely.Point(lon - 0.03, lat - 0.02),
                                  county="18", municipality="1880")),
    ], RESCUE)
    store.apply([
        c.ReportIncident(incident("inc-pol", agency=Agency.POLICE, type=IncidentType.FIRE,
                                  title="Rökutveckling villa",
                                  reported_at=now - timedelta(minutes=4),
                                  location=shapely.Point(lon + 0.004, lat + 0.002),
                                  county="18", municipality="1880")),
        c.RegisterUnit(unit("pol-secret", callsign=SECRET_CALLSIGN, agency=Agency.POLICE,
                            unit_kind=UnitKind.PATROL, classification=Classification.RESTRICTED,
                            home_station="Hemlig station")),
        c.MoveUnit("pol-secret", shapely.Point(*SECRET_AT), now - timedelta(minutes=1), None, 0),
        c.RegisterUnit(unit("pol-hidden", callsign=HIDDEN_CALLSIGN, agency=Agency.POLICE,
                            unit_kind=UnitKind.PATROL, classification=Classification.AGENCY)),
        c.MoveUnit("pol-hidden", shapely.Point(*HIDDEN_AT), now - timedelta(minutes=1), None, 0),
    ], POLICE)
    units: list[c.Command] = []
    places = [(15.10, 59.25), (15.32, 59.31), (15.05, 59.40), (15.55, 59.20), (14.85, 59.30),
              (15.20, 59.10)]
    for i, (x, y) in enumerate(places):
        units.append(c.RegisterUnit(unit(f"rtj-{i}", callsign=f"RÖR {2410 + i}",
                                         unit_kind=[UnitKind.ENGINE, UnitKind.TANKER][i % 2])))
        units.append(c.MoveUnit(f"rtj-{i}", shapely.Point(x, y), now - timedelta(minutes=1),
                                None, 0))
    units.append(c.ReportBlockage(blockage("blk-near", road="E18", start=now - timedelta(hours=1),
                                           section=shapely.Point(lon + 0.05, lat + 0.01))))
    store.apply(units, RESCUE)
    day = now.astimezone(STOCKHOLM).date().isoformat()  # the day a brief calls today
    zone = RiskZone(id=RiskZone.make_id(day, "georisk", SWEDEN.name, "4", 1), valid_date=day,
                    scale=SWEDEN.name, risk_class="4", label="Stor brandrisk",
                    area=shapely.box(14.5, 58.9, 16.0, 59.7), fwi_min=17.0, fwi_max=21.9,
                    valid_from=now - timedelta(days=1), valid_to=now + timedelta(hours=20))
    store.apply([c.IssueRiskZone(zone)], c.Actor("brandrisk", Agency.CENTRE))
    store.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("resources-map") / "georisk.db"
    _seed(db)
    tokens = Tokens(db)
    rescue = tokens.create("anna.r", "rescue", "operator")[1]
    viewer = tokens.create("vera.v", "rescue", "viewer")[1]
    with browser.live_service(db) as base:
        yield {"base": base, "db": db, "token": rescue, "viewer_token": viewer}


@pytest.fixture(scope="module")
def chromium():
    with browser.browser() as launched:
        yield launched


class Page:
    """A signed-in page and everything the service answered it under /api/."""

    def __init__(self, chromium, service, token: str, path: str = "/"):
        base = service["base"]
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.bodies: list[str] = []
        self.context = chromium.new_context(
            viewport={"width": 1600, "height": 1000},
            extra_http_headers={"Authorization": f"Bearer {token}"},
        )
        page = self.page = self.context.new_page()

        def route(route_) -> None:
            if route_.request.url.startswith(base):
                route_.continue_()
            else:
                self.blocked.append(route_.request.url)
                route_.abort()

        def answered(response) -> None:
            if "/api/v1/" in response.url:
                with contextlib.suppress(Exception):  # a body no longer there
                    self.bodies.append(response.text())

        self.context.route("**/*", route)
        page.on("response", answered)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(base + path, wait_until="load")
        page.wait_for_function(READY, timeout=15_000)
        page.wait_for_function("() => GeoriskLive.state().live", timeout=WAIT_MS)

    def popup(self, incident: str, zoom: int = 16) -> None:
        """Open an incident's popup as an operator does: go there and click its marker."""
        feature = self.page.evaluate(f"GeoriskLive.feature('incident', {incident!r})")
        lon, lat = feature["geometry"]["coordinates"]
        self.page.evaluate(f"GeoriskLive.centre({lat}, {lon}, {zoom})")
        title = feature["properties"]["title"]
        marker = self.page.locator(f'.leaflet-marker-icon[title="{title}"]')
        marker.wait_for(timeout=WAIT_MS)
        self.page.wait_for_timeout(400)  # the zoom's animation ends
        marker.click()
        self.page.wait_for_selector(".gr-popup .gr-suggest", timeout=WAIT_MS)

    def close(self) -> None:
        self.context.close()


def _store_events(service, entity: str) -> list[str]:
    store = SQLiteStore(service["db"])
    try:
        return [e.kind for e in store.events_after(0, limit=100_000) if e.entity_id == entity]
    finally:
        store.close()


def _record(service, kind: str, id_: str):
    store = SQLiteStore(service["db"])
    try:
        return store.get(kind, id_)
    finally:
        store.close()


def _api(service, method: str, path: str, body=None) -> dict:
    request = urllib.request.Request(
        service["base"] + "/api/v1" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {service['token']}",
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _suggest(p: Page, incident: str, zoom: int = 16) -> None:
    p.popup(incident, zoom)
    p.page.click(".gr-popup .gr-suggest")
    p.page.wait_for_selector(".gr-popup .gr-suggestion", timeout=WAIT_MS)


def test_suggest_lists_ranked_units_and_draws_their_routes(chromium, service) -> None:
    p = Page(chromium, service, service["token"])
    try:
        _suggest(p, "inc-assign", zoom=12)  # no other incident near: its marker stays
        page = p.page
        rows = page.locator(".gr-popup .gr-suggestion")
        answer = _api(service, "GET",
                      "/incidents/inc-assign/suggestions?k=5&kind=aerial,engine,tanker")
        expected = [f["properties"]["unit"]["properties"]["callsign"] for f in answer["features"]]
        assert rows.count() == len(expected) >= 3
        assert [rows.nth(i).locator(".gr-sugg-callsign").inner_text()
                for i in range(rows.count())] == expected
        first = rows.first.inner_text()
        assert "min" in first and "Räddningstjänsten" in first and "km fågelväg" in first
        note = page.locator(".gr-popup .gr-suggest-list .gr-net-note").inner_text()
        assert "Ungefärlig tid: schematiskt vägnät" in note  # how approximate, as the API says
        reachable = sum(1 for f in answer["features"] if f["geometry"])
        page.wait_for_function(f"() => document.querySelectorAll('path.gr-route').length === "
                               f"{reachable}", timeout=WAIT_MS)
        assert page.locator("path.gr-route-1").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "livemap-suggestions.png"))
        assert "Brand i garage" in page.locator("#gr-routes-slot").inner_text()
        page.click(".leaflet-popup-close-button")  # the popup closes, the routes stay
        page.locator(".leaflet-popup").wait_for(state="detached", timeout=WAIT_MS)
        assert page.locator("path.gr-route").count() == reachable
        page.click("#gr-show-routes")
        page.wait_for_timeout(600)
        page.screenshot(path=str(ARTIFACTS / "livemap-routes.png"))
        page.click("#gr-clear-routes")
        assert page.locator("path.gr-route").count() == 0
        assert page.locator("#gr-routes-slot").inner_text() == ""
        assert p.errors == [] and p.blocked == []
    finally:
        p.close()


def test_assigning_from_the_list_journals_and_the_unit_turns_en_route(chromium, service) -> None:
    p = Page(chromium, service, service["token"])
    other = Page(chromium, service, service["token"])  # a second operator's map follows
    try:
        _suggest(p, "inc-assign")
        page = p.page
        row = page.locator(".gr-popup .gr-suggestion").first
        uid = row.get_attribute("data-unit")
        assert _record(service, "unit", uid).status == UnitStatus.AVAILABLE
        row.locator(".gr-assign").click()
        row.locator(".gr-assigned").wait_for(timeout=WAIT_MS)
        kinds = _store_events(service, uid)
        assert kinds[-2:] == ["unit.assigned", "unit.status"]
        stored = _record(service, "unit", uid)
        assert stored.assigned_to == "inc-assign" and stored.status == UnitStatus.EN_ROUTE
        for shown in (page, other.page):  # the marker: the en-route colour of the legend
            shown.wait_for_function(
                f"() => (GeoriskLive.feature('unit', {uid!r}) || {{properties: {{}}}})"
                ".properties.status === 'en_route'", timeout=WAIT_MS)
        page.evaluate(f"GeoriskLive.focusUnit({uid!r}, 14)")
        callsign = stored.callsign
        marker = page.locator(f'.leaflet-marker-icon[title="{callsign}"] svg path').first
        marker.wait_for(timeout=WAIT_MS)
        assert marker.get_attribute("fill") == "#1f5fbf"  # STATUS_COLOURS en_route
        assert p.errors == [] and other.errors == []
    finally:
        p.close()
        other.close()


def test_a_viewer_sees_the_list_but_no_assign_or_link_button(chromium, service) -> None:
    p = Page(chromium, service, service["viewer_token"])
    try:
        _suggest(p, "inc-fire")
        p.page.wait_for_selector(".gr-popup .gr-brief-facts", state="attached", timeout=WAIT_MS)
        assert p.page.locator(".gr-popup .gr-assign").count() == 0
        assert p.page.locator(".gr-popup .gr-link").count() == 0
        assert p.page.locator(".gr-popup .gr-same").count() >= 1
    finally:
        p.close()


def test_the_brief_shows_in_the_popup_and_links_in_one_click(chromium, service) -> None:
    p = Page(chromium, service, service["token"])
    try:
        p.popup("inc-fire")
        page = p.page
        page.wait_for_selector(".gr-popup .gr-brief-facts", timeout=WAIT_MS)
        brief = page.locator(".gr-popup .gr-brief").inner_text()
        for words in ("Örebro", "Örebro län", "Polisregion Bergslagen",
                      "Räddningsregion Bergslagen", "Stor brandrisk (klass 4, FWI 17,0–21,9)",
                      "E18", "Möjligen samma händelse", "Rökutveckling villa", "Polisen",
                      "RÖR 24"):
            assert words in brief, words
        assert page.locator(".gr-popup .gr-brief-list li[data-unit]").count() >= 1
        assert "Länkade händelser" not in brief
        page.click('.gr-popup .gr-link[data-incident="inc-pol"]')
        page.wait_for_function(
            "() => [...document.querySelectorAll('.gr-popup .gr-brief h4')]"
            ".some(h => h.textContent === 'Länkade händelser')", timeout=WAIT_MS)
        assert _store_events(service, "inc-fire")[-1] == "incident.linked"
        assert dict(_record(service, "incident", "inc-fire").links) == {"inc-pol": "possible"}
        assert page.locator('.gr-popup .gr-link[data-incident="inc-pol"]').count() == 0
        page.wait_for_timeout(500)  # the stream's incident.linked has come: the popup stays
        assert page.locator(".leaflet-popup").count() == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.leaflet-popup'))"
                             ".opacity") == "1"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".gr-popup .gr-brief h4", has_text="Länkade").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "livemap-brief.png"))
        assert p.errors == []
    finally:
        p.close()


def test_a_new_incidents_brief_arrives_on_the_stream(chromium, service) -> None:
    p = Page(chromium, service, service["token"])
    try:
        asked = []
        p.page.on("request", lambda r: "/brief" in r.url and asked.append(r.url))
        created = _api(service, "POST", "/incidents", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [15.25, 59.29]},
            "properties": {"type": "fire", "title": "Ny brand", "severity": 3,
                           "agency": "rescue"}})
        new = created["feature"]["id"]
        p.page.wait_for_function(f"() => GeoriskResources.state().briefs.includes({new!r})",
                                 timeout=WAIT_MS)
        p.popup(new)
        p.page.wait_for_selector(".gr-popup .gr-brief-facts", timeout=WAIT_MS)
        assert "Örebro" in p.page.locator(".gr-popup .gr-brief").inner_text()
        assert asked == []  # shown from the stream's brief, not asked for again
    finally:
        p.close()


def test_the_coverage_layer_toggles_draws_and_follows_status_changes(chromium, service) -> None:
    p = Page(chromium, service, service["token"])
    try:
        page = p.page
        legend = page.locator(".georisk-legend")
        assert "Nås inom 10 min" not in legend.inner_text()  # its rows wait for the layer
        assert page.locator("path.gr-coverage-band").count() == 0  # off until chosen
        box = page.locator(".leaflet-control-layers label", has_text="Täckning")
        page.locator(".leaflet-control-layers").hover()
        box.locator("input").check()
        page.wait_for_function("() => document.documentElement.dataset.georiskCoverage === '1'",
                               timeout=WAIT_MS)
        assert page.locator("path.gr-coverage-band").count() >= 1
        assert page.locator("path.gr-coverage-gap").count() >= 1
        shown = legend.inner_text()
        assert "Nås inom 10 min" in shown and "Täckningsglapp: mer än 20 min" in shown
        info = page.locator("#gr-coverage-info").inner_text()
        answer = _api(service, "GET", "/coverage?kind=engine")
        assert f": {answer['units']} tillgängliga enheter" in info
        people = answer["features"][-1]["properties"]["population"]
        assert f"{people:,}".replace(",", "\u00a0") in info  # as sv-SE writes it
        ARTIFACTS.mkdir(exist_ok=True)
        page.mouse.move(800, 900)
        page.screenshot(path=str(ARTIFACTS / "livemap-coverage.png"))
        with page.expect_download(timeout=60_000) as started:  # the export takes it along
            page.click("#gr-export")
        exported = Path(started.value.path()).read_text(encoding="utf-8")
        embedded = re.search(r'id="gr-data">(.*?)</script>', exported, re.S).group(1)
        assert json.loads(embedded.replace("<\\/", "</"))["coverage"]["kind"] == "engine"
        # a unit's status changes: the layer asks again (after the stream's event)
        _api(service, "PUT", "/units/rtj-4/status", {"status": "out_of_service"})
        page.wait_for_function("() => document.documentElement.dataset.georiskCoverage === '2'",
                               timeout=WAIT_MS)
        page.locator(".leaflet-control-layers").hover()
        box.locator("input").uncheck()
        assert page.locator("path.gr-coverage-band").count() == 0
        assert p.errors == [] and p.blocked == []
    finally:
        p.close()


def test_another_agencys_restricted_unit_stays_generalised_on_the_map(chromium, service) -> None:
    """A rescue operator asks for units for a traffic accident (police patrols are among
    the suitable kinds), reads the brief and turns coverage of patrols on: nothing the
    page is sent names the police's hidden unit, or the restricted one's callsign, true
    place or home, and the restricted one's route starts at its cell's centre."""
    p = Page(chromium, service, service["token"])
    try:
        page = p.page
        _suggest(p, "inc-crash")
        page.wait_for_selector(".gr-popup .gr-brief-facts", state="attached", timeout=WAIT_MS)
        page.select_option("#gr-coverage-kind", "patrol")
        page.locator(".leaflet-control-layers").hover()
        page.locator(".leaflet-control-layers label", has_text="Täckning").locator("input").check()
        page.wait_for_function("() => document.documentElement.dataset.georiskCoverage === '1'",
                               timeout=WAIT_MS)
        answer = _api(service, "GET", "/incidents/inc-crash/suggestions?k=5&kind="
                      "ambulance,engine,patrol,rescue")
        ids = [f["properties"]["unit"]["id"] for f in answer["features"]]
        assert "pol-secret" in ids and "pol-hidden" not in ids  # offered, generalised
        viewer = Viewer("anna.r", Agency.RESCUE, "operator")
        store = SQLiteStore(service["db"])
        try:
            shown = present(viewer, store.get("unit", "pol-secret"), lookup=store.get)
        finally:
            store.close()
        assert shown is not None and shown.generalised
        route = next(f for f in answer["features"] if f["properties"]["unit"]["id"] == "pol-secret")
        start = route["geometry"]["coordinates"][0]
        assert start == pytest.approx([shown.record.position.x, shown.record.position.y], abs=1e-5)
        row = page.locator('.gr-popup .gr-suggestion[data-unit="pol-secret"]')
        assert row.count() == 1 and row.locator(".gr-assign").count() == 0
        assert "1 km" in row.inner_text()
        time.sleep(0.5)  # let the last answers be read
        sent = "\n".join(p.bodies) + page.content()
        for secret in (SECRET_CALLSIGN, HIDDEN_CALLSIGN, "pol-hidden", "Hemlig station",
                       "{},{}".format(*SECRET_AT), "{},{}".format(*HIDDEN_AT)):
            assert secret not in sent, secret
        assert p.errors == []
    finally:
        p.close()
