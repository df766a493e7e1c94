"""The FWI system compiled with numba: one cell at a time, cells shared across cores.

Why a second implementation beside the numpy one in ``fwi``: numpy has to compute
both sides of every branch for every cell and pays Python overhead per operation,
which caps it near 3·10⁶ cell-days/s here and keeps the GIL busy enough that
threads do not help. Compiled scalar code evaluates only the branch a cell takes,
keeps yesterday's codes in registers and runs on every core (``prange``). The
equations are the same as in ``fwi`` line for line; the test suite checks the two
against each other and both against cffdrs.
"""

from __future__ import annotations

import math

import numba

_LN10 = math.log(10.0)
_LN100 = math.log(100.0)
_BLOCK = 64  # cells advanced together, so each day's reads are contiguous


@numba.njit(cache=True, error_model="numpy")
def _pow(x, e):
    # libm pow is several times slower than exp(log) here; x >= 0 always.
    if x == 0.0:
        return 0.0
    return math.exp(e * math.log(x))


@numba.njit(cache=True, error_model="numpy")
def _ffmc(f0, temp, rh, ws, prec, const):
    mo = const * (101.0 - f0) / (59.5 + f0)
    if prec > 0.5:
        rf = prec - 0.5
        wet = mo + 42.5 * rf * math.exp(-100.0 / (251.0 - mo)) * (1.0 - math.exp(-6.93 / rf))
        if mo > 150.0:
            wet += 0.0015 * (mo - 150.0) ** 2 * math.sqrt(rf)
        mo = min(wet, 250.0)
    log_rh = math.log(rh)
    e_rh = math.exp((rh - 100.0) / 10.0)
    t_term = 0.18 * (21.1 - temp) * (1.0 - math.exp(-0.115 * rh))
    ed = 0.942 * math.exp(0.679 * log_rh) + 11.0 * e_rh + t_term
    # Drying and wetting share one form with the humidity term mirrored; log_x
    # reuses log(rh) when drying, the common case in a fire season.
    m = mo
    log_x = 1.0
    target = mo
    x = 1.0
    if mo > ed:
        x = rh / 100.0
        log_x = log_rh - _LN100
        target = ed
    elif mo < ed:
        ew = 0.618 * math.exp(0.753 * log_rh) + 10.0 * e_rh + t_term
        if mo < ew:
            x = (100.0 - rh) / 100.0
            log_x = math.log(x)
            target = ew
    if log_x <= 0.0:
        x2 = x * x
        x8 = x2 * x2
        x8 = x8 * x8
        k0 = 0.424 * (1.0 - math.exp(1.7 * log_x)) + 0.0694 * math.sqrt(ws) * (1.0 - x8)
        k = k0 * 0.581 * math.exp(0.0365 * temp)
        m = target + (mo - target) * math.exp(-_LN10 * k)
    f = 59.5 * (250.0 - m) / (const + m)
    return min(max(f, 0.0), 101.0)


@numba.njit(cache=True, error_model="numpy")
def _dmc(p0, temp, rh, prec, le):
    rk = 1.894e-4 * (max(temp, -1.1) + 1.1) * (100.0 - rh) * le
    pr = p0
    if prec > 1.5:
        rw = 0.92 * prec - 1.27
        wmi = 20.0 + 280.0 * math.exp(-0.023 * p0)
        if p0 <= 33.0:
            b = 100.0 / (0.5 + 0.3 * p0)
        elif p0 <= 65.0:
            b = 14.0 - 1.3 * math.log(p0)
        else:
            b = 6.2 * math.log(p0) - 17.2
        wmr = wmi + 1000.0 * rw / (48.77 + b * rw)
        pr = max(43.43 * (5.6348 - math.log(wmr - 20.0)), 0.0)
    return max(pr + rk, 0.0)


@numba.njit(cache=True, error_model="numpy")
def _dc(d0, temp, prec, lf):
    pe = max((0.36 * (max(temp, -2.8) + 2.8) + lf) / 2.0, 0.0)
    dr = d0
    if prec > 2.8:
        rw = 0.83 * prec - 1.27
        smi = 800.0 * math.exp(-d0 / 400.0)
        dr = max(d0 - 400.0 * math.log(1.0 + 3.937 * rw / smi), 0.0)
    return max(dr + pe, 0.0)


