"""Query parameters: the kinds of value a query string (or a CLI option) carries, each
an annotated pydantic type that both checks the text and describes it.

An endpoint declares its parameters once, as a `QueryModel` of these types. `read`
checks a query against it, naming every refused parameter; the service's OpenAPI
documents are generated from the same model (`app.openapi.query_parameters`), so a
bound, a vocabulary or a name cannot be checked one way and documented another. The
types take text as it arrives (``a,b`` for a set, ``start/end`` for an interval) and
give the value the code works with (a frozenset, a pair of datetimes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

from georisk.errors import FieldError, ValidationError
from georisk.model import (
    Agency,
    BlockageReason,
    BlockageStatus,
    Classification,
    IncidentStatus,
    IncidentType,
    RiskZoneStatus,
    UnitKind,
    UnitStatus,
)
from georisk.timeutil import ACCEPTED_RANGE, parse_instant

MAX_LIMIT = 10_000
MAX_TEXT = 200
#: Sequence numbers are at most 18 digits: every one fits a 64-bit integer.
MAX_SEQ = 10**18 - 1
_RFC3339_HINT = "use RFC 3339, e.g. 2026-01-15T08:00:00Z"


class QueryModel(BaseModel):
    """The query parameters of one endpoint: fields named as in Python, aliased where the
    parameter's name is not an identifier (``bbox-crs``) or is a keyword (``from``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Refused(ValueError):
    """A refusal raised by a rule across parameters (a model validator), naming the
    parameter it is about: pydantic would otherwise name none."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field


Q = TypeVar("Q", bound=QueryModel)


def names(model: type[QueryModel]) -> list[str]:
    """The parameters ``model`` takes, as a query names them."""
    return [field.alias or name for name, field in model.model_fields.items()]


def read(model: type[Q], given: Mapping[str, str | None]) -> Q:
    """``given`` (a query's parameters, or a CLI's options by the same names; None for
    one not given) as ``model``, or a ValidationError naming each refused parameter.
    A parameter the model does not take is refused, with the ones it does."""
    args = {name: value for name, value in given.items() if value is not None}
    known = sorted(names(model))
    unknown = sorted(set(args) - set(known))
    if unknown:
        reason = (f"unknown query parameter; known: {', '.join(known)}" if known
                  else "unknown query parameter; this operation takes none")
        raise ValidationError([FieldError(name, reason) for name in unknown])
    try:
        return model.model_validate(args)
    except pydantic.ValidationError as exc:
        raise ValidationError([_error(error) for error in exc.errors()]) from None


def read_value(kind: Any, name: str, text: str) -> Any:
    """One value of the type ``kind`` from outside a query (a header), named ``name``."""
    try:
        return TypeAdapter(kind).validate_python(text)
    except pydantic.ValidationError as exc:
        raise ValidationError([FieldError(name, _reason(e)) for e in exc.errors()]) from None


def _error(error: Any) -> FieldError:
    """A pydantic error named by its parameter (an item of a set is its parameter's)."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, Refused):
        return FieldError(cause.field, str(cause))
    loc = error["loc"]
    return FieldError(str(loc[0]) if loc else "", _reason(error))


def _reason(error: Any) -> str:
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "value_error":  # our own validators' words, without pydantic's prefix
        return str(ctx["error"])
    if kind == "missing":
        return "a required parameter is missing"
    if kind in ("literal_error", "enum"):
        return f"{error['input']!r} is not one of: {ctx['expected']}"
    if kind == "string_too_long":
        return f"at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"give at least {ctx['min_length']} value(s)"
    return str(error["msg"])


# -- the kinds of value ------------------------------------------------------------------


def _instant(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ValueError(f"{exc} ({_RFC3339_HINT})") from None


#: An RFC 3339 instant with a zone, within `georisk.timeutil`'s accepted range, as UTC.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_instant),
    Field(description=f"RFC 3339 with a timezone, from {ACCEPTED_RANGE}."),
]


def _interval(value: Any) -> tuple[datetime | None, datetime | None]:
    """An instant, or ``start/end`` with ``..`` (or nothing) for an open end, as in OGC
    API - Features. A start in the year 0 is open too: RFC 3339 allows that year and
    Python's datetime lacks it, and QGIS sends 0000-01-01T00:00:00Z for a start left
    open. The rest of such a start must still be a time."""
    if isinstance(value, tuple):
        return value
    text = str(value)
    if "/" not in text:
        moment = _instant(text)
        return moment, moment
    first, _, second = text.partition("/")
    if "/" in second:
        raise ValueError("an interval has exactly one '/'")
    open_start = first in ("", "..") or _year_zero(first)
    start = None if open_start else _instant(first)
    end = None if second in ("", "..") else _instant(second)
    if start is None and end is None:
        raise ValueError("an interval needs at least one end")
    if start is not None and end is not None and start > end:
        raise ValueError("the interval's start is after its end")
    return start, end


def _year_zero(text: str) -> bool:
    if not text.startswith("0000-"):
        return False
    try:
        datetime.fromisoformat("2000" + text[4:])  # the same text in a year that exists
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r} ({_RFC3339_HINT})") from None
    return True


