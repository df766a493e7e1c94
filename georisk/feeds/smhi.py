"""SMHI's open fire-risk point forecast (``fwif1g``, daily, Canadian FWI system).

Each day of the forecast becomes one risk zone labelled with SMHI as its source: a
square of `CELL_M` around the forecast point (the value belongs to SMHI's model grid
cell, not to a spot; the payload does not say the cell's size, so this is nominal) in
SMHI's own class (``fwiindex`` 1–6 read on the ``se-smhi-fwiindex`` scale, 6 = 5E) with
the forecast FWI as both ends of its range. Its id is per day and point, so a newer
forecast replaces that day's zone. SMHI marks "not available" with -1.

`compare` runs georisk's own FWI equations from SMHI's codes of the day before with
SMHI's noon weather of the day (t, r, ws, prec24h) and reports, per day and index, how
far georisk's value is from SMHI's: a check of both on the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
import orjson
import shapely

from georisk.commands import Actor
from georisk.crs import to_sweref, to_wgs84
from georisk.errors import FieldError, ValidationError
from georisk.feeds.base import FeedItem, Parsed, Rejected, instant, json_payload
from georisk.firerisk.classes import scale_by_name
from georisk.firerisk.fwi import FWIState, fwi_series
from georisk.model import Agency, RiskZone
from georisk.timeutil import STOCKHOLM
from georisk.validation import check_position

NAME = "smhi"
SCALE = scale_by_name("se-smhi-fwiindex")
CELL_M = 2_500.0
INDICES = ("ffmc", "dmc", "dc", "isi", "bui", "fwi")
WEATHER = ("t", "r", "ws", "prec24h")


@dataclass(frozen=True)
class Day:
    valid: datetime
    values: dict[str, float | None]  # parameter name → value, None where SMHI has -1


@dataclass(frozen=True)
class Forecast:
    lon: float
    lat: float
    approved: datetime
    days: list[Day]


def read_forecast(payload: bytes) -> tuple[Forecast, list[Rejected]]:
    """The forecast, and the days that could not be read (with the reason)."""
    data = json_payload(payload)
    if not isinstance(data, dict):
        raise ValidationError.one("payload", "expected a JSON object")
    lon, lat = _point(data.get("geometry"))
    approved = instant(data.get("approvedTime"), "approvedTime")
    series = data.get("timeSeries")
    if not isinstance(series, list) or not series:
        raise ValidationError.one("timeSeries", "missing or empty")
    days: list[Day] = []
    rejected: list[Rejected] = []
    seen: set[datetime] = set()
    for index, entry in enumerate(series):
        where = f"timeSeries[{index}]"
        try:
            day = _day(entry, where)
            if day.valid in seen:
                raise ValidationError.one(f"{where}.validTime", "duplicate time within one payload")
        except ValidationError as exc:
            rejected.append(Rejected(where, tuple(exc.errors)))
            continue
        seen.add(day.valid)
        days.append(day)
    return Forecast(lon, lat, approved, days), rejected


def _point(geometry: object) -> tuple[float, float]:
    """SMHI writes the point as ``{"type": "Point", "coordinates": [[lon, lat]]}``."""
    try:
        assert isinstance(geometry, dict) and geometry.get("type") == "Point"
        coords = geometry["coordinates"]
        lon, lat = coords[0] if isinstance(coords[0], list) else coords
        lon, lat = float(lon), float(lat)
    except (AssertionError, KeyError, IndexError, TypeError, ValueError):
        raise ValidationError.one("geometry", "expected a Point with [[lon, lat]]") from None
    check_position(lon, lat, "geometry")
    return lon, lat


def _day(entry: object, where: str) -> Day:
    if not isinstance(entry, dict):
        raise ValidationError.one(where, "expected an object")
    valid = instant(entry.get("validTime"), f"{where}.validTime")
    values: dict[str, float | None] = {}
    errors: list[FieldError] = []
    for parameter in entry.get("parameters") or []:
        name = parameter.get("name") if isinstance(parameter, dict) else None
        found = parameter.get("values") if isinstance(parameter, dict) else None
        if not isinstance(name, str) or not isinstance(found, list) or len(found) != 1:
            errors.append(FieldError(f"{where}.parameters", f"unreadable parameter {parameter!r}"))
            continue
        value = found[0]
        if not isinstance(value, int | float) or isinstance(value, bool):
            errors.append(FieldError(f"{where}.{name}", f"{value!r} is not a number"))
            continue
        values[name] = None if value == -1 else float(value)
    for name in ("fwiindex", "fwi"):
        if values.get(name) is None:
            errors.append(FieldError(f"{where}.{name}", "missing"))
    index = values.get("fwiindex")
    if index is not None and not (index == int(index) and 1 <= index <= len(SCALE.classes)):
        errors.append(FieldError(f"{where}.fwiindex", f"{index} is not a class 1..6"))
    if errors:
        raise ValidationError(errors)
    return Day(valid, values)


class SmhiAdapter:
    name = NAME
    actor = Actor("smhi", Agency.CENTRE)
    repeats = False

    def parse(self, payload: bytes) -> Parsed:
        forecast, rejected = read_forecast(payload)
        parsed = Parsed(rejected=rejected)
        area = cell(forecast.lon, forecast.lat)
        for day in forecast.days:
            zone = zone_of(forecast, day, area)
            raw = orjson.dumps({"lon": forecast.lon, "lat": forecast.lat,
                                "validTime": day.valid.isoformat(), "values": day.values})
            parsed.items.append(FeedItem(NAME, zone.id, zone, raw))
        return parsed


def cell(lon: float, lat: float, size_m: float = CELL_M) -> shapely.Polygon:
    x, y = to_sweref(lon, lat)
    half = size_m / 2
    corners = [(x - half, y - half), (x + half, y - half), (x + half, y + half),
               (x - half, y + half)]
    return shapely.Polygon([to_wgs84(cx, cy) for cx, cy in corners])


def zone_of(forecast: Forecast, day: Day, area: shapely.Polygon) -> RiskZone:
    date = day.valid.astimezone(STOCKHOLM).date()
    danger = SCALE.classes[int(day.values["fwiindex"]) - 1]  # type: ignore[arg-type]
    fwi = day.values["fwi"]
    start = datetime.combine(date, time(), STOCKHOLM)
    return RiskZone(
        id=f"{date.isoformat()}/{NAME}/{SCALE.name}/{forecast.lon:.4f},{forecast.lat:.4f}",
        valid_date=date.isoformat(),
        scale=SCALE.name,
        risk_class=danger.code,
        label=f"SMHI: {danger.label_sv}",
        area=area,
        fwi_min=fwi,  # type: ignore[arg-type]
        fwi_max=fwi,  # type: ignore[arg-type]
        valid_from=start,
        valid_to=start + timedelta(days=1),
        source=NAME,
    )


@dataclass(frozen=True)
class Difference:
    day: str
    index: str
    smhi: float
    georisk: float

    @property
    def delta(self) -> float:
        return self.georisk - self.smhi


def compare(forecast: Forecast) -> list[Difference]:
    """Per day after the first, per index: georisk's value from SMHI's codes of the day
    before and SMHI's weather of the day, beside SMHI's own value."""
    out: list[Difference] = []
    for before, day in zip(forecast.days, forecast.days[1:], strict=False):
        needed = [before.values.get(n) for n in ("ffmc", "dmc", "dc")]
        weather = [day.values.get(n) for n in WEATHER]
        if None in needed or None in weather or day.valid - before.valid != timedelta(days=1):
            continue  # a gap, or a value SMHI did not give: nothing fair to compare
        t, r, ws, prec = (float(v) for v in weather)  # type: ignore[arg-type]
        start = FWIState(*(np.array([v], dtype=float) for v in needed))
        ours = fwi_series([t], [min(r, 100.0)], [ws * 3.6], [prec],
                          [day.valid.astimezone(STOCKHOLM).month], forecast.lat,
                          start=start, engine="numpy").as_dict()
        for name in INDICES:
            theirs = day.values.get(name)
            if theirs is not None:
                out.append(Difference(day.valid.date().isoformat(), name, theirs,
                                      float(np.ravel(ours[name])[0])))
    return out


def report(differences: list[Difference]) -> str:
    """A table for people: day, index, SMHI, georisk, difference."""
    lines = [f"{'day':<10} {'index':<5} {'smhi':>8} {'georisk':>8} {'diff':>7}"]
    for d in differences:
        lines.append(f"{d.day:<10} {d.index:<5} {d.smhi:8.1f} {d.georisk:8.1f} {d.delta:+7.1f}")
    return "\n".join(lines)

