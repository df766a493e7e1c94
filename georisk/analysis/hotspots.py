"""Hotspots: where incidents cluster beyond what the population there explains.

Incidents follow people, so a map of counts mostly shows where people live. Here each
5 km SWEREF 99 TM cell of the operating area is tested against that null hypothesis:
the incidents fall on cells in proportion to their population (``expected``: the total
shared out by population). The statistic is the local Getis-Ord Gi* of the counts
(esda, PySAL): the share of all incidents that fell in a cell and its eight neighbours.
Its distribution under the null is simulated: ``permutations`` times, as many incidents
as were seen are dealt out to cells by population (a multinomial draw), and Gi* is
computed for each draw. A cell's z-score is its Gi* against those, its p-value the share
of draws as extreme in that direction (``p_sim``, (k + 1) / (draws + 1)) and, as esda
does, the normal tail of that z (``p_value``): a thousand draws cannot give a p-value
below 0.001, too coarse for the false discovery rate over four thousand cells. A cell is
hot (or cold) when ``p_value`` passes the false discovery rate over all cells
(Benjamini–Hochberg at ``alpha``, esda's ``fdr``) and ``p_sim`` is below ``alpha`` too:
the draws, not the normal curve, judge a cell whose counts are few. ``rate_ratio`` is
the neighbourhood's observed over expected incidents. Method and assumptions:
docs/analysis.md.

Population: the GeoNames towns of at least 500 people the project packages, spread over
neighbouring cells with a Gaussian kernel (σ half a cell: a town's people live around its
point, not on it), plus a share spread evenly over the area for those living outside
towns. It is the population of today, for every period analysed.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage, stats

from georisk.analysis.grouping import CELL_M, cell_ids, cell_polygons
from georisk.crs import METRIC, WGS84, to_sweref

#: Share of the population counted as living outside GeoNames' towns, spread evenly.
RURAL_SHARE = 0.1
#: The kernel that spreads a town's people over cells, in cells.
SPREAD_CELLS = 0.5
PERMUTATIONS = 999
ALPHA = 0.05


@dataclass(frozen=True)
class Grid:
    """The cells of the operating area: ids, south-west corners (m) and population."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    cell_m: float


