"""The live map with many incidents: the picture's incident rows, kept per agency and
brought up to date from the journal, and the page's grid clusters (clusters.js), drawn
from what the viewer is shown.

The rows are checked against a service started afresh on the same database after every
kind of change; secrecy at every zoom in a real Chromium: a restricted incident of
another agency is counted in the cell of its generalised place, never of its true one,
and an agency-only incident changes nothing another agency's viewer receives.
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import threading
import time
import tracemalloc
import urllib.request
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely

from app import create_app, kept_json
from app import picture as picture_module
from georisk import commands as c
from georisk.access import Role, Viewer, snap
from georisk.identity import Tokens
from georisk.model import Agency, Classification, IncidentType
from georisk.spatial import LiveIndex
from georisk.store import SQLiteStore
from georisk.timeutil import utc_now
from tests import browser
from tests.factories import POLICE, RESCUE, incident

READY = "() => document.documentElement.dataset.georiskReady === '1' && GeoriskLive.state().live"
WAIT_MS = 15_000
CELL_PX = 80  # clusters.js's cell
ONE_PLACE = (14.5, 59.6)
TRUE_SECRET = (15.2066, 59.2741)  # police's restricted incident, where it really is


def _seed(db: Path, count: int = 2_000) -> None:
    rng = np.random.default_rng(22)
    lon, lat = rng.uniform(12.5, 16.5, count), rng.uniform(58.2, 61.4, count)
    now = utc_now()
    store = SQLiteStore(db)
    store.apply([c.ReportIncident(incident(
        f"inc-{i}", type=list(IncidentType)[i % 7], severity=1 + i % 5, title=f"Händelse {i}",
        reported_at=now - timedelta(minutes=i), location=shapely.Point(lon[i], lat[i])))
        for i in range(count)] + [c.ReportIncident(incident(
            f"same-{k}", title=f"Samma plats {k}", location=shapely.Point(*ONE_PLACE),
            reported_at=now - timedelta(minutes=k))) for k in range(5)], RESCUE)
    store.apply([
        c.ReportIncident(incident("inc-restricted", agency=Agency.POLICE, title="Skyddad",
                                  classification=Classification.RESTRICTED, reported_at=now,
                                  location=shapely.Point(*TRUE_SECRET))),
    ], POLICE)
    store.close()


def _get(base: str, token: str, path: str) -> bytes:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _rows(app, token: str) -> list[list]:
    """The picture's incident rows for ``token``'s viewer, as the page reads them."""
    headers = {"Authorization": f"Bearer {token}"}
    picture = app.test_client().get("/api/v1/picture", headers=headers)
    answer = app.test_client().get(picture.get_json()["incidents"], headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "application/x-ndjson"
    first, *rows = [json.loads(line) for line in answer.get_data(as_text=True).splitlines()]
    assert first == {"fields": list(picture_module.INCIDENT_FIELDS)}
    return sorted(rows)


# -- the rows, kept and followed --------------------------------------------------------------


@pytest.fixture
def small(tmp_path):
    db = tmp_path / "georisk.db"
    _seed(db, count=50)
    tokens = Tokens(db)
    return db, {a: tokens.create(f"op-{a}", a, "operator")[1] for a in ("rescue", "police", "sos")}


def _changes(db: Path) -> None:
    """One of each kind of change an incident's row can see."""
    now = utc_now()
    store = SQLiteStore(db)
    store.apply([c.ReportIncident(incident("new-1", title="Ny", reported_at=now))], RESCUE)
    store.apply([c.CloseIncident("inc-3", now)], RESCUE)
    store.apply([c.UpdateIncident("inc-4", {"title": "Ändrad", "severity": 5})], RESCUE)
    store.apply([c.ReportIncident(incident(
        "pol-open", agency=Agency.POLICE, title="Först öppen", reported_at=now,
        location=shapely.Point(15.0, 59.0)))], POLICE)
    store.apply([c.UpdateIncident("pol-open", {"classification": Classification.AGENCY})], POLICE)
    store.apply([c.UpdateIncident("inc-restricted", {"title": "Skyddad, ny rubrik"})], POLICE)
    store.close()


