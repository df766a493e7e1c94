"""Validation at the edge: outside data in, commands out, or a precise refusal.

The API and the CLI both come through here, so a rule holds everywhere at once, and
the pydantic models double as the JSON Schema of the API's contract. Input follows
GeoJSON (RFC 7946): Features, coordinates in (lon, lat) order, WGS84.

Limits (also in the README): titles 200 characters, descriptions 5,000, short texts
(callsign, road, station, direction, source) 100, line geometries 5,000 vertices,
position batches 5,000 reports. Observed times (reports, positions) may be at most
10 minutes in the future; every time lies in `georisk.timeutil`'s accepted range.
Coordinates are JSON numbers, never strings; a third one (altitude, metres) must be
within ±10,000 and is not kept. No text may hold a NUL character.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, NotRequired, TypeVar

import numpy as np
import pydantic
import shapely
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StrictFloat,
    StringConstraints,
    with_config,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema
from shapely.geometry.base import BaseGeometry
from typing_extensions import TypedDict  # (pydantic reads typing's only from Python 3.12)

from georisk import commands as c
from georisk.errors import ErrorCode, FieldError, ValidationError
from georisk.model import (
    Agency,
    Blockage,
    BlockageReason,
    Classification,
    Incident,
    IncidentType,
    LinkRelation,
    Unit,
    UnitKind,
    UnitStatus,
)
from georisk.timeutil import ACCEPTED_RANGE, EARLIEST, LATEST, format_utc, to_utc, utc_now

# Where coordinates are plausible for a Nordic control centre: (min lon, min lat,
# max lon, max lat). It is only a sanity check; the operating area is narrower.
ACCEPTED_EXTENT = (2.0, 54.0, 32.0, 71.5)
MAX_VERTICES = 5_000
MAX_BATCH = 5_000
FUTURE_TOLERANCE = timedelta(minutes=10)


def _no_nul(text: str) -> str:
    """NUL ends a string in C: GDAL, QGIS and SQLite's C functions would cut the text
    there, and PostgreSQL (a PostGIS store) refuses it outright."""
    if "\x00" in text:
        raise PydanticCustomError(
            ErrorCode.NUL_CHARACTER.value, "may not contain a NUL character (\\u0000)"
        )
    return text


def _in_range(moment: datetime) -> datetime:
    """`to_utc`, its refusal marked as the time range's (its reason names the range)."""
    try:
        return to_utc(moment)
    except ValueError as exc:
        aware = moment.utcoffset() is not None
        code = ErrorCode.TIME_OUT_OF_RANGE if aware else ErrorCode.INVALID_TIME
        raise PydanticCustomError(code.value, "{reason}", {"reason": str(exc)}) from None


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
Description = Annotated[str, StringConstraints(max_length=5_000), AfterValidator(_no_nul)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_no_nul)
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_nul),
]
MAX_ALTITUDE_M = 10_000
Altitude = Annotated[StrictFloat, Field(ge=-MAX_ALTITUDE_M, le=MAX_ALTITUDE_M)]
_OUT_OF_BOUNDS = frozenset({"less_than_equal", "greater_than_equal"})  # an altitude's errors


