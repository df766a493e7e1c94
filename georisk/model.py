"""The domain model: incidents, units and blockages, and the vocabularies they use.

Records are immutable; a change makes a new record (``dataclasses.replace``) and the
journal keeps every version. Geometries are shapely objects in WGS84 (lon, lat).
A record's wire form is a GeoJSON Feature: the journal stores it, the live stream
sends it and the APIs serve it, so there is exactly one serialisation to keep right.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any, ClassVar

import shapely
from shapely.geometry.base import BaseGeometry

from georisk.timeutil import format_utc, read_instant


class Classification(StrEnum):
    """Who may see a record; the access policy gives these their meaning."""

    OPEN = "open"
    AGENCY = "agency"
    RESTRICTED = "restricted"


class Agency(StrEnum):
    POLICE = "police"
    RESCUE = "rescue"
    SOS = "sos"  # SOS Alarm, including the ambulances it dispatches
    CENTRE = "centre"  # the joint centre itself: shared records, analysts, viewers


class IncidentType(StrEnum):
    FIRE = "fire"
    FOREST_FIRE = "forest_fire"
    TRAFFIC = "traffic"
    POLICE = "police"
    MEDICAL = "medical"
    RESCUE = "rescue"
    OTHER = "other"


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class UnitKind(StrEnum):
    ENGINE = "engine"
    TANKER = "tanker"
    AERIAL = "aerial"
    RESCUE = "rescue"
    AMBULANCE = "ambulance"
    PATROL = "patrol"
    HELICOPTER = "helicopter"
    COMMAND = "command"
    BOAT = "boat"
    OTHER = "other"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OUT_OF_SERVICE = "out_of_service"


class BlockageReason(StrEnum):
    ACCIDENT = "accident"
    SNOW_ICE = "snow_ice"
    FIRE = "fire"
    ROADWORKS = "roadworks"
    FLOODING = "flooding"
    OTHER = "other"


class BlockageStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"


class Precision(StrEnum):
    """How well a record's geometry locates the thing itself (a plain string on records,
    so journals written before it existed still decode)."""

    EXACT = "exact"  # a measured position
    LINE = "line"  # a road section as the source draws it
    MUNICIPALITY_CENTROID = "municipality_centroid"  # only the municipality is known
    COUNTY_CENTROID = "county_centroid"  # only the county is known
    AREA = "area"  # an alert area (polygon, circle) or its centre
    GRID_CELL = "grid_cell"  # snapped to a grid cell (generalised for secrecy)


class LinkRelation(StrEnum):
    """How two incidents of different agencies are related, as an operator judged."""

    POSSIBLE = "possible"  # possibly the same event
    SAME = "same"  # the same event (merged: each agency keeps its own record)


class RiskZoneStatus(StrEnum):
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"


def geometry_to_geojson(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if isinstance(geometry, shapely.Point):  # the hot path: unit positions
        return {"type": "Point", "coordinates": [geometry.x, geometry.y]}
    return json.loads(shapely.to_geojson(geometry))  # lists, exactly as JSON reads back


def geometry_from_geojson(data: dict[str, Any] | None) -> BaseGeometry | None:
    if data is None:
        return None
    if data["type"] == "Point":
        return shapely.Point(data["coordinates"][:2])
    return shapely.geometry.shape(data)


def _time_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_utc(value)


def _parse_or_none(value: str | None) -> datetime | None:
    return None if value is None else read_instant(value)


@dataclass(frozen=True, slots=True)
class Record:
    """Common shape of every entity in the picture."""

    kind: ClassVar[str]
    geometry_field: ClassVar[str]
    time_fields: ClassVar[tuple[str, ...]]

    id: str

    @property
    def geometry(self) -> BaseGeometry | None:
        return getattr(self, self.geometry_field)

    def replace(self, **changes: Any) -> Record:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_feature(self) -> dict[str, Any]:
        layout = _layout(type(self))
        properties = dict(zip(layout.properties, layout.properties_of(self), strict=False))
        for name in layout.times:
            properties[name] = _time_or_none(properties[name])
        for name in layout.pairs:  # as JSON reads them back
            properties[name] = [list(pair) for pair in properties[name]]
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": geometry_to_geojson(getattr(self, self.geometry_field)),
            "properties": properties,
        }

    @classmethod
    def from_feature(cls, feature: dict[str, Any]) -> Record:
        return cls.from_parts(
            feature["id"], feature["properties"], geometry_from_geojson(feature["geometry"])
        )

    @classmethod
    def from_parts(
        cls, id: str, properties: dict[str, Any], geometry: BaseGeometry | None
    ) -> Record:
        """Rebuild a record from its stored properties (as in `to_feature`) and geometry."""
        layout = _layout(cls)
        values = dict(properties, id=id)
        values[cls.geometry_field] = geometry
        for name in layout.times:
            values[name] = _parse_or_none(values.get(name))
        for name, members in layout.enums:
            values[name] = members[values[name]]
        for name in layout.pairs:
            if name in values:  # JSON gives lists; records hold tuples
                values[name] = tuple(tuple(pair) for pair in values[name])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Incident(Record):
    """Something reported: a point, a type, a severity, an owner and a status."""

    kind: ClassVar[str] = "incident"
    geometry_field: ClassVar[str] = "location"
    time_fields: ClassVar[tuple[str, ...]] = ("reported_at", "closed_at")

    type: IncidentType
    title: str
    severity: int
    agency: Agency
    reported_at: datetime
    location: BaseGeometry
    description: str = ""
    status: IncidentStatus = IncidentStatus.OPEN
    closed_at: datetime | None = None
    classification: Classification = Classification.OPEN
    county: str = ""  # SCB county code ("18") where it happened, "" if unknown or outside
    municipality: str = ""  # SCB municipality code ("1880")
    # Imported from a feed: whose item it is, the source's own id and category, a link
    # back, and how precise the location is (see `Precision`): a Polisen event sits at a
    # municipality's centroid and must never be drawn as if it happened there exactly.
    source: str = ""
    source_id: str = ""
    source_type: str = ""
    link: str = ""
    precision: str = "exact"
    # Other incidents judged related (`LinkRelation`), as (incident id, relation) pairs in
    # id order: each agency keeps its own record of a shared event and links it.
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Unit(Record):
    """A vehicle or team; its position is the last one reported."""

    kind: ClassVar[str] = "unit"
    geometry_field: ClassVar[str] = "position"
    time_fields: ClassVar[tuple[str, ...]] = ("position_time",)

    callsign: str
    agency: Agency
    unit_kind: UnitKind
    status: UnitStatus = UnitStatus.AVAILABLE
    home_station: str = ""
    position: BaseGeometry | None = None
    heading: float | None = None  # degrees clockwise from north
    speed_kmh: float | None = None
    position_time: datetime | None = None
    classification: Classification = Classification.OPEN
    assigned_to: str | None = None  # the incident the unit works on, if any


@dataclass(frozen=True, slots=True)
class Blockage(Record):
    """A closed or restricted road section (a line) or spot (a point)."""

    kind: ClassVar[str] = "blockage"
    geometry_field: ClassVar[str] = "section"
    time_fields: ClassVar[tuple[str, ...]] = ("start", "expected_end", "lifted_at")

    road: str
    reason: BlockageReason
    start: datetime
    section: BaseGeometry  # the closed stretch (LineString) or spot (Point)
    agency: Agency = Agency.CENTRE
    direction: str = ""
    expected_end: datetime | None = None
    status: BlockageStatus = BlockageStatus.ACTIVE
    lifted_at: datetime | None = None
    source: str = "operator"
    classification: Classification = Classification.OPEN
    county: str = ""  # SCB codes of where the section starts, "" if unknown
    municipality: str = ""
    # Imported from a feed (see Incident): the source's id, message type/code, its text
    # and impact (Trafikverket: 1 none .. 5 very large), and the location's precision.
    source_id: str = ""
    source_type: str = ""
    message: str = ""
    impact: int | None = None
    precision: str = "exact"


@dataclass(frozen=True, slots=True)
class RiskZone(Record):
    """An area of one fire-risk class on one day, from one source, on one scale.

    A class may cover several separate areas on one day, each its own zone with its own
    FWI range. The id is ``{valid_date}/{source}/{scale}/{risk_class}/{part}``: issuing
    the same day again replaces the zones, and one that no longer occurs is withdrawn.
    """

    kind: ClassVar[str] = "riskzones"
    geometry_field: ClassVar[str] = "area"
    time_fields: ClassVar[tuple[str, ...]] = ("valid_from", "valid_to")

    valid_date: str  # ISO date, the day in Europe/Stockholm
    scale: str  # the class table's name: "se-msb2018" (Swedish), "effis" (European)
    risk_class: str  # "1".."5", "5E" on the Swedish scale
    label: str
    area: BaseGeometry  # (Multi)Polygon
    fwi_min: float
    fwi_max: float
    valid_from: datetime
    valid_to: datetime
    source: str = "georisk"
    status: RiskZoneStatus = RiskZoneStatus.ISSUED
    agency: Agency = Agency.CENTRE
    classification: Classification = Classification.OPEN

    @staticmethod
    def make_id(valid_date: str, source: str, scale: str, risk_class: str, part: int = 1) -> str:
        return f"{valid_date}/{source}/{scale}/{risk_class}/{part}"


RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Incident, Unit, Blockage, RiskZone)
}


@dataclass(frozen=True)
class _Layout:
    """Per record type: what goes into properties, and which need converting."""

    properties: tuple[str, ...]
    times: tuple[str, ...]
    enums: tuple[tuple[str, dict[str, StrEnum]], ...]  # field -> {value: member}
    pairs: tuple[str, ...]  # fields of tuples of tuples (an incident's links)
    properties_of: Callable[[Record], tuple[Any, ...]]  # the values of `properties`


@functools.cache
def _layout(cls: type[Record]) -> _Layout:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in ("id", cls.geometry_field)]
    enums = tuple(
        (name, {member.value: member for member in hints[name]})
        for name in names
        if isinstance(hints[name], type) and issubclass(hints[name], StrEnum)
    )
    pairs = tuple(name for name in names if typing.get_origin(hints[name]) is tuple)
    return _Layout(tuple(names), cls.time_fields, enums, pairs, attrgetter(*names))


def record_from_feature(kind: str, feature: dict[str, Any]) -> Record:
    return RECORD_TYPES[kind].from_feature(feature)


def records_from_features(kind: str, features: list[dict[str, Any]]) -> list[Record]:
    """Many records at once, building their point geometries in one vectorised call."""
    cls = RECORD_TYPES[kind]
    geometries: list[BaseGeometry | None] = [None] * len(features)
    at = [i for i, f in enumerate(features) if (f["geometry"] or {}).get("type") == "Point"]
    if at:
        points = shapely.points([features[i]["geometry"]["coordinates"][:2] for i in at])
        for i, point in zip(at, points, strict=True):
            geometries[i] = point
    for i, feature in enumerate(features):
        if feature["geometry"] is not None and geometries[i] is None:
            geometries[i] = geometry_from_geojson(feature["geometry"])
    return [
        cls.from_parts(feature["id"], feature["properties"], geometry)
        for feature, geometry in zip(features, geometries, strict=True)
    ]
