"""Names of Swedish counties and municipalities to SCB codes, for sources that locate an
item only by an area's name (Polisen): the name is more reliable than a point lookup of
its centroid, which for a county may fall in another municipality or in a lake."""

from __future__ import annotations

import functools

import numpy as np

from georisk.area import attribute, counties, municipalities


@functools.cache
def county_codes() -> dict[str, str]:
    gdf = counties("sweden")
    return {name.casefold(): code for code, name in zip(gdf["code"], gdf["name"], strict=True)}


@functools.cache
def municipality_codes() -> dict[str, tuple[str, str]]:
    gdf = municipalities("sweden")
    return {
        name.casefold(): (code, county)
        for code, name, county in zip(gdf["code"], gdf["name"], gdf["county_code"], strict=True)
    }


def codes_at(lons: list[float], lats: list[float]) -> list[tuple[str, str]]:
    """(county, municipality) codes at many points in one vectorised call; "" if none."""
    if not lons:
        return []
    table = attribute(np.asarray(lons), np.asarray(lats))
    return [
        (_text(county), _text(muni))
        for county, muni in zip(table["county_code"], table["municipality_code"], strict=True)
    ]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
