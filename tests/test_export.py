"""Briefing exports: a file opened from disk in a real headless Chromium with every
request blocked shows exactly the store's picture for the exporting viewer, renders
hostile text as text, switches instants with its slider, and is byte-reproducible."""

from __future__ import annotations

import concurrent.futures
import json
import re
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import flask
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

import app.export as export_module
from app import create_app
from app.cli import export_command
from georisk import commands as c
from georisk.access import Role, Viewer, present_all, snap
from georisk.crs import to_sweref
from georisk.errors import Forbidden
from georisk.firerisk.classes import SWEDEN
from georisk.identity import Tokens
from georisk.model import Agency, Classification, RiskZone
from georisk.queryparams import read
from georisk.store import SQLiteStore
from georisk.timeutil import format_utc, to_micros, utc_now
from layers import briefing_data
from layers.briefing import render
from layers.briefing_export import ExportOptions, build
from layers.units import DEFAULT_STALE_AFTER_S
from tests import browser
from tests.api_support import bearer, running_service
from tests.factories import POLICE, RESCUE, blockage, incident, unit

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
XSS = "<img src=x onerror=\"document.title='pwned'\">"
READY = "document.documentElement.dataset.georiskReady === '1'"
BASE = utc_now().replace(microsecond=0) - timedelta(hours=6)
EXPORTED = format_utc(BASE + timedelta(hours=6))
TOWNS = [(15.21, 59.27), (13.50, 59.38), (15.63, 60.60), (16.54, 59.61), (14.55, 59.32),
         (12.30, 58.30)]
needs_browser = pytest.mark.skipif(browser.unavailable() is not None,
                                   reason=browser.unavailable() or "")


def _seed(db: Path) -> None:
    """Incidents reported hour by hour, some closed later; units; blockages, one lifted."""
    store = SQLiteStore(db)
    log: list[tuple] = []  # (time, order, commands, actor): the journal only moves forward
    classes = [Classification.OPEN, Classification.AGENCY, Classification.RESTRICTED]
    for i in range(24):
        lon, lat = TOWNS[i % len(TOWNS)]
        actor = POLICE if i % 2 else RESCUE
        record = incident(f"inc-{i:02d}", agency=actor.agency, classification=classes[i % 3],
                          severity=1 + i % 5, title=XSS if i == 0 else f"Händelse {i}",
                          description=XSS, reported_at=BASE + timedelta(minutes=15 * i),
                          location=shapely.Point(lon + i * 0.01, lat))
        log.append((BASE + timedelta(minutes=15 * i), len(log), [c.ReportIncident(record)], actor))
        if i % 4 == 0 and i <= 16:
            closed = BASE + timedelta(minutes=15 * i + 60)
            log.append((closed, len(log), [c.CloseIncident(record.id)], actor))
    for i in range(8):
        lon, lat = TOWNS[i % len(TOWNS)]
        actor = POLICE if i % 2 else RESCUE
        u = unit(f"unit-{i}", agency=actor.agency, callsign=f"{XSS} {i}" if i == 0 else f"U{i}",
                 classification=classes[i % 3], position=shapely.Point(lon, lat + 0.05),
                 position_time=BASE)
        log.append((BASE, len(log), [c.RegisterUnit(u)], actor))
    for i in range(4):
        lon, lat = TOWNS[i]
        b = blockage(f"blk-{i}", road=XSS if i == 0 else f"E{18 + i}", start=BASE,
                     section=shapely.LineString([(lon, lat), (lon + 0.05, lat + 0.02)]))
        log.append((BASE, len(log), [c.ReportBlockage(b)], RESCUE))
    log.append((BASE + timedelta(hours=3), len(log), [c.LiftBlockage("blk-3")], RESCUE))
    day = (BASE + timedelta(hours=6)).date().isoformat()
    zones = [RiskZone(id=RiskZone.make_id(day, "georisk", SWEDEN.name, code, 1), valid_date=day,
                      scale=SWEDEN.name, risk_class=code, label=f"Klass {code}", area=area,
                      fwi_min=lo, fwi_max=hi, valid_from=BASE, valid_to=BASE + timedelta(hours=24))
             for code, area, lo, hi in (("3", shapely.box(13.0, 59.0, 15.0, 60.0), 7.0, 16.9),
                                        ("4", shapely.box(15.0, 59.0, 16.5, 60.0), 17.0, 21.9))]
    log.append((BASE, len(log), [c.IssueRiskZone(z) for z in zones],
                c.Actor("brandrisk", Agency.CENTRE)))
    for moment, _, commands, actor in sorted(log, key=lambda entry: entry[:2]):
        store.apply(commands, actor, at=moment)
    store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("export") / "georisk.db"
    _seed(db)
    tokens = {name: Tokens(db).create(name, agency, role)[1] for name, agency, role in (
        ("police", "police", "operator"), ("viewer", "centre", "viewer"))}
    app = create_app({"DB": str(db), "TESTING": True, "SECURE_COOKIES": False})
    return {"db": db, "app": app, "tokens": tokens}


