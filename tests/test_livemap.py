"""The operator map page in a real headless Chromium: offline, complete, live, editable, safe.

One service (the real Flask app on a loopback port) and one seeded database serve the
whole module; each test states what it changes and compares the page to the store.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import shapely

from app import create_app
from georisk import commands as c
from georisk.access import Viewer, present_all, view_of
from georisk.firerisk.classes import SWEDEN
from georisk.identity import Tokens
from georisk.model import (
    Agency,
    Classification,
    IncidentStatus,
    IncidentType,
    RiskZone,
    UnitKind,
    UnitStatus,
)
from georisk.store import Query, SQLiteStore
from georisk.timeutil import STOCKHOLM, format_utc, utc_now
from layers.incidents import symbol as incident_symbol
from layers.offline import external_urls
from layers.units import symbol as unit_symbol
from tests import browser
from tests.factories import POLICE, RESCUE, blockage, incident, unit

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
XSS = "<img src=x onerror=alert(1)>"
#: Waits are functions, not expressions: Playwright evaluates an expression with eval,
#: which the page's Content-Security-Policy forbids (as it should).
READY = "() => document.documentElement.dataset.georiskReady === '1'"
#: How long a page may take to show a change: generous, since the machine is shared; how
#: fast it really is, is measured by the benchmarks, not asserted here.
WAIT_MS = 10_000

pytestmark = pytest.mark.skipif(browser.unavailable() is not None,
                                reason=browser.unavailable() or "")


def _seed(db: Path) -> None:
    now = utc_now()
    store = SQLiteStore(db)
    towns = [(15.21, 59.27), (13.50, 59.38), (15.63, 60.60), (16.54, 59.61), (14.55, 59.32),
             (15.00, 61.00), (12.30, 58.30), (14.10, 59.90)]
    types = list(IncidentType)
    commands: list[c.Command] = []
    for i in range(40):
        lon, lat = towns[i % len(towns)]
        commands.append(c.ReportIncident(incident(
            f"inc-{i}", type=types[i % len(types)], severity=1 + i % 5,
            title=f"Händelse {i}", description="Beskrivning " * (i % 3),
            reported_at=now - timedelta(hours=i * 3),
            location=shapely.Point(lon + (i % 7) * 0.03, lat + (i % 5) * 0.02),
            county="18" if i % 2 else "17", municipality="1880" if i % 2 else "1780",
        )))
    commands.append(
        c.ReportIncident(
            incident("inc-xss", title=XSS, description=XSS, reported_at=now - timedelta(minutes=1))
        )
    )
    store.apply(commands, RESCUE)
    store.apply([
        c.ReportIncident(incident("inc-secret", agency=Agency.POLICE, title="Hemlig insats",
                                  classification=Classification.AGENCY, reported_at=now)),
        c.ReportIncident(incident("inc-restricted", agency=Agency.POLICE, title="Skyddad person",
                                  classification=Classification.RESTRICTED, reported_at=now,
                                  type=IncidentType.POLICE)),
        c.ReportIncident(incident("inc-police", agency=Agency.POLICE, title="Polisens öppna",
                                  reported_at=now - timedelta(minutes=5))),
        c.RegisterUnit(unit("pol-1", callsign="P 300-1", agency=Agency.POLICE,
                            unit_kind=UnitKind.PATROL)),
        c.MoveUnit("pol-1", shapely.Point(15.1, 59.2), now - timedelta(minutes=1), None, None),
    ], POLICE)
    units: list[c.Command] = []
    for i in range(12):
        lon, lat = towns[i % len(towns)]
        units.append(c.RegisterUnit(unit(f"u-{i}", callsign=f"RÖR {2010 + i}",
                                         unit_kind=[UnitKind.ENGINE, UnitKind.TANKER][i % 2],
                                         status=list(UnitStatus)[i % 4])))
        age = timedelta(hours=2) if i == 10 else timedelta(minutes=2)  # u-10 is on scene
        units.append(c.MoveUnit(f"u-{i}", shapely.Point(lon - 0.05, lat - 0.03), now - age,
                                None, None))
    units.append(c.ReportBlockage(blockage("blk-1", start=now - timedelta(hours=1))))
    units.append(c.ReportBlockage(blockage("blk-2", road="E45", start=now - timedelta(hours=2),
                                           section=shapely.Point(14.54, 61.0))))
    store.apply(units, RESCUE)
    day = now.astimezone(STOCKHOLM).date().isoformat()  # the day a brief calls today
    zones = [
        RiskZone(id=RiskZone.make_id(day, "georisk", SWEDEN.name, code, 1), valid_date=day,
                 scale=SWEDEN.name, risk_class=code, label=f"Klass {code}", area=area,
                 fwi_min=lo, fwi_max=hi, valid_from=now - timedelta(hours=1),
                 valid_to=now + timedelta(hours=20))
        for code, area, lo, hi in (
            ("3", shapely.box(13.0, 59.0, 15.0, 60.0), 7.0, 16.9),
            ("4", shapely.box(15.0, 59.0, 16.5, 60.0), 17.0, 21.9),
        )
    ]
    store.apply([c.IssueRiskZone(zone) for zone in zones], c.Actor("brandrisk", Agency.CENTRE))
    store.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("livemap") / "georisk.db"
    _seed(db)
    tokens = Tokens(db)
    token = tokens.create("anna.r", "rescue", "operator")[1]
    with browser.live_service(db) as base:
        yield {"base": base, "db": db, "token": token,
               "viewer": Viewer("anna.r", Agency.RESCUE, "operator")}


@pytest.fixture(scope="module")
def chromium():
    with browser.browser() as launched:
        yield launched


def _expected(service) -> dict[str, int]:
    """What the viewer may see of the current picture, counted from the store."""
    store = SQLiteStore(service["db"])
    try:
        viewer = service["viewer"]
        open_ = store.query(Query("incident", status=frozenset({IncidentStatus.OPEN}))).records
        units = [u for u in store.query(Query("unit")).records if u.position is not None]
        active = store.query(Query("blockage", status=frozenset({"active"}))).records
        zones = store.query(Query("riskzones", status=frozenset({"issued"}))).records
        return {
            "incidents": len(present_all(viewer, open_)),
            "units": len(present_all(viewer, units)),
            "blockages": len(present_all(viewer, active)),
            "riskzones": len(present_all(viewer, zones)),
            "seq": store.view_position(view_of(viewer), store.last_seq()),  # the viewer's view
        }
    finally:
        store.close()


def _open(chromium, service, path: str = "/", also: tuple[str, ...] = ()):
    """The page at ``path``, live; requests anywhere but the service (and ``also``) are
    blocked and recorded."""
    base = service["base"]
    visit = browser.Visit()
    context = chromium.new_context(
        viewport={"width": 1600, "height": 1000},
        extra_http_headers={"Authorization": f"Bearer {service['token']}"},
    )
    context.add_init_script(browser.RECORD_VIOLATIONS)
    page = context.new_page()

    def route(route_) -> None:
        if route_.request.url.startswith((base, *also)):
            route_.continue_()
        else:
            visit.blocked.append(route_.request.url)
            route_.abort()

    context.route("**/*", route)
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} {r.failure}"))
    page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("dialog", lambda d: (visit.errors.append(f"dialog: {d.message}"), d.dismiss()))
    started = time.perf_counter()
    visit.headers = page.goto(base + path, wait_until="load").headers
    page.wait_for_function(READY, timeout=15_000)
    page.wait_for_function("() => GeoriskLive.state().live", timeout=WAIT_MS)
    visit.ready_seconds = time.perf_counter() - started
    return context, page, visit


def _counts(page) -> dict:
    return page.evaluate("GeoriskLive.counts()")


def _api(service, method: str, path: str, body=None) -> dict:
    request = urllib.request.Request(
        service["base"] + "/api/v1" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {service['token']}",
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_page_names_no_external_url(service) -> None:
    request = urllib.request.Request(
        service["base"] + "/", headers={"Authorization": f"Bearer {service['token']}"}
    )
    html = urllib.request.urlopen(request, timeout=30).read().decode()
    assert external_urls(html) == []
    assert "cdn" not in html.lower() and "jquery" not in html.lower()
    assert '<html lang="sv">' in html


def test_page_loads_offline_with_every_layer_and_the_store_counts(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        assert visit.blocked == [] and visit.failed == [] and visit.errors == []
        control = page.locator(".leaflet-control-layers").inner_text()
        for name in ("Län", "Kommuner", "Orter", "Brandrisk", "Händelser", "Enheter",
                     "Avstängningar"):
            assert name in control
        legend = page.locator(".georisk-legend").inner_text()
        assert "Skogsbrand" in legend and "Ingen färsk position" in legend
        expected = _expected(service)
        counts = _counts(page)
        for kind in ("incidents", "units", "blockages", "riskzones"):
            assert counts[kind] == expected[kind], kind
        assert page.evaluate("GeoriskLive.look('u-10')")["stale"]  # reported two hours ago
        page.wait_for_function(
            f"() => document.querySelectorAll('.gr-item').length === {expected['incidents']}",
            timeout=WAIT_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#gr-list .gr-item").first.focus()
        page.screenshot(path=str(ARTIFACTS / "livemap.png"))
    finally:
        context.close()


def test_the_page_draws_under_its_security_headers(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        policy = visit.headers.get("content-security-policy", "")
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert visit.headers.get("x-content-type-options") == "nosniff"
        assert visit.headers.get("x-frame-options") == "DENY"
        assert page.evaluate("window.georiskViolations") == []
        assert visit.errors == [] and visit.failed == []
        expected = _expected(service)
        counts = _counts(page)
        assert all(counts[kind] == expected[kind] for kind in ("incidents", "units"))
        assert page.locator(".leaflet-overlay-pane path").count() > 100  # the base map
        page.evaluate("GeoriskLive.disconnect()")  # the stream reconnects, as after a drop
        page.evaluate("GeoriskLive.connect()")
        page.wait_for_function("() => GeoriskLive.state().live", timeout=WAIT_MS)
        assert page.evaluate("window.georiskViolations") == []
    finally:
        context.close()


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201d3a6"
    "ae2e0000000049454e44ae426082"
)  # one transparent pixel


def test_tiles_from_the_configured_server_are_allowed_in(chromium, service) -> None:
    from flask import Flask

    tiles = Flask("tiles")
    served: list[str] = []

    @tiles.get("/<int:z>/<int:x>/<int:y>.png")
    def tile(z: int, x: int, y: int):
        served.append(f"{z}/{x}/{y}")
        return _PNG, 200, {"Content-Type": "image/png"}

    with browser.loopback_server(tiles) as tile_base:
        app = create_app({"DB": str(service["db"]), "TESTING": True,
                          "TILES": tile_base + "/{z}/{x}/{y}.png",
                          "TILES_ATTRIBUTION": "Testkarta"})
        with browser.loopback_server(app) as base:
            context, page, visit = _open(chromium, {**service, "base": base}, also=(tile_base,))
            try:
                page.wait_for_function(
                    "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0",
                    timeout=WAIT_MS)
                assert served and visit.blocked == [] and visit.failed == []
                assert page.evaluate("window.georiskViolations") == []
                assert f"img-src 'self' data: {tile_base}" in visit.headers[
                    "content-security-policy"]
            finally:
                context.close()


def test_filters_change_what_is_shown(chromium, service) -> None:
    context, page, _ = _open(chromium, service)
    try:
        before = _counts(page)
        page.locator('input[value="rescue"]').first.uncheck()
        after = _counts(page)
        assert after["incidents"] == 2  # the police's open one and its restricted one
        assert after["units"] == 1
        page.locator('input[value="rescue"]').first.check()
        page.select_option("#gr-f-severity", "5")
        assert 0 < _counts(page)["incidents"] < before["incidents"]
        page.select_option("#gr-f-severity", "1")
        page.select_option("#gr-f-window", "6")
        windowed = _counts(page)["incidents"]
        assert 0 < windowed < before["incidents"]
        page.wait_for_function(
            f"() => document.querySelectorAll('.gr-item').length === {windowed}", timeout=WAIT_MS
        )  # the list redraws shortly after a change
        page.select_option("#gr-f-window", "0")
        page.select_option("#gr-f-county", "18")
        assert 0 < _counts(page)["incidents"] < before["incidents"]
    finally:
        context.close()


def _wait(page, expression: str) -> None:
    """Until ``expression`` holds in the page: how soon is a benchmark's question
    (`tests.bench.bench_map_live`), not a test's on a shared machine."""
    page.wait_for_function(f"() => ({expression})", timeout=WAIT_MS)