@pytest.mark.parametrize("catch_up", [5_000, 2], ids=["followed", "made-afresh"])
def test_kept_rows_follow_every_change_as_a_fresh_service_reads_them(small, monkeypatch,
                                                                     catch_up):
    db, tokens = small
    monkeypatch.setattr(picture_module, "CATCH_UP_EVENTS", catch_up)
    kept = create_app({"DB": str(db), "TESTING": True})
    before = {agency: _rows(kept, token) for agency, token in tokens.items()}
    _changes(db)
    fresh = create_app({"DB": str(db), "TESTING": True})
    for agency, token in tokens.items():
        after = _rows(kept, token)
        assert after == _rows(fresh, token), agency
        assert after != before[agency], agency  # the changes were there to follow
    ids = {agency: {row[0] for row in _rows(kept, token)} for agency, token in tokens.items()}
    assert "inc-3" not in ids["rescue"] and "new-1" in ids["sos"]  # closed; reported
    assert "pol-open" in ids["police"] and "pol-open" not in ids["rescue"]  # now agency-only
    titles = {row[0]: row[9] for row in _rows(kept, tokens["rescue"])}
    assert titles["inc-4"] == "Ändrad"
    assert titles["inc-restricted"] != "Skyddad, ny rubrik"  # generalised: a generic title


def test_an_agency_only_incident_changes_nothing_another_agency_receives(small):
    db, tokens = small
    app = create_app({"DB": str(db), "TESTING": True})
    client = app.test_client()

    def picture(agency: str, path: str = "/api/v1/picture") -> bytes:
        return client.get(path, headers={"Authorization": f"Bearer {tokens[agency]}"}).data

    rescue, police = picture("rescue"), picture("police")
    rows = picture("rescue", "/api/v1/picture/incidents")
    store = SQLiteStore(db)
    store.apply([c.ReportIncident(incident(
        "pol-secret", agency=Agency.POLICE, title="Hemlig", reported_at=utc_now(),
        classification=Classification.AGENCY, location=shapely.Point(14.0, 59.5)))], POLICE)
    store.close()
    assert picture("rescue") == rescue  # byte for byte, the journal position included
    assert picture("rescue", "/api/v1/picture/incidents") == rows
    assert create_app({"DB": str(db)}).test_client().get(  # and as a fresh service makes it
        "/api/v1/picture", headers={"Authorization": f"Bearer {tokens['rescue']}"}).data == rescue
    assert picture("police") != police  # its journal position moved
    assert b"pol-secret" in picture("police", "/api/v1/picture/incidents")


# -- the page -------------------------------------------------------------------------------


pytestmark_browser = pytest.mark.skipif(browser.unavailable() is not None,
                                        reason=browser.unavailable() or "")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("scale") / "georisk.db"
    _seed(db)
    tokens = {name: Tokens(db).create(name, "rescue", "operator")[1] for name in ("anna", "writer")}
    with browser.live_service(db) as base:
        yield {"base": base, "db": db, "token": tokens["anna"], "writer": tokens["writer"]}


@pytest.fixture
def page(service):
    with browser.browser() as chromium:
        context = chromium.new_context(
            viewport={"width": 1400, "height": 900},
            extra_http_headers={"Authorization": f"Bearer {service['token']}"})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(service["base"] + "/", wait_until="load")
        page.wait_for_function(READY, timeout=60_000)
        yield page
        assert errors == []
        context.close()


def _cell(lon: float, lat: float, zoom: int) -> str:
    """The grid cell of clusters.js at ``zoom``, worked out here from its definition."""
    s = math.sin(math.radians(lat))
    x, y = (lon + 180) / 360, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    per = 256 * 2**zoom / CELL_PX
    return f"{math.floor(x * per)}:{math.floor(y * per)}"


def _shown_positions(service) -> list[tuple[float, float]]:
    """Every incident's place as the API shows the viewer (generalised ones coarse)."""
    body = json.loads(_get(service["base"], service["token"], "/api/v1/incidents?limit=10000"))
    return [tuple(f["geometry"]["coordinates"]) for f in body["features"]]


