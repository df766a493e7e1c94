"""Query parameters over HTTP: a request's query read into the model its endpoint
declares (`georisk.queryparams`), refused as a 400 naming each bad parameter, and a NUL
character refused in any of them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, request

from app.problems import Problem
from georisk import queryparams
from georisk.errors import ValidationError
from georisk.timeutil import parse_instant

Q = TypeVar("Q", bound=queryparams.QueryModel)

# -- the OGC API's own reading, until it declares its parameters as models too ----------

MAX_LIMIT = 10_000


def bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` (or 6 numbers with heights, which are ignored)."""
    numbers = bbox_values(text, "minLon,minLat,maxLon,maxLat")
    if numbers is None:
        return None
    min_x, min_y, max_x, max_y = numbers
    if not (-180 <= min_x <= 180 and -180 <= max_x <= 180):
        raise Problem.field(400, "bbox", "longitudes must be between -180 and 180")
    if not (-90 <= min_y <= 90 and -90 <= max_y <= 90):
        raise Problem.field(400, "bbox", "latitudes must be between -90 and 90")
    return numbers


def bbox_values(
    text: str | None, order: str, heights: bool = True
) -> tuple[float, float, float, float] | None:
    """Four finite numbers, lower corner then upper corner, each no greater than its
    counterpart; six when ``heights`` allows (the heights are dropped). ``order`` names
    the four axes for the error message. Ranges are the caller's: they depend on the CRS."""
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) not in ((4, 6) if heights else (4,)):
        raise Problem.field(400, "bbox", f"expected 4 numbers ({order}), got {len(parts)}")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise Problem.field(400, "bbox", f"{text!r} is not a list of numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise Problem.field(400, "bbox", "numbers must be finite")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    min_x, min_y, max_x, max_y = numbers
    if min_x > max_x or min_y > max_y:
        raise Problem.field(400, "bbox", "the minimum is greater than the maximum")
    return min_x, min_y, max_x, max_y


def datetime_window(
    text: str | None, name: str = "datetime"
) -> tuple[datetime | None, datetime | None]:
    """An instant, or an interval ``start/end`` with ``..`` (or nothing) for an open end,
    as in OGC API - Features."""
    if text is None:
        return None, None
    if "/" not in text:
        moment = _instant(text, name)
        return moment, moment
    first, _, second = text.partition("/")
    if "/" in second:
        raise Problem.field(400, name, "an interval has exactly one '/'")
    open_start = first in ("", "..") or _year_zero(first, name)
    start = None if open_start else _instant(first, name)
    end = None if second in ("", "..") else _instant(second, name)
    if start is None and end is None:
        raise Problem.field(400, name, "an interval needs at least one end")
    if start is not None and end is not None and start > end:
        raise Problem.field(400, name, "the interval's start is after its end")
    return start, end


def _instant(text: str, name: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise Problem.field(400, name, f"{exc} (use RFC 3339, e.g. 2026-01-15T08:00:00Z)") from None


def _year_zero(text: str, name: str) -> bool:
    """Whether an interval's start is in the year 0, which RFC 3339 allows and Python's
    datetime lacks: QGIS sends 0000-01-01T00:00:00Z for a start left open, and so it is
    taken. The rest of the text must still be a time."""
    if not text.startswith("0000-"):
        return False
    try:
        datetime.fromisoformat("2000" + text[4:])  # the same text in a year that exists
    except ValueError:
        raise Problem.field(400, name, f"not an ISO 8601 time: {text!r} (use RFC 3339, "
                                       "e.g. 2026-01-15T08:00:00Z)") from None  # fmt: skip
    return True


def limit(text: str | None, default: int = 100, clamp: bool = False) -> int:
    """1 to MAX_LIMIT; ``clamp`` answers a larger value with MAX_LIMIT instead of a 400
    (OGC API - Features: a limit above the maximum is not an error)."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Problem.field(400, "limit", f"{text!r} is not an integer") from None
    if clamp and value > MAX_LIMIT:
        return MAX_LIMIT
    if not 1 <= value <= MAX_LIMIT:
        raise Problem.field(400, "limit", f"must be between 1 and {MAX_LIMIT}")
    return value


def choices(text: str | None, name: str, allowed: Iterable[str]) -> frozenset[str]:
    """A comma-separated list of values, each from ``allowed``."""
    if text is None:
        return frozenset()
    allowed = list(allowed)
    values = frozenset(value.strip() for value in text.split(",") if value.strip())
    wrong = sorted(values - set(allowed))
    if wrong:
        raise Problem.field(
            400, name, f"{', '.join(map(repr, wrong))} not one of: {', '.join(allowed)}"
        )
    return values


def codes(text: str | None, name: str, digits: int) -> frozenset[str]:
    """A comma-separated list of SCB codes of ``digits`` digits."""
    if text is None:
        return frozenset()
    values = frozenset(value.strip() for value in text.split(",") if value.strip())
    for value in values:
        if not (value.isascii() and value.isdigit() and len(value) == digits):
            raise Problem.field(400, name, f"{value!r} is not a {digits}-digit SCB code")
    return values


def sortby(text: str | None, sortable: Iterable[str]) -> tuple[tuple[str, bool], ...]:
    """``sortby=-severity,+reported_at``: properties in order, ``-`` for descending (``+``
    or nothing for ascending); ties keep the order records were created in."""
    if text is None:
        return ()
    allowed = list(sortable)
    keys: list[tuple[str, bool]] = []
    for part in (p.strip() for p in text.split(",")):
        name = part.lstrip("+-").strip()
        if name not in allowed:
            raise Problem.field(
                400, "sortby", f"{name or part!r} is not sortable; one of: {', '.join(allowed)}"
            )
        if any(name == known for known, _ in keys):
            raise Problem.field(400, "sortby", f"{name!r} is given twice")
        keys.append((name, part.startswith("-")))
    return tuple(keys)


def refuse_unknown(given: Iterable[str], known: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise Problem.field(
            400, unknown[0], f"unknown query parameter; known: {', '.join(sorted(known))}"
        )


# -- models -----------------------------------------------------------------------------


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
