"""Sending units: the nearest free unit of each needed kind is assigned to the incident,
drives there, works on scene, is released and drives home.

The simulation walks incidents in time order. A unit is "free" once it is back at
its station (it shows *available* from the moment it clears the scene, as in real
status reporting, but is only sent again from home: a simplification that keeps
routing to one tree per station). Out-of-service periods (maintenance, crew
shortage) are queued among the incidents and start when the unit is next home.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from georisk import commands as c
from georisk.model import Agency, UnitKind, UnitStatus
from georisk.scenario.fleet import UnitPlan
from georisk.scenario.plan import Plan
from georisk.scenario.routing import StationRoutes, Targets, positions

GROUPS: dict[str, tuple[UnitKind, ...]] = {
    "engine": (UnitKind.ENGINE, UnitKind.RESCUE),
    "tanker": (UnitKind.TANKER,),
    "aerial": (UnitKind.AERIAL,),
    "command": (UnitKind.COMMAND,),
    "ambulance": (UnitKind.AMBULANCE,),
    "patrol": (UnitKind.PATROL,),
}
FALLBACK = {"tanker": "engine", "aerial": "engine"}
MAX_RESPONSE_S = 2 * 3600  # farther than this, the call goes unanswered by that kind
MAX_ON_SCENE_S = 8 * 3600  # long fires: crews are relieved (relief not simulated)
MIN_ON_SCENE_S = 10 * 60
TURNOUT_S = {Agency.RESCUE: 90, Agency.SOS: 60, Agency.POLICE: 0}


@dataclass(frozen=True)
class Callout:
    index: int  # incident row (target index)
    time: int  # reported, epoch seconds
    needs: tuple[str, ...]
    severity: int
    planned_close: int


@dataclass(frozen=True)
class OutOfService:
    time: int
    unit: int
    seconds: int


class Dispatcher:
    def __init__(
        self,
        plan: Plan,
        routes: StationRoutes,
        targets: Targets,
        units: list[UnitPlan],
        start: int,
        interval_s: int,
        rng: np.random.Generator,
        incident_ids: list[str],
    ):
        self.plan = plan
        self.incident_ids = incident_ids  # by callout index: the incident a unit is sent to
        self.routes = routes
        self.targets = targets
        self.units = units
        self.interval_s = interval_s
        self.rng = rng
        self.free_at = np.full(len(units), start, dtype=np.int64)
        self.station = np.array([u.station for u in units], dtype=np.int64)
        self.by_group = {
            group: np.array([i for i, u in enumerate(units) if u.kind in kinds], dtype=np.int64)
            for group, kinds in GROUPS.items()
        }
        self.dispatches = 0

    def run(self, callouts: list[Callout], breaks: list[OutOfService]) -> np.ndarray:
        """Simulate everything; returns each callout's actual close time."""
        closes = np.array([co.planned_close for co in callouts], dtype=np.int64)
        queue = sorted(
            [(co.time, 0, n) for n, co in enumerate(callouts)]
            + [(b.time, 1, n) for n, b in enumerate(breaks)]
        )
        for _, what, n in queue:
            if what == 0:
                closes[n] = self._callout(callouts[n])
            else:
                self._break(breaks[n])
        return closes

    def _break(self, brk: OutOfService) -> None:
        uid = self.units[brk.unit].id
        begin = max(brk.time, int(self.free_at[brk.unit]))
        self.plan.add(begin, c.SetUnitStatus(uid, UnitStatus.OUT_OF_SERVICE))
        self.plan.add(begin + brk.seconds, c.SetUnitStatus(uid, UnitStatus.AVAILABLE))
        self.free_at[brk.unit] = begin + brk.seconds

    def _choose(self, group: str, time: int, seconds: np.ndarray, taken: set[int]) -> int | None:
        while group:
            candidates = self.by_group[group]
            if len(candidates):
                cost = seconds[self.station[candidates]].copy()
                busy = self.free_at[candidates] > time
                cost[busy] = np.inf
                if taken:
                    cost[np.isin(candidates, list(taken))] = np.inf
                best = int(np.argmin(cost))
                if cost[best] <= MAX_RESPONSE_S:
                    return int(candidates[best])
            group = FALLBACK.get(group, "")
        return None

    def _callout(self, co: Callout) -> int:
        if not co.needs:
            return co.planned_close
        seconds = self.routes.times_to(self.targets, co.index)
        taken: set[int] = set()
        missions = []
        for group in co.needs:
            unit = self._choose(group, co.time, seconds, taken)
            if unit is None:
                continue
            taken.add(unit)
            plan_unit = self.units[unit]
            if plan_unit.agency is Agency.SOS and co.severity <= 2:
                delay = int(self.rng.integers(120, 1200))  # low priority waits in the queue
            else:
                delay = int(self.rng.integers(45, 240))
            alarm = co.time + delay
            self.plan.add(alarm, c.AssignUnit(plan_unit.id, self.incident_ids[co.index]))
            self.plan.add(alarm, c.SetUnitStatus(plan_unit.id, UnitStatus.EN_ROUTE))
            leg = self.routes.leg(plan_unit.station, self.targets, co.index)
            go = alarm + TURNOUT_S[plan_unit.agency]
            ticks, x, y, heading, speed = positions(leg, self.interval_s)
            stamps = go + np.round(ticks).astype(np.int64)
            self.plan.add_moves(unit, stamps, x, y, heading, speed)
            arrive = int(stamps[-1])
            self.plan.add(arrive, c.SetUnitStatus(plan_unit.id, UnitStatus.ON_SCENE))
            missions.append((unit, leg, arrive))
            self.dispatches += 1
        if not missions:
            return co.planned_close
        close = max(co.planned_close, max(arrive for _, _, arrive in missions) + MIN_ON_SCENE_S)
        for unit, leg, arrive in missions:
            plan_unit = self.units[unit]
            clear = min(close, arrive + MAX_ON_SCENE_S)
            self.plan.add(clear, c.SetUnitStatus(plan_unit.id, UnitStatus.AVAILABLE))
            self.plan.add(clear, c.ReleaseUnit(plan_unit.id))
            ticks, x, y, heading, speed = positions(leg.reversed(), self.interval_s)
            stamps = clear + 60 + np.round(ticks).astype(np.int64)
            self.plan.add_moves(unit, stamps, x, y, heading, speed)
            self.free_at[unit] = int(stamps[-1])
        return close
