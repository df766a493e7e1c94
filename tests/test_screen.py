"""The operator's screen in a real headless Chromium, live map and briefing alike: labels
that never overprint, stations as counts, stale that is not "at home", a legend and layer
control that fold away and keep off the area, refusals in plain Swedish (or English), a
briefing framed to its area, and a background map from an MBTiles file served by the
service itself. Each test opens its own page; none depends on another having run."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
import shapely
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app import create_app
from georisk import commands as c
from georisk.identity import Tokens
from georisk.model import UnitKind, UnitStatus
from georisk.store import SQLiteStore
from georisk.texts import text
from georisk.timeutil import format_utc, utc_now
from layers import units as unit_layer
from tests import browser
from tests.factories import RESCUE, incident, unit
from tests.tile_support import tile_xy, write_mbtiles

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
READY = "() => document.documentElement.dataset.georiskReady === '1'"
LIVE = "() => GeoriskLive.state().live"
WAIT_MS = 15_000
OREBRO = (15.2066, 59.2741)  # the town's label stands here
KARLSTAD = (13.5036, 59.3793)
pytestmark = pytest.mark.skipif(browser.unavailable() is not None,
                                reason=browser.unavailable() or "")


def _seed(db: Path) -> None:
    """A crowd of units at Örebro, three at one station in Karlstad, and units whose last
    report is three hours old: parked at home, en route, driving home, out of service."""
    now = utc_now()
    old = now - timedelta(hours=3)
    store = SQLiteStore(db)
    commands: list[c.Command] = []

    def place(uid: str, callsign: str, status: UnitStatus, lon: float, lat: float, at,
              speed: float | None, kind: UnitKind = UnitKind.ENGINE) -> None:
        commands.append(c.RegisterUnit(unit(uid, callsign=callsign, unit_kind=kind,
                                            status=status)))
        commands.append(c.MoveUnit(uid, shapely.Point(lon, lat), at, None, speed))

    statuses = [UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE]
    for i in range(8):  # east of the town, ~30 px apart at zoom 13: markers apart, callsigns not
        lon = OREBRO[0] + 0.008 + 0.006 * (i % 4)
        lat = OREBRO[1] - 0.002 + 0.003 * (i // 4)
        place(f"crowd-{i}", f"RÖR 20{i}0", statuses[i % 3], lon, lat, now, 30.0)
    for i in range(3):
        place(f"station-{i}", f"RVÄ 11{i}0", UnitStatus.AVAILABLE, *KARLSTAD, old, 0.0)
    place("u-home", "RÖR 3010", UnitStatus.AVAILABLE, 14.60, 59.60, old, 0.0)
    place("u-road", "RÖR 3020", UnitStatus.EN_ROUTE, 14.20, 59.90, old, 70.0)
    place("u-away", "RÖR 3030", UnitStatus.AVAILABLE, 13.80, 59.05, old, 50.0)
    place("u-off", "RÖR 3040", UnitStatus.OUT_OF_SERVICE, 16.10, 60.10, old, None)
    for i in range(6):  # incidents in and around the crowd: markers labels keep clear of
        commands.append(c.ReportIncident(incident(
            f"inc-{i}", title=f"Händelse {i}", reported_at=now - timedelta(minutes=5 * i),
            location=shapely.Point(OREBRO[0] + 0.004 * i, OREBRO[1] + 0.006))))
    store.apply(commands, RESCUE)
    store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen")
    db = folder / "georisk.db"
    _seed(db)
    token = Tokens(db).create("anna.r", "rescue", "operator")[1]
    return {"db": db, "token": token, "folder": folder}


@pytest.fixture(scope="module")
def service(world):
    app = create_app({"DB": str(world["db"]), "TESTING": True})
    with browser.loopback_server(app) as base:
        yield {**world, "base": base, "app": app}


@pytest.fixture(scope="module")
def chromium():
    with browser.browser() as launched:
        yield launched


def _open(chromium, service, path: str = "/", size: tuple[int, int] = (1600, 1000)):
    """The live map at ``path`` in a fresh context of ``size``; every request that does not
    go to the service is blocked and recorded."""
    visit = browser.Visit()
    context = chromium.new_context(
        viewport={"width": size[0], "height": size[1]},
        extra_http_headers={"Authorization": f"Bearer {service['token']}"},
    )
    context.add_init_script(browser.RECORD_VIOLATIONS)
    page = context.new_page()

    def route(route_) -> None:
        if route_.request.url.startswith(service["base"]):
            route_.continue_()
        else:
            visit.blocked.append(route_.request.url)
            route_.abort()

    context.route("**/*", route)
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} {r.failure}"))
    page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("response", lambda r: visit.requests.append(f"{r.status} {r.url}"))
    visit.headers = page.goto(service["base"] + path, wait_until="load").headers
    page.wait_for_function(READY, timeout=WAIT_MS)
    page.wait_for_function(LIVE, timeout=WAIT_MS)
    _settle(page, "GeoriskLive")
    return context, page, visit


def _settle(page, module: str) -> None:
    """Until the screen has placed its labels after the last change (a zoom animates and
    clusters regroup first: generous, since the machine is shared)."""
    page.wait_for_timeout(1000)
    page.wait_for_function(f"() => !{module}.view().labelsPending", timeout=WAIT_MS)


#: Every visible label in the map's view (callsigns and town names), and each pair whose
#: boxes overlap.
LABELS = """() => {
  const view = document.querySelector('.folium-map').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('.gr-callsign, .georisk-place > span')]
    .filter(n => getComputedStyle(n).visibility !== 'hidden')
    .filter(n => getComputedStyle(n).display !== 'none')
    .map(n => [n.textContent, n.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.right > view.left && r.left < view.right
                       && r.bottom > view.top && r.top < view.bottom);
  const clashes = [];
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    const apart = p.right <= q.left || q.right <= p.left || p.bottom <= q.top || q.bottom <= p.top;
    if (!apart) { clashes.push([a, b]); }
  }));
  return {labels: boxes.map(([t]) => t), clashes: clashes};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and (
        b["top"] < a["bottom"])


