"""A real headless Chromium for page tests, with the network fenced off.

Every request that is not allowed (file: for a briefing file, the loopback server
for a served page) is aborted and recorded, so a test can assert that a page
*attempted* nothing outside, not merely that it happened to render.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def unavailable() -> str | None:
    """Why no browser test can run here, or None when one can."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"{CHROMIUM} is absent (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@dataclass
class Visit:
    """What the page did: requests blocked, requests failed, console errors, ready time."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    ready_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)  # of the page itself


#: Run before a page's own scripts: every Content-Security-Policy violation is kept in
#: ``window.georiskViolations`` (the console says it too, but not always as an error).
RECORD_VIOLATIONS = """
window.georiskViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.georiskViolations.push(e.effectiveDirective + " " + (e.blockedURI || "inline"));
});
"""


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def open_page(
    chromium, url: str, allow: Callable[[str], bool], ready: str, timeout_ms: int = 20_000
) -> Iterator[tuple[object, Visit]]:
    """Open ``url`` in a fresh context; yields the page once JS expression ``ready`` holds."""
    visit = Visit()
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()

    def route(route_) -> None:
        target = route_.request.url
        if allow(target):
            route_.continue_()
        else:
            visit.blocked.append(target)
            route_.abort()

    context.route("**/*", route)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} {r.failure}"))
    page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    started = time.perf_counter()
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(ready, timeout=timeout_ms)
        visit.ready_seconds = time.perf_counter() - started
        yield page, visit
    finally:
        context.close()


def page_app(html: str):
    """A WSGI app serving ``html`` at ``/`` and the map assets under ``/assets/`` (as the
    service names them), for a rendered page that is not the service's own."""
    from flask import Flask, Response, abort

    from layers import assets

    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        return html

    @app.get("/assets/<name>/<path:file>")
    def asset(name: str, file: str) -> Response:
        try:
            found = assets.served(name, file)
        except assets.UnknownAsset:
            abort(404)
        return Response(found.body, content_type=found.content_type)

    return app


@contextmanager
def loopback_server(app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 with a free port; yields its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def live_service(db: Path) -> Iterator[str]:
    """The real service on ``db``, served on loopback for a map page; its stream beats
    every 2 s, so a page that waits for its stream is not kept waiting."""
    from app import create_app

    app = create_app({"DB": str(db), "TESTING": True, "STREAM_HEARTBEAT_S": 2})
    with loopback_server(app) as base:
        yield base
