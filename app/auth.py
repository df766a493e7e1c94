"""Who is asking: the single entry point is `current_viewer()` (`require_viewer()` in views).

A request proves who it is in one of two ways, never both:

* ``Authorization: Bearer <token>`` — machine credentials from `georisk tokens`. Not an
  ambient credential (a browser never adds it by itself), so no CSRF check applies.
  The same token also goes as HTTP Basic credentials (``Authorization: Basic``, the
  token's name as the user name and the token as the password), for desktop GIS and
  libraries that can send nothing else (QGIS's "Basic" method, GDAL's
  ``GDAL_HTTP_USERPWD``, OWSLib, ArcGIS): the same token, the same viewer. A wrong
  pair counts as a failed sign-in against the name and the address (`_basic_refused`).
* the session cookie set by ``/signin`` — a person at a browser. The cookie (signed by
  Flask with a key kept in the database) carries only a session id; the session is a
  row in the database (`georisk.sessions`), read with the user's row on every request,
  so signing out, disabling the user or the end of the shift ends it in every worker
  at once, and a copy of the cookie dies with it. Every state-changing request made
  with the cookie must carry the session's CSRF token (``X-CSRF-Token`` header or
  ``csrf_token`` form field), kept in that row, because the browser sends the cookie
  whoever made the page that asks.

No route reads credentials itself. Every route except ``PUBLIC_ENDPOINTS`` refuses
anonymous requests with 401.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import secrets
from datetime import timedelta

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from markupsafe import Markup, escape

from app import audit
from app.problems import Problem
from georisk import throttle as limits
from georisk.access import Viewer
from georisk.identity import Tokens, service_secret
from georisk.model import Agency
from georisk.sessions import Session, Sessions
from georisk.throttle import Throttle
from georisk.users import Users

#: Endpoints that answer without a credential: health and the sign-in form itself.
PUBLIC_ENDPOINTS = frozenset({"health.check", "signin.form", "signin.submit"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_ANONYMOUS = object()


def current_viewer() -> Viewer | None:
    """The viewer of this request, or None when it carries no valid credential."""
    found = g.get("georisk_viewer", _ANONYMOUS)
    if found is _ANONYMOUS:
        if "Authorization" in request.headers:
            basic = _scheme() == "basic"
            found, g.georisk_credential = _from_basic() if basic else _from_bearer()
            g.georisk_via = "token"
        else:
            found, g.georisk_credential = _from_session()
            g.georisk_via = "session" if found is not None else None
        g.georisk_viewer = found
    return found  # type: ignore[return-value]


def require_viewer() -> Viewer:
    """The viewer of a request a view is answering: `install`'s check before every view
    has refused anonymous requests, so there is one (public endpoints have none)."""
    viewer = current_viewer()
    assert viewer is not None, "an anonymous request reached a view that needs a viewer"
    return viewer


def credential_id() -> str | None:
    """The id of the credential the current viewer used (scopes idempotency keys)."""
    current_viewer()
    return g.get("georisk_credential")


def signed_in() -> Session | None:
    """The database session this request's cookie names, when it is live."""
    current_viewer()
    return g.get("georisk_session")


def csrf_token() -> str:
    """This session's CSRF token; pages put it in forms and headers. Before sign-in it is
    kept in the cookie (made on first use), to guard the sign-in form itself."""
    live = signed_in()
    if live is not None:
        return live.csrf
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_meta() -> Markup:
    """``<meta name="csrf-token" content="...">`` for a page's ``<head>``; scripts send
    its content as the ``X-CSRF-Token`` header on every write."""
    return Markup(f'<meta name="csrf-token" content="{escape(csrf_token())}">')


def csrf_ok() -> bool:
    """Whether this request carries the session's CSRF token (constant-time compare)."""
    live = signed_in()
    expected = live.csrf if live is not None else session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def users() -> Users:
    return current_app.extensions["georisk.users"]


def sessions() -> Sessions:
    return current_app.extensions["georisk.sessions"]


def throttle() -> Throttle:
    return current_app.extensions["georisk.throttle"]


def _scheme() -> str:
    return request.headers.get("Authorization", "").partition(" ")[0].lower()


