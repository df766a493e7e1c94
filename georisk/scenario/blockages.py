"""Road closures on the region's major roads: snowstorms, serious crashes, fires, works.

Closures are cut from the road lines of the network in use (E18, E20, E45, riksvägar...),
so they lie exactly on the roads the map draws and the routing graph can cut. Storms
close several roads on the same day within one region, as the winters that motivated
the joint centre did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.ops import substring

from georisk import commands as c
from georisk.area import attribute
from georisk.crs import to_wgs84
from georisk.model import Agency, Blockage, BlockageReason
from georisk.scenario.plan import Plan
from georisk.scenario.timeline import DAY, HOUR, Weather
from georisk.scenario.world import World
from georisk.timeutil import from_micros

MAJOR_CLASSES = ("motorway", "european", "national")
STORM_RADIUS_M = 120_000.0
ACCIDENT_ROAD_M = 300.0  # a crash this close to a major road closes it
FIRE_ROAD_M = 5_000.0
ROADWORKS_PER_YEAR = 30
FLOODS_PER_YEAR = 4
CURRENT_ROADWORKS = 2  # so the live picture always shows something in progress


@dataclass(frozen=True)
class Closure:
    time: int
    road: int  # row in the major-road table
    at_m: float  # position along the road line
    length_m: float
    reason: BlockageReason
    planned_s: int
    lift: int
    agency: Agency
    source: str


class BlockagePlanner:
    def __init__(self, world: World, rng: np.random.Generator):
        roads = world.roads
        major = roads[roads["road_class"].isin(MAJOR_CLASSES)]
        self.roads = (major if len(major) else roads).reset_index(drop=True)
        self.lines = self.roads.geometry.values
        self.tree = STRtree(self.lines)
        self.world = world
        self.rng = rng
        self.closures: list[Closure] = []

    # -- where ------------------------------------------------------------------
    def _nearest(self, x: float, y: float, within: float) -> tuple[int, float] | None:
        point = shapely.Point(x, y)
        hit = self.tree.query_nearest(point, max_distance=within, all_matches=False)
        if not len(hit):
            return None
        road = int(hit[0])
        return road, float(self.lines[road].project(point))

    # -- what happens -------------------------------------------------------------
    def storms(self, weather: Weather, start: int, end: int) -> None:
        """Several snow/ice closures per storm day around one storm centre per storm."""
        places = self.world.places
        centre = None
        for day, stormy in enumerate(weather.storm):
            if not stormy:
                centre = None
                continue
            if centre is None:
                town = int(self.rng.integers(len(places)))
                centre = shapely.Point(places.at[town, "x"], places.at[town, "y"])
            area = centre.buffer(STORM_RADIUS_M)
            near = self.tree.query(area, predicate="intersects")
            if not len(near):
                continue
            pieces = shapely.intersection(self.lines[near], area)
            lengths = shapely.length(pieces)
            for _ in range(int(self.rng.integers(3, 9))):
                pick = int(self.rng.choice(len(near), p=lengths / lengths.sum()))
                spot = shapely.line_interpolate_point(
                    pieces[pick], self.rng.random(), normalized=True
                )
                road = int(near[pick])
                time = weather.day0 + day * DAY + int(self.rng.integers(2 * HOUR, 20 * HOUR))
                planned = int(self.rng.integers(3, 13)) * HOUR
                reason = (
                    BlockageReason.SNOW_ICE if self.rng.random() < 0.8 else BlockageReason.ACCIDENT
                )
                lift = time + int(planned * self.rng.uniform(0.6, 1.6))
                self._add(time, road, float(self.lines[road].project(spot)),
                          self.rng.uniform(2_000, 20_000), reason, planned, lift,
                          Agency.CENTRE, "trafikverket", start, end)

    def accident(self, time: int, x: float, y: float, close: int, start: int, end: int) -> None:
        found = self._nearest(x, y, ACCIDENT_ROAD_M)
        if found is None:
            return
        road, at = found
        begin = time + int(self.rng.integers(5 * 60, 20 * 60))
        planned = int(self.rng.integers(1, 5)) * HOUR
        lift = max(close + int(self.rng.integers(0, 30 * 60)), begin + 15 * 60)
        self._add(begin, road, at, self.rng.uniform(500, 3_000), BlockageReason.ACCIDENT,
                  planned, lift, Agency.POLICE, "operator", start, end)

    def fire(self, time: int, x: float, y: float, close: int, start: int, end: int) -> None:
        found = self._nearest(x, y, FIRE_ROAD_M)
        if found is None:
            return
        road, at = found
        begin = time + int(self.rng.integers(HOUR, 3 * HOUR))
        if begin >= close:
            return
        planned = int(self.rng.integers(6, 25)) * HOUR
        self._add(begin, road, at, self.rng.uniform(2_000, 8_000), BlockageReason.FIRE,
                  planned, close, Agency.RESCUE, "operator", start, end)

    def planned_works(self, start: int, end: int, days: int) -> None:
        """Roadworks (summer half-year), spring floods, and works in progress right now."""
        n_works = self.rng.poisson(ROADWORKS_PER_YEAR * days / 365)
        n_floods = self.rng.poisson(FLOODS_PER_YEAR * days / 365)
        for reason, count, months, dur in (
            (BlockageReason.ROADWORKS, n_works, (4, 5, 6, 7, 8, 9, 10), (2, 30)),
            (BlockageReason.FLOODING, n_floods, (3, 4, 5), (1, 6)),
        ):
            for _ in range(count):
                time = self._time_in_months(start, end, months)
                if time is None:
                    continue
                self._random_spot(time, reason, int(self.rng.integers(*dur)) * DAY, start, end)
        for _ in range(CURRENT_ROADWORKS):
            time = end - int(self.rng.integers(HOUR, 7 * DAY))
            planned = end - time + int(self.rng.integers(2, 20)) * DAY
            self._random_spot(max(time, start), BlockageReason.ROADWORKS, planned, start, end)

    def _time_in_months(self, start: int, end: int, months: tuple[int, ...]) -> int | None:
        for _ in range(50):
            time = int(self.rng.integers(start, end))
            if from_micros(time * 1_000_000).month in months:
                return time
        return None

    def _random_spot(self, time: int, reason, planned: int, start: int, end: int) -> None:
        lengths = shapely.length(self.lines)
        road = int(self.rng.choice(len(self.lines), p=lengths / lengths.sum()))
        at = float(self.rng.uniform(0, lengths[road]))
        lift = time + int(planned * self.rng.uniform(0.9, 1.25))
        self._add(time, road, at, self.rng.uniform(300, 5_000), reason, planned, lift,
                  Agency.CENTRE, "trafikverket", start, end)

    def _add(self, time, road, at, length, reason, planned, lift, agency, source, start, end):
        if time < start or time > end:
            return
        lift = max(int(lift), time + 15 * 60)
        self.closures.append(
            Closure(int(time), road, at, float(length), reason, int(planned), lift, agency, source)
        )

    # -- into the journal ---------------------------------------------------------
    def write(self, plan: Plan) -> int:
        """Report, extend and lift every closure; returns how many were reported."""
        closures = sorted(self.closures, key=lambda cl: (cl.time, cl.road, cl.at_m))
        if not closures:
            return 0
        sections = []
        for cl in closures:
            line = self.lines[cl.road]
            a = max(0.0, cl.at_m - cl.length_m / 2)
            b = min(line.length, cl.at_m + cl.length_m / 2)
            piece = substring(line, a, b)
            if piece.geom_type != "LineString" or piece.length < 1:
                piece = shapely.Point(line.interpolate(cl.at_m))
            sections.append(piece)
        sections = [shapely.transform(s, _to_lonlat(self.world)) for s in sections]
        first = np.array([shapely.get_coordinates(s)[0] for s in sections])
        area = attribute(first[:, 0], first[:, 1])
        ok = area["method"].isin(("inside", "nearest")).to_numpy()
        counties = np.where(ok, area["county_code"].astype(str).to_numpy(), "")
        municipalities = np.where(ok, area["municipality_code"].astype(str).to_numpy(), "")
        refs = self.roads["ref"].fillna("väg").to_numpy()
        for n, (cl, section) in enumerate(zip(closures, sections, strict=True)):
            expected = _round_up(cl.time + cl.planned_s, 30 * 60)
            blockage = Blockage(
                id=f"blk-{n + 1:05d}",
                road=str(refs[cl.road]),
                reason=cl.reason,
                start=_moment(cl.time),
                section=section,
                agency=cl.agency,
                direction=self._direction(section),
                expected_end=_moment(expected),
                source=cl.source,
                county=str(counties[n]),
                municipality=str(municipalities[n]),
            )
            plan.add(cl.time, c.ReportBlockage(blockage))
            if cl.lift > expected:  # running late: the expected end is pushed back once
                notice = max(cl.time + 60, expected - 15 * 60)
                later = _round_up(cl.lift + 30 * 60, 30 * 60)
                plan.add(notice, c.UpdateBlockage(blockage.id, {"expected_end": _moment(later)}))
            plan.add(cl.lift, c.LiftBlockage(blockage.id, _moment(cl.lift)))
        return len(closures)

    def _direction(self, section) -> str:
        if self.rng.random() < 0.55 or section.geom_type != "LineString":
            return "båda riktningarna"
        (x0, y0), (x1, y1) = shapely.get_coordinates(section)[[0, -1]]
        flip = self.rng.random() < 0.5
        if abs(y1 - y0) >= abs(x1 - x0):
            return "södergående" if (y1 > y0) == flip else "norrgående"
        return "västergående" if (x1 > x0) == flip else "östergående"


def _to_lonlat(world: World):
    def transform(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return transform


def _round_up(seconds: int, step: int) -> int:
    return -(-int(seconds) // step) * step


def _moment(seconds: int):
    return from_micros(int(seconds) * 1_000_000)