def test_edits_on_one_map_appear_on_another(chromium, service) -> None:
    ctx_a, a, _ = _open(chromium, service)
    ctx_b, b, visit_b = _open(chromium, service)
    try:
        base = _counts(b)
        # an incident reported through the form on page A
        a.click("#gr-new-incident")
        a.locator(".folium-map").click(position={"x": 600, "y": 420})
        a.select_option("#gr-in-type", "forest_fire")
        a.select_option("#gr-in-severity", "4")
        a.fill("#gr-in-title", "Skogsbrand vid Garphyttan")
        a.fill("#gr-in-description", "Rök syns från väg 204")
        a.click("#gr-form-incident button[type=submit]")
        _wait(b, f"GeoriskLive.counts().incidents === {base['incidents'] + 1}")
        b.locator(".gr-item-title", has_text="Skogsbrand vid Garphyttan").wait_for(timeout=WAIT_MS)
        # a blockage drawn on page A: three clicks along a road
        a.click("#gr-new-blockage")
        for x, y in ((500, 500), (560, 520), (620, 530)):
            a.locator(".folium-map").click(position={"x": x, "y": y})
        a.fill("#gr-in-road", "E18")
        a.select_option("#gr-in-reason", "snow_ice")
        a.click("#gr-form-blockage button[type=submit]")
        _wait(b, f"GeoriskLive.counts().blockages === {base['blockages'] + 1}")
        # a unit move POSTed to the API
        lon, lat = 15.4321, 59.4321
        _api(
            service,
            "POST",
            "/units/u-0/positions",
            {
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "time": format_utc(utc_now()),
            },
        )
        at = f"(GeoriskLive.position('unit', 'u-0') || [0])[0] === {lat}"
        _wait(b, at)
        assert b.evaluate("GeoriskLive.state().duplicates") == 0
        assert visit_b.errors == [] and visit_b.failed == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_a_dropped_stream_catches_up_exactly(chromium, service) -> None:
    context, page, _ = _open(chromium, service)
    try:
        page.evaluate("GeoriskLive.disconnect()")
        before = _counts(page)
        created = _api(service, "POST", "/incidents", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [14.9, 59.5]},
            "properties": {"type": "rescue", "title": "Under avbrottet", "severity": 2,
                           "agency": "rescue"}})
        _api(service, "POST", "/incidents/inc-3/close")
        for step in range(5):
            _api(service, "POST", "/units/u-1/positions", {
                "geometry": {"type": "Point", "coordinates": [14.0 + step / 100, 59.0]},
                "time": format_utc(utc_now())})
        assert _counts(page)["incidents"] == before["incidents"]  # nothing while away
        page.evaluate("GeoriskLive.connect()")
        expected = _expected(service)
        page.wait_for_function(f"() => GeoriskLive.state().lastSeq === {expected['seq']}",
                               timeout=WAIT_MS)
        counts = _counts(page)
        assert counts["incidents"] == expected["incidents"] == before["incidents"]  # +1 -1
        assert page.evaluate("GeoriskLive.state().duplicates") == 0
        page.locator(".gr-item-title", has_text="Under avbrottet").wait_for(timeout=WAIT_MS)
        assert created["feature"]["id"]
    finally:
        context.close()