@functools.cache
def area_grid(cell_m: float = CELL_M) -> Grid:
    """The cells that meet the operating area's counties, with their population."""
    from georisk.area.boundaries import counties
    from georisk.area.places import load_places

    area = shapely.union_all(counties().to_crs(METRIC).geometry.to_numpy())
    minx, miny, maxx, maxy = area.bounds
    x0, y0 = np.floor(minx / cell_m) * cell_m, np.floor(miny / cell_m) * cell_m
    nx = int(np.ceil((maxx - x0) / cell_m))
    ny = int(np.ceil((maxy - y0) / cell_m))
    towns = load_places()
    tx, ty = to_sweref(towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy())
    col = np.clip(((tx - x0) // cell_m).astype(int), 0, nx - 1)
    row = np.clip(((ty - y0) // cell_m).astype(int), 0, ny - 1)
    raster = np.zeros((ny, nx))
    np.add.at(raster, (row, col), towns["population"].to_numpy(dtype=float))
    raster = ndimage.gaussian_filter(raster, sigma=SPREAD_CELLS, mode="constant")
    rows, cols = np.mgrid[0:ny, 0:nx]
    xs, ys = x0 + cols.ravel() * cell_m, y0 + rows.ravel() * cell_m
    boxes = shapely.box(xs, ys, xs + cell_m, ys + cell_m)
    shapely.prepare(area)
    inside = shapely.intersects(area, boxes)
    people = raster.ravel()[inside]
    rural = RURAL_SHARE / (1 - RURAL_SHARE) * people.sum() / inside.sum()
    centres = shapely.points(xs[inside] + cell_m / 2, ys[inside] + cell_m / 2)
    from georisk.crs import to_wgs84

    lon, lat = to_wgs84(shapely.get_x(centres), shapely.get_y(centres))
    ids = cell_ids(shapely.points(lon, lat), cell_m)
    return Grid(ids, xs[inside], ys[inside], people + rural, cell_m)


def hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    permutations: int = PERMUTATIONS,
    alpha: float = ALPHA,
    seed: int = 0,
    cell_m: float = CELL_M,
) -> gpd.GeoDataFrame:
    """Per cell of the area: ``observed`` incidents, ``expected`` by population,
    ``population``, ``rate_ratio`` (observed over expected in the cell and its
    neighbours), ``gi_z`` (Gi* as a z-score against the population draws), ``p_value``
    (its normal tail, one-sided in the direction of ``gi_z``), ``p_sim`` (the draws' own
    pseudo p-value), ``hotspot`` (``hot``, ``cold`` or ``""``) and the cell's polygon
    (WGS84). ``permutations`` is the number of draws."""
    import esda

    grid = area_grid(cell_m)
    counts = pd.Series(cell_ids(incidents.geometry.to_numpy(), cell_m)).value_counts()
    observed = counts.reindex(grid.ids, fill_value=0).to_numpy(dtype=float)
    total = observed.sum()
    expected = total * grid.population / grid.population.sum()
    out = gpd.GeoDataFrame(
        {"cell": grid.ids, "observed": observed.astype(int), "expected": expected,
         "population": grid.population},
        geometry=cell_polygons(grid.ids, cell_m), crs=WGS84,
    )
    if total == 0:
        out["rate_ratio"], out["gi_z"], out["p_value"], out["p_sim"] = 1.0, 0.0, 1.0, 1.0
        out["hotspot"] = ""
        return out
    weights = neighbour_weights(cell_m)
    gi = esda.G_Local(observed, weights, transform="B", permutations=0, star=True)
    share = grid.population / grid.population.sum()
    z, p_sim, neighbourhood = _simulate(np.asarray(gi.Gs), weights, share, int(total),
                                        permutations, seed)
    p = stats.norm.sf(np.abs(z))
    significant = (p <= esda.fdr(p, alpha)) & (p_sim <= alpha)
    out["rate_ratio"] = neighbourhood(observed) / neighbourhood(expected)
    out["gi_z"] = z
    out["p_value"] = p
    out["p_sim"] = p_sim
    out["hotspot"] = np.where(significant & (z > 0), "hot",
                              np.where(significant & (z < 0), "cold", ""))
    return out


@functools.cache
def neighbour_weights(cell_m: float = CELL_M):  # a libpysal W
    """Each cell of `area_grid` with its eight neighbours (binary), from libpysal: the
    grid is fixed, so its weights are built once per process."""
    from libpysal.weights import DistanceBand

    grid = area_grid(cell_m)
    centres = np.column_stack([grid.x + grid.cell_m / 2, grid.y + grid.cell_m / 2])
    with warnings.catch_warnings():  # islands (a cell alone in a lake) are expected
        warnings.simplefilter("ignore")
        return DistanceBand(centres, threshold=grid.cell_m * 1.5, binary=True,
                            silence_warnings=True)


def _simulate(
    observed: np.ndarray,
    weights,
    share: np.ndarray,
    total: int,
    draws: int,
    seed: int,
):
    """Gi* of ``draws`` deals of ``total`` incidents to cells by ``share``: (each cell's
    z against them, its pseudo p-value (k + 1) / (draws + 1) in its direction, and the
    neighbourhood sum the statistic is made of)."""
    from scipy import sparse

    star = sparse.csr_matrix(weights.sparse) + sparse.identity(len(share), format="csr")
    rng = np.random.default_rng(seed)
    dealt = rng.multinomial(total, share, size=draws).astype(float)  # (draws, cells)
    simulated = np.asarray(star @ dealt.T) / total  # (cells, draws)
    mean, spread = simulated.mean(axis=1), simulated.std(axis=1)
    z = np.divide(observed - mean, spread, out=np.zeros_like(mean), where=spread > 0)
    above = (simulated >= observed[:, None] - 1e-12).sum(axis=1)
    below = (simulated <= observed[:, None] + 1e-12).sum(axis=1)
    extreme = np.where(z >= 0, above, below)
    return z, (extreme + 1) / (draws + 1), lambda values: star @ values
