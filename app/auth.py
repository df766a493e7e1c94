"""Who is asking: the single entry point is `current_viewer()`.

Today a request proves who it is with ``Authorization: Bearer <token>`` (machine
credentials from `georisk tokens`); browser sessions will be added here, behind the
same function, so no route ever reads credentials itself. Every route except the
ones in ``PUBLIC_ENDPOINTS`` refuses anonymous requests with 401.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from app.problems import Problem
from georisk.access import Viewer
from georisk.identity import Tokens

PUBLIC_ENDPOINTS = frozenset({"health.check"})
_ANONYMOUS = object()


def current_viewer() -> Viewer | None:
    """The viewer of this request, or None when it carries no valid credential."""
    found = g.get("georisk_viewer", _ANONYMOUS)
    if found is _ANONYMOUS:
        found, g.georisk_credential = _from_bearer()
        g.georisk_viewer = found
    return found  # type: ignore[return-value]


def credential_id() -> str | None:
    """The id of the credential the current viewer used (scopes idempotency keys)."""
    current_viewer()
    return g.get("georisk_credential")


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


def install(app: Flask) -> None:
    app.extensions["georisk.tokens"] = Tokens(app.config["DB"])

    @app.before_request
    def _require_viewer() -> None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return
        if current_viewer() is None:
            given = "Authorization" in request.headers
            raise Problem(
                401,
                "the token is unknown or revoked" if given
                else "authentication required: send Authorization: Bearer <token>",
                headers={"WWW-Authenticate": 'Bearer realm="georisk"'},
            )  # fmt: skip
