"""The fixed ground a scenario plays on: towns, roads and the routing graph.

Loaded once per run and shared by every part of the generator, so that incidents,
stations and blockages all refer to the same towns and the same road lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from georisk.area.places import load_places
from georisk.roads.network import METRIC_CRS, WGS84, RoadGraph, build_graph
from georisk.roads.source import load_roads

#: GeoNames main names that are English exonyms; operators read Swedish names.
SWEDISH_NAMES = {"Gothenburg": "Göteborg"}


@dataclass(frozen=True)
class World:
    places: gpd.GeoDataFrame  # name, population, county_code, x, y (EPSG:3006), WGS84 points
    roads: gpd.GeoDataFrame  # ref, road_class, LineStrings in EPSG:3006
    graph: RoadGraph
    roads_label: str

    def to_wgs84(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _to_wgs84().transform(x, y)

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _to_metric().transform(lon, lat)


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)


@cache
def _to_metric() -> Transformer:
    return Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


@cache
def load_world() -> World:
    """The road network in use (imported if present, else schematic) and the towns.

    Cached per process: building it costs seconds and callers treat it as read-only.
    """
    places = load_places().reset_index(drop=True)
    places["name"] = places["name"].replace(SWEDISH_NAMES)
    x, y = _to_metric().transform(places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    places["x"], places["y"] = x, y
    loaded = load_roads()
    roads = loaded.roads.to_crs(METRIC_CRS).explode(index_parts=False)
    roads = roads[roads.geometry.geom_type == "LineString"].reset_index(drop=True)
    return World(places, roads, build_graph(loaded.roads), loaded.label)
