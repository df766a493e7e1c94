"""Security headers on every answer: pages, the API, OGC, files and problem+json errors.

Whether the pages still work under their policies is for a browser to say:
tests/test_livemap.py (the map, with and without a tile server) and the Swagger UI test.
"""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests import browser
from tests.api_support import bearer, make_token

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture
def app(db_path):
    return create_app({"DB": str(db_path), "TESTING": True})


def _policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    csp = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:])
            for part in csp.split(";") if part.strip()}


def _check(response, where: str) -> dict[str, str]:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (where, name)
    policy = _policy(response)
    assert policy.get("frame-ancestors") == "'none'", where
    assert policy.get("base-uri") == "'none'", where
    assert "default-src" in policy, where
    return policy


def _sample_url(rule) -> str:
    return rule.build({name: "x" for name in rule.arguments})[1]


def test_every_route_answers_with_the_security_headers(app, db_path):
    token = make_token(db_path, "rescue", "operator")
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"OPTIONS"}):
            url = _sample_url(rule)
            if rule.endpoint == "stream.stream":
                continue  # an endless answer: below, on its own
            for headers in ({}, bearer(token)):  # refused (401) and answered
                _check(client.open(url, method=method, headers=headers), f"{method} {url}")


def test_data_and_errors_may_run_and_load_nothing(app, db_path):
    token = make_token(db_path, "rescue", "operator")
    client = app.test_client()
    answers = {
        "list": client.get("/api/v1/incidents", headers=bearer(token)),
        "ogc": client.get("/ogc/collections", headers=bearer(token)),
        "401": client.get("/api/v1/incidents"),
        "404": client.get("/api/v1/no-such-thing", headers=bearer(token)),
        "405": client.delete("/api/v1/incidents", headers=bearer(token)),
        "422": client.post("/api/v1/incidents", json={"type": "Feature"}, headers=bearer(token)),
        "health": client.get("/health"),
    }
    for name, response in answers.items():
        assert _check(response, name)["default-src"] == "'none'", name
        assert set(_policy(response)) == {"default-src", "frame-ancestors", "base-uri",
                                          "form-action"}, name
    assert answers["404"].mimetype == "application/problem+json"
    stream = client.get("/api/stream", headers=bearer(token))
    _check(stream, "stream")
    stream.close()


def test_the_map_page_allows_its_own_code_and_no_other(app, db_path):
    token = make_token(db_path, "rescue", "operator")
    page = app.test_client().get("/", headers=bearer(token))
    policy = _check(page, "map page")
    assert policy["default-src"] == "'none'"
    scripts = policy["script-src"].split()
    assert "'self'" in scripts and "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", page.get_data(as_text=True), flags=re.S)
    assert inline and len([s for s in scripts if s.startswith("'sha256-")]) == len(set(inline))
    assert policy["connect-src"] == "'self'"  # the picture, the stream, the writes
    assert policy["img-src"] == "'self' data:"  # no tile server configured
    assert "form-action" in policy


def test_a_configured_tile_server_may_serve_the_maps_images(db_path):
    app = create_app({"DB": str(db_path), "TESTING": True,
                      "TILES": "https://{s}.tiles.example.se:8443/v1/{z}/{x}/{y}.png",
                      "TILES_ATTRIBUTION": "Exempel"})
    token = make_token(db_path, "rescue", "operator")
    policy = _policy(app.test_client().get("/", headers=bearer(token)))
    assert policy["img-src"] == "'self' data: https://*.tiles.example.se:8443"
    assert policy["connect-src"] == "'self'"


def test_the_sign_in_page_keeps_its_policy(app):
    page = app.test_client().get("/signin")
    policy = _check(page, "sign-in")
    assert policy["style-src"] == "'unsafe-inline'" and policy["form-action"] == "'self'"
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.skipif(browser.unavailable() is not None, reason=browser.unavailable() or "")
def test_swagger_ui_runs_under_its_policy(app, db_path):
    token = make_token(db_path, "rescue", "operator")
    with browser.loopback_server(app) as base, browser.browser() as chromium:
        context = chromium.new_context(extra_http_headers=bearer(token))
        context.add_init_script(browser.RECORD_VIOLATIONS)
        blocked: list[str] = []
        errors: list[str] = []
        fetched: dict[str, int] = {}

        def route(route_) -> None:
            if route_.request.url.startswith(base):
                route_.continue_()
            else:
                blocked.append(route_.request.url)
                route_.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: fetched.setdefault(r.url.removeprefix(base), r.status))
        try:
            answer = page.goto(base + "/api/v1/docs", wait_until="load")
            assert "script-src 'self' 'sha256-" in answer.headers["content-security-policy"]
            # Swagger UI's own script drew the page from the document it fetched (this
            # Swagger UI, 4.x, then says it cannot render OpenAPI 3.1: its version, not
            # the policy)
            page.wait_for_selector(".swagger-ui .info, .swagger-ui .version-pragma",
                                   timeout=15_000)
            assert fetched["/api/v1/openapi.json"] == 200
            assert fetched["/api/v1/docs/assets/swagger-ui.css"] == 200
            assert page.evaluate("window.georiskViolations") == []
            assert errors == [] and blocked == []
        finally:
            context.close()
