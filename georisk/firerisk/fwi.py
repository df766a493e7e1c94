"""The daily Canadian Forest Fire Weather Index (FWI) System.

Equations of Van Wagner (1987), "Development and structure of the Canadian Forest
Fire Weather Index System" (Forestry Technical Report 35), in the form the R
package cffdrs documents, because cffdrs is the reference other tools are checked
against. Where cffdrs departs from the 1987 text we follow cffdrs and say so:

* the FFMC moisture constant is 250·59.5/101 (cffdrs ≥ 1.10, 2024) by default so
  that FFMC 101 maps exactly to zero moisture; the 1987 value 147.2 (used by
  cffdrs ≤ 1.9 and xclim) is one argument away;
* RH of 100 % becomes 99.9999 (the drying equations have ``log(1 - RH/100)`` hidden
  in their powers);
* day-length factors depend on the latitude band (cffdrs ``lat.adjust``), so the
  codes are right in the southern hemisphere and the tropics as well.

Everything is vectorised over cells: the arrays are ``(days, cells)`` and the only
loop is over days, which the system needs anyway (each day starts from yesterday's
codes). Two engines compute the same equations:

* ``numba`` (default): compiled scalar code in ``_fwi_compiled``, cells spread over
  all cores. It evaluates only the branch each cell takes and needs no temporaries;
  measured ~2× xclim on two cores (see ``tests/bench/bench_fwi.py``).
* ``numpy``: the day functions below, on cache-sized blocks of cells. It is the
  readable statement of the equations and the cross-check of the compiled engine,
  but tops out near 3·10⁶ cell-days/s on one core, and threads do not help it
  (the Python overhead between ufunc calls holds the GIL).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from georisk.errors import FieldError, ValidationError

FFMC_CONSTANT_CFFDRS = 250.0 * 59.5 / 101.0
"""Moisture constant of cffdrs ≥ 1.10 (147.27723…): FFMC 101 ⇔ 0 % moisture."""
FFMC_CONSTANT_1987 = 147.2
"""Van Wagner's 1987 rounded constant, still used by xclim."""

START_FFMC = 85.0
START_DMC = 6.0
START_DC = 15.0

INDICES: tuple[str, ...] = ("ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr")

RH_MAX = 99.9999

# DMC effective day length (hours) by month, one row per latitude band (cffdrs).
_DMC_DAY_LENGTH = np.array(
    [
        [6.5, 7.5, 9.0, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8.0, 7.0, 6.0],  # lat > 30
        [7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8],  # 10 < lat <= 30
        [9.0] * 12,  # -10 < lat <= 10
        [10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2],  # -30 < lat <= -10
        [11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10.0, 11.2, 11.8],  # lat <= -30
    ]
)
# DC day-length adjustment by month, one row per latitude band (cffdrs).
_DC_DAY_LENGTH = np.array(
    [
        [-1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5.0, 2.4, 0.4, -1.6, -1.6],  # lat > 20
        [1.4] * 12,  # -20 < lat <= 20
        [6.4, 5.0, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8],  # lat <= -20
    ]
)

_BLOCK = 8192  # cells per numpy block: small enough for cache, big enough to amortise calls
_LN10 = math.log(10.0)


def dmc_band(lat: ArrayLike) -> NDArray[np.intp]:
    """Row of the DMC day-length table for each latitude (cffdrs's bands)."""
    lat = np.asarray(lat, dtype=float)
    return np.select([lat > 30, lat > 10, lat > -10, lat > -30], [0, 1, 2, 3], default=4).astype(
        np.intp
    )


def dc_band(lat: ArrayLike) -> NDArray[np.intp]:
    """Row of the DC day-length table for each latitude (cffdrs's bands)."""
    lat = np.asarray(lat, dtype=float)
    return np.select([lat > 20, lat > -20], [0, 1], default=2).astype(np.intp)


@dataclass(frozen=True)
class FWIState:
    """Yesterday's moisture codes, one value per cell: what a season resumes from."""

    ffmc: NDArray[np.float64]
    dmc: NDArray[np.float64]
    dc: NDArray[np.float64]

    @classmethod
    def startup(cls, cells: int) -> FWIState:
        """The standard spring start-up codes (FFMC 85, DMC 6, DC 15)."""
        return cls(np.full(cells, START_FFMC), np.full(cells, START_DMC), np.full(cells, START_DC))