def _get(world, query: str, who: str = "police"):
    client = world["app"].test_client()
    headers = {"Authorization": f"Bearer {world['tokens'][who]}"}
    return client.get(f"/api/v1/export?{query}", headers=headers)


def _expected(db: Path, viewer: Viewer, moment) -> dict[str, int]:
    """What the store says, counted here without the export's code."""
    store = SQLiteStore(db)
    try:
        picture = store.state_at(moment)
        return {
            "incidents": len(present_all(viewer, [i for i in picture.incidents
                                                  if i.status == "open"])),
            "units": len(present_all(viewer, picture.units)),
            "blockages": len(present_all(viewer, [b for b in picture.blockages
                                                  if b.status == "active"])),
            "riskzones": len([z for z in picture.riskzones if z.status == "issued"]),
        }
    finally:
        store.close()


def _open(chromium, path: Path):
    return browser.open_page(chromium, path.as_uri(),
                             lambda url: url.startswith(("file:", "data:")), READY)


def test_export_is_an_attachment_and_reproducible(world):
    first = _get(world, f"exported_at={EXPORTED}&title=Lägesbild")
    assert first.status_code == 200, first.get_data(True)
    assert first.headers["Content-Disposition"].startswith("attachment; filename=")
    second = _get(world, f"exported_at={EXPORTED}&title=Lägesbild")
    assert first.get_data() == second.get_data()  # byte-identical: archivable, diffable
    other = _get(world, f"exported_at={EXPORTED}&title=Lägesbild&lang=en")
    assert other.get_data() != first.get_data()


def test_export_refuses_bad_options_and_history_for_viewers(world):
    assert _get(world, "county=99").status_code == 400
    assert _get(world, "layers=secrets").status_code == 400
    assert _get(world, "from=2026-01-01T00:00:00Z").status_code == 400
    past = format_utc(BASE + timedelta(hours=2))
    assert _get(world, f"at={past}", who="viewer").status_code == 403
    assert _get(world, "", who="viewer").status_code == 200


def test_cli_names_whose_view_it_exports(world, tmp_path):
    runner = CliRunner()
    refused = runner.invoke(export_command, ["--db", str(world["db"]), "-o", str(tmp_path / "x")])
    assert refused.exit_code != 0 and "--as-user" in refused.output
    done = runner.invoke(export_command, ["--db", str(world["db"]), "-o", str(tmp_path / "a.html"),
                                          "--agency", "police", "--role", "operator",
                                          "--exported-at", EXPORTED])
    assert done.exit_code == 0, done.output
    same = _get(world, f"exported_at={EXPORTED}").get_data()
    # the CLI's viewer is named police-operator, the token's police: only that line differs
    assert (tmp_path / "a.html").read_bytes().replace(b"police-operator", b"police") == same


