"""Shapes of what the JSON API answers, as pydantic models.

They are never used to build responses (that would cost a second serialisation on the
hot path); they exist so the OpenAPI document describes the answers from code, and the
contract tests and schemathesis check real answers against them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from georisk.errors import ErrorCode


class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class Feature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any] = Field(
        description="The record's fields; `generalised` is true when the viewer may only "
        "see a coarse form of it."
    )


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberReturned: int  # OGC API - Features spells it so
    next: str | None = Field(None, description="Cursor of the next page, null on the last.")
    links: list[Link]


class WriteResult(BaseModel):
    seq: int = Field(description="The write's event's number in the writer's view of the "
                     "journal (each agency's view is numbered 1, 2, 3, ... on its own).")
    feature: Feature | None = Field(
        description="The record after the write, as the writer may see it."
    )


class BatchResult(BaseModel):
    count: int
    first_seq: int
    seq: int = Field(description="Number of the batch's last event in the writer's view.")


class EventOut(BaseModel):
    seq: int
    time: str
    actor: str
    agency: str
    kind: str
    entity_id: str
    classification: str
    payload: dict[str, Any]


class EventList(BaseModel):
    events: list[EventOut]
    last_seq: int = Field(description="Pass as `after` to continue.")


class FieldProblem(BaseModel):
    field: str
    reason: str = Field(description="Why, in English; the wording may change.")
    code: str = Field(description="Why, as a stable word: " + ", ".join(ErrorCode) + ".")
    limit: float | None = Field(None, description="The bound a length, count or number broke.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class Counts(BaseModel):
    total: int
    by_category: dict[str, int] = Field(description="By incident type, unit kind or reason.")
    by_status: dict[str, int]


class Summary(BaseModel):
    """Counts over the records the viewer may see, in the form the viewer sees them."""

    incidents: Counts
    units: Counts
    blockages: Counts


class PictureOut(BaseModel):
    at: str
    seq: int = Field(description="The viewer's position in its view of the journal at that "
                     "moment (0: none yet).")
    incidents: list[Feature]
    units: list[Feature]
    blockages: list[Feature]
    riskzones: list[Feature]


class NetworkNote(BaseModel):
    kind: Literal["schematic", "imported"]
    label: str
    approximate: bool = Field(description="True on the schematic network: every time is rough.")
    note: str


class RouteFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None = Field(description="The route, unit to incident (null "
                                            "when no open road reaches it).")
    properties: dict[str, Any] = Field(
        description="rank, unit (a Feature as the viewer is shown it), generalised, "
        "reachable, eta_s, eta_min, distance_m, route_m, profile, unblocked_eta_s, delay_s, "
        "blockages_avoided, blockages_on_route."
    )


class Suggestions(BaseModel):
    """Units that reach an incident first, best first, with their routes."""

    type: Literal["FeatureCollection"]
    incident: dict[str, Any]
    network: NetworkNote
    access_kmh: float
    pool: int = Field(description="How many nearest units (by distance) were timed.")
    profiles: dict[str, Any] = Field(description="Travel assumptions per unit kind.")
    features: list[RouteFeature]
    numberReturned: int


class CoverageOut(BaseModel):
    """Isochrones of the nearest available unit of a kind, and where it takes too long."""

    type: Literal["FeatureCollection"]
    kind: str
    units: int = Field(description="Available units of the kind, as the viewer is shown them.")
    minutes: list[int]
    area_km2: float
    network: NetworkNote
    access_kmh: float
    features: list[Feature]
    numberReturned: int


#: Answers served as GeoJSON (application/geo+json).
GEOJSON_ANSWERS = (FeatureCollection, Feature, Suggestions, CoverageOut)


class BriefOut(BaseModel):
    """An incident's risk brief, as the viewer is shown everything in it."""

    incident: Feature
    computed_at: str
    area: dict[str, Any] = Field(
        description="county, municipality, police_region, rescue_service, rescue_region, "
        "rescue_region_status, sos."
    )
    fire_risk: dict[str, Any] | None = Field(description="The issued zone's class and FWI "
                                             "range at the point today; null if none.")
    blockages: list[dict[str, Any]]
    units: list[RouteFeature]
    suitable_kinds: list[str]
    possibly_same: list[dict[str, Any]]
    linked: list[dict[str, Any]]
    network: NetworkNote
    access_kmh: float
