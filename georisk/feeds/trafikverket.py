"""Trafikverket's open API, objecttype Situation (v1.4) as JSON: road closures and
restrictions become blockages, one per Deviation (a Situation may hold several).

Field names follow Trafikverket's Situation_v1.4.xsd. A ``Deleted`` Situation lifts the
blockages its Deviations made. Geometry is WKT: the WGS 84 one becomes the record's
(a line when the source gives one, else its point); the SWEREF 99 TM one, when present,
is checked and kept in the audit copy.
"""

from __future__ import annotations

from typing import Any

import orjson
import shapely

from georisk.commands import Actor
from georisk.errors import FieldError, ValidationError
from georisk.feeds.areas import codes_at
from georisk.feeds.base import FeedItem, Parsed, Rejected, instant, json_payload, record_id
from georisk.model import Agency, Blockage, BlockageReason, Classification, Precision
from georisk.validation import check_position

NAME = "trafikverket"

#: MessageTypes that do not restrict a road (ferry timetables, general notices).
NOT_ROAD = frozenset({"färjor", "trafikmeddelande", "viktig trafikinformation"})

_REASONS: tuple[tuple[str, BlockageReason], ...] = (
    ("olycka", BlockageReason.ACCIDENT),
    ("accident", BlockageReason.ACCIDENT),
    ("vägarbete", BlockageReason.ROADWORKS),
    ("roadwork", BlockageReason.ROADWORKS),
    ("snow", BlockageReason.SNOW_ICE),
    ("ice", BlockageReason.SNOW_ICE),
    ("slippery", BlockageReason.SNOW_ICE),
    ("halka", BlockageReason.SNOW_ICE),
    ("fire", BlockageReason.FIRE),
    ("brand", BlockageReason.FIRE),
    ("flood", BlockageReason.FLOODING),
    ("översvämning", BlockageReason.FLOODING),
)

# SWEREF 99 TM over Sweden (with a margin): what a TM coordinate pair can plausibly be.
_SWEREF_X = (180_000.0, 1_000_000.0)
_SWEREF_Y = (6_050_000.0, 7_750_000.0)


def reason(deviation: dict[str, Any]) -> BlockageReason:
    words = " ".join(
        str(deviation.get(key) or "")
        for key in ("MessageType", "MessageCode", "IconId", "TrafficRestrictionType")
    ).casefold()
    for needle, mapped in _REASONS:
        if needle in words:
            return mapped
    return BlockageReason.OTHER


class TrafikverketAdapter:
    name = NAME
    actor = Actor("trafikverket", Agency.CENTRE)
    repeats = False

    def parse(self, payload: bytes) -> Parsed:
        document = json_payload(payload)
        results = (
            (document.get("RESPONSE") or {}).get("RESULT") if isinstance(document, dict) else None
        )
        if not isinstance(results, list):
            raise ValidationError.one("RESPONSE.RESULT", "missing: not a Trafikverket API response")
        parsed = Parsed()
        pending: list[tuple[dict[str, Any], Blockage, bool]] = []
        for r, result in enumerate(results):
            if not isinstance(result, dict):
                parsed.rejected.append(_rejected(f"RESULT {r}", "", "not an object"))
                continue
            if result.get("ERROR"):
                error = result["ERROR"]
                message = error.get("MESSAGE") if isinstance(error, dict) else error
                parsed.rejected.append(_rejected(f"RESULT {r}", "ERROR", str(message)))
            for s, situation in enumerate(result.get("Situation") or []):
                where = f"RESULT {r} Situation {s}"
                if not isinstance(situation, dict):
                    parsed.rejected.append(_rejected(where, "", "not an object"))
                    continue
                deleted = situation.get("Deleted") is True
                for d, deviation in enumerate(situation.get("Deviation") or []):
                    label = f"{where} Deviation {d}"
                    if isinstance(deviation, dict) and deviation.get("Id"):
                        label += f" (Id {deviation['Id']})"
                    kind = str((deviation or {}).get("MessageType") or "").casefold()
                    if kind in NOT_ROAD and not deleted:
                        parsed.ignored.append(
                            f"{label}: MessageType {kind!r} is not a road restriction"
                        )
                        continue
                    try:
                        pending.append((deviation, _blockage(deviation), deleted))
                    except ValidationError as exc:
                        parsed.rejected.append(Rejected(label, tuple(exc.errors)))
        unknown = [i for i, (_, b, _) in enumerate(pending) if not b.county]
        starts = [shapely.get_coordinates(pending[i][1].section)[0] for i in unknown]
        located = codes_at([float(p[0]) for p in starts], [float(p[1]) for p in starts])
        for i, (county, muni) in zip(unknown, located, strict=True):
            deviation, blockage, deleted = pending[i]
            pending[i] = (deviation, blockage.replace(county=county, municipality=muni), deleted)
        for deviation, blockage, deleted in pending:
            raw = orjson.dumps({"Deleted": deleted, "Deviation": deviation},
                               option=orjson.OPT_SORT_KEYS)
            parsed.items.append(
                FeedItem(NAME, blockage.source_id, blockage, raw, withdrawn=deleted)
            )
        return parsed