def test_the_briefing_is_assembled_from_the_store_without_the_service(world):
    """`layers.briefing_export.build` needs the store, the viewer and the options: the
    same bytes as the endpoint's, with no Flask app anywhere; a past time the viewer may
    not read is the core's Forbidden."""
    assert not flask.has_app_context()
    store = SQLiteStore(world["db"])
    try:
        options = read(ExportOptions, {"exported_at": EXPORTED})
        police = Viewer("police", Agency.POLICE, Role.OPERATOR)
        html = render(build(store, police, options, DEFAULT_STALE_AFTER_S))
        assert html.encode() == _get(world, f"exported_at={EXPORTED}").get_data()
        assert build(store, police, options, 60).stale_after_s == 60
        past = read(ExportOptions, {"at": format_utc(BASE + timedelta(hours=2))})
        with pytest.raises(Forbidden, match="may not export the picture at a past time"):
            build(store, Viewer("v", Agency.CENTRE, Role.VIEWER), past, DEFAULT_STALE_AFTER_S)
    finally:
        store.close()


def test_the_cli_export_reads_the_endpoints_options_and_builds_no_app(world, tmp_path,
                                                                       monkeypatch):
    def no_app(*args, **kwargs):
        raise AssertionError("georisk export built a Flask app")

    monkeypatch.setattr("app.create_app", no_app)
    runner = CliRunner()
    base = ["--db", str(world["db"]), "-o", str(tmp_path / "b.html"), "--agency", "police",
            "--role", "operator", "--exported-at", EXPORTED]
    done = runner.invoke(export_command, [*base, "--layers", "units", "--lang", "en"])
    assert done.exit_code == 0, done.output
    query = f"exported_at={EXPORTED}&layers=units&lang=en"
    same = _get(world, query).get_data()
    assert (tmp_path / "b.html").read_bytes().replace(b"police-operator", b"police") == same
    for args, words in (
        (["--tiles", "https://t.example/{z}/{x}/{y}.png"], "--tiles-attribution: required"),
        (["--layers", "secrets"], "--layers: 'secrets' is not one of"),
        (["--steps", "49"], "--steps: must be between 2 and 48"),
        (["--county", "18", "--bbox", "14,59,15,60"], "--bbox: give one area"),
    ):
        refused = runner.invoke(export_command, [*base, *args])
        assert refused.exit_code != 0, args
        (line,) = [x for x in refused.output.splitlines() if x.startswith("Error:")]
        assert words in line, (args, line)
    viewer = ["--db", str(world["db"]), "-o", str(tmp_path / "c.html"), "--agency", "centre",
              "--at", format_utc(BASE + timedelta(hours=2))]
    refused = runner.invoke(export_command, viewer)
    assert refused.exit_code != 0 and "may not export the picture at a past time" in refused.output
    assert not (tmp_path / "c.html").exists()


@needs_browser
def test_export_opens_offline_with_the_store_counts_and_text_as_text(world, tmp_path):
    body = _get(world, f"exported_at={EXPORTED}&title={XSS}").get_data()
    path = tmp_path / "briefing.html"
    path.write_bytes(body)
    viewer = Viewer("police", Agency.POLICE, "operator")  # type: ignore[arg-type]
    want = _expected(world["db"], viewer, BASE + timedelta(hours=6))
    with browser.browser() as chromium, _open(chromium, path) as (page, visit):
        counts = page.evaluate("GeoriskBriefing.counts()")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "briefing.png"))
        for kind in ("incidents", "units", "blockages", "riskzones"):
            assert counts[kind] == want[kind], (kind, counts, want)
        badges = {b.get_attribute("data-count"): int(b.text_content())
                  for b in page.locator(".gr-count").all()}
        assert badges == {k: want[k] for k in ("incidents", "blockages", "units")}
        assert page.locator("#gr-title").text_content() == XSS
        assert XSS in page.locator("#gr-summary").text_content()  # the road, as text
        assert page.locator(".gr-banner").first.text_content().startswith("BEGRÄNSAD")
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert page.title() != "pwned"
        assert visit.blocked == [] and visit.failed == [] and visit.errors == []
        assert all(url.startswith(("file:", "data:")) for url in visit.requests)