class _Position:
    """A GeoJSON position: longitude and latitude as JSON numbers (a string such as
    "15" is refused, not converted), then at most one altitude in metres. georisk keeps
    positions in two dimensions, so an altitude is only checked for sense and dropped.

    A tuple with a variadic tail, which pydantic builds only from a core schema: it
    checks the altitude in pydantic's own code, and validates a position batch faster
    than the list of floats it replaces (no Python per coordinate).
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        number = handler.generate_schema(StrictFloat)
        return core_schema.tuple_schema(
            [number, number, handler.generate_schema(Altitude)],
            variadic_item_index=2, min_length=2, max_length=3,
        )


Position = Annotated[tuple[float, ...], _Position]
Time = Annotated[
    AwareDatetime,
    AfterValidator(_in_range),
    Field(description=f"RFC 3339 with a timezone, from {ACCEPTED_RANGE}"),
]
Heading = Annotated[float, Field(ge=0, lt=360)]  # degrees clockwise from north
SpeedKmh = Annotated[float, Field(ge=0, le=1_000)]

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Strict(BaseModel):
    model_config = ConfigDict(**_STRICT, frozen=True)


# Geometries are validated into plain dicts, as GeoJSON has them: a batch of 5,000
# position reports builds 5,000 of them, and with its reports as dicts too it validates
# in two thirds of the time models took.
@with_config(_STRICT)
class PointGeometry(TypedDict):
    type: Literal["Point"]
    coordinates: Position


@with_config(_STRICT)
class LineStringGeometry(TypedDict):
    type: Literal["LineString"]
    coordinates: Annotated[list[Position], Field(min_length=2, max_length=MAX_VERTICES)]


@with_config(_STRICT)
class MultiLineStringGeometry(TypedDict):
    type: Literal["MultiLineString"]
    coordinates: Annotated[
        list[Annotated[list[Position], Field(min_length=2)]],
        Field(min_length=1, max_length=100),
    ]


BlockageGeometry = Annotated[
    PointGeometry | LineStringGeometry | MultiLineStringGeometry, Field(discriminator="type")
]


class IncidentProperties(_Strict):
    type: IncidentType
    title: Title
    description: Description = ""
    severity: Annotated[int, Field(ge=1, le=5)]
    agency: Agency
    classification: Classification = Classification.OPEN
    reported_at: Time | None = None


class IncidentChanges(_Strict):
    type: IncidentType | None = None
    title: Title | None = None
    description: Description | None = None
    severity: Annotated[int, Field(ge=1, le=5)] | None = None
    classification: Classification | None = None


class IncidentReport(_Strict):
    """A new incident, as a GeoJSON Feature with a Point."""

    type: Literal["Feature"]
    id: Id | None = None
    geometry: PointGeometry
    properties: IncidentProperties


class IncidentUpdate(_Strict):
    """Changed fields of an incident; the location as a new Point geometry."""

    geometry: PointGeometry | None = None
    properties: IncidentChanges = IncidentChanges()


class Closing(_Strict):
    at: Time | None = None


class UnitProperties(_Strict):
    callsign: Name
    agency: Agency
    unit_kind: UnitKind
    status: UnitStatus = UnitStatus.AVAILABLE
    home_station: ShortText = ""
    heading: Heading | None = None
    speed_kmh: SpeedKmh | None = None
    position_time: Time | None = None
    classification: Classification = Classification.OPEN


class UnitChanges(_Strict):
    callsign: Name | None = None
    unit_kind: UnitKind | None = None
    home_station: ShortText | None = None
    classification: Classification | None = None


class UnitRegistration(_Strict):
    """A new unit, as a GeoJSON Feature; the geometry is its position if known."""

    type: Literal["Feature"]
    id: Id | None = None
    geometry: PointGeometry | None = None
    properties: UnitProperties


class UnitUpdate(_Strict):
    properties: UnitChanges


class PositionReport(_Strict):
    """Where a unit is: a Point, when it was there, and how it moves."""

    geometry: PointGeometry
    time: Time
    heading: Heading | None = None
    speed_kmh: SpeedKmh | None = None


# Validated into a dict, as the geometries are: there are up to 5,000 in a body.
@with_config(_STRICT)
class BatchPositionReport(TypedDict):
    """Where a unit is (its id): a Point, when it was there, and how it moves."""

    unit: Id
    geometry: PointGeometry
    # Checked against the accepted range and converted to UTC by `move_units`: a Python
    # validator called per report costs as much as all the rest of the validation of a
    # 5,000-report batch.
    time: AwareDatetime
    heading: NotRequired[Heading | None]
    speed_kmh: NotRequired[SpeedKmh | None]


class PositionBatch(_Strict):
    positions: Annotated[list[BatchPositionReport], Field(min_length=1, max_length=MAX_BATCH)]


class StatusChange(_Strict):
    status: UnitStatus


class LinkRequest(_Strict):
    """Link this incident to another agency's: its id, and how they are related."""

    incident: Id
    relation: LinkRelation = LinkRelation.POSSIBLE


class Assignment(_Strict):
    """Attach a unit to an incident: the unit's id."""

    unit: Id


class BlockageProperties(_Strict):
    road: Name
    reason: BlockageReason
    start: Time | None = None
    expected_end: Time | None = None
    direction: ShortText = ""
    source: Name = "operator"
    agency: Agency = Agency.CENTRE
    classification: Classification = Classification.OPEN


class BlockageChanges(_Strict):
    road: Name | None = None
    reason: BlockageReason | None = None
    expected_end: Time | None = None
    direction: ShortText | None = None
    classification: Classification | None = None


class BlockageReport(_Strict):
    """A new blockage: a LineString along the closed road, or a Point."""

    type: Literal["Feature"]
    id: Id | None = None
    geometry: BlockageGeometry
    properties: BlockageProperties


