"""Inverse-distance interpolation of daily station values, compiled.

A gather of k neighbours per cell per day is memory-bound in numpy (a
``(days, cells, k)`` temporary) and a dense matrix product spends 90 % of its flops
on zero weights; a compiled loop touches only what it needs and uses every core.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, parallel=True)
def idw_apply(values, stations, weights):  # pragma: no cover - compiled
    """``(days, cells)`` from ``(days, stations)``; NaN values drop out of the weights."""
    days = values.shape[0]
    cells, k = stations.shape
    out = np.empty((days, cells))
    for c in numba.prange(cells):
        for d in range(days):
            num = 0.0
            den = 0.0
            for j in range(k):
                v = values[d, stations[c, j]]
                if not math.isnan(v):
                    num += weights[c, j] * v
                    den += weights[c, j]
            out[d, c] = num / den if den > 0.0 else math.nan
    return out