# -- labels ---------------------------------------------------------------------------------


def test_no_two_labels_overprint_in_a_crowded_town(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        for zoom in (13, 12, 11):
            page.evaluate(f"GeoriskLive.focusUnit('crowd-1', {zoom})")
            _settle(page, "GeoriskLive")
            shown = page.evaluate(LABELS)
            assert shown["clashes"] == [], (zoom, shown)
            if zoom == 13:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "screen-crowd.png"))
                callsigns = [t for t in shown["labels"] if t.startswith("RÖR 20")]
                assert len(callsigns) >= 4, shown  # most are placed, not dropped
                assert "Örebro" in shown["labels"]
        assert visit.errors == []
    finally:
        context.close()


def test_units_at_one_place_show_their_count_not_stacked_callsigns(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        page.evaluate(f"GeoriskLive.centre({KARLSTAD[1]}, {KARLSTAD[0]}, 15)")
        _settle(page, "GeoriskLive")
        words = text("ui.p.units_here", n=3)
        cluster = page.locator(f'.gr-unit-cluster[aria-label="{words}"]')
        cluster.wait_for(timeout=WAIT_MS)
        assert ">3</text>" in cluster.inner_html()
        assert page.locator(".gr-callsign", has_text="RVÄ 11").count() == 0
        assert "RVÄ 1100" in cluster.get_attribute("title")
        cluster.click()  # spreads them out: each with its callsign, none overprinting
        page.locator(".gr-callsign", has_text="RVÄ 1120").wait_for(timeout=WAIT_MS)
        _settle(page, "GeoriskLive")
        assert page.evaluate(LABELS)["clashes"] == []
        assert visit.errors == []
    finally:
        context.close()


# -- stale is not "at home" -------------------------------------------------------------


def _marker(page, callsign: str):
    _settle(page, "GeoriskLive")  # clusters regroup after a jump (and miss a second one)
    marker = page.locator(f'.leaflet-marker-icon[title="{callsign}"] .gr-unit-icon')
    marker.wait_for(timeout=WAIT_MS)
    return marker


def test_a_unit_at_home_is_not_stale_but_one_on_the_road_is(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        looks = {uid: page.evaluate(f"GeoriskLive.look('{uid}')")
                 for uid in ("u-home", "u-road", "u-away", "u-off", "station-0", "crowd-0")}
        assert looks["u-home"] == {"stale": False, "parked": True}
        assert looks["station-0"] == {"stale": False, "parked": True}
        assert looks["u-road"] == {"stale": True, "parked": False}  # en route, 3 h silent
        assert looks["u-away"] == {"stale": True, "parked": False}  # available, driving
        assert looks["u-off"] == {"stale": False, "parked": False}  # no duty to report
        assert looks["crowd-0"] == {"stale": False, "parked": False}
        grey = f'fill="{unit_layer.STALE_COLOUR}"'
        green = f'fill="{unit_layer.STATUS_COLOURS[UnitStatus.AVAILABLE]}"'
        page.evaluate("GeoriskLive.focusUnit('u-home', 13)")
        home = _marker(page, "RÖR 3010")
        assert "gr-stale" not in home.get_attribute("class")
        assert "gr-parked" in home.get_attribute("class")
        svg = home.inner_html()
        assert green in svg and grey not in svg and 'visibility="visible"' in svg
        assert home.locator(".gr-age").count() == 0
        page.evaluate("GeoriskLive.focusUnit('u-road', 13)")
        road = _marker(page, "RÖR 3020")
        assert "gr-stale" in road.get_attribute("class")
        assert grey in road.inner_html() and 'visibility="hidden"' in road.inner_html()
        assert road.locator(".gr-age").inner_text().strip() == "3 h"
        legend = page.locator(".georisk-legend").inner_text()
        assert text("legend.parked") in legend and text("legend.stale") in legend
        assert visit.errors == []
    finally:
        context.close()


# -- legend and layer control -------------------------------------------------------------


def _legend_clear_of_the_area(page, module: str) -> dict:
    view = page.evaluate(f"{module}.view()")
    legend = page.locator(".georisk-legend").bounding_box()
    box = {"left": legend["x"], "top": legend["y"], "right": legend["x"] + legend["width"],
           "bottom": legend["y"] + legend["height"]}
    assert not _overlap(box, view["area"]), (box, view)
    return view


def test_the_legend_folds_and_keeps_off_the_area_at_the_default_view(chromium, service) -> None:
    context, page, visit = _open(chromium, service)
    try:
        view = _legend_clear_of_the_area(page, "GeoriskLive")
        assert view["legendOpen"] and view["contains"] and view["fill"] > 0.8, view
        assert page.locator(".georisk-legend li").first.is_visible()
        page.click(".georisk-legend-toggle")
        assert not page.locator(".georisk-legend li").first.is_visible()
        assert page.get_attribute(".georisk-legend-toggle", "aria-expanded") == "false"
        page.click(".georisk-legend-toggle")
        assert page.locator(".georisk-legend li").first.is_visible()
        # the layer control folds too, and Leaflet's own button opens it again
        page.click(".gr-layers-fold")
        assert not page.locator(".leaflet-control-layers-list").is_visible()
        page.click(".leaflet-control-layers-toggle")
        assert page.locator(".leaflet-control-layers-list").is_visible()
        assert visit.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_on_a_small_screen_the_controls_fold_and_the_area_stays_clear(
    chromium, service, lang
) -> None:
    context, page, visit = _open(chromium, service, f"/?lang={lang}", size=(800, 600))
    try:
        view = page.evaluate("GeoriskLive.view()")
        assert view["contains"] and view["fill"] > 0.8, view
        assert not view["layersOpen"]  # folded: it would cover the area
        assert not page.locator(".leaflet-control-layers-list").is_visible()
        if view["legendOpen"]:
            _legend_clear_of_the_area(page, "GeoriskLive")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"screen-small-{lang}.png"))
        toggle = page.locator(".leaflet-control-layers-toggle")
        assert toggle.get_attribute("aria-label") == text("ui.p.layers", lang)
        toggle.click()
        assert page.locator(".leaflet-control-layers-list").is_visible()
        page.click(".gr-layers-fold")
        assert not page.locator(".leaflet-control-layers-list").is_visible()
        page.click(".georisk-legend-toggle")  # the legend opens on demand, and folds again
        assert page.locator(".georisk-legend li").first.is_visible() != view["legendOpen"]
        assert visit.errors == []
    finally:
        context.close()


