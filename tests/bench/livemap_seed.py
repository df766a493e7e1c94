"""Seed a database at the live map's demo scale, straight through the store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import shapely

from georisk import commands as c
from georisk.area.boundaries import municipalities
from georisk.firerisk.classes import SWEDEN
from georisk.model import Agency, IncidentType, RiskZone, UnitKind, UnitStatus
from georisk.store import SQLiteStore
from georisk.timeutil import utc_now
from tests.factories import blockage, incident, unit

ACTOR = c.Actor("bench", Agency.CENTRE)


def seed(db: Path, incidents: int = 5_000, units: int = 1_000, blockages: int = 200,
         seed: int = 18) -> None:
    rng = np.random.default_rng(seed)
    now = utc_now()
    lon = rng.uniform(12.2, 16.6, incidents + units + blockages)
    lat = rng.uniform(58.0, 61.6, incidents + units + blockages)
    agencies = list(Agency)
    store = SQLiteStore(db)
    commands: list[c.Command] = [
        c.ReportIncident(incident(
            f"inc-{i}", type=list(IncidentType)[i % 7], severity=int(1 + i % 5),
            agency=agencies[i % 3], title=f"Händelse {i}",
            reported_at=now - timedelta(minutes=int(i)),
            location=shapely.Point(round(lon[i], 5), round(lat[i], 5)),
        ))
        for i in range(incidents)
    ]
    for j in range(units):
        k = incidents + j
        commands.append(c.RegisterUnit(unit(
            f"unit-{j}", callsign=f"ENH {j}", agency=agencies[j % 3],
            unit_kind=list(UnitKind)[j % 10], status=list(UnitStatus)[j % 4])))
        commands.append(c.MoveUnit(f"unit-{j}", shapely.Point(round(lon[k], 5), round(lat[k], 5)),
                                   now - timedelta(seconds=30), None, None))
    for b in range(blockages):
        k = incidents + units + b
        line = shapely.LineString([(lon[k], lat[k]), (lon[k] + 0.05, lat[k] + 0.02)])
        commands.append(c.ReportBlockage(blockage(f"blk-{b}", start=now - timedelta(hours=1),
                                                  section=line)))
    store.apply(commands, ACTOR)
    day = now.date().isoformat()
    frame = municipalities()
    codes = [cls.code for cls in SWEDEN.classes]
    frame["class"] = rng.choice(codes, len(frame))
    zones = []
    for code, group in frame.groupby("class"):
        area = shapely.simplify(shapely.union_all(group.geometry.values), 0.002)
        zones.append(c.IssueRiskZone(RiskZone(
            id=RiskZone.make_id(day, "georisk", SWEDEN.name, str(code), 1), valid_date=day,
            scale=SWEDEN.name, risk_class=str(code), label=SWEDEN.by_code(str(code)).label("sv"),
            area=area, fwi_min=1.0, fwi_max=5.0, valid_from=now - timedelta(hours=1),
            valid_to=now + timedelta(hours=20))))
    store.apply(zones, ACTOR)
    store.close()