#: ``start/end`` (or one instant), ``..`` or nothing for an open end: (start, end), None
#: for an open end; an instant is (it, it).
Interval = Annotated[
    tuple[datetime | None, datetime | None],
    pydantic.PlainValidator(_interval),
    WithJsonSchema({
        "type": "string",
        "examples": ["2026-01-15T08:00:00Z/2026-01-15T12:00:00Z"],
    }),
]


def _numbers(value: Any, order: str = "the lower corner, then the upper one") -> tuple[float, ...]:
    """Four finite numbers, the lower corner then the upper one (``order`` names them for
    a message), or six with heights; each no greater than its counterpart. Ranges are
    the caller's: they depend on the CRS the box is in."""
    if isinstance(value, tuple):
        return value
    parts = str(value).split(",")
    if len(parts) not in (4, 6):
        raise ValueError(f"expected 4 numbers ({order}) or 6 with heights, got {len(parts)}")
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        raise ValueError(f"{value!r} is not a list of numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("numbers must be finite")
    half = len(numbers) // 2
    if any(low > high for low, high in zip(numbers[:half], numbers[half:], strict=True)):
        raise ValueError("the minimum is greater than the maximum")
    return numbers


def lon_lat(numbers: tuple[float, ...]) -> tuple[float, float, float, float]:
    """A box of `Box` numbers in longitude and latitude (heights dropped), in range."""
    if len(numbers) == 6:
        numbers = (numbers[0], numbers[1], numbers[3], numbers[4])
    min_x, min_y, max_x, max_y = numbers
    if not (-180 <= min_x <= 180 and -180 <= max_x <= 180):
        raise ValueError("longitudes must be between -180 and 180")
    if not (-90 <= min_y <= 90 and -90 <= max_y <= 90):
        raise ValueError("latitudes must be between -90 and 90")
    return min_x, min_y, max_x, max_y


_BOX_SCHEMA = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 4,
    "maxItems": 6,
    "examples": [[14.8, 59.1, 15.5, 59.4]],
}
#: A box as given, in whatever CRS it is in: 4 numbers, or 6 with heights.
Box = Annotated[tuple[float, ...], pydantic.PlainValidator(_numbers), WithJsonSchema(_BOX_SCHEMA)]
#: ``minLon,minLat,maxLon,maxLat`` in WGS84 (6 numbers: the heights are dropped).
LonLatBox = Annotated[
    tuple[float, float, float, float],
    pydantic.PlainValidator(lambda value: lon_lat(_numbers(value, "minLon,minLat,maxLon,maxLat"))),
    WithJsonSchema(_BOX_SCHEMA),
]


