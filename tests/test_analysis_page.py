"""The analyst page in a real headless Chromium, served by the real app on a loopback port:
every chart drawn, offline, within its CSP, in both languages; only for history readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from georisk.identity import Tokens
from tests import browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
READY = "() => document.documentElement.dataset.georiskReady === '1'"
SECTIONS = ["an-weekly", "an-profiles", "an-hotspots", "an-blockages", "an-response",
            "an-availability"]

pytestmark = pytest.mark.skipif(browser.unavailable() is not None,
                                reason=browser.unavailable() or "")


@pytest.fixture(scope="module")
def served(analysis_db):
    tokens = {role: Tokens(analysis_db).create(f"page-{role}", "centre", role)[1]
              for role in ("analyst", "viewer")}
    app = create_app({"DB": str(analysis_db), "TESTING": True, "SECURE_COOKIES": False})
    with browser.loopback_server(app) as base, browser.browser() as chromium:
        yield base, chromium, tokens


def _visit(served, role: str, query: str = ""):
    base, chromium, tokens = served
    context = chromium.new_context(viewport={"width": 1500, "height": 1000},
                                   extra_http_headers={"Authorization": f"Bearer {tokens[role]}"})
    context.add_init_script(browser.RECORD_VIOLATIONS)
    return base, context


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_chart_is_drawn_offline_within_the_policy(served, lang):
    base, context = _visit(served, "analyst")
    visit = browser.Visit()
    page = context.new_page()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                  else (visit.blocked.append(r.request.url), r.abort()))
    page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    try:
        answer = page.goto(f"{base}/analys?lang={lang}")
        assert answer.status == 200 and answer.headers["content-language"] == lang
        assert "script-src 'self';" in answer.headers["content-security-policy"]
        page.wait_for_function(READY, timeout=60_000)
        states = {s: page.get_attribute(f"#{s}", "data-state") for s in SECTIONS}
        assert set(states.values()) == {"ready"}, states
        assert page.locator("#an-weekly-chart .main-svg").count() > 0
        assert page.locator("#an-hotspot-map path.leaflet-interactive").count() > 0
        assert page.locator("#an-response-table td").count() > 0
        heading = page.locator("#an-weekly h2").inner_text()
        assert heading == ("Händelser per vecka och prognos" if lang == "sv"
                           else "Incidents per week and forecast")
        assert page.evaluate("() => window.georiskViolations") == []
        assert visit.blocked == [] and visit.errors == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"analysis-{lang}.png"), full_page=True)
        # a filter redraws every section; a download link carries the same filter
        page.select_option("#an-type", "traffic")
        page.select_option("#an-county", "18")
        page.click("#an-filters button")
        page.wait_for_function(READY, timeout=60_000)
        link = page.get_attribute("#an-blockages .an-download", "href")
        assert "format=csv" in link and "county=18" in link
        csv = context.request.get(base + link)
        assert csv.ok and csv.headers["content-type"].startswith("text/csv")
        assert csv.text().startswith("road,reason,blockages")
    finally:
        context.close()


def test_a_viewer_may_not_open_it(served):
    base, context = _visit(served, "viewer")
    try:
        answer = context.request.get(f"{base}/analys")
        assert answer.status == 403
        assert context.request.get(f"{base}/api/v1/analysis/history").status == 403
    finally:
        context.close()
