"""Stations in real towns and the units based there, with Swedish-style callsigns.

Larger towns get stations first and more units, the way the services plan cover:
every rescue service has many small stations, ambulances and police fewer, larger
ones. Callsigns follow the patterns operators read on their screens (``RÖR 2010``
engine, ``AMB 1840`` ambulance, ``PAT 51-410`` patrol) but are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from georisk.model import Agency, UnitKind
from georisk.scenario.world import World

#: Share of units per agency, and units per station on average.
AGENCY_SHARES: dict[Agency, float] = {Agency.RESCUE: 0.45, Agency.POLICE: 0.30, Agency.SOS: 0.25}
UNITS_PER_STATION: dict[Agency, float] = {Agency.RESCUE: 3.0, Agency.POLICE: 4.0, Agency.SOS: 2.5}
STATION_WORD: dict[Agency, str] = {
    Agency.RESCUE: "brandstation",
    Agency.POLICE: "polisstation",
    Agency.SOS: "ambulansstation",
}
#: Kinds a rescue station fills in order as it gets more units.
RESCUE_ORDER = (
    UnitKind.ENGINE, UnitKind.TANKER, UnitKind.RESCUE, UnitKind.ENGINE, UnitKind.AERIAL,
    UnitKind.COMMAND, UnitKind.ENGINE, UnitKind.TANKER,
)
KIND_DIGIT = {
    UnitKind.ENGINE: 1, UnitKind.AERIAL: 3, UnitKind.TANKER: 4, UnitKind.RESCUE: 6,
    UnitKind.COMMAND: 8,
}
RESCUE_PREFIX = {"14": "RVG", "17": "RVÄ", "18": "RÖR", "19": "RVM", "20": "RDA"}
POLICE_AREA = {"18": "51", "17": "52", "20": "53", "19": "54", "14": "55"}


@dataclass(frozen=True)
class Station:
    name: str
    agency: Agency
    town: int  # index into world.places
    county: str
    number: int  # within its county and agency, from 1


@dataclass(frozen=True)
class UnitPlan:
    id: str
    callsign: str
    agency: Agency
    kind: UnitKind
    station: int  # index into the station list


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of ``total`` by ``weights`` (deterministic)."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(int)
    rest = total - counts.sum()
    order = np.lexsort((np.arange(len(raw)), -(raw - counts)))
    counts[order[:rest]] += 1
    return counts


def plan_fleet(world: World, units: int) -> tuple[list[Station], list[UnitPlan]]:
    """Stations and units for a fleet of ``units`` (population-ranked, no randomness)."""
    agencies = list(AGENCY_SHARES)
    per_agency = _split(units, np.array([AGENCY_SHARES[a] for a in agencies]))
    places = world.places  # sorted by population, largest first
    stations: list[Station] = []
    plans: list[UnitPlan] = []
    callsigns: set[str] = set()
    for agency, count in zip(agencies, per_agency, strict=True):
        if count == 0:
            continue
        n_stations = int(min(len(places), max(1, round(count / UNITS_PER_STATION[agency]))))
        towns = np.arange(n_stations)
        sizes = _split(count - n_stations, np.sqrt(places["population"].to_numpy()[towns])) + 1
        numbers: dict[str, int] = {}
        for town, size in zip(towns, sizes, strict=True):
            county = str(places.at[town, "county_code"])
            numbers[county] = numbers.get(county, 0) + 1
            station = Station(
                f"{places.at[town, 'name']} {STATION_WORD[agency]}",
                agency, int(town), county, numbers[county],
            )
            stations.append(station)
            for seq in range(int(size)):
                kind = _kind(agency, seq)
                callsign = _unique(_callsign(station, kind, seq), callsigns)
                plans.append(
                    UnitPlan(f"unit-{len(plans) + 1:05d}", callsign, agency, kind,
                             len(stations) - 1)
                )
    return stations, plans


def _kind(agency: Agency, seq: int) -> UnitKind:
    if agency is Agency.RESCUE:
        return RESCUE_ORDER[seq % len(RESCUE_ORDER)]
    return UnitKind.PATROL if agency is Agency.POLICE else UnitKind.AMBULANCE


def _callsign(station: Station, kind: UnitKind, seq: int) -> str:
    if station.agency is Agency.RESCUE:
        prefix = RESCUE_PREFIX.get(station.county, "RSV")
        return f"{prefix} {10 + station.number}{KIND_DIGIT.get(kind, 9)}{seq % 10}"
    if station.agency is Agency.SOS:
        return f"AMB {station.county}{station.number}{seq}"
    area = POLICE_AREA.get(station.county, "50")
    return f"PAT {area}-{300 + 100 * station.number + seq}"


def _unique(callsign: str, taken: set[str]) -> str:
    """Append a letter when big synthetic fleets make two callsigns alike."""
    candidate, n = callsign, 0
    while candidate in taken:
        n += 1
        candidate = f"{callsign}{chr(ord('A') + (n - 1) % 26)}{'' if n <= 26 else n}"
    taken.add(candidate)
    return candidate