# -- refusals in the reader's words ----------------------------------------------------------

RAW = re.compile(r"Input should|String should|valid dictionary|required field|not after")


def _refusal(page, field: str) -> str:
    slot = f"#gr-err-{field}"
    page.wait_for_function(f"() => document.querySelector('{slot}').textContent !== ''",
                           timeout=WAIT_MS)
    return page.locator(slot).inner_text()


def _submit(page, kind: str) -> None:
    page.click(f"#gr-form-{kind} button[type=submit]")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_refused_form_says_why_in_plain_words_naming_the_field(chromium, service, lang) -> None:
    context, page, visit = _open(chromium, service, f"/?lang={lang}")
    try:
        def words(code: str, field: str, **values) -> str:
            return text(f"ui.err.{code}", lang, field=text(field, lang), **values)

        page.click("#gr-new-incident")
        _submit(page, "incident")  # no place, no title
        assert _refusal(page, "geometry") == words("required", "ui.p.location")
        assert _refusal(page, "title") == words("required", "ui.f.title")
        page.click("#gr-use-centre")
        page.fill("#gr-in-title", "x" * 201)
        page.fill("#gr-in-description", "y" * 5001)
        _submit(page, "incident")
        limit = "5\u00a0000" if lang == "sv" else "5,000"  # as Intl groups digits
        page.wait_for_function("() => document.querySelector('#gr-err-description')"
                               ".textContent.includes('5')", timeout=WAIT_MS)
        assert _refusal(page, "title") == words("too_long", "ui.f.title", limit=200)
        assert _refusal(page, "description") == words("too_long", "ui.f.description",
                                                      limit=limit)
        assert page.get_attribute("#gr-in-title", "aria-invalid") == "true"

        page.click("#gr-new-blockage")
        _submit(page, "blockage")  # no place, no road
        assert _refusal(page, "geometry") == words("required", "ui.p.location")
        assert _refusal(page, "road") == words("required", "ui.f.road")
        page.click("#gr-use-centre")
        page.click("#gr-use-centre")  # the same point twice: no line
        page.fill("#gr-in-road", "E18")
        page.fill("#gr-in-expected_end", "2001-01-01T08:00")
        _submit(page, "blockage")
        assert _refusal(page, "expected_end") == words("not_after_start", "ui.f.expected_end")
        page.fill("#gr-in-expected_end", "")
        _submit(page, "blockage")
        page.wait_for_function("() => document.querySelector('#gr-err-expected_end')"
                               ".textContent === ''", timeout=WAIT_MS)
        assert _refusal(page, "geometry") == words("invalid_geometry", "ui.p.location")
        shown = page.locator("#gr-form-slot").inner_text()
        assert not RAW.search(shown), shown
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"screen-refusal-{lang}.png"))
        assert all("422" in e for e in visit.errors)  # the browser notes each refusal
    finally:
        context.close()


