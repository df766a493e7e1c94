"""Every error answer is RFC 9457 problem+json, built here and nowhere else.

Bad input must never surface as a 500: the handlers below catch georisk's own errors
(which name the field and the reason), Werkzeug's HTTP errors (404, 405, 413 ...) and,
as a last resort, anything else, which is logged and answered without internals.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from georisk.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    Forbidden,
    GeoriskError,
    NotFound,
    ValidationError,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An HTTP-level refusal raised anywhere in a request (bad query, 403, 415 ...)."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}

    @classmethod
    def field(
        cls, status: int, field: str, reason: str, code: ErrorCode = ErrorCode.INVALID
    ) -> Problem:
        return cls(status, f"{field}: {reason}", [FieldError(field, reason, code)])


def problem_response(
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [_field(e) for e in errors]
    response = Response(orjson.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def _field(error: FieldError) -> dict[str, Any]:
    """One field's error: the English reason for a developer, the stable code a page
    translates (`georisk.errors.ErrorCode`), and the bound that was broken, if any."""
    out: dict[str, Any] = {"field": error.field, "reason": error.reason, "code": error.code}
    if error.limit is not None:
        out["limit"] = error.limit
    return out


def install(app: Flask) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.detail, exc.errors, exc.headers)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return problem_response(422, str(exc) or "invalid input", exc.errors)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Response:
        return problem_response(404, str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict) -> Response:
        return problem_response(409, str(exc))

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Response:
        return problem_response(403, str(exc))

    @app.errorhandler(GeoriskError)
    def _other(exc: GeoriskError) -> Response:
        return problem_response(400, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = exc.description or HTTPStatus(status).phrase
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            detail = f"the request body is larger than the limit of {limit:,} bytes"
        headers = {}
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return problem_response(status, detail, headers=headers)

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(500, "an internal error occurred; it has been logged")