def _from_basic() -> tuple[Viewer | None, str | None]:
    """``Basic base64(name:token)``: the token's viewer when ``name`` is the token's name
    (compared casefolded); otherwise a failed attempt, counted (`_basic_refused`)."""
    encoded = request.headers.get("Authorization", "").partition(" ")[2].strip()
    try:
        name, colon, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        name, colon, token = "", "", ""
    tokens: Tokens = current_app.extensions["georisk.tokens"]
    info = tokens.check(token) if colon and token else None
    if info is not None and info.name.casefold() == name.strip().casefold():
        return info.viewer(), info.id
    _basic_refused(name.strip()[:100] or "(none)")
    return None, None


def _basic_refused(name: str) -> None:
    """A wrong name or token sent as Basic credentials: counted against the name and the
    address as a failed sign-in is, and journaled; once either is locked, 429 with
    Retry-After. The count only ever follows a failure: a token is 256 random bits, not
    a password to guess, so a right pair is never held back by a lock someone else ran
    up on that name, and a good request writes nothing."""
    g.georisk_viewer, g.georisk_via = None, "token"  # decided: asked again, still no one
    admitted = throttle().attempt([(limits.account_key(name), limits.ACCOUNT),
                                   (limits.address_key(audit.address()), limits.ADDRESS)])
    if admitted.wait is not None:
        seconds = math.ceil(admitted.wait.total_seconds())
        audit.note("sign_in_failed", "anonymous", Agency.CENTRE, name, reason="locked",
                   via="basic", retry_after=seconds)
        raise Problem(429, f"too many failed attempts: try again in {seconds} s",
                      headers={"Retry-After": str(seconds)})
    audit.note("sign_in_failed", "anonymous", Agency.CENTRE, name, reason="token",
               via="basic", failures=admitted.failures)


def _from_bearer() -> tuple[Viewer | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, None
    tokens: Tokens = current_app.extensions["georisk.tokens"]
    info = tokens.check(token.strip())
    if info is None:
        return None, None
    return info.viewer(), info.id


def _from_session() -> tuple[Viewer | None, str | None]:
    sid = session.get("sid")
    if not isinstance(sid, str):
        return None, None
    live = sessions().check(sid)
    if live is None:
        session.pop("sid", None)  # an ended session: forget it
        return None, None
    g.georisk_session = live
    return live.user.viewer(), f"session:{live.user.name}:{live.user.epoch}"


def flag(value: object) -> bool:
    """A config switch given as a bool or as text from the environment ("0", "false")."""
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def install(app: Flask) -> None:
    """Credentials, the session cookie's settings, and the checks before every view.

    ``SECURE_COOKIES`` (default on) marks the cookie ``Secure``: browsers then send it
    only over HTTPS (and to localhost). Turn it off only for plain-HTTP tests on the
    loopback (``GEORISK_SECURE_COOKIES=0``). ``SESSION_HOURS`` (default 12, a shift)
    is how long a sign-in lasts.
    """
    db = app.config["DB"]
    app.extensions["georisk.tokens"] = Tokens(db)
    app.extensions["georisk.users"] = Users(db)
    app.extensions["georisk.sessions"] = Sessions(db)
    app.extensions["georisk.throttle"] = Throttle(db)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = service_secret(db, "session-key")
    app.config.update(
        SESSION_COOKIE_NAME="georisk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=flag(app.config.get("SECURE_COOKIES", True)),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(app.config.get("SESSION_HOURS", 12))),
        SESSION_REFRESH_EACH_REQUEST=False,  # a shift's sign-in ends, however busy
    )
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_meta=csrf_meta)

    @app.before_request
    def _refuse_anonymous() -> Response | None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return
        if current_viewer() is None:
            if request.endpoint == "pages.live_map" and request.method == "GET":
                # a person opening the map: to the sign-in form, and back afterwards
                return redirect(url_for("signin.form", next=request.full_path))
            given = "Authorization" in request.headers
            # Basic is offered only to a client that sent it: to a browser's script it
            # would pop up the browser's own password dialog over the map
            challenge = 'Bearer realm="georisk"'
            if _scheme() == "basic":
                challenge += ', Basic realm="georisk", charset="UTF-8"'
            raise Problem(
                401,
                "the token is unknown or revoked" if given
                else "authentication required: sign in at /signin or send "
                     "Authorization: Bearer <token>",
                headers={"WWW-Authenticate": challenge},
            )
        if g.georisk_via == "session" and request.method not in SAFE_METHODS and not csrf_ok():
            raise Problem(403, f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                               f"or the {CSRF_FIELD} form field")
