"""The fixed ground a scenario plays on: towns, roads and the routing graph.

Loaded once per run and shared by every part of the generator, so that incidents,
stations and blockages all refer to the same towns and the same road lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geopandas as gpd

from georisk.area.places import load_places, place_name
from georisk.crs import METRIC, to_sweref
from georisk.roads.network import RoadGraph, build_graph
from georisk.roads.source import load_roads


@dataclass(frozen=True)
class World:
    places: gpd.GeoDataFrame  # name, population, county_code, x, y (EPSG:3006), WGS84 points
    roads: gpd.GeoDataFrame  # ref, road_class, LineStrings in EPSG:3006
    graph: RoadGraph
    roads_label: str


@cache
def load_world() -> World:
    """The road network in use (imported if present, else schematic) and the towns.

    Cached per process: building it costs seconds and callers treat it as read-only.
    """
    places = load_places().reset_index(drop=True)
    places["name"] = places["name"].map(lambda name: place_name(name, "sv"))  # said in Swedish
    x, y = to_sweref(places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    places["x"], places["y"] = x, y
    loaded = load_roads()
    roads = loaded.roads.to_crs(METRIC).explode(index_parts=False)
    roads = roads[roads.geometry.geom_type == "LineString"].reset_index(drop=True)
    return World(places, roads, build_graph(loaded.roads), loaded.label)
