"""Build a scenario and journal it through the ordinary store API.

Everything random comes from one seed split into independent streams (one per
concern), so changing, say, the number of units does not reshuffle the incident
times, and the same options always give byte-identical journals.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import shapely

from georisk import commands as c
from georisk.crs import to_wgs84
from georisk.errors import Conflict, ValidationError
from georisk.model import Agency, Classification, Incident, IncidentType, Unit, UnitStatus
from georisk.scenario import catalogue as cat
from georisk.scenario.blockages import BlockagePlanner
from georisk.scenario.dispatch import Callout, Dispatcher, OutOfService
from georisk.scenario.firerisk import plan_fire_risk
from georisk.scenario.fleet import plan_fleet
from georisk.scenario.placement import place_incidents
from georisk.scenario.plan import Plan
from georisk.scenario.routing import StationRoutes
from georisk.scenario.timeline import DAY, HOUR, TYPES, sample_times, simulate_weather
from georisk.scenario.world import World, load_world
from georisk.store import Store
from georisk.timeutil import from_micros

ACTOR = c.Actor("scenario", Agency.CENTRE)
BATCH = 5_000
MIN_DURATION_S = 5 * 60
MAX_DURATION_S = 10 * DAY
BREAKS_PER_UNIT_DAY = 1 / 45  # out-of-service periods
ESCALATION = 0.25  # share of forest fires whose severity is raised after the first report

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScenarioOptions:
    seed: int = 1
    incidents: int = 15_000
    units: int = 300
    days: int = 365
    end: datetime | None = None  # default: now, to the minute
    report_interval_s: int = 180  # position reports while driving

    def resolved_end(self) -> datetime:
        if self.end is not None:
            return self.end.astimezone(UTC)
        return datetime.now(UTC).replace(second=0, microsecond=0)

    def check(self) -> None:
        problems = []
        if self.incidents < 0:
            problems.append(("incidents", "must be 0 or more"))
        if self.units < 1:
            problems.append(("units", "must be at least 1"))
        if self.days < 1:
            problems.append(("days", "must be at least 1"))
        if self.report_interval_s < 10:
            problems.append(("report_interval_s", "must be at least 10 seconds"))
        if problems:
            raise ValidationError.one(*problems[0])


@dataclass(frozen=True)
class ScenarioSummary:
    start: datetime
    end: datetime
    incidents: int
    units: int
    blockages: int
    dispatches: int
    events: int
    open_incidents: int  # at the end
    active_blockages: int
    riskzones: int  # fire-risk zones issued over the season days in the window
    seconds: float
    roads: str


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def _pick_kinds(types: np.ndarray, months: np.ndarray, rng: np.random.Generator) -> list:
    kinds: list = [None] * len(types)
    for code, incident_type in enumerate(TYPES):
        options = cat.KINDS[incident_type]
        for month in range(1, 13):
            rows = np.flatnonzero((types == code) & (months == month))
            if not len(rows):
                continue
            weights = np.array([k.weight if not k.months or month in k.months else 0.0
                                for k in options])
            picks = rng.choice(len(options), size=len(rows), p=weights / weights.sum())
            for row, pick in zip(rows.tolist(), picks.tolist(), strict=True):
                kinds[row] = options[pick]
    return kinds


def build(
    options: ScenarioOptions, world: World | None = None, progress: Progress | None = None
) -> tuple[Plan, dict[str, int], np.ndarray, np.ndarray]:
    """The whole scenario as a plan; returns (plan, counts, move lon, move lat)."""
    options.check()
    say = progress or (lambda *_: None)
    world = world or load_world()
    end_dt = options.resolved_end()
    end = int(end_dt.timestamp())
    start = end - options.days * DAY
    r_weather, r_times, r_place, r_kind, r_dispatch, r_block, r_breaks = _streams(options.seed, 7)
    plan = Plan(end)

    say("planning incidents", 0, 5)
    weather = simulate_weather(start, end, r_weather)
    # a control room is rarely idle: about 1 in 300 incidents is still being worked on now
    now_count = min(options.incidents, max(3, options.incidents // 300))
    samples = sample_times(options.incidents, start, end, weather, r_times, now_count)
    n = len(samples.times)
    placed = place_incidents(world, samples.types, r_place)
    months = pd.to_datetime(samples.times, unit="s", utc=True).tz_convert("Europe/Stockholm")
    kinds = _pick_kinds(samples.types, months.month.to_numpy(), r_kind)

    say("planning units", 1, 5)
    stations, units = plan_fleet(world, options.units)
    plan.unit_ids = [u.id for u in units]
    town_x = world.places["x"].to_numpy()
    town_y = world.places["y"].to_numpy()
    st_x = np.array([town_x[s.town] for s in stations])
    st_y = np.array([town_y[s.town] for s in stations])
    st_lon, st_lat = to_wgs84(st_x, st_y)
    start_dt = from_micros(start * 1_000_000)
    for u in units:
        s = u.station
        unit = Unit(
            id=u.id, callsign=u.callsign, agency=u.agency, unit_kind=u.kind,
            status=UnitStatus.AVAILABLE, home_station=stations[s].name,
            position=shapely.Point(st_lon[s], st_lat[s]), speed_kmh=0.0,
            position_time=start_dt,
        )
        plan.add(start, c.RegisterUnit(unit))
    routes = StationRoutes(world.graph, st_x, st_y)
    targets = routes.snap(placed.x, placed.y)

    say("describing incidents", 2, 5)
    rng = r_kind
    refs = world.graph.edges["ref"].to_numpy()
    snapped_edge = routes.graph.tree.query_nearest(
        shapely.points(placed.x, placed.y), all_matches=False
    )[1]
    town_names = world.places["name"].to_numpy()
    callouts: list[Callout] = []
    incidents: list[Incident] = []
    escalations: dict[int, tuple[int, dict]] = {}
    u_sev, u_cls, u_desc, u_dur = (
        rng.random(n),
        rng.random(n),
        rng.random(n),
        rng.standard_normal(n),
    )
    for i in range(n):
        kind = kinds[i]
        incident_type = TYPES[int(samples.types[i])]
        severity = (
            int(np.searchsorted(np.cumsum(kind.severities), u_sev[i] * sum(kind.severities))) + 1
        )
        severity = min(max(severity, 1), 5)
        duration = int(np.clip(kind.minutes * 60 * np.exp(kind.spread * u_dur[i]),
                               MIN_DURATION_S, MAX_DURATION_S))
        if samples.now[i]:  # still being worked on at the end of the scenario
            duration = max(duration, int(end - samples.times[i]) + 600 + (i % 7) * 900)
        agency_share, restricted_share = kind.secrecy
        if u_cls[i] < restricted_share:
            classification = Classification.RESTRICTED
        elif u_cls[i] < restricted_share + agency_share:
            classification = Classification.AGENCY
        else:
            classification = Classification.OPEN
        where = (
            f"Nära {town_names[placed.town[i]]}."
            if placed.town[i] >= 0
            else f"På {refs[snapped_edge[i]]}."
        )
        text = (
            kind.descriptions[int(u_desc[i] * len(kind.descriptions))] if kind.descriptions else ""
        )
        reported = int(samples.times[i])
        incidents.append(
            Incident(
                id=f"inc-{i + 1:06d}", type=incident_type, title=kind.title, severity=severity,
                agency=cat.owner(incident_type, kind), reported_at=_moment(reported),
                location=shapely.Point(placed.lon[i], placed.lat[i]),
                description=f"{text} {where}".strip(), classification=classification,
                county=str(placed.county[i]), municipality=str(placed.municipality[i]),
            )
        )
        plan.add(reported, c.ReportIncident(incidents[-1]))
        callouts.append(
            Callout(i, reported, cat.needs(kind, severity), severity, reported + duration)
        )
        if incident_type is IncidentType.FOREST_FIRE and severity < 5 and rng.random() < ESCALATION:
            at = reported + max(20 * 60, int(0.4 * duration))
            spreading = f"{incidents[-1].description} Branden sprider sig."
            escalations[i] = (at, {"severity": severity + 1, "description": spreading})

    say("dispatching units", 3, 5)
    breaks = _breaks(units, start, end, r_breaks)
    dispatcher = Dispatcher(
        plan, routes, targets, units, start, options.report_interval_s, r_dispatch,
        [incident.id for incident in incidents],
    )
    closes = dispatcher.run(callouts, breaks)
    blockages = BlockagePlanner(world, r_block)
    blockages.storms(weather, start, end)
    blockages.planned_works(start, end, options.days)
    for i, incident in enumerate(incidents):
        close = int(closes[i])
        if i in escalations and escalations[i][0] < close:
            plan.add(escalations[i][0], c.UpdateIncident(incident.id, escalations[i][1]))
        plan.add(close, c.CloseIncident(incident.id, from_micros(close * 1_000_000)))
        if incident.severity >= 4 or (incident.severity == 3 and rng.random() < 0.2):
            reported = callouts[i].time
            if incident.type is IncidentType.TRAFFIC:
                blockages.accident(reported, placed.x[i], placed.y[i], close, start, end)
            elif incident.type is IncidentType.FOREST_FIRE:
                blockages.fire(reported, placed.x[i], placed.y[i], close, start, end)
    n_blockages = blockages.write(plan)
    say("planning fire risk", 4, 5)
    n_zones = plan_fire_risk(plan, start, end, options.seed)
    open_blockages = sum(1 for cl in blockages.closures if cl.lift > end)
    _, _, _, move_x, move_y, _, _ = plan.move_columns()
    lon, lat = to_wgs84(move_x, move_y)
    counts = {
        "incidents": n,
        "units": len(units),
        "blockages": n_blockages,
        "dispatches": dispatcher.dispatches,
        "open_incidents": int((closes > end).sum()),
        "active_blockages": open_blockages,
        "riskzones": n_zones,
        "start": start,
        "end": end,
    }
    say("planned", 5, 5)
    return plan, counts, np.asarray(lon), np.asarray(lat)


def _moment(seconds: int) -> datetime:
    return from_micros(int(seconds) * 1_000_000)


def _breaks(units, start: int, end: int, rng: np.random.Generator) -> list[OutOfService]:
    """Random out-of-service periods, plus a few units out of service right now."""
    days = (end - start) / DAY
    counts = rng.poisson(BREAKS_PER_UNIT_DAY * days, size=len(units))
    breaks = []
    for unit, count in enumerate(counts.tolist()):
        for _ in range(count):
            seconds = int(np.clip(rng.lognormal(np.log(6 * HOUR), 0.8), HOUR, 4 * DAY))
            breaks.append(OutOfService(int(rng.integers(start, end)), unit, seconds))
    current = rng.choice(len(units), size=max(1, len(units) // 50), replace=False)
    for unit in sorted(current.tolist()):
        begin = end - int(rng.integers(HOUR, 10 * HOUR))
        breaks.append(OutOfService(max(begin, start), unit, int(rng.integers(DAY, 3 * DAY))))
    return breaks


def generate(
    store: Store,
    options: ScenarioOptions,
    *,
    world: World | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ScenarioSummary:
    """Write the scenario into an empty store; refuses a store that already has events."""
    if store.last_seq() != 0:
        raise Conflict(
            f"the database already holds {store.last_seq()} events; a scenario is only "
            "written into an empty one"
        )
    began = clock.perf_counter()
    world = world or load_world()
    plan, counts, lon, lat = build(options, world, progress)
    total = len(plan)
    done = 0
    say = progress or (lambda *_: None)
    say("writing", 0, total)
    for commands, stamps in plan.commands(lon, lat, batch):
        store.apply(commands, ACTOR, at=stamps)
        done += len(commands)
        say("writing", done, total)
    return ScenarioSummary(
        start=from_micros(counts["start"] * 1_000_000),
        end=from_micros(counts["end"] * 1_000_000),
        incidents=counts["incidents"],
        units=counts["units"],
        blockages=counts["blockages"],
        dispatches=counts["dispatches"],
        events=done,
        open_incidents=counts["open_incidents"],
        active_blockages=counts["active_blockages"],
        riskzones=counts["riskzones"],
        seconds=clock.perf_counter() - began,
        roads=world.roads_label,
    )