def test_a_bad_value_shows_the_fields_error_and_writes_nothing(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        seq = _expected(service)["seq"]
        page.click("#gr-new-incident")
        page.click("#gr-use-centre")
        page.fill("#gr-in-title", "   ")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.getElementById('gr-err-title').textContent !== ''", timeout=WAIT_MS
        )
        assert page.get_attribute("#gr-in-title", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "gr-in-title"
        assert _expected(service)["seq"] == seq
        # without a location the geometry's error is shown where the location is chosen
        page.click("#gr-new-blockage")
        page.fill("#gr-in-road", "E45")
        page.click("#gr-form-blockage button[type=submit]")
        page.wait_for_function(
            "() => document.getElementById('gr-err-geometry').textContent !== ''", timeout=WAIT_MS
        )
        assert _expected(service)["seq"] == seq
        assert visit.errors == [] or all("422" in e for e in visit.errors)
    finally:
        context.close()


def test_user_text_renders_as_text_and_no_dialog_opens(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        title = page.locator(".gr-item-title", has_text="onerror")
        assert title.first.inner_text() == XSS
        page.evaluate("GeoriskLive.focusIncident('inc-xss')")
        page.wait_for_selector(".gr-popup h3", timeout=WAIT_MS)
        assert page.locator(".gr-popup h3").inner_text() == XSS
        assert page.locator(".gr-popup .gr-desc").inner_text() == XSS
        assert page.locator("img[src='x']").count() == 0
        page.wait_for_timeout(200)
        assert not [e for e in visit.errors if e.startswith("dialog")]
    finally:
        context.close()


def test_english_on_request(chromium, service) -> None:
    context, page, visit = _open(chromium, service, "/?lang=en")
    try:
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Incidents" in page.locator(".leaflet-control-layers").inner_text()
        assert "Open incidents" in page.locator("#gr-list-title").inner_text()
        assert visit.errors == []
    finally:
        context.close()


def test_markers_are_drawn_from_the_legends_own_templates(chromium, service) -> None:
    """live.js draws no marker of its own: for every look its SVG is the legend's, byte for
    byte, and a marker on the map is that SVG."""
    incident_looks = [{"type": t, "severity": n, "agency": a}
                      for t in IncidentType for n in range(1, 6) for a in Agency]
    unit_looks = [{"agency": a, "unit_kind": k, "status": s, "age": age, "parked": parked}
                  for a in Agency for k in UnitKind for s in UnitStatus
                  for age in ("fresh", "stale") for parked in ("yes", "no")]
    draw = "([kind, size, looks]) => looks.map(l => GeoriskLive.symbol(kind, size, l))"
    parse = "s => { const d = document.createElement('div'); d.innerHTML = s; return d.innerHTML; }"
    context, page, visit = _open(chromium, service)
    try:
        assert page.evaluate(draw, ["incidents", 26, incident_looks]) == [
            incident_symbol(look["type"], look["severity"], look["agency"], 26)
            for look in incident_looks
        ]
        assert page.evaluate(draw, ["units", 22, unit_looks]) == [
            unit_symbol(look["agency"], look["unit_kind"], look["status"], 22,
                        stale=look["age"] == "stale", parked=look["parked"] == "yes")
            for look in unit_looks
        ]
        inc = _api(service, "GET", "/incidents/inc-police")["properties"]
        car = _api(service, "GET", "/units/pol-1")["properties"]  # moved a minute ago: fresh
        page.evaluate("GeoriskLive.focusIncident('inc-police')")
        shown = {
            inc["title"]: incident_symbol(inc["type"], inc["severity"], inc["agency"], 26),
            car["callsign"]: unit_symbol(car["agency"], car["unit_kind"], car["status"]),
        }
        for title, svg in shown.items():
            if title == car["callsign"]:  # markers out of view are not drawn: go there
                page.evaluate("GeoriskLive.focusUnit('pol-1')")
            marker = page.locator(f'.leaflet-marker-icon[title="{title}"] svg')
            marker.wait_for(timeout=5000)
            assert marker.evaluate("n => n.outerHTML") == page.evaluate(parse, svg), title
        assert visit.errors == []
    finally:
        context.close()


def test_the_export_button_downloads_the_viewers_briefing(chromium, service) -> None:
    context, page, visit = _open(chromium, service, "/")
    try:
        with page.expect_download(timeout=20_000) as started:
            page.click("#gr-export")
        html = Path(started.value.path()).read_text(encoding="utf-8")
        assert html.lstrip().lower().startswith("<!doctype html>")
        assert 'id="gr-data"' in html  # the picture is embedded, not fetched
        markup = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)  # inlined code aside
        assert not re.search(r'(src|href)="(https?:)?//', markup)  # nothing loaded from elsewhere
        assert visit.errors == []
    finally:
        context.close()


def test_a_double_click_on_export_asks_for_one_export(chromium, service) -> None:
    # The service runs one export per user at once: a second request while the first
    # runs would be refused, and its 429 would replace the map in the window.
    context, page, visit = _open(chromium, service, "/")
    try:
        asked: list[str] = []
        page.on("request", lambda r: "/api/v1/export" in r.url and asked.append(r.url))
        with page.expect_download(timeout=20_000):
            page.evaluate("var b = document.getElementById('gr-export'); b.click(); b.click();")
        page.wait_for_timeout(500)  # a second request would have gone by now
        assert len(asked) == 1
        assert page.evaluate("document.documentElement.dataset.georiskReady") == "1"  # the map
        assert visit.errors == []
    finally:
        context.close()