@needs_browser
def test_time_window_slider_shows_each_instant(world, tmp_path):
    start, end = BASE + timedelta(hours=1), BASE + timedelta(hours=5)
    body = _get(world, f"from={format_utc(start)}&to={format_utc(end)}&steps=5"
                       f"&exported_at={EXPORTED}").get_data()
    path = tmp_path / "window.html"
    path.write_bytes(body)
    viewer = Viewer("police", Agency.POLICE, "operator")  # type: ignore[arg-type]
    with browser.browser() as chromium, _open(chromium, path) as (page, visit):
        assert page.evaluate("GeoriskBriefing.states()") == 5
        seen = set()
        for step in (0, 2, 4, 1):
            page.locator("#gr-time").fill(str(step))  # a range input: fires "input"
            page.wait_for_function(f"document.documentElement.dataset.georiskState === '{step}'")
            counts = page.evaluate("GeoriskBriefing.counts()")
            want = _expected(world["db"], viewer, start + (end - start) * step / 4)
            for kind in ("incidents", "units", "blockages"):
                assert counts[kind] == want[kind], (step, kind, counts, want)
            seen.add((counts["incidents"], counts["blockages"]))
        assert len(seen) > 1  # the window really changes the picture
        assert visit.blocked == [] and visit.errors == []


# -- what exports may cost at once ---------------------------------------------------------


class _Held:
    """Exports that reach the rendering wait there until released: the real export,
    slowed so that a test decides which ones run at the same time."""

    def __init__(self, monkeypatch):
        self.entered = threading.Semaphore(0)
        self.go = threading.Event()
        real = export_module.render

        def held(briefing):
            self.entered.release()
            assert self.go.wait(10), "held longer than any test needs"
            return real(briefing)

        monkeypatch.setattr(export_module, "render", held)

    def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert self.entered.acquire(timeout=30), "an export did not start"


def _limited_app(db_path, **config):
    SQLiteStore(db_path).close()
    tokens = {name: Tokens(db_path).create(name, agency, "operator")[1]
              for name, agency in (("anna", "rescue"), ("per", "police"), ("eva", "sos"))}
    app = create_app({"DB": str(db_path), "TESTING": True, **config})
    return app, tokens


def test_exports_at_once_are_limited_per_user_and_per_process(db_path, monkeypatch):
    app, tokens = _limited_app(db_path)
    held = _Held(monkeypatch)

    def export(who: str):
        return app.test_client().get("/api/v1/export", headers=bearer(tokens[who]))

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        anna = pool.submit(export, "anna")
        held.wait_entered(1)
        again = export("anna")  # her second while the first runs
        assert again.status_code == 429 and again.mimetype == "application/problem+json"
        assert int(again.headers["Retry-After"]) > 0 and "at once" in again.get_json()["detail"]
        per = pool.submit(export, "per")  # someone else may, up to the process's two
        held.wait_entered(1)
        third = export("eva")
        assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
        held.go.set()
        assert anna.result().status_code == 200 and per.result().status_code == 200
    assert export("anna").status_code == 200  # the places were given back
    assert export("eva").status_code == 200


def test_a_failed_export_gives_its_place_back(db_path, monkeypatch):
    app, tokens = _limited_app(db_path)

    def broken(briefing):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(export_module, "render", broken)
    client = app.test_client()
    assert client.get("/api/v1/export", headers=bearer(tokens["anna"])).status_code == 500
    monkeypatch.undo()
    assert client.get("/api/v1/export", headers=bearer(tokens["anna"])).status_code == 200


def test_a_place_held_by_a_worker_that_died_is_taken_back(db_path):
    app, tokens = _limited_app(db_path)
    worker = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                            capture_output=True, text=True, check=True)
    with sqlite3.connect(db_path) as con:  # as it was when that worker was killed mid-export
        con.execute("INSERT INTO work_slots (kind, holder, pid, started_us) VALUES"
                    " ('export', 'anna', ?, ?)", (int(worker.stdout), to_micros(utc_now())))
    client = app.test_client()
    assert client.get("/api/v1/export", headers=bearer(tokens["anna"])).status_code == 200
    with sqlite3.connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM work_slots").fetchone()[0] == 0


