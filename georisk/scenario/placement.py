"""Where incidents happen: near towns by population, along roads for traffic accidents.

Every point is attributed to the operating area and resampled until it lies inside
it (or in one of the big lakes that the area claims as "nearest"), so the demo never
shows an incident in Norway or the open sea.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from georisk.area import attribute
from georisk.crs import to_wgs84
from georisk.model import IncidentType
from georisk.scenario import catalogue as cat
from georisk.scenario.timeline import TYPES
from georisk.scenario.world import World

ACCEPTED = ("inside", "nearest")
ROAD_CLASS_WEIGHT = {"motorway": 4.0, "european": 3.0, "national": 2.0, "regional": 1.2}
MAX_ROUNDS = 12


@dataclass(frozen=True)
class Placed:
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray  # EPSG:3006
    y: np.ndarray
    county: np.ndarray  # SCB codes (str)
    municipality: np.ndarray
    town: np.ndarray  # index into world.places of the town it was placed near (-1: road)


def _town_offsets(
    incident_type: IncidentType, population: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = len(population)
    angle = rng.uniform(0, 2 * np.pi, n)
    if incident_type is IncidentType.FOREST_FIRE:
        radius = rng.gamma(2.0, 3_000.0, n) + 1_000.0  # out in the forest, 1–20 km
    else:
        radius = np.abs(rng.normal(0.0, 250.0 + 10.0 * np.sqrt(population), n))
    return radius * np.sin(angle), radius * np.cos(angle)


def _near_towns(
    world: World, incident_type: IncidentType, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    population = world.places["population"].to_numpy(dtype=float)
    weights = population ** cat.POPULATION_POWER[incident_type]
    town = rng.choice(len(population), size=n, p=weights / weights.sum())
    dx, dy = _town_offsets(incident_type, population[town], rng)
    return world.places["x"].to_numpy()[town] + dx, world.places["y"].to_numpy()[town] + dy, town


def _on_roads(world: World, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    edges = world.graph.edges
    weights = edges["length_m"].to_numpy() * np.array(
        [ROAD_CLASS_WEIGHT.get(c, 1.0) for c in edges["road_class"]]
    )
    pick = rng.choice(len(edges), size=n, p=weights / weights.sum())
    points = shapely.line_interpolate_point(
        edges.geometry.values[pick], rng.random(n), normalized=True
    )
    xy = shapely.get_coordinates(points)
    return xy[:, 0] + rng.normal(0, 15, n), xy[:, 1] + rng.normal(0, 15, n)


def _draw(
    world: World, types: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(types)
    x, y, town = np.empty(n), np.empty(n), np.full(n, -1, dtype=np.int64)
    for code, incident_type in enumerate(TYPES):
        rows = np.flatnonzero(types == code)
        if not len(rows):
            continue
        if incident_type is IncidentType.TRAFFIC:
            on_road = rng.random(len(rows)) < cat.TRAFFIC_ON_ROADS
            road_rows, town_rows = rows[on_road], rows[~on_road]
            x[road_rows], y[road_rows] = _on_roads(world, len(road_rows), rng)
        else:
            town_rows = rows
        x[town_rows], y[town_rows], town[town_rows] = _near_towns(
            world, incident_type, len(town_rows), rng
        )
    return x, y, town


def place_incidents(world: World, types: np.ndarray, rng: np.random.Generator) -> Placed:
    """A location in the operating area for each incident type code."""
    n = len(types)
    x, y, town = _draw(world, types, rng)
    county = np.full(n, "", dtype=object)
    municipality = np.full(n, "", dtype=object)
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    for round_ in range(MAX_ROUNDS + 1):
        if round_ == MAX_ROUNDS:  # give up on the offset: the town itself is in the area
            town[todo[town[todo] < 0]] = 0  # a stray road point goes to the largest town
            rows = todo
            x[rows] = world.places["x"].to_numpy()[town[rows]]
            y[rows] = world.places["y"].to_numpy()[town[rows]]
        lon[todo], lat[todo] = to_wgs84(x[todo], y[todo])
        found = attribute(lon[todo], lat[todo])
        ok = found["method"].isin(ACCEPTED).to_numpy()
        county[todo[ok]] = found["county_code"].to_numpy()[ok]
        municipality[todo[ok]] = found["municipality_code"].to_numpy()[ok]
        todo = todo[~ok]
        if not len(todo):
            break
        x[todo], y[todo], town[todo] = _draw(world, types[todo], rng)
    if len(todo):
        raise RuntimeError(f"{len(todo)} incidents could not be placed inside the area")
    county = pd.Series(county).astype(str).to_numpy()
    municipality = pd.Series(municipality).astype(str).to_numpy()
    return Placed(lon, lat, x, y, county, municipality, town)