# -- the briefing ---------------------------------------------------------------------------


def _export(service, query: str, tmp_path: Path) -> Path:
    client = service["app"].test_client()
    answer = client.get(f"/api/v1/export?exported_at={format_utc(utc_now())}&{query}",
                        headers={"Authorization": f"Bearer {service['token']}"})
    assert answer.status_code == 200, answer.get_data(True)
    path = tmp_path / "briefing.html"
    path.write_bytes(answer.get_data())
    return path


def _briefing(chromium, path: Path):
    return browser.open_page(chromium, path.as_uri(),
                             lambda url: url.startswith(("file:", "data:")), READY)


@pytest.mark.parametrize("query", ["lang=sv", "county=17&lang=en", "municipality=1880"])
def test_a_briefing_opens_framed_to_its_area(chromium, service, tmp_path, query) -> None:
    path = _export(service, query, tmp_path)
    with _briefing(chromium, path) as (page, visit):
        _settle(page, "GeoriskBriefing")
        with contextlib.suppress(PlaywrightTimeout):  # a zoom still animating: let it end
            page.wait_for_function("() => { const v = GeoriskBriefing.view();"
                                   " return v.contains && v.fill > 0.8; }", timeout=WAIT_MS)
        view = page.evaluate("GeoriskBriefing.view()")
        assert view["contains"] and view["fill"] > 0.8, view
        if view["legendOpen"]:
            _legend_clear_of_the_area(page, "GeoriskBriefing")
        assert page.evaluate(LABELS)["clashes"] == []
        lang = "en" if "lang=en" in query else "sv"
        who = page.locator(".gr-facts").inner_text()
        agency, role = text("ui.agency.rescue", lang), text("brief.role.operator", lang)
        assert f"anna.r ({agency}, {role})" in who
        if lang == "sv":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"screen-briefing-{query[:6]}.png"))
        assert visit.blocked == [] and visit.errors == []


def test_a_briefing_draws_a_unit_at_home_unlike_a_stale_one(chromium, service, tmp_path) -> None:
    path = _export(service, "layers=units", tmp_path)
    assert '"speed_kmh":0' in path.read_text(encoding="utf-8")  # kept for those standing still
    with _briefing(chromium, path) as (page, visit):
        _settle(page, "GeoriskBriefing")
        home = page.get_attribute('.leaflet-marker-icon[title="RÖR 3010"] .gr-unit-icon', "class")
        road = page.get_attribute('.leaflet-marker-icon[title="RÖR 3020"] .gr-unit-icon', "class")
        assert "gr-parked" in home and "gr-stale" not in home
        assert "gr-stale" in road and "gr-parked" not in road
        assert visit.errors == []


