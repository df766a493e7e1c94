"""``/signin`` and ``/signout``: browser sessions for people.

The form carries a CSRF token bound to the visitor's (pre-sign-in) cookie, so another
site cannot sign a browser in under the attacker's account. A successful sign-in ends
any session the browser had and starts a fresh one in the database (no fixation), with
a new id in the cookie and a new CSRF token; signing out deletes it.
Every attempt counts against the account and the address before its password is
checked, in one step with the look for a lock (`georisk.throttle`); while either is
locked the password is not even checked, however many attempts arrive at once.
"""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app import audit, headers
from app.auth import csrf_ok, csrf_token, current_viewer, sessions, throttle, users
from georisk import throttle as limits
from georisk.model import Agency
from georisk.texts import DEFAULT_LANG, Lang, language, text

blueprint = Blueprint("signin", __name__)

_PAGE_HEADERS = {"Content-Security-Policy": headers.SIGNIN, "Cache-Control": "no-store"}


def _lang() -> Lang:
    """The page's language; one it does not know shows the default, for the way in is
    never refused over a word."""
    try:
        return language(request.args.get("lang"))
    except ValueError:
        return DEFAULT_LANG


def _page(status: int = 200, message: str = "", note: str = "", name: str = "") -> Response:
    lang = _lang()
    csrf_token()  # bind a token to this browser before the form is shown
    html = render_template(
        "signin.html", lang=lang, t=lambda key, **v: text(key, lang, **v),
        message=message, note=note, name=name, next_url=_next_url(),
    )
    return Response(html, status=status, headers=_PAGE_HEADERS, mimetype="text/html")


def _next_url() -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    wanted = request.values.get("next", "")
    if wanted.startswith("/") and not wanted.startswith(("//", "/\\")):
        return wanted
    return "/"


@blueprint.get("/signin")
def form() -> Response:
    note = text("signin.signed_out", _lang()) if "out" in request.args else ""
    return _page(note=note)


@blueprint.post("/signin")
def submit() -> Response:
    lang = _lang()
    name = request.form.get("name", "").strip()[:100]
    password = request.form.get("password", "")
    if not csrf_ok():
        audit.note("sign_in_failed", "anonymous", Agency.CENTRE, name, reason="csrf")
        return _page(400, text("signin.csrf", lang), name=name)
    account = limits.account_key(name)
    address = limits.address_key(audit.address())
    admitted = throttle().attempt([(account, limits.ACCOUNT), (address, limits.ADDRESS)])
    if admitted.wait is not None:
        seconds = math.ceil(admitted.wait.total_seconds())
        audit.note("sign_in_failed", "anonymous", Agency.CENTRE, name, reason="locked",
                   retry_after=seconds)
        response = _page(429, text("signin.locked", lang, seconds=seconds), name=name)
        response.headers["Retry-After"] = str(seconds)
        return response
    user = users().authenticate(name, password)
    if user is None:  # the attempt is already counted
        audit.note("sign_in_failed", "anonymous", Agency.CENTRE, name, reason="password",
                   failures=admitted.failures)
        return _page(401, text("signin.failed", lang), name=name)
    throttle().forget(account)
    throttle().refund(address, limits.ADDRESS)
    sessions().end(session.get("sid", ""))
    session.clear()  # a new session: nothing from before sign-in carries over
    session.permanent = True
    session["sid"] = sessions().start(user, current_app.permanent_session_lifetime)
    audit.note("signed_in", user.name, user.agency, user.name, role=str(user.role))
    return redirect(_next_url(), 303)  # type: ignore[return-value]


@blueprint.post("/signout")
def signout() -> Response:
    """Ends this browser's session (the CSRF check in `app.auth` has already run)."""
    viewer = current_viewer()
    assert viewer is not None  # app.auth refused anonymous requests
    sessions().end(session.get("sid", ""))
    session.clear()
    audit.note("signed_out", viewer.name, viewer.agency, viewer.name)
    return redirect(url_for("signin.form", out=1, lang=_lang()), 303)  # type: ignore[return-value]