def test_the_export_limits_are_settings(db_path, monkeypatch):
    monkeypatch.setenv("GEORISK_EXPORTS_PER_USER", "2")
    monkeypatch.setenv("GEORISK_EXPORTS_PER_PROCESS", "3")
    app, tokens = _limited_app(db_path)
    held = _Held(monkeypatch)

    def export(who: str):
        return app.test_client().get("/api/v1/export", headers=bearer(tokens[who]))

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        running = [pool.submit(export, "anna"), pool.submit(export, "anna")]
        held.wait_entered(2)
        assert export("anna").status_code == 429  # her third
        running.append(pool.submit(export, "per"))
        held.wait_entered(1)
        assert export("eva").status_code == 429  # the process's fourth
        held.go.set()
        assert [f.result().status_code for f in running] == [200, 200, 200]


def test_one_users_exports_are_limited_across_workers(db_path):
    """`georisk serve` with two workers: requests sent at once may reach either process,
    and still only one export of one user runs at a time.

    "At once" is as near as threads come: on a loaded host one export may end before the
    last request arrives, and then two are rightly answered. So up to three rounds are
    sent and one of them must refuse all but one; without the limit across workers every
    round would answer two or more."""
    app, tokens = _limited_app(db_path)
    del app
    attempts = 4
    with running_service(db_path, "--workers", "2", "--threads", "4") as base:

        def round_of_exports() -> list[tuple[int, str | None, str]]:
            ready = threading.Barrier(attempts)

            def export(_: int) -> tuple[int, str | None, str]:
                request = urllib.request.Request(f"{base}/api/v1/export",
                                                 headers=bearer(tokens["anna"]))
                ready.wait(timeout=30)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        return response.status, None, response.headers["Content-Type"]
                except urllib.error.HTTPError as exc:
                    return exc.code, exc.headers.get("Retry-After"), exc.headers["Content-Type"]

            with concurrent.futures.ThreadPoolExecutor(attempts) as pool:
                return list(pool.map(export, range(attempts)))

        rounds = []
        for _ in range(3):
            rounds.append(round_of_exports())
            if sorted(status for status, _, _ in rounds[-1]) == [200] + [429] * (attempts - 1):
                break
    answers = rounds[-1]
    assert sorted(status for status, _, _ in answers) == [200] + [429] * (attempts - 1), rounds
    refused = [(wait, kind) for status, wait, kind in answers if status == 429]
    assert all(int(wait) > 0 and kind == "application/problem+json" for wait, kind in refused)


def test_coverage_is_an_optional_layer_under_the_same_rules(world):
    """``coverage=engine`` embeds the API's own coverage answer for the exporting viewer
    (cut to the area); the banner rises with the units it was computed on; it is of the
    picture now, so a past time with it is refused."""
    plain = _get(world, f"exported_at={EXPORTED}&layers=blockages").get_data(as_text=True)
    assert '"coverage":null' in plain and "Täckning" not in plain
    body = _get(world, f"exported_at={EXPORTED}&layers=blockages&coverage=engine")
    assert body.status_code == 200
    html = body.get_data(as_text=True)
    data = json.loads(re.search(r'id="gr-data">(.*?)</script>', html, re.S).group(1)
                      .replace("<\\/", "</"))
    client = world["app"].test_client()
    api = client.get("/api/v1/coverage?kind=engine",
                     headers={"Authorization": f"Bearer {world['tokens']['police']}"}).get_json()
    cover = data["coverage"]
    assert cover["kind"] == "engine" and cover["units"] == api["units"] > 0
    assert [f["id"] for f in cover["features"]] == [f["id"] for f in api["features"]]
    assert cover["features"][-1]["properties"] == api["features"][-1]["properties"]
    # only blockages are drawn, but the coverage rests on the police's own restricted and
    # agency-only engines: the banner says so (without coverage, the file is open)
    assert "ÖPPEN" in re.search(r'class="gr-banner[^"]*"[^>]*>([^<]*)', plain).group(1)
    assert "BEGRÄNSAD" in re.search(r'class="gr-banner[^"]*"[^>]*>([^<]*)', html).group(1)
    refused = _get(world, f"at={format_utc(BASE + timedelta(hours=2))}&coverage=engine")
    assert refused.status_code == 400
    assert refused.get_json()["errors"][0]["field"] == "coverage"


