"""The one access policy: who may see a record, and in what form; who may change it.

Every output path (API lists and items, OGC API, the event stream, map pages, exports,
history, search, aggregates) asks `present` and shows only what it returns. Nothing
else in georisk decides visibility, so a rule changes here and only here.

Classification, for a viewer who does not belong to the owning agency:

* ``open``        shown in full;
* ``agency``      not shown at all;
* ``restricted``  shown generalised (`generalise`): generic type, title or callsign, no
  free text, the location snapped to the centre of a 1 km grid cell (SWEREF 99 TM), no
  heading or speed; a blockage keeps only its road number and whole hours.

The owning agency always sees its own records in full. The joint centre (agency
``centre``) owns shared records; its analysts and viewers see other agencies' records
like any other agency.

Whatever a viewer can ask of a list (a box, a type, a word, a time, an order) is
answered on what that viewer is shown, never on the values behind a generalised
record: the stores keep each restricted record's generalised form beside it for that
(`georisk.store.base.generalised_columns`), and filter by `Scope`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum

import numpy as np
import pandas as pd
import shapely

from georisk.crs import to_sweref, to_wgs84
from georisk.journal import Event
from georisk.model import (
    Agency,
    Blockage,
    BlockageReason,
    Classification,
    Incident,
    IncidentType,
    Record,
    RiskZone,
    Unit,
)
from georisk.roads.refs import leading_ref

GRID_M = 1_000.0
#: Classifications every agency is shown in full, and those shown to other agencies in
#: their generalised form; a record of any other classification only its owner sees.
SHOWN_TO_ALL = frozenset({Classification.OPEN})
GENERALISED_FOR_OTHERS = frozenset({Classification.RESTRICTED})

#: The generic form of a restricted incident, by owning agency (Swedish wording).
GENERIC_INCIDENT: dict[Agency, tuple[IncidentType, str]] = {
    Agency.POLICE: (IncidentType.POLICE, "Polisinsats"),
    Agency.RESCUE: (IncidentType.RESCUE, "Räddningsinsats"),
    Agency.SOS: (IncidentType.MEDICAL, "Sjukvårdsinsats"),
    Agency.CENTRE: (IncidentType.OTHER, "Händelse"),
}
GENERIC_UNIT = {
    Agency.POLICE: "Polisenhet",
    Agency.RESCUE: "Räddningsenhet",
    Agency.SOS: "Ambulans",
    Agency.CENTRE: "Enhet",
}


class Role(StrEnum):
    OPERATOR = "operator"  # reads the picture, writes its own agency's records
    ANALYST = "analyst"  # reads the picture and its history
    VIEWER = "viewer"  # reads the picture
    ADMIN = "admin"  # users and settings; reads like an analyst


@dataclass(frozen=True, slots=True)
class Viewer:
    name: str
    agency: Agency
    role: Role


class Visibility(Enum):
    FULL = "full"
    GENERALISED = "generalised"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class Presented:
    """A record as one viewer may see it."""

    record: Record
    generalised: bool


def visibility(viewer: Viewer | None, record: Record) -> Visibility:
    """The decision itself: the only place classification is interpreted."""
    if viewer is None:
        return Visibility.HIDDEN
    classification = record.classification  # type: ignore[attr-defined]
    if classification in SHOWN_TO_ALL or viewer.agency == record.agency:  # type: ignore[attr-defined]
        return Visibility.FULL
    if classification in GENERALISED_FOR_OTHERS:
        return Visibility.GENERALISED
    return Visibility.HIDDEN


@dataclass(frozen=True, slots=True)
class Scope:
    """`visibility` in the terms a store filters by: the viewers of ``agency`` see a
    record in full when its classification is in ``full`` or they own it, generalised
    when it is in ``generalised`` (and not theirs), and not at all otherwise."""

    agency: Agency
    full: frozenset[Classification] = SHOWN_TO_ALL
    generalised: frozenset[Classification] = GENERALISED_FOR_OTHERS

    def generalises(self, record: Record) -> bool:
        """Whether these viewers are shown ``record`` generalised."""
        return (
            record.classification in self.generalised  # type: ignore[attr-defined]
            and record.agency != self.agency  # type: ignore[attr-defined]
        )


def scope(viewer: Viewer) -> Scope:
    return Scope(viewer.agency)


Lookup = Callable[[str, str], "Record | None"]


def present(
    viewer: Viewer | None, record: Record, *, lookup: Lookup | None = None
) -> Presented | None:
    """``record`` as ``viewer`` may see it, or None when it must not appear at all.

    ``lookup(kind, id)`` gives records this one refers to: a unit's assignment names an
    incident, and the name alone tells that a hidden incident exists, so it is shown only
    when that incident is visible to the viewer (without a lookup, never).
    """
    match visibility(viewer, record):
        case Visibility.FULL:
            shown = Presented(record, False)
        case Visibility.GENERALISED:
            shown = Presented(generalise(record), True)
        case _:
            return None
    assigned = getattr(shown.record, "assigned_to", None)
    if assigned is not None:
        incident = lookup("incident", assigned) if lookup is not None else None
        if incident is None or visibility(viewer, incident) is Visibility.HIDDEN:
            shown = Presented(shown.record.replace(assigned_to=None), shown.generalised)
    links = getattr(shown.record, "links", ())
    if links:
        kept = tuple(link for link in links if _sees_in_full(viewer, link[0], lookup))
        if kept != links:
            shown = Presented(shown.record.replace(links=kept), shown.generalised)
    return shown


def _sees_in_full(viewer: Viewer | None, incident_id: str, lookup: Lookup | None) -> bool:
    """A link between incidents is shown only to a viewer who sees both in full: it was
    judged on their true places, types and texts, so it would say where a generalised
    one is and what it is about (and that a hidden one exists)."""
    incident = lookup("incident", incident_id) if lookup is not None else None
    return incident is not None and visibility(viewer, incident) is Visibility.FULL


def present_all(viewer: Viewer | None, records: list[Record]) -> list[Presented]:
    shown = (present(viewer, record) for record in records)
    return [item for item in shown if item is not None]


def may_write(viewer: Viewer | None, owner: Agency) -> bool:
    """Operators (and admins) change their own agency's records and the centre's."""
    if viewer is None or viewer.role not in (Role.OPERATOR, Role.ADMIN):
        return False
    return owner in (viewer.agency, Agency.CENTRE)


def may_read_history(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ANALYST, Role.ADMIN, Role.OPERATOR)


def may_audit(viewer: Viewer | None) -> bool:
    """Only admins read the access journal: who signed in, from where, what was refused."""
    return viewer is not None and viewer.role == Role.ADMIN


def generalise(record: Record) -> Record:
    """The coarse, anonymous form of a restricted record, the same for every other agency.

    A blockage is generalised like the rest (a point at its cell's centre, no free text)
    and further: its reason becomes ``other`` (the reason of a closure beside a secret
    operation tells its nature), ``road`` keeps only a road number it starts with ("E18",
    "Rv 50"; free text may name a place or a person), and its start and expected end are
    whole hours, widened outwards (a closure's exact minutes tie it to the secret event
    that caused it). Changes themselves are still seen as they happen, as for every
    shared record: a generalised record is one whose existence is shared.
    """
    match record:
        case Incident():
            generic_type, title = GENERIC_INCIDENT[record.agency]
            return record.replace(
                type=generic_type,
                title=title,
                description="",
                location=snap(record.location),
                link="",
                source_type="",
                precision="grid_cell",
                links=(),
            )
        case Unit():
            return record.replace(
                callsign=GENERIC_UNIT[record.agency],
                home_station="",
                position=None if record.position is None else snap(record.position),
                heading=None,
                speed_kmh=None,
            )
        case Blockage():
            return record.replace(
                road=leading_ref(record.road),
                reason=BlockageReason.OTHER,
                start=_hour_before(record.start),
                expected_end=None if record.expected_end is None
                else _hour_after(record.expected_end),
                direction="",
                source="",
                source_id="",
                source_type="",
                section=snap(record.section.centroid),
                message="",
                impact=None,
                precision="grid_cell",
            )
        case RiskZone():
            return record
    raise TypeError(f"no generalised form for {record!r}")


def _hour_before(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_after(moment: datetime) -> datetime:
    floor = _hour_before(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def snap(point: shapely.Point, grid_m: float = GRID_M) -> shapely.Point:
    """The centre of the ``grid_m`` cell (SWEREF 99 TM) that holds ``point``."""
    return _snapped(point.x, point.y, grid_m)


@functools.lru_cache(maxsize=100_000)
def _snapped(lon: float, lat: float, grid_m: float) -> shapely.Point:
    """Cached: incidents do not move, and every listing of the picture would otherwise
    pay two projections per restricted record again (a third of the policy's cost)."""
    x, y = to_sweref(lon, lat)
    cx = (x // grid_m + 0.5) * grid_m
    cy = (y // grid_m + 0.5) * grid_m
    lon, lat = to_wgs84(cx, cy)
    return shapely.Point(round(lon, 6), round(lat, 6))


def view_of(viewer: Viewer) -> str:
    """The journal view (`georisk.journal.VIEWS`) a viewer reads: its agency's."""
    return viewer.agency.value


def audience(
    event_kind: str, before: Record | None, after: Record, lookup: Lookup
) -> frozenset[str]:
    """The journal views an event belongs to: the agencies whose picture it changes.

    Those who see the record after the change, except for a link between incidents
    (shown only to agencies that see both in full: `present` withholds it from others, to
    whom nothing would have changed), and for an assignment (or release)
    whose incidents an agency may see neither of: to that agency nothing it is shown has
    changed (``assigned_to`` is withheld both before and after), and an event there would
    tell it that the unit went to something hidden. Decided when the event is written,
    so that each view's numbering has no gaps (`present_event` shows an event to exactly
    its audience).
    """
    agencies = [agency for agency in Agency
                if visibility(_AGENCY_VIEWERS[agency], after) is not Visibility.HIDDEN]
    if event_kind in ("incident.linked", "incident.unlinked") and before is not None:
        # the one incident whose link changed; seen only by those who see both in full
        changed = set(before.links) ^ set(after.links)  # type: ignore[attr-defined]
        others = [lookup("incident", other) for other, _ in changed]
        agencies = [
            agency for agency in agencies
            if visibility(_AGENCY_VIEWERS[agency], after) is Visibility.FULL
            and all(other is not None and visibility(_AGENCY_VIEWERS[agency], other)
                    is Visibility.FULL for other in others)
        ]
    if event_kind in ("unit.assigned", "unit.released") and before is not None:
        named = [before.assigned_to, after.assigned_to]  # type: ignore[attr-defined]
        incidents = [lookup("incident", id_) for id_ in named if id_ is not None]
        agencies = [
            agency for agency in agencies
            if any(incident is not None and visibility(_AGENCY_VIEWERS[agency], incident)
                   is not Visibility.HIDDEN for incident in incidents)
        ]
    return frozenset(agency.value for agency in agencies)


_AGENCY_VIEWERS = {agency: Viewer("", agency, Role.VIEWER) for agency in Agency}


def present_event(
    viewer: Viewer | None, event: Event, *, lookup: Lookup | None = None
) -> dict | None:
    """An event as ``viewer`` may see it (its payload presented), or None.

    An event is shown to the agencies of its audience only, numbered in the viewer's own
    view (``seq``). Access events (sign-ins, refused writes, user administration) are in
    no agency's view: they name people and addresses. Admins read them through the audit
    listing (`may_audit`).
    """
    if viewer is None or not event.is_picture:
        return None
    view = view_of(viewer)
    if event.seen_in(view) is False:
        return None
    record = event.record()
    shown = present(viewer, record, lookup=lookup)
    if shown is None:
        return None
    data = event.to_dict()
    if event.positions:
        data["seq"] = event.position_in(view)
    if shown.record is not record:
        data["payload"] = shown.record.to_feature()
        if event.kind == "unit.assigned" and shown.record.assigned_to is None:  # type: ignore[attr-defined]
            # in this audience for the incident it left, which the viewer did see
            data["kind"] = "unit.released"
    if shown.generalised:
        data["payload"]["properties"]["generalised"] = True
        data["actor"] = ""  # who acted is as telling as what happened
    return data


# -- the same policy over columns, for analysis ---------------------------------------------


def shown_as(viewer: Viewer | None, classification: np.ndarray, agency: np.ndarray) -> np.ndarray:
    """`visibility` of many records at once, from their classifications and owners: an
    array of `Visibility` values (``"full"``, ``"generalised"``, ``"hidden"``)."""
    classification = np.asarray(classification, dtype=object)
    if viewer is None:
        return np.full(len(classification), Visibility.HIDDEN.value, dtype=object)
    full = np.isin(classification, [str(c) for c in SHOWN_TO_ALL])
    full |= np.asarray(agency, dtype=object) == str(viewer.agency)
    generalised = ~full & np.isin(classification, [str(c) for c in GENERALISED_FOR_OTHERS])
    return np.where(full, Visibility.FULL.value,
                    np.where(generalised, Visibility.GENERALISED.value, Visibility.HIDDEN.value))


def snap_many(lon: np.ndarray, lat: np.ndarray, grid_m: float = GRID_M) -> np.ndarray:
    """`snap` of many positions: the points at the centres of their cells (None where a
    position is missing, NaN)."""
    x, y = to_sweref(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    cx = (np.floor_divide(x, grid_m) + 0.5) * grid_m
    cy = (np.floor_divide(y, grid_m) + 0.5) * grid_m
    slon, slat = to_wgs84(cx, cy)
    points = shapely.points(np.round(slon, 6), np.round(slat, 6))
    points[~np.isfinite(np.asarray(lon, dtype=float))] = None
    return points


def present_frame(
    viewer: Viewer | None,
    kind: str,
    frame: pd.DataFrame,
    visible_incidents: set[str] | None = None,
) -> pd.DataFrame:
    """The records of one kind in ``frame`` as ``viewer`` may see them: `present` for a
    whole table at once, for analysis (one column per field of the record, the geometry
    in ``geometry``). Hidden rows are left out, generalised ones take their generalised
    form column by column (`generalise`), and ``generalised`` says which. A unit's
    ``assigned_to`` stays only when it names one of ``visible_incidents``.
    """
    shown = shown_as(viewer, frame["classification"].to_numpy(), frame["agency"].to_numpy())
    out = frame.loc[shown != Visibility.HIDDEN.value].copy()
    coarse = shown[shown != Visibility.HIDDEN.value] == Visibility.GENERALISED.value
    out["generalised"] = coarse
    if coarse.any():
        _generalise_rows(kind, out, coarse)
    if kind == "unit" and "assigned_to" in out:
        known = out["assigned_to"].isin(visible_incidents or set())
        out["assigned_to"] = out["assigned_to"].where(known, None)
    return out


def _generalise_rows(kind: str, out: pd.DataFrame, rows: np.ndarray) -> None:
    """`generalise`, for the ``rows`` of ``out`` (in place)."""
    owners = out.loc[rows, "agency"].astype(str)

    def put(column: str, values: object) -> None:
        if column in out:
            if out[column].dtype != object and not isinstance(values, pd.Series):
                out[column] = out[column].astype(object)
            out.loc[rows, column] = values

    if kind in ("incident", "unit", "blockage") and "geometry" in out:
        geometry = out.loc[rows, "geometry"].to_numpy()
        if kind == "blockage":
            geometry = shapely.centroid(geometry)
        present_ = ~shapely.is_missing(geometry)
        lon = np.where(present_, shapely.get_x(geometry), np.nan)
        lat = np.where(present_, shapely.get_y(geometry), np.nan)
        out.loc[rows, "geometry"] = snap_many(lon, lat)
    if kind == "incident":
        put("type", owners.map({str(a): str(t) for a, (t, _) in GENERIC_INCIDENT.items()}))
        put("title", owners.map({str(a): title for a, (_, title) in GENERIC_INCIDENT.items()}))
        for column in ("description", "link", "source_type"):
            put(column, "")
        put("precision", "grid_cell")
    elif kind == "unit":
        put("callsign", owners.map({str(a): name for a, name in GENERIC_UNIT.items()}))
        put("home_station", "")
        put("heading", None)
        put("speed_kmh", None)
    elif kind == "blockage":
        if "road" in out:
            roads = out.loc[rows, "road"].astype(str)
            put("road", roads.map(dict(zip(roads.unique(), map(leading_ref, roads.unique()),
                                          strict=True))))
        put("reason", str(BlockageReason.OTHER))
        if "start" in out:
            out.loc[rows, "start"] = out.loc[rows, "start"].dt.floor("h")
        if "expected_end" in out:
            out.loc[rows, "expected_end"] = out.loc[rows, "expected_end"].dt.ceil("h")
        for column in ("direction", "source", "source_id", "source_type", "message"):
            put(column, "")
        put("impact", None)
        put("precision", "grid_cell")