@pytestmark_browser
def test_a_restricted_incident_is_counted_in_its_generalised_cell_at_every_zoom(service, page):
    shown = snap(shapely.Point(*TRUE_SECRET))
    assert page.evaluate("GeoriskLive.position('incident', 'inc-restricted')") == [shown.y, shown.x]
    positions = _shown_positions(service)
    differs = 0
    for zoom in range(5, 19):
        page.evaluate(f"GeoriskLive.centre({shown.y}, {shown.x}, {zoom})")
        page.wait_for_function(f"() => GeoriskLive.cell('inc-restricted').zoom === {zoom}")
        held = page.evaluate("GeoriskLive.cell('inc-restricted')")
        cell = _cell(shown.x, shown.y, zoom)
        assert held["cell"] == cell, zoom
        assert held["drawn"] in ("single", "cluster"), zoom
        if held["drawn"] == "cluster":  # its count is of places the viewer is shown
            assert held["count"] == sum(_cell(x, y, zoom) == cell for x, y in positions), zoom
        differs += cell != _cell(*TRUE_SECRET, zoom)
    assert differs >= 5  # the true place would have put it elsewhere from zoom 12 or so on


@pytestmark_browser
def test_the_grid_draws_counts_not_a_marker_per_incident(service, page):
    counts = page.evaluate("GeoriskLive.counts()")
    assert counts["incidents"] == 2_006
    drawn = page.evaluate("GeoriskLive.drawn()")
    assert drawn["points"] == 2_006  # everything is in the first view, counted once
    assert drawn["singles"] + drawn["clusters"] < 300 and drawn["clusters"] > 20
    shown = page.locator(".marker-cluster").count()
    assert shown == drawn["clusters"]

    # a click on a cluster zooms to its incidents
    zoom = page.evaluate("GeoriskLive.cell('inc-0').zoom")
    page.locator(".marker-cluster").first.click()
    page.wait_for_function(f"() => GeoriskLive.cell('inc-0').zoom > {zoom} && "
                           "!document.querySelector('.leaflet-zoom-anim')", timeout=WAIT_MS)

    # a filter redraws the counts from the filtered incidents
    page.evaluate("GeoriskLive.centre(59.8, 14.5, 6)")
    page.select_option("#gr-f-severity", "5")
    page.wait_for_function("() => GeoriskLive.drawn().points === GeoriskLive.counts().incidents")
    assert page.evaluate("GeoriskLive.counts().incidents") == 400  # every fifth


@pytestmark_browser
def test_incidents_at_one_place_spread_at_the_largest_zoom(service, page):
    lon, lat = ONE_PLACE
    page.evaluate(f"GeoriskLive.centre({lat}, {lon}, 12)")
    page.wait_for_function("() => GeoriskLive.cell('same-0').zoom === 12")
    assert page.evaluate("GeoriskLive.cell('same-0')")["drawn"] == "cluster"
    page.evaluate(f"GeoriskLive.centre({lat}, {lon}, 18)")
    page.wait_for_function("() => GeoriskLive.cell('same-0').drawn === 'single'")
    titles = [f"Samma plats {k}" for k in range(5)]
    boxes = [page.locator(f'.leaflet-marker-icon[title="{t}"]').bounding_box() for t in titles]
    centres = {(round(b["x"] + b["width"] / 2), round(b["y"] + b["height"] / 2)) for b in boxes}
    assert len(centres) == 5  # five markers, none on another
    page.locator('.leaflet-marker-icon[title="Samma plats 3"]').click()
    page.wait_for_selector(".gr-popup h3:text('Samma plats 3')", timeout=WAIT_MS)