# -- a background map from an MBTiles file ------------------------------------------------------


@pytest.fixture(scope="module")
def tiled(world):
    """The service with a small MBTiles file over the area (zooms 6-8) as its background."""
    path = world["folder"] / "area.mbtiles"
    made = write_mbtiles(path, (10.9, 57.1, 17.4, 62.3), (6, 7, 8))
    app = create_app({"DB": str(world["db"]), "TESTING": True, "MBTILES": str(path)})
    with browser.loopback_server(app) as base:
        yield {**world, "base": base, "app": app, "tiles": made, "path": path}


def test_the_map_draws_tiles_from_the_services_own_mbtiles(chromium, tiled) -> None:
    context, page, visit = _open(chromium, tiled)
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.leaflet-tile-loaded')]"
            ".some(i => new URL(i.src).pathname.startsWith('/tiles/'))", timeout=WAIT_MS)
        answered = [r for r in visit.requests if "/tiles/" in r]
        assert answered and all(r.startswith("200 ") for r in answered), answered
        assert visit.blocked == [] and visit.failed == [] and visit.errors == []
        assert all(r.split(" ", 1)[1].startswith(tiled["base"]) for r in visit.requests)
        policy = visit.headers["content-security-policy"]
        assert "img-src 'self' data:;" in policy  # no other origin for the tiles
        assert page.evaluate("window.georiskViolations") == []
        assert "Testkarta" in page.locator(".leaflet-control-attribution").inner_text()
        assert "gr-tiles-on" in page.get_attribute(".folium-map", "class")
        page.evaluate("GeoriskLive.focusUnit('crowd-0', 12)")  # street level: stretched z8
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.leaflet-tile-loaded')]"
            ".some(i => i.src.includes('/tiles/8/'))", timeout=WAIT_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screen-tiles.png"))
    finally:
        context.close()


def test_tiles_are_read_in_tms_order_with_caching_headers(tiled) -> None:
    client = tiled["app"].test_client()
    auth = {"Authorization": f"Bearer {tiled['token']}"}
    (z, x, y), body = next(iter(tiled["tiles"].items()))
    assert (x, y) == tile_xy(10.9, 62.3, z)  # the north-west corner, rows from the north
    answer = client.get(f"/tiles/{z}/{x}/{y}.png", headers=auth)
    assert answer.status_code == 200 and answer.data == body
    assert answer.mimetype == "image/png"
    assert "max-age=" in answer.headers["Cache-Control"] and answer.headers["ETag"]
    again = client.get(f"/tiles/{z}/{x}/{y}.png",
                       headers={**auth, "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    flipped = client.get(f"/tiles/{z}/{x}/{2**z - 1 - y}.png", headers=auth)  # the TMS row
    assert flipped.status_code == 200 and flipped.data != body  # an empty tile: none there
    assert client.get(f"/tiles/{z}/{2**z}/0.png", headers=auth).status_code == 404
    assert client.get(f"/tiles/{z}/{x}/{y}.png").status_code == 401  # signed in only
    plain = create_app({"DB": str(tiled["db"]), "TESTING": True}).test_client()
    assert plain.get(f"/tiles/{z}/{x}/{y}.png", headers=auth).status_code == 404


def test_an_mbtiles_file_without_credit_needs_the_setting(tiled, tmp_path) -> None:
    from layers.mbtiles import MBTiles, MBTilesError

    bare = tmp_path / "bare.mbtiles"
    write_mbtiles(bare, (14.0, 59.0, 15.0, 60.0), (7,), attribution=None)
    with pytest.raises(MBTilesError, match="ATTRIBUTION"):
        MBTiles(bare).layer()
    layer = MBTiles(bare).layer("© Lantmäteriet")
    assert layer.url == "/tiles/{z}/{x}/{y}.png" and layer.max_native_zoom == 7
    with pytest.raises(MBTilesError, match="not an MBTiles file"):
        MBTiles(Path(__file__))
    both = create_app({"DB": str(tiled["db"]), "TESTING": True, "MBTILES": str(bare),
                       "TILES": "http://127.0.0.1:1/{z}/{x}/{y}.png",
                       "TILES_ATTRIBUTION": "x"})
    auth = {"Authorization": f"Bearer {tiled['token']}"}
    assert both.test_client().get("/", headers=auth).status_code == 500  # refused, logged