@needs_browser
def test_the_coverage_layer_opens_offline_from_file(world, tmp_path):
    body = _get(world, f"exported_at={EXPORTED}&coverage=engine&county=18").get_data()
    path = tmp_path / "cover.html"
    path.write_bytes(body)
    with browser.browser() as chromium, _open(chromium, path) as (page, visit):
        assert page.locator("path.gr-coverage-band").count() >= 1
        assert page.locator("path.gr-coverage-gap").count() >= 1
        assert "Täckning: Släckbil" in page.locator(".leaflet-control-layers").inner_text()
        assert "Nås inom 10 min" in page.locator(".georisk-legend").inner_text()
        summary = page.locator("#gr-s-coverage").inner_text()
        assert "Täckning: Släckbil" in summary and "Ungefärlig tid" in summary
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "briefing-coverage.png"))
        assert visit.blocked == [] and visit.failed == [] and visit.errors == []
        assert all(url.startswith(("file:", "data:")) for url in visit.requests)


def _square(lon: float, lat: float) -> tuple[int, int]:
    x, y = to_sweref(lon, lat)
    return int(x // briefing_data.CELL_M), int(y // briefing_data.CELL_M)


def test_beyond_the_detail_limit_the_rest_are_counted_per_square(monkeypatch):
    """The most severe, then newest, are kept whole; every other incident is counted in
    the square of the place it is shown at, and a generalised place (a 1 km square's
    centre) is in the same 5 km square as the true one: a count tells no more."""
    monkeypatch.setattr(briefing_data, "DETAIL_LIMIT", 10)
    rng = np.random.default_rng(5)
    places = zip(rng.uniform(13, 16, 300), rng.uniform(58.5, 60.5, 300), strict=True)
    features = [{"type": "Feature", "id": f"inc-{i}",
                 "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                 "properties": {"severity": 1 + i % 5,
                                "reported_at": f"2026-12-06T{i % 24:02d}:00:00Z"}}
                for i, (lon, lat) in enumerate(places)]
    kept, cells = briefing_data.aggregate(features)
    assert len(kept) == 10 and sum(n for _, _, n, _ in cells) == 290
    assert all(f["properties"]["severity"] == 5 for f in kept)  # the most severe first
    kept_ids = {f["id"] for f in kept}
    rest = [f for f in features if f["id"] not in kept_ids]
    newest_rest = max(f["properties"]["reported_at"] for f in rest
                      if f["properties"]["severity"] == 5)
    assert newest_rest <= min(f["properties"]["reported_at"] for f in kept)
    by_square = {_square(lon, lat): (n, top) for lon, lat, n, top in cells}
    assert len(by_square) == len(cells)  # one count per square, at its centre
    for square, (n, top) in by_square.items():
        inside = [f for f in rest if _square(*f["geometry"]["coordinates"]) == square]
        assert n == len(inside) and top == max(f["properties"]["severity"] for f in inside)
    for lon, lat in zip(rng.uniform(12, 17, 2_000), rng.uniform(58, 62, 2_000), strict=True):
        shown = snap(shapely.Point(lon, lat))
        assert _square(shown.x, shown.y) == _square(lon, lat)


@needs_browser
def test_a_briefing_over_the_limit_draws_the_squares_and_says_so(world, tmp_path, monkeypatch):
    monkeypatch.setattr(briefing_data, "DETAIL_LIMIT", 3)
    body = _get(world, f"exported_at={EXPORTED}").get_data()
    data = json.loads(re.search(r'id="gr-data">(.*?)</script>', body.decode(), re.S).group(1))
    cells = data["states"][-1]["cells"]
    assert len(data["states"][-1]["items"]["incidents"]) == 3 and cells
    path = tmp_path / "briefing.html"
    path.write_bytes(body)
    viewer = Viewer("police", Agency.POLICE, "operator")  # type: ignore[arg-type]
    want = _expected(world["db"], viewer, BASE + timedelta(hours=6))
    with browser.browser() as chromium, _open(chromium, path) as (page, visit):
        assert page.evaluate("GeoriskBriefing.counts()")["incidents"] == want["incidents"]
        note = page.locator(".gr-aggregated").text_content()
        assert f"3 av {want['incidents']} händelser" in note and "5 × 5 km" in note  # (< 1,000)
        assert page.locator(".gr-square").count() >= 1
        assert visit.blocked == [] and visit.errors == []
