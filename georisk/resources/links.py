"""Incidents that may be one event: another agency's incident close in place and time.

Police, rescue and SOS Alarm often each open an incident for the same crash. Candidates
are the other agencies' open incidents within ``distance_m`` and ``minutes`` of this one,
scored on their type and their words (0 to 1); an operator confirms or dismisses them by
linking (`georisk.commands.LinkIncident`, journaled as ``incident.linked``).

All of it on the incidents as the viewer is shown them: a generalised incident is found
by its cell's centre, generic type and title only, as in every list.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from georisk.access import Presented, Viewer, Visibility, visibility
from georisk.crs import to_sweref
from georisk.model import Incident, IncidentType
from georisk.resources.service import SHIFT_M, Resources

DEFAULT_DISTANCE_M = 2_000.0
DEFAULT_MINUTES = 60

T = IncidentType
#: How alike two incident types are as descriptions of one event (symmetric; same: 1).
_RELATED: dict[frozenset[IncidentType], float] = {
    frozenset({T.FIRE, T.FOREST_FIRE}): 0.8,
    frozenset({T.FIRE, T.RESCUE}): 0.6,
    frozenset({T.FOREST_FIRE, T.RESCUE}): 0.6,
    frozenset({T.TRAFFIC, T.RESCUE}): 0.8,
    frozenset({T.TRAFFIC, T.MEDICAL}): 0.7,
    frozenset({T.TRAFFIC, T.POLICE}): 0.6,
    frozenset({T.MEDICAL, T.RESCUE}): 0.6,
    frozenset({T.MEDICAL, T.POLICE}): 0.4,
    frozenset({T.FIRE, T.MEDICAL}): 0.4,
    frozenset({T.FIRE, T.POLICE}): 0.3,
    frozenset({T.POLICE, T.RESCUE}): 0.4,
}
TYPE_WEIGHT = 0.6  # the rest is the words


@dataclass(frozen=True)
class Candidate:
    shown: Presented
    distance_m: float
    minutes: float  # between the two reports
    score: float


def type_similarity(a: IncidentType, b: IncidentType) -> float:
    if a == b:
        return 1.0
    if T.OTHER in (a, b):
        return 0.3
    return _RELATED.get(frozenset({a, b}), 0.1)


def text_similarity(a: Incident, b: Incident) -> float:
    """How alike two incidents' words are: difflib's ratio on their titles and
    descriptions, lower-cased (0 to 1)."""
    first = f"{a.title} {a.description}".casefold().strip()
    second = f"{b.title} {b.description}".casefold().strip()
    if not first or not second:
        return 0.0
    return difflib.SequenceMatcher(None, first, second).ratio()


def similarity(a: Incident, b: Incident) -> float:
    score = TYPE_WEIGHT * type_similarity(a.type, b.type)
    return round(score + (1 - TYPE_WEIGHT) * text_similarity(a, b), 3)


def candidates(resources: Resources, viewer: Viewer | None, incident: Presented,
               distance_m: float = DEFAULT_DISTANCE_M, minutes: float = DEFAULT_MINUTES
               ) -> list[Candidate]:
    """Other agencies' open incidents near ``incident`` in place and time, best first."""
    this: Incident = incident.record  # type: ignore[assignment]
    x, y = to_sweref(this.location.x, this.location.y)

    def other(record) -> bool:
        seen = viewer is None or visibility(viewer, record) is not Visibility.HIDDEN
        return seen and record.agency != this.agency and record.id != this.id

    reach = distance_m + SHIFT_M  # the index holds true places; shown ones may differ
    with resources.live() as index:
        near = index.within(this.location.x, this.location.y, reach, kind="incident",
                            where=other)
    out = []
    for hit in near:
        shown = resources.shown(viewer, hit.record)
        assert shown is not None
        record: Incident = shown.record  # type: ignore[assignment]
        ox, oy = to_sweref(record.location.x, record.location.y)
        apart_m = math.hypot(ox - x, oy - y)
        apart_min = abs((record.reported_at - this.reported_at).total_seconds()) / 60
        if apart_m <= distance_m and apart_min <= minutes:
            out.append(Candidate(shown, apart_m, apart_min, similarity(this, record)))
    return sorted(out, key=lambda c: (-c.score, c.distance_m, c.shown.record.id))


def linked(resources: Resources, viewer: Viewer | None, incident: Presented
           ) -> list[tuple[Presented, str]]:
    """The incidents linked to or from this one, as the viewer is shown them (only links
    between incidents the viewer sees both in full: `georisk.access.present`)."""
    this = incident.record
    found: dict[str, str] = dict(this.links)  # type: ignore[attr-defined]
    with resources.live() as index:
        linking = index.linking(this.id)
    for record in linking:
        shown = resources.shown(viewer, record)
        if shown is not None and not shown.generalised and not incident.generalised:
            found.setdefault(record.id, dict(record.links)[this.id])  # type: ignore[attr-defined]
    out = []
    for other_id, relation in sorted(found.items()):
        other = resources.shown(viewer, resources.store.get("incident", other_id))
        if other is not None and not other.generalised and not incident.generalised:
            out.append((other, relation))
    return out

