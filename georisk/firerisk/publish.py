"""Risk zones into the journal, and fire risk at a point from what was issued.

A day's zones are issued together: each becomes a `RiskZone` record (event
``riskzones.issued``), and a zone of the same day and source that the new issue no
longer contains is withdrawn, so the map, the API and history all agree on the day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import geopandas as gpd
import shapely

from georisk import commands as c
from georisk.crs import METRIC, WGS84
from georisk.firerisk.classes import SWEDEN
from georisk.journal import Event
from georisk.model import RiskZone, RiskZoneStatus
from georisk.store import Query, Store
from georisk.timeutil import STOCKHOLM

FIRE_RISK_ACTOR = c.Actor("brandrisk", c.Agency.CENTRE)
SIMPLIFY_M = 250.0  # grid-cell staircases add bytes, not information


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in Europe/Stockholm as UTC instants [start, end)."""
    start = datetime.combine(day, time(0), STOCKHOLM)
    end = datetime.combine(day + timedelta(days=1), time(0), STOCKHOLM)
    return start.astimezone(UTC), end.astimezone(UTC)


def zone_records(zones: gpd.GeoDataFrame, *, source: str = "georisk") -> list[RiskZone]:
    """Records for one day's zones (rows as `georisk.firerisk.zones.risk_zones` gives)."""
    if zones.empty:
        return []
    metric = zones.to_crs(METRIC)
    simplified = gpd.GeoSeries(
        shapely.coverage_simplify(metric.geometry.values, SIMPLIFY_M), crs=METRIC
    ).to_crs(WGS84)
    records = []
    parts: dict[tuple[str, str, str], int] = {}
    order = metric.geometry.area.sort_values(ascending=False).index  # biggest part first
    for index in order:
        row = zones.loc[index]
        valid = row["valid_date"]
        valid = valid if isinstance(valid, date) else date.fromisoformat(str(valid))
        key = (valid.isoformat(), row["scale"], row["class"])
        parts[key] = parts.get(key, 0) + 1
        start, end = day_bounds(valid)
        records.append(RiskZone(
            id=RiskZone.make_id(key[0], source, row["scale"], row["class"], parts[key]),
            valid_date=key[0], scale=row["scale"], risk_class=row["class"],
            label=row["label"], area=simplified.loc[index], fwi_min=round(float(row["fwi_min"]), 2),
            fwi_max=round(float(row["fwi_max"]), 2), valid_from=start, valid_to=end, source=source,
        ))
    return records


def issue_commands(store: Store, zones: gpd.GeoDataFrame, day: date, *,
                   source: str = "georisk") -> list[c.Command]:
    """Commands that make ``day``'s issued zones from ``source`` exactly ``zones``."""
    records = zone_records(zones, source=source)
    start, _ = day_bounds(day)
    issued = store.query(Query("riskzones", start=start, end=start,
                               status=frozenset({RiskZoneStatus.ISSUED}))).records
    keep = {record.id for record in records}
    stale = [
        zone.id for zone in issued
        if zone.valid_date == day.isoformat() and zone.source == source and zone.id not in keep
    ]
    return [c.IssueRiskZone(record) for record in records] + [
        c.WithdrawRiskZone(id_) for id_ in stale
    ]


def publish(store: Store, zones: gpd.GeoDataFrame, day: date, *, source: str = "georisk",
            actor: c.Actor = FIRE_RISK_ACTOR) -> list[Event]:
    """Issue ``day``'s zones in one transaction."""
    return store.apply(issue_commands(store, zones, day, source=source), actor)


def risk_at(store: Store, lon: float, lat: float, day: date,
            scale: str = SWEDEN.name) -> RiskZone | None:
    """The issued zone that covers a point on a day, if any (for an incident's brief)."""
    start, _ = day_bounds(day)
    here = shapely.Point(lon, lat)
    candidates = store.query(Query("riskzones", bbox=(lon, lat, lon, lat), start=start, end=start,
                                   status=frozenset({RiskZoneStatus.ISSUED}))).records
    for zone in candidates:
        if zone.scale == scale and zone.valid_date == day.isoformat() and zone.area.covers(here):
            return zone  # type: ignore[return-value]
    return None