@numba.njit(cache=True, error_model="numpy")
def _isi(ffmc, ws, const):
    fm = const * (101.0 - ffmc) / (59.5 + ffmc)
    # 0.208·exp(0.05039·ws) · 91.9·exp(−0.1386·fm)·(1 + fm^5.31/4.93e7), one exp fewer
    return 0.208 * 91.9 * math.exp(0.05039 * ws - 0.1386 * fm) * (1.0 + _pow(fm, 5.31) / 4.93e7)


@numba.njit(cache=True, error_model="numpy")
def _bui(dmc, dc):
    if dmc == 0.0 and dc == 0.0:
        return 0.0
    bui = 0.8 * dc * dmc / (dmc + 0.4 * dc)
    if bui < dmc:
        frac = (dmc - bui) / dmc
        cc = 0.92 + _pow(0.0114 * dmc, 1.7)
        bui = max(dmc - cc * frac, 0.0)
    return bui


@numba.njit(cache=True, error_model="numpy")
def _fwi_log(isi, bui):
    """FWI and its logarithm: DSR = 0.0272·FWI^1.77 then needs one exp, not a pow."""
    if bui > 80.0:
        fd = 1000.0 / (25.0 + 108.64 * math.exp(-0.023 * bui))
    else:
        fd = 0.626 * _pow(bui, 0.809) + 2.0
    bb = 0.1 * isi * fd
    log_bb = math.log(bb)
    if bb <= 1.0:
        return bb, log_bb
    log_fwi = 2.72 * _pow(0.434 * log_bb, 0.647)
    return math.exp(log_fwi), log_fwi


@numba.njit(cache=True, parallel=True, error_model="numpy")
def run_cells(
    t,
    h,
    w,
    p,
    mon_idx,
    dmc_rows,
    dc_rows,
    dmc_table,
    dc_table,
    ffmc0,
    dmc0,
    dc0,
    const,
    out,
    slots,
    block=_BLOCK,
):  # pragma: no cover
    """Advance every cell through every day; ``slots[i]`` is index i's row in out or -1.

    ``ffmc0``/``dmc0``/``dc0`` are updated in place to the state after the last day.
    NaN weather propagates, as in the numpy engine.
    """
    days, cells = t.shape
    n_blocks = (cells + block - 1) // block
    for blk in numba.prange(n_blocks):
        c0 = blk * block
        c1 = min(c0 + block, cells)
        for day in range(days):
            for c in range(c0, c1):
                m = mon_idx[day, c]
                temp = t[day, c]
                rh = min(h[day, c], 99.9999)
                ws = w[day, c]
                prec = p[day, c]
                f = _ffmc(ffmc0[c], temp, rh, ws, prec, const)
                d = _dmc(dmc0[c], temp, rh, prec, dmc_table[dmc_rows[c], m])
                dcv = _dc(dc0[c], temp, prec, dc_table[dc_rows[c], m])
                ffmc0[c] = f
                dmc0[c] = d
                dc0[c] = dcv
                isi = _isi(f, ws, const)
                bui = _bui(d, dcv)
                fwi, log_fwi = _fwi_log(isi, bui)
                if slots[0] >= 0:
                    out[slots[0], day, c] = f
                if slots[1] >= 0:
                    out[slots[1], day, c] = d
                if slots[2] >= 0:
                    out[slots[2], day, c] = dcv
                if slots[3] >= 0:
                    out[slots[3], day, c] = isi
                if slots[4] >= 0:
                    out[slots[4], day, c] = bui
                if slots[5] >= 0:
                    out[slots[5], day, c] = fwi
                if slots[6] >= 0:
                    out[slots[6], day, c] = 0.0272 * math.exp(1.77 * log_fwi)


def set_threads(n: int) -> int:
    """Limit the cores numba uses; returns the previous setting."""
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    return previous
