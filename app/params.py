"""Query parameters over HTTP: a request's query read into the model its endpoint
declares (`georisk.queryparams`), refused as a 400 naming each bad parameter, and a NUL
character refused in any of them."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, request

from app.problems import Problem
from georisk import queryparams
from georisk.errors import ValidationError

Q = TypeVar("Q", bound=queryparams.QueryModel)


def read(model: type[Q]) -> Q:
    """This request's query as ``model``; a 400 naming each refused parameter (one the
    model does not take included) otherwise."""
    try:
        return queryparams.read(model, request.args.to_dict())
    except ValidationError as exc:
        raise Problem(400, str(exc), exc.errors) from None


def header(kind: Any, name: str) -> Any:
    """The request's header ``name`` as a value of ``kind`` (None when absent or empty);
    a 400 naming the header otherwise."""
    text = request.headers.get(name)
    if not text:
        return None
    try:
        return queryparams.read_value(kind, name, text)
    except ValidationError as exc:
        raise Problem(400, str(exc), exc.errors) from None


def install(app: Flask) -> None:
    """Refuse a NUL character in any query parameter, before any view reads it.

    The body's texts are checked by `georisk.validation`; a query's texts (``q``, an
    export's ``title``) would otherwise reach the store's search and the files made for
    GIS tools, which cut text at a NUL. One check for every route, present and future.
    """

    @app.before_request
    def _refuse_nul() -> None:
        for name, value in request.args.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise Problem.field(400, name, "may not contain a NUL character (\\u0000)")