@dataclass(frozen=True)
class FWIResult:
    """Daily codes and indices, each ``(days, cells)`` (or ``(days,)`` for a series).

    Indices not asked for (``keep``) are None. ``final`` is the state after the last
    day, so the next run continues the season exactly.
    """

    ffmc: NDArray[np.float64] | None
    dmc: NDArray[np.float64] | None
    dc: NDArray[np.float64] | None
    isi: NDArray[np.float64] | None
    bui: NDArray[np.float64] | None
    fwi: NDArray[np.float64] | None
    dsr: NDArray[np.float64] | None
    final: FWIState

    def as_dict(self) -> dict[str, NDArray[np.float64]]:
        return {name: getattr(self, name) for name in INDICES if getattr(self, name) is not None}


def ffmc_constant(name: str | float) -> float:
    """Resolve ``"cffdrs"`` / ``"147.2"`` (or a number) to the FFMC moisture constant."""
    if isinstance(name, int | float):
        return float(name)
    key = str(name).strip().lower()
    if key in ("cffdrs", "current", "default"):
        return FFMC_CONSTANT_CFFDRS
    if key in ("147.2", "1987", "vanwagner", "xclim"):
        return FFMC_CONSTANT_1987
    raise ValidationError.one(
        "ffmc_constant", f"unknown FFMC constant {name!r}; use cffdrs or 147.2"
    )