class BlockageUpdate(_Strict):
    geometry: BlockageGeometry | None = None
    properties: BlockageChanges = BlockageChanges()


# -- turning input into commands -------------------------------------------------


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` (parsed JSON, or the raw JSON text: faster for big bodies)
    against ``model``, naming every broken field."""
    try:
        if isinstance(data, bytes | str):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        # A position whose numbers were refused is also "too short" (pydantic counts the
        # items that passed): say only what is wrong with the numbers.
        refused = {tuple(error["loc"][:-1]) for error in errors if error["type"] != "missing"}
        errors = [e for e in errors if e["type"] != "too_short" or tuple(e["loc"]) not in refused]
        raise ValidationError([_field_error(error) for error in errors]) from None


#: pydantic's error types, by the code a reader is told (`georisk.errors.ErrorCode`);
#: our own validators raise theirs under the code's own name.
_CODES: dict[str, ErrorCode] = {
    "missing": ErrorCode.REQUIRED,
    "extra_forbidden": ErrorCode.UNKNOWN_FIELD,
    "string_too_short": ErrorCode.TOO_SHORT,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_short": ErrorCode.TOO_SHORT,
    "too_long": ErrorCode.TOO_MANY,
    "greater_than": ErrorCode.TOO_SMALL,
    "greater_than_equal": ErrorCode.TOO_SMALL,
    "less_than": ErrorCode.TOO_LARGE,
    "less_than_equal": ErrorCode.TOO_LARGE,
    **dict.fromkeys(("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type",
                     "finite_number", "bool_parsing"), ErrorCode.NOT_A_NUMBER),
    "string_type": ErrorCode.NOT_TEXT,
    "enum": ErrorCode.NOT_ALLOWED,
    "literal_error": ErrorCode.NOT_ALLOWED,
    **dict.fromkeys(("datetime_parsing", "datetime_from_date_parsing", "datetime_type",
                     "timezone_aware", "datetime_object_invalid"), ErrorCode.INVALID_TIME),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type", "list_type",
                     "tuple_type", "union_tag_invalid", "union_tag_not_found"),
                    ErrorCode.WRONG_TYPE),
}
_OWN_CODES = frozenset(code.value for code in ErrorCode)
_LIMITS = ("max_length", "min_length", "ge", "gt", "le", "lt")  # ctx keys naming the bound


def _field_error(error: Any) -> FieldError:
    loc = error["loc"]
    field = ".".join(str(part) for part in loc)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    code = ErrorCode(kind) if kind in _OWN_CODES else _CODES.get(kind, ErrorCode.INVALID)
    if code is ErrorCode.WRONG_TYPE and error.get("input", 0) is None:
        return FieldError(field, "may not be null", ErrorCode.REQUIRED)  # nothing was given
    limit = next((ctx[key] for key in _LIMITS if key in ctx), None)
    if kind == "string_too_short" and limit == 1:
        code, limit = ErrorCode.REQUIRED, None  # blank, once stripped
    if kind == "extra_forbidden":
        return FieldError(field, "unknown field", code)
    if kind == "missing":
        return FieldError(field, "required field is missing", code)
    reason = error["msg"]
    if loc and loc[-1] == 2 and "coordinates" in loc and kind in _OUT_OF_BOUNDS:
        reason = f"altitude {error['input']} m is not within ±{MAX_ALTITUDE_M:,} m"
    if kind == "value_error":  # our own validators' words, without pydantic's prefix
        reason = str(ctx["error"])
    if kind == "enum":
        reason = f"{error['input']!r} is not one of: {ctx['expected']}"
    return FieldError(field, reason, code, limit if isinstance(limit, int | float) else None)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def point(geometry: PointGeometry, field: str = "geometry") -> shapely.Point:
    lon, lat = geometry["coordinates"][0], geometry["coordinates"][1]
    check_position(lon, lat, f"{field}.coordinates")
    return shapely.Point(lon, lat)


def blockage_shape(
    geometry: PointGeometry | LineStringGeometry | MultiLineStringGeometry,
) -> BaseGeometry:
    if geometry["type"] == "Point":
        return point(geometry)  # type: ignore[arg-type]
    multi = geometry["type"] == "MultiLineString"
    lines = geometry["coordinates"] if multi else [geometry["coordinates"]]
    if sum(len(line) for line in lines) > MAX_VERTICES:
        raise ValidationError.one("geometry.coordinates", f"more than {MAX_VERTICES} vertices",
                                  ErrorCode.TOO_MANY, MAX_VERTICES)
    for i, line in enumerate(lines):
        for j, position in enumerate(line):
            where = f"geometry.coordinates.{i}.{j}" if multi else f"geometry.coordinates.{j}"
            check_position(position[0], position[1], where)
    xy = [[position[:2] for position in line] for line in lines]
    shape = shapely.LineString(xy[0]) if len(xy) == 1 else shapely.MultiLineString(xy)
    reason = shapely.is_valid_reason(shape)
    if reason != "Valid Geometry":
        raise ValidationError.one("geometry", f"invalid geometry: {reason}",
                                  ErrorCode.INVALID_GEOMETRY)
    return shape


def check_position(lon: float, lat: float, field: str) -> None:
    """Refuse a position that is no WGS 84 longitude, latitude inside `ACCEPTED_EXTENT`,
    naming ``field``. Shared by the GeoJSON input here, the file importer and the
    agencies' feeds, so that a swapped pair gets the same clear answer ("looks like
    (latitude, longitude)") wherever it came from."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValidationError.one(field, "coordinates must be finite numbers",
                                  ErrorCode.NOT_A_POSITION)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        if -90 <= lon <= 90 and -180 <= lat <= 180:
            raise ValidationError.one(
                field, f"({lon}, {lat}) is out of range; GeoJSON order is (longitude, latitude)",
                ErrorCode.SWAPPED,
            )
        raise ValidationError.one(field, f"({lon}, {lat}) is not a WGS84 longitude, latitude",
                                  ErrorCode.NOT_A_POSITION)
    min_lon, min_lat, max_lon, max_lat = ACCEPTED_EXTENT
    if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
        return
    if min_lon <= lat <= max_lon and min_lat <= lon <= max_lat:
        raise ValidationError.one(
            field,
            f"({lon}, {lat}) looks like (latitude, longitude); GeoJSON order is "
            f"(longitude, latitude): ({lat}, {lon})",
            ErrorCode.SWAPPED,
        )
    raise ValidationError.one(
        field,
        f"({lon}, {lat}) is outside the accepted area (longitude {min_lon} to {max_lon}, "
        f"latitude {min_lat} to {max_lat})",
        ErrorCode.OUTSIDE_AREA,
    )


def _not_in_future(moment: datetime | None, field: str, now: datetime) -> None:
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        raise ValidationError.one(
            field, f"{format_utc(moment)} is in the future (now {format_utc(now)})",
            ErrorCode.IN_FUTURE,
        )


def report_incident(data: Any, *, now: datetime | None = None) -> c.ReportIncident:
    now = now or utc_now()
    report = parse(IncidentReport, data)
    p = report.properties
    _not_in_future(p.reported_at, "properties.reported_at", now)
    incident = Incident(
        id=report.id or new_id("inc"),
        type=p.type,
        title=p.title,
        description=p.description,
        severity=p.severity,
        agency=p.agency,
        classification=p.classification,
        reported_at=p.reported_at or now,
        location=point(report.geometry),
    )
    return c.ReportIncident(incident)


def update_incident(id: str, data: Any) -> c.UpdateIncident:
    update = parse(IncidentUpdate, data)
    changes: dict[str, Any] = update.properties.model_dump(exclude_unset=True)
    if update.geometry is not None:
        changes["location"] = point(update.geometry)
    if not changes:
        raise ValidationError.one("", "nothing to change: give properties or a geometry",
                                  ErrorCode.NOTHING_TO_CHANGE)
    _refuse_nulls(changes)
    return c.UpdateIncident(id, changes)


def close_incident(id: str, data: Any = None, *, now: datetime | None = None) -> c.CloseIncident:
    closing = parse(Closing, data or {})
    _not_in_future(closing.at, "at", now or utc_now())
    return c.CloseIncident(id, closing.at)


def register_unit(data: Any, *, now: datetime | None = None) -> c.RegisterUnit:
    now = now or utc_now()
    registration = parse(UnitRegistration, data)
    p = registration.properties
    _not_in_future(p.position_time, "properties.position_time", now)
    position = None if registration.geometry is None else point(registration.geometry)
    if position is not None and p.position_time is None:
        raise ValidationError.one("properties.position_time", "required when a position is given",
                                  ErrorCode.REQUIRED)
    unit = Unit(
        id=registration.id or new_id("unit"),
        position=position,
        **p.model_dump(),
    )
    return c.RegisterUnit(unit)


def update_unit(id: str, data: Any) -> c.UpdateUnit:
    changes = parse(UnitUpdate, data).properties.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationError.one("properties", "nothing to change", ErrorCode.NOTHING_TO_CHANGE)
    _refuse_nulls(changes)
    return c.UpdateUnit(id, changes)


def move_unit(id: str, data: Any, *, now: datetime | None = None) -> c.MoveUnit:
    return _move(id, parse(PositionReport, data), "", now or utc_now())


def move_units(data: Any, *, now: datetime | None = None) -> list[c.MoveUnit]:
    """A batch of position reports: every report must be valid, or none is taken."""
    now = now or utc_now()
    reports = parse(PositionBatch, data).positions
    given = [report["time"] for report in reports]
    # Bounds first (comparing aware times cannot overflow, converting them can), over
    # the whole list at C speed; only a batch with a bad time is searched report by report.
    latest = min(now + FUTURE_TOLERANCE, LATEST)
    if min(given) < EARLIEST or max(given) > latest:
        for i, moment in enumerate(given):
            if not EARLIEST <= moment <= latest:
                field = f"positions.{i}.time"
                try:
                    _not_in_future(to_utc(moment), field, now)
                except ValueError as exc:
                    code = ErrorCode.TIME_OUT_OF_RANGE
                    raise ValidationError.one(field, str(exc), code) from None
    times = [moment.astimezone(UTC) for moment in given]
    xy = np.array([report["geometry"]["coordinates"][:2] for report in reports], dtype=float)
    lon, lat = xy[:, 0], xy[:, 1]
    min_lon, min_lat, max_lon, max_lat = ACCEPTED_EXTENT
    plausible = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
    for i in np.flatnonzero(~plausible):  # the precise reason, for the first one
        check_position(float(lon[i]), float(lat[i]), f"positions.{i}.geometry.coordinates")
    return [
        c.MoveUnit(
            report["unit"], position, moment, report.get("heading"), report.get("speed_kmh")
        )
        for report, position, moment in zip(reports, shapely.points(xy), times, strict=True)
    ]


def _move(id: str, report: PositionReport, prefix: str, now: datetime) -> c.MoveUnit:
    _not_in_future(report.time, f"{prefix}time", now)
    return c.MoveUnit(
        id,
        point(report.geometry, f"{prefix}geometry"),
        report.time,
        report.heading,
        report.speed_kmh,
    )


def set_unit_status(id: str, data: Any) -> c.SetUnitStatus:
    return c.SetUnitStatus(id, parse(StatusChange, data).status)


def assign_unit(incident_id: str, data: Any) -> c.AssignUnit:
    return c.AssignUnit(parse(Assignment, data).unit, incident_id)


def link_incident(incident_id: str, data: Any) -> c.LinkIncident:
    request = parse(LinkRequest, data)
    return c.LinkIncident(incident_id, request.incident, request.relation)


def release_unit(unit_id: str) -> c.ReleaseUnit:
    return c.ReleaseUnit(unit_id)


def report_blockage(data: Any, *, now: datetime | None = None) -> c.ReportBlockage:
    now = now or utc_now()
    report = parse(BlockageReport, data)
    p = report.properties
    start = p.start or now
    _check_end(start, p.expected_end)
    blockage = Blockage(
        id=report.id or new_id("blk"),
        section=blockage_shape(report.geometry),
        **p.model_dump(exclude={"start"}),
        start=start,
    )
    return c.ReportBlockage(blockage)


def update_blockage(id: str, data: Any) -> c.UpdateBlockage:
    update = parse(BlockageUpdate, data)
    changes: dict[str, Any] = update.properties.model_dump(exclude_unset=True)
    if update.geometry is not None:
        changes["section"] = blockage_shape(update.geometry)
    if not changes:
        raise ValidationError.one("", "nothing to change: give properties or a geometry",
                                  ErrorCode.NOTHING_TO_CHANGE)
    _refuse_nulls({k: v for k, v in changes.items() if k != "expected_end"})
    return c.UpdateBlockage(id, changes)


def lift_blockage(id: str, data: Any = None, *, now: datetime | None = None) -> c.LiftBlockage:
    closing = parse(Closing, data or {})
    _not_in_future(closing.at, "at", now or utc_now())
    return c.LiftBlockage(id, closing.at)


def _check_end(start: datetime, end: datetime | None) -> None:
    if end is not None and end <= start:
        raise ValidationError.one(
            "properties.expected_end",
            f"{format_utc(end)} is not after the start {format_utc(start)}",
            ErrorCode.NOT_AFTER_START,
        )


def _refuse_nulls(changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if value is None:
            raise ValidationError.one(f"properties.{name}", "may not be null", ErrorCode.REQUIRED)