def _items(value: Any) -> Any:
    """``a,b,c`` as its items, blanks left out; anything else (from Python) as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def one_of(values: Iterable[str] | type[StrEnum]) -> Any:
    """The type of one value from a vocabulary (an enumeration's values)."""
    words = tuple(member.value if isinstance(member, StrEnum) else member for member in values)
    return Literal[words]  # type: ignore[valid-type]


def any_of(item: Any) -> Any:
    """The type of a comma-separated set of ``item`` values; empty means every value."""
    return Annotated[frozenset[item], BeforeValidator(_items)]


def listed(item: Any) -> Any:
    """The type of a comma-separated list of ``item`` values, in the order given."""
    return Annotated[tuple[item, ...], BeforeValidator(_items)]


def matching(pattern: str, what: str) -> Any:
    """A text matching ``pattern`` (documented as it), refused as not being ``what``."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.search(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return Annotated[str, StringConstraints(pattern=pattern), BeforeValidator(check)]


def scb_code(digits: int) -> Any:
    """An SCB code of ``digits`` digits (2 for a county, 4 for a municipality)."""
    return matching(f"^[0-9]{{{digits}}}$", f"a {digits}-digit SCB code")


def sort_keys(sortable: Iterable[str]) -> Any:
    """``sortby=-severity,+reported_at``: properties in order, ``-`` for descending (``+``
    or nothing for ascending), as (property, descending) pairs."""
    keys = one_of(key for name in sortable for key in (name, f"-{name}"))

    def split(value: Any) -> Any:
        return [part.lstrip("+").strip() for part in _items(value)]

    def pairs(given: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
        seen = [key.lstrip("-") for key in given]
        twice = sorted({name for name in seen if seen.count(name) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is given twice")
        return tuple((key.lstrip("-"), key.startswith("-")) for key in given)

    return Annotated[tuple[keys, ...], BeforeValidator(split), AfterValidator(pairs)]


def _integer(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    return value


def whole(low: int, high: int, clamp: bool = False) -> Any:
    """A whole number from ``low`` to ``high``; ``clamp`` answers a larger one with
    ``high`` instead of refusing it. The bounds are checked here, to say both in one
    message, and given to pydantic too, which writes them into the schema."""

    def parse(value: Any) -> Any:
        number = _integer(value)
        if not isinstance(number, int):
            return number
        if clamp:
            number = min(number, high)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return Annotated[int, Field(ge=low, le=high), BeforeValidator(parse)]


#: Records per page: a larger limit is refused.
Limit = whole(1, MAX_LIMIT)
#: Records per page as OGC API - Features has it: a larger limit is not an error and
#: gives at most the maximum (Part 1, /req/core/fc-limit-response).
ClampedLimit = whole(1, MAX_LIMIT, clamp=True)


def _seq(value: Any) -> Any:
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ValueError(f"{value!r} is not a sequence number (0 or more)")
    return _integer(value)


#: A position in a viewer's view of the journal (0: before the first event).
SeqNumber = Annotated[int, Field(ge=0, le=MAX_SEQ), BeforeValidator(_seq)]
#: Free text, as searched for or shown in a title.
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


# -- the vocabularies of the records, as filters -------------------------------------------

Agencies = any_of(one_of(Agency))
Classifications = any_of(one_of(Classification))
IncidentTypes = any_of(one_of(IncidentType))
IncidentStatuses = any_of(one_of(IncidentStatus))
Severities = any_of(whole(1, 5))
UnitKinds = any_of(one_of(UnitKind))
UnitStatuses = any_of(one_of(UnitStatus))
BlockageReasons = any_of(one_of(BlockageReason))
BlockageStatuses = any_of(one_of(BlockageStatus))
RiskZoneStatuses = any_of(one_of(RiskZoneStatus))
CountyCodes = Annotated[any_of(scb_code(2)), Field(examples=[["18", "20"]])]
MunicipalityCodes = Annotated[any_of(scb_code(4)), Field(examples=[["1880"]])]
#: Values of a property without a closed vocabulary (a risk class: "4", "5E").
Words = any_of(str)