def _rejected(where: str, field: str, reason_: str) -> Rejected:
    return Rejected(where, (FieldError(field, reason_),))


def _blockage(deviation: object) -> Blockage:
    if not isinstance(deviation, dict):
        raise ValidationError.one("Deviation", "not an object")
    errors: list[FieldError] = []
    ident = deviation.get("Id")
    if not isinstance(ident, str) or not ident.strip():
        errors.append(FieldError("Deviation.Id", "missing"))
    start = end = None
    try:
        start = instant(deviation.get("StartTime"), "Deviation.StartTime")
    except ValidationError as exc:
        errors += exc.errors
    if deviation.get("EndTime") is not None:
        try:
            end = instant(deviation.get("EndTime"), "Deviation.EndTime")
        except ValidationError as exc:
            errors += exc.errors
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("Deviation.EndTime", "is not after StartTime"))
    section, precision = None, Precision.EXACT
    try:
        section, precision = _geometry(deviation.get("Geometry"))
    except ValidationError as exc:
        errors += exc.errors
    severity = deviation.get("SeverityCode")
    if severity is not None and (not isinstance(severity, int) or not 1 <= severity <= 5):
        errors.append(FieldError("Deviation.SeverityCode", f"{severity!r} is not 1..5"))
    if errors:
        raise ValidationError(errors)
    source_type = "/".join(
        str(deviation[key])
        for key in ("MessageType", "MessageCode", "IconId")
        if deviation.get(key)
    )
    road = deviation.get("RoadNumber") or deviation.get("LocationDescriptor") or ""
    return Blockage(
        id=record_id(NAME, ident.strip()),
        road=str(road)[:100],
        reason=reason(deviation),
        start=start,
        section=section,
        agency=Agency.CENTRE,
        direction=str(deviation.get("AffectedDirection") or "")[:100],
        expected_end=end,
        source=NAME,
        classification=Classification.OPEN,
        source_id=ident.strip(),
        source_type=source_type,
        message=str(deviation.get("Message") or deviation.get("Header") or "")[:5000],
        impact=severity,
        precision=precision.value,
    )


def _geometry(value: object) -> tuple[shapely.Geometry, Precision]:
    """The WGS 84 geometry: Line when given, else Point, else the flat ``WGS84`` form."""
    if not isinstance(value, dict):
        raise ValidationError.one("Deviation.Geometry", "missing")
    for part, precision in (("Line", Precision.LINE), ("Point", Precision.EXACT)):
        inner = value.get(part)
        if isinstance(inner, dict) and inner.get("WGS84"):
            if inner.get("SWEREF99TM"):
                _sweref(inner["SWEREF99TM"], f"Deviation.Geometry.{part}.SWEREF99TM")
            return _wkt(inner["WGS84"], f"Deviation.Geometry.{part}.WGS84"), precision
    if value.get("WGS84"):
        geometry = _wkt(value["WGS84"], "Deviation.Geometry.WGS84")
        kind = Precision.EXACT if isinstance(geometry, shapely.Point) else Precision.LINE
        return geometry, kind
    raise ValidationError.one("Deviation.Geometry", "no WGS84 point or line")


def _wkt(text: object, field: str) -> shapely.Geometry:
    if not isinstance(text, str):
        raise ValidationError.one(field, "not WKT text")
    try:
        geometry = shapely.force_2d(shapely.from_wkt(text))
    except shapely.errors.GEOSException as exc:
        raise ValidationError.one(field, f"not valid WKT: {exc}") from None
    if not isinstance(geometry, shapely.Point | shapely.LineString | shapely.MultiLineString):
        raise ValidationError.one(field, f"{geometry.geom_type} is not a point or a line")
    if geometry.is_empty:
        raise ValidationError.one(field, "empty geometry")
    coords = shapely.get_coordinates(geometry)
    if len(coords) > 5_000:
        raise ValidationError.one(field, "more than 5000 vertices")
    for lon, lat in coords:
        check_position(float(lon), float(lat), field)
    return geometry


def _sweref(text: object, field: str) -> None:
    if not isinstance(text, str):
        raise ValidationError.one(field, "not WKT text")
    try:
        coords = shapely.get_coordinates(shapely.from_wkt(text))
    except shapely.errors.GEOSException as exc:
        raise ValidationError.one(field, f"not valid WKT: {exc}") from None
    for x, y in coords:
        if not (_SWEREF_X[0] <= x <= _SWEREF_X[1] and _SWEREF_Y[0] <= y <= _SWEREF_Y[1]):
            raise ValidationError.one(
                field, f"({x}, {y}) is not a SWEREF 99 TM coordinate in Sweden"
            )