@pytestmark_browser
def test_a_new_incident_is_counted_where_it_lands(service, page):
    lon, lat = 13.1, 60.9
    page.evaluate(f"GeoriskLive.centre({lat}, {lon}, 9)")
    before = page.evaluate("GeoriskLive.drawn().points")
    body = json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": {"type": "fire", "severity": 4, "title": "Ny brand",
                                      "agency": "rescue"}}).encode()
    request = urllib.request.Request(
        service["base"] + "/api/v1/incidents", data=body, method="POST",
        headers={"Authorization": f"Bearer {service['writer']}",
                 "Content-Type": "application/json"})
    created = json.loads(urllib.request.urlopen(request, timeout=10).read())["feature"]["id"]
    page.wait_for_function(f"() => GeoriskLive.drawn().points === {before + 1}", timeout=WAIT_MS)
    held = page.evaluate(f"GeoriskLive.cell({created!r})")
    assert held["cell"] == _cell(lon, lat, 9) and held["drawn"] in ("single", "cluster")


def test_a_start_reads_the_open_incidents_once_for_every_agency(small, monkeypatch):
    """One reading of the open incidents makes every agency's rows; a map that asks
    meanwhile waits for them rather than reading them again."""
    db, tokens = small
    read, readings = picture_module.picture_of, []
    release = threading.Event()

    def counted(*args, **kwargs):
        if kwargs.get("kinds") == ("incident",):
            readings.append(threading.current_thread().name)
            release.wait(60)  # the start's reading holds on until a map has asked
        return read(*args, **kwargs)

    monkeypatch.setattr(picture_module, "picture_of", counted)
    app = create_app({"DB": str(db), "TESTING": True, "MAP_WARM": True})
    rows = app.extensions["georisk.incident_rows"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        asked = pool.submit(_rows, app, tokens["police"])
        time.sleep(0.5)
        assert not asked.done()  # waits for the start's rows
        release.set()
        assert asked.result(60)
    assert rows.warm.is_set()
    assert readings == ["georisk-picture-rows"]
    monkeypatch.setattr(picture_module, "picture_of", read)
    fresh = create_app({"DB": str(db), "TESTING": True})
    for token in tokens.values():
        assert _rows(app, token) == _rows(fresh, token)


def test_a_started_service_makes_what_a_first_map_reads_before_it_asks(small, monkeypatch):
    """Every agency's rows (linked incidents among them: the policy looks the other up),
    and the live index a first risk brief reads."""
    db, tokens = small
    store = SQLiteStore(db)
    store.apply([c.LinkIncident("inc-1", "inc-2")], RESCUE)
    store.close()
    app = create_app({"DB": str(db), "TESTING": True, "MAP_WARM": True})
    rows = app.extensions["georisk.incident_rows"]
    assert rows.warm.wait(60) and app.extensions["georisk.resources.ready"].wait(60)
    monkeypatch.setattr(LiveIndex, "from_store", None)  # made already: never again
    brief = app.test_client().get("/api/v1/incidents/inc-1/brief",
                                  headers={"Authorization": f"Bearer {tokens['rescue']}"})
    assert brief.status_code == 200
    read = picture_module.picture_of

    def no_full_read(*args, **kwargs):
        if kwargs.get("kinds") == ("incident",):
            raise AssertionError("the rows were made again")
        return read(*args, **kwargs)

    monkeypatch.setattr(picture_module, "picture_of", no_full_read)
    for token in tokens.values():
        assert _rows(app, token)  # from the kept rows


def test_kept_rows_take_about_their_own_size(tmp_path):
    """Each agency's rows are kept for the life of a worker: at 4 KB a row (orjson's
    buffer) they took 1.7 GB a process at 100,000 open incidents instead of about 0.2 GB.
    Counted: what is still held, of what the rows' own code allocated."""
    db = tmp_path / "georisk.db"
    _seed(db, count=500)
    store = SQLiteStore(db)
    try:
        rows = picture_module.IncidentRows()
        tracemalloc.start()
        try:
            rows.warm_up(store)
            ours = [tracemalloc.Filter(True, module.__file__)
                    for module in (picture_module, kept_json)]
            held = tracemalloc.take_snapshot().filter_traces(ours)
        finally:
            tracemalloc.stop()
        kept = [row for agency in Agency
                for row in rows.rows(store, Viewer("x", agency, Role.VIEWER), store.last_seq())]
    finally:
        store.close()
    used = sum(stat.size for stat in held.statistics("filename"))
    assert len(kept) >= 4 * 500
    assert used / len(kept) < 3 * max(map(len, kept)) + 300
