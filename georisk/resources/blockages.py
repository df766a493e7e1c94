"""Blockages as the road network feels them: which edges each cuts or slows.

A blockage closes its road unless it says otherwise. What says otherwise is its impact
(Trafikverket's SeverityCode, 1 "no impact" to 5 "very large impact"): below 5 the road
stays open, slower by the factor below; a blockage without an impact (one an operator
reported) is a closure. A blockage shown generalised (`georisk.access.generalise`) has
only its road number and a point at the centre of its 1 km cell: it closes the nearest
stretch of that road within the cell's reach, which is all that its viewers know.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd

from georisk.access import GRID_M
from georisk.crs import WGS84
from georisk.model import Blockage, Precision
from georisk.roads.network import RoadGraph
from georisk.roads.refs import leading_ref

#: Impact (1-4) → how many times longer an affected edge takes; 5 or none: closed.
IMPACT_FACTORS: dict[int, float] = {1: 1.0, 2: 1.5, 3: 2.0, 4: 3.0}
#: How far from its cell's centre a generalised blockage may lie (half the diagonal).
CELL_REACH_M = GRID_M / math.sqrt(2) + 1.0


def factor_of(blockage: Blockage) -> float:
    """The slow-down a blockage puts on its edges (``inf``: closed)."""
    if blockage.impact is None:
        return math.inf
    return IMPACT_FACTORS.get(int(blockage.impact), math.inf)


def _frame(blockages: list[Blockage]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ref": [leading_ref(b.road) or None for b in blockages],
         "slow_factor": [factor_of(b) for b in blockages]},
        geometry=[b.section for b in blockages], crs=WGS84,
    )


def edges_of(graph: RoadGraph, blockages: Iterable[Blockage]) -> dict[str, dict[int, float]]:
    """Per blockage id, the edge ids it covers and the factor on each (``inf``: cut)."""
    exact, coarse = [], []
    for blockage in blockages:
        coarse_one = blockage.precision == Precision.GRID_CELL
        (coarse if coarse_one else exact).append(blockage)
    out: dict[str, dict[int, float]] = {}
    for group, reach in ((exact, 250.0), (coarse, CELL_REACH_M)):
        if not group:
            continue
        hits = graph.affected(_frame(group), point_max_distance_m=reach)
        for blockage, hit in zip(group, hits, strict=True):
            out[blockage.id] = hit
    return out


def combined(by_blockage: dict[str, dict[int, float]]) -> dict[int, float]:
    """One factor per edge over all blockages: the largest wins (a closure beats all)."""
    out: dict[int, float] = {}
    for hit in by_blockage.values():
        for eid, factor in hit.items():
            if factor > 1.0:
                out[eid] = max(out.get(eid, 1.0), factor)
    return out