def _as_2d(name: str, value: ArrayLike, shape: tuple[int, int] | None) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValidationError.one(name, f"expected (days, cells) or (days,), got shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise ValidationError.one(name, f"shape {arr.shape} differs from temp's {shape}")
    return arr


def _check_range(errors: list[FieldError], name: str, arr: NDArray, lo: float, hi: float) -> None:
    if arr.size == 0:
        return
    with np.errstate(invalid="ignore"):
        low, high = np.nanmin(arr), np.nanmax(arr)
    if low < lo or high > hi:
        errors.append(FieldError(name, f"values must lie in [{lo}, {hi}], found {low}..{high}"))


def fwi_series(
    temp: ArrayLike,
    rh: ArrayLike,
    ws: ArrayLike,
    prec: ArrayLike,
    month: ArrayLike,
    lat: ArrayLike,
    *,
    start: FWIState | None = None,
    ffmc_const: str | float = "cffdrs",
    keep: Iterable[str] = INDICES,
    workers: int | None = None,
    engine: str = "auto",
) -> FWIResult:
    """Run the FWI system day by day over one or many cells.

    ``temp`` (°C at noon), ``rh`` (%), ``ws`` (km/h at 10 m) and ``prec`` (mm over
    the 24 h to noon) are ``(days, cells)``, or ``(days,)`` for one station. ``month``
    (1–12) is ``(days,)`` when all cells share a calendar, or ``(days, cells)`` when
    each cell keeps its own (stations aligned by day number). ``lat`` is a scalar or
    one value per cell and picks the day-length factors. ``start`` resumes a season
    from yesterday's codes; without it the standard start-up codes are used.

    NaN weather gives NaN from that day on for that cell: a missing day cannot be
    guessed here, and silently restarting would hide the gap.

    ``engine`` ``"numba"`` (compiled, all cores; what ``"auto"`` picks) or ``"numpy"``
    (no compiler, one core, ~3× slower); both give the same numbers to ~1e-12.
    ``workers`` caps the cores the numba engine uses. ``keep`` names the indices to
    return: a 100,000-cell season of all seven is 1 GB, of FWI alone 150 MB.
    """
    single = np.ndim(temp) == 1
    t = _as_2d("temp", temp, None)
    shape = t.shape
    h = _as_2d("rh", rh, shape)
    w = _as_2d("ws", ws, shape)
    p = _as_2d("prec", prec, shape)
    days, cells = shape

    errors: list[FieldError] = []
    _check_range(errors, "rh", h, 0.0, 100.0)
    _check_range(errors, "ws", w, 0.0, math.inf)
    _check_range(errors, "prec", p, 0.0, math.inf)

    mon = np.asarray(month)
    if mon.ndim == 2 and mon.shape != shape:
        errors.append(FieldError("month", f"shape {mon.shape} differs from temp's {shape}"))
    elif mon.ndim == 1 and mon.shape[0] != days:
        errors.append(FieldError("month", f"{mon.shape[0]} months for {days} days"))
    elif mon.ndim not in (1, 2):
        errors.append(FieldError("month", "expected (days,) or (days, cells)"))
    elif mon.size and (mon.min() < 1 or mon.max() > 12):
        errors.append(FieldError("month", "months must be 1..12"))

    try:
        lat_arr = np.broadcast_to(np.asarray(lat, dtype=np.float64), (cells,))
    except ValueError:
        raise ValidationError.one(
            "lat", f"needs a scalar or one value per cell ({cells})"
        ) from None
    if np.any(np.abs(lat_arr) > 90) or np.isnan(lat_arr).any():
        errors.append(FieldError("lat", "latitudes must lie in [-90, 90]"))
    keep = tuple(keep)
    unknown = sorted(set(keep) - set(INDICES))
    if unknown:
        errors.append(FieldError("keep", f"unknown indices {unknown}; choose from {INDICES}"))
    if start is None:
        start = FWIState.startup(cells)
    _check_state(start, cells, errors)
    if engine not in ("auto", "numba", "numpy"):
        errors.append(FieldError("engine", f"unknown engine {engine!r}; use auto, numba or numpy"))
    if errors:
        raise ValidationError(errors)

    const = ffmc_constant(ffmc_const)
    # The state arrays are ours: the caller's start codes are never modified.
    state = [
        np.array(np.broadcast_to(np.asarray(s, dtype=np.float64), (cells,)))
        for s in (start.ffmc, start.dmc, start.dc)
    ]
    mon_idx = mon.astype(np.intp) - 1
    n_workers = max(1, workers or _cpu_count())
    if engine == "numpy" or (engine == "auto" and not _has_numba()):
        outputs = {name: np.empty(shape) for name in keep}
        _run_numpy(t, h, w, p, mon_idx, lat_arr, state, outputs, const)
    else:
        outputs = _run_numba(t, h, w, p, mon_idx, lat_arr, state, keep, const, n_workers)

    final = FWIState(*state)
    if single:
        outputs = {k: v[:, 0] for k, v in outputs.items()}
    return FWIResult(**{name: outputs.get(name) for name in INDICES}, final=final)


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency; kept for slim installs
        return False
    return True


def _run_numba(t, h, w, p, mon_idx, lat, state, keep, const, n_workers) -> dict[str, NDArray]:
    from georisk.firerisk import _fwi_compiled

    days, cells = t.shape
    out = np.empty((len(keep), days, cells))
    slots = np.array([keep.index(name) if name in keep else -1 for name in INDICES])
    # One argument type whatever the caller passed, so the kernel compiles once:
    # months as a contiguous (days, cells) int8 array (1 byte per cell-day).
    mon_idx = np.ascontiguousarray(
        np.broadcast_to(mon_idx[:, None] if mon_idx.ndim == 1 else mon_idx, (days, cells)),
        dtype=np.int8,
    )
    previous = _fwi_compiled.set_threads(n_workers)
    try:
        _fwi_compiled.run_cells(
            *(np.ascontiguousarray(a) for a in (t, h, w, p)),
            mon_idx,
            dmc_band(lat).astype(np.int64),
            dc_band(lat).astype(np.int64),
            _DMC_DAY_LENGTH,
            _DC_DAY_LENGTH,
            state[0],
            state[1],
            state[2],
            const,
            out,
            slots,
        )
    finally:
        _fwi_compiled.set_threads(previous)
    return {name: out[i] for i, name in enumerate(keep)}


def _run_numpy(t, h, w, p, mon_idx, lat, state, outputs, const) -> None:
    cells = t.shape[1]
    job = _BlockJob(t, h, w, p, mon_idx, lat, state, outputs, const)
    for block in range(0, cells, _BLOCK):
        job((block, min(block + _BLOCK, cells)))


def _check_state(start: FWIState, cells: int, errors: list[FieldError]) -> None:
    for name in ("ffmc", "dmc", "dc"):
        value = np.asarray(getattr(start, name), dtype=np.float64)
        if value.ndim > 1 or (value.ndim == 1 and value.shape[0] != cells):
            errors.append(FieldError(f"start.{name}", f"needs one value per cell ({cells})"))
        elif not np.all((value >= 0) & ((value <= 101) | (name != "ffmc"))):
            errors.append(FieldError(f"start.{name}", "start codes must be ≥ 0 (FFMC ≤ 101)"))


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass
class _BlockJob:
    """Runs every day for one block of cells; blocks are independent of each other."""

    t: NDArray
    h: NDArray
    w: NDArray
    p: NDArray
    mon_idx: NDArray
    lat: NDArray
    state: list[NDArray]
    outputs: dict[str, NDArray]
    const: float

    def __call__(self, block: tuple[int, int]) -> None:
        # Masked-out branches take logs of negatives on purpose.
        with np.errstate(all="ignore"):
            self._run(*block)

    def _run(self, a: int, b: int) -> None:
        sl = slice(a, b)
        ffmc, dmc, dc = (s[sl].copy() for s in self.state)
        dmc_rows = dmc_band(self.lat[sl])
        dc_rows = dc_band(self.lat[sl])
        uniform = bool((dmc_rows == dmc_rows[0]).all() and (dc_rows == dc_rows[0]).all())
        per_cell_month = self.mon_idx.ndim == 2
        outs = self.outputs
        for d in range(self.t.shape[0]):
            m = self.mon_idx[d, sl] if per_cell_month else self.mon_idx[d]
            if uniform:
                le = _DMC_DAY_LENGTH[dmc_rows[0], m]
                lf = _DC_DAY_LENGTH[dc_rows[0], m]
            else:
                le = _DMC_DAY_LENGTH[dmc_rows, m]
                lf = _DC_DAY_LENGTH[dc_rows, m]
            temp, rh, ws, prec = self.t[d, sl], self.h[d, sl], self.w[d, sl], self.p[d, sl]
            rh = np.minimum(rh, RH_MAX)
            ffmc = ffmc_day(ffmc, temp, rh, ws, prec, self.const)
            dmc = dmc_day(dmc, temp, rh, prec, le)
            dc = dc_day(dc, temp, prec, lf)
            isi = isi_day(ffmc, ws, self.const)
            bui = bui_day(dmc, dc)
            fwi = fwi_day(isi, bui)
            for name, value in (
                ("ffmc", ffmc),
                ("dmc", dmc),
                ("dc", dc),
                ("isi", isi),
                ("bui", bui),
                ("fwi", fwi),
            ):
                if name in outs:
                    outs[name][d, sl] = value
            if "dsr" in outs:
                outs["dsr"][d, sl] = dsr_day(fwi)
        for s, value in zip(self.state, (ffmc, dmc, dc), strict=True):
            s[sl] = value


def _pow(x: NDArray, e: float) -> NDArray:
    """x**e for x ≥ 0 through exp/log: numpy vectorises those, not ``power``."""
    return np.exp(e * np.log(x))


def ffmc_day(
    ffmc_yda: NDArray, temp: NDArray, rh: NDArray, ws: NDArray, prec: NDArray, const: float
) -> NDArray:
    """Fine Fuel Moisture Code after one day (rh already capped at 99.9999)."""
    mo = const * (101.0 - ffmc_yda) / (59.5 + ffmc_yda)
    rain = prec > 0.5
    if rain.any():
        idx = np.flatnonzero(rain)
        rf = prec[idx] - 0.5
        m0 = mo[idx]
        wet = m0 + 42.5 * rf * np.exp(-100.0 / (251.0 - m0)) * (1.0 - np.exp(-6.93 / rf))
        wet = np.where(m0 > 150.0, wet + 0.0015 * (m0 - 150.0) ** 2 * np.sqrt(rf), wet)
        mo[idx] = np.minimum(wet, 250.0)
    log_rh = np.log(rh)
    e_rh = np.exp((rh - 100.0) / 10.0)
    t_term = 0.18 * (21.1 - temp) * (1.0 - np.exp(-0.115 * rh))
    ed = 0.942 * np.exp(0.679 * log_rh) + 11.0 * e_rh + t_term
    ew = 0.618 * np.exp(0.753 * log_rh) + 10.0 * e_rh + t_term
    # Drying (mo > ed) and wetting (mo < ed and mo < ew) share one form with the
    # humidity term mirrored, so one set of transcendentals serves both.
    drying = mo > ed
    wetting = ~drying & (mo < ew) & (mo < ed)
    x = np.where(drying, rh, 100.0 - rh) / 100.0
    x2 = x * x
    x8 = x2 * x2
    x8 *= x8
    k0 = 0.424 * (1.0 - _pow(x, 1.7)) + 0.0694 * np.sqrt(ws) * (1.0 - x8)
    k = k0 * 0.581 * np.exp(0.0365 * temp)
    target = np.where(drying, ed, ew)
    m = target + (mo - target) * np.exp(-_LN10 * k)
    m = np.where(drying | wetting, m, mo)
    out = 59.5 * (250.0 - m) / (const + m)
    return np.clip(out, 0.0, 101.0, out=out)


def dmc_day(dmc_yda: NDArray, temp: NDArray, rh: NDArray, prec: NDArray, le: ArrayLike) -> NDArray:
    """Duff Moisture Code after one day; ``le`` is the effective day length."""
    rk = 1.894e-4 * (np.maximum(temp, -1.1) + 1.1) * (100.0 - rh) * le
    pr = dmc_yda.copy()
    rain = prec > 1.5
    if rain.any():
        idx = np.flatnonzero(rain)
        p0 = dmc_yda[idx]
        rw = 0.92 * prec[idx] - 1.27
        wmi = 20.0 + 280.0 * np.exp(-0.023 * p0)
        log_p0 = np.log(p0)
        b = np.where(
            p0 <= 33.0,
            100.0 / (0.5 + 0.3 * p0),
            np.where(p0 <= 65.0, 14.0 - 1.3 * log_p0, 6.2 * log_p0 - 17.2),
        )
        wmr = wmi + 1000.0 * rw / (48.77 + b * rw)
        pr[idx] = np.maximum(43.43 * (5.6348 - np.log(wmr - 20.0)), 0.0)
    out = pr + rk
    return np.maximum(out, 0.0, out=out)


def dc_day(dc_yda: NDArray, temp: NDArray, prec: NDArray, lf: ArrayLike) -> NDArray:
    """Drought Code after one day; ``lf`` is the day-length adjustment."""
    pe = np.maximum((0.36 * (np.maximum(temp, -2.8) + 2.8) + lf) / 2.0, 0.0)
    dr = dc_yda.copy()
    rain = prec > 2.8
    if rain.any():
        idx = np.flatnonzero(rain)
        d0 = dc_yda[idx]
        rw = 0.83 * prec[idx] - 1.27
        smi = 800.0 * np.exp(-d0 / 400.0)
        dr[idx] = np.maximum(d0 - 400.0 * np.log(1.0 + 3.937 * rw / smi), 0.0)
    out = dr + pe
    return np.maximum(out, 0.0, out=out)


def isi_day(ffmc: NDArray, ws: NDArray, const: float) -> NDArray:
    """Initial Spread Index from today's FFMC and wind."""
    fm = const * (101.0 - ffmc) / (59.5 + ffmc)
    ff = 91.9 * np.exp(-0.1386 * fm) * (1.0 + _pow(fm, 5.31) / 4.93e7)
    return 0.208 * np.exp(0.05039 * ws) * ff


def bui_day(dmc: NDArray, dc: NDArray) -> NDArray:
    """Buildup Index; the second equation applies where DMC > 0.4·DC."""
    with np.errstate(invalid="ignore", divide="ignore"):
        bui = 0.8 * dc * dmc / (dmc + 0.4 * dc)
    bui[(dmc == 0.0) & (dc == 0.0)] = 0.0
    low = bui < dmc
    if low.any():
        idx = np.flatnonzero(low)
        p = dmc[idx]
        frac = (p - bui[idx]) / p
        cc = 0.92 + _pow(0.0114 * p, 1.7)
        bui[idx] = np.maximum(p - cc * frac, 0.0)
    return bui


def fwi_day(isi: NDArray, bui: NDArray) -> NDArray:
    """Fire Weather Index; BUI above 80 uses the saturating form of the duff term."""
    fd = 0.626 * _pow(bui, 0.809) + 2.0
    high = bui > 80.0
    if high.any():
        fd = np.where(high, 1000.0 / (25.0 + 108.64 * np.exp(-0.023 * bui)), fd)
    bb = 0.1 * isi * fd
    fwi = np.exp(2.72 * _pow(0.434 * np.log(bb), 0.647))
    return np.where(bb <= 1.0, bb, fwi)


def dsr_day(fwi: NDArray) -> NDArray:
    """Daily Severity Rating."""
    return 0.0272 * _pow(fwi, 1.77)
