"""FWI for a table of daily station series in the cffdrs column convention.

Analysts bring CSVs shaped like cffdrs's input (``id,lat,long,yr,mon,day,temp,rh,
ws,prec``), rows in any order. The FWI codes carry over from one day to the next,
so a missing, doubled or unreadable day poisons everything after it: every such
row is found up front and named by its line number and field, before anything is
computed. The rows of all series are aligned by day number into one
``(days, stations)`` array so the whole table is one vectorised run.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from georisk.errors import FieldError, ValidationError
from georisk.firerisk.fwi import INDICES, START_DC, START_DMC, START_FFMC, FWIState, fwi_series

COLUMNS = ("id", "lat", "long", "yr", "mon", "day", "temp", "rh", "ws", "prec")
NUMERIC = COLUMNS[1:]
_HEADER_LINES = 1


@dataclass(frozen=True)
class RowProblem:
    line: int  # 1-based line in the file, header is line 1
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"


@dataclass
class StationTable:
    """The rows that passed, in input order, plus what was wrong with the rest."""

    frame: pd.DataFrame  # original text columns, plus parsed numeric ones
    lines: np.ndarray  # file line number of each kept row
    problems: list[RowProblem] = field(default_factory=list)
    source: list[str] = field(default_factory=list)  # the file's lines, to copy rows verbatim
    header_line: int = 1


def read_station_csv(path: str | Path, *, skip_bad_rows: bool = False) -> StationTable:
    """Read and check a cffdrs-style CSV.

    Without ``skip_bad_rows`` any problem raises ``ValidationError`` naming each bad
    row (line number) and field. With it, bad rows are dropped and listed in
    ``problems``; rows after a gap or a dropped row in the same series are dropped
    too, because the codes cannot carry across a missing day.
    """
    try:
        source = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError.one("input", f"cannot read {path}: {exc}") from exc
    # Blank lines are skipped, but every row keeps its real line number.
    numbered = [n for n, text in enumerate(source, start=1) if text.strip()]
    if not numbered:
        raise ValidationError.one("input", f"{path} is empty")
    try:
        raw = pd.read_csv(
            io.StringIO("\n".join(source[n - 1] for n in numbered)),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
        )
    except pd.errors.ParserError as exc:
        raise ValidationError.one("input", f"cannot read {path}: {exc}") from exc
    if len(raw) != len(numbered) - 1:
        raise ValidationError.one("input", "quoted fields spanning lines are not supported")
    table = check_rows(raw, skip_bad_rows=skip_bad_rows, lines=np.array(numbered[1:]))
    table.source, table.header_line = source, numbered[0]
    return table


def _to_float(column: pd.Series) -> np.ndarray:
    """Floats, NaN where unreadable; the strict parse is the fast path for clean files."""
    try:
        return column.astype(float).to_numpy()
    except ValueError:
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def check_rows(
    raw: pd.DataFrame, *, skip_bad_rows: bool = False, lines: np.ndarray | None = None
) -> StationTable:
    """Validate text columns (as read with ``dtype=str``); see ``read_station_csv``.

    ``lines`` gives each row's line number in its file (default: header on line 1,
    one row per following line).
    """
    lookup = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in COLUMNS if c not in lookup]
    if missing:
        raise ValidationError.one(
            "columns", f"missing column(s) {', '.join(missing)}; need {','.join(COLUMNS)}"
        )
    if lines is None:
        lines = np.arange(len(raw)) + 1 + _HEADER_LINES
    problems: list[RowProblem] = []
    bad = np.zeros(len(raw), dtype=bool)

    def flag(mask: np.ndarray, col: str, reason: Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask & ~bad):
            problems.append(RowProblem(int(lines[i]), col, reason(i)))
        bad[mask] = True

    text = {c: raw[lookup[c]].astype(str).str.strip() for c in COLUMNS}
    num: dict[str, np.ndarray] = {}
    for col in COLUMNS:
        empty = (text[col] == "").to_numpy()
        flag(empty, col, lambda i: "missing value")
        if col == "id":
            continue
        values = _to_float(text[col])
        unparsed = ~empty & ~np.isfinite(values)
        flag(unparsed, col, lambda i, col=col: f"not a number: {text[col].iat[i]!r}")
        num[col] = values

    with np.errstate(invalid="ignore"):
        flag(
            (num["rh"] < 0) | (num["rh"] > 100),
            "rh",
            lambda i: f"{num['rh'][i]:g} is outside 0–100 %",
        )
        flag(num["prec"] < 0, "prec", lambda i: f"negative precipitation {num['prec'][i]:g}")
        flag(num["ws"] < 0, "ws", lambda i: f"negative wind speed {num['ws'][i]:g}")
        flag(np.abs(num["lat"]) > 90, "lat", lambda i: f"latitude {num['lat'][i]:g} out of range")
        flag(
            np.abs(num["long"]) > 180,
            "long",
            lambda i: f"longitude {num['long'][i]:g} out of range",
        )

    dates = pd.to_datetime(
        pd.DataFrame({"year": num["yr"], "month": num["mon"], "day": num["day"]}), errors="coerce"
    )
    flag(
        dates.isna().to_numpy(),
        "yr/mon/day",
        lambda i: (
            f"not a calendar date: {text['yr'].iat[i]}-{text['mon'].iat[i]}-{text['day'].iat[i]}"
        ),
    )
    day_number = np.where(dates.isna(), 0, (dates - pd.Timestamp("1970-01-01")).dt.days)

    _check_series(
        text["id"].to_numpy(),
        day_number,
        dates.notna().to_numpy(),
        num["lat"],
        lines,
        bad,
        problems,
        skip_bad_rows,
    )
    problems.sort(key=lambda p: p.line)
    if problems and not skip_bad_rows:
        raise ValidationError(
            [FieldError(f"line {p.line} ({p.field})", p.reason) for p in problems]
        )
    keep = ~bad
    frame = raw.loc[keep].copy()
    for col in NUMERIC:
        frame[f"_{col}"] = num[col][keep]
    frame["_id"] = text["id"].to_numpy()[keep]
    frame["_daynum"] = day_number[keep]
    return StationTable(frame, lines[keep], problems)


def _check_series(ids, day_number, date_ok, lat, lines, bad, problems, skip_bad_rows) -> None:
    """Duplicate dates, gaps and changing latitude within each series, vectorised.

    Each (series, date) has one "day row": the first copy by line, or when skipping,
    the first readable copy; other copies are duplicates. When skipping, a series is
    used up to its first break (a day whose row is bad, a gap, a latitude change):
    the codes cannot carry across it, so later days are dropped too.
    """
    rows = np.flatnonzero(date_ok)  # rows without a date are reported already
    keys = (
        (lines[rows], bad[rows], day_number[rows], ids[rows])
        if skip_bad_rows
        else (lines[rows], day_number[rows], ids[rows])
    )
    rows = rows[np.lexsort(keys)]
    sid, day = ids[rows], day_number[rows]
    new_series = np.r_[True, sid[1:] != sid[:-1]]
    new_day = new_series | np.r_[True, day[1:] != day[:-1]]

    def report(mask: np.ndarray, field_name: str, reason) -> None:
        for i in rows[mask]:
            if not bad[i]:
                problems.append(RowProblem(int(lines[i]), field_name, reason(i)))
        bad[rows[mask]] = True

    # Decide the day rows' fate before flagging duplicates changes ``bad``.
    leaders = np.flatnonzero(new_day)
    lead_rows = rows[leaders]
    lead_new = new_series[leaders]
    lead_bad = bad[lead_rows].copy()
    prev_day = np.r_[0, day_number[lead_rows][:-1]]
    gap = ~lead_new & (day_number[lead_rows] != prev_day + 1)
    prev_lat = np.r_[np.nan, lat[lead_rows][:-1]]
    lat_change = ~lead_new & ~gap & ~lead_bad & (lat[lead_rows] != prev_lat)
    # Breaks strictly before each day row, counted within its series.
    breaks = (lead_bad | gap | lat_change).astype(np.int64)
    before = np.cumsum(breaks) - breaks
    before -= np.maximum.accumulate(np.where(lead_new, before, 0))

    report(~new_day, "yr/mon/day", lambda i: f"duplicate date in series {ids[i]!r}")
    follows = np.zeros(len(rows), dtype=bool)
    if skip_bad_rows:
        follows[leaders] = before > 0
        report(follows, "id", lambda i: f"follows a skipped row or a gap in series {ids[i]!r}")
    gap_mask = np.zeros(len(rows), dtype=bool)
    gap_mask[leaders] = gap
    gap_days = dict(zip(lead_rows[gap], (day_number[lead_rows] - prev_day - 1)[gap], strict=True))
    report(
        gap_mask,
        "yr/mon/day",
        lambda i: f"gap of {int(gap_days[i])} day(s) before this date in series {ids[i]!r}",
    )
    lat_mask = np.zeros(len(rows), dtype=bool)
    lat_mask[leaders] = lat_change
    report(lat_mask, "lat", lambda i: f"latitude changes within series {ids[i]!r}")


def compute(table: StationTable, **kwargs) -> pd.DataFrame:
    """The kept rows in input order with ``ffmc,dmc,dc,isi,bui,fwi,dsr`` appended.

    Keyword arguments as for ``compute_indices``.
    """
    frame = table.frame
    out = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
    values = compute_indices(table, **kwargs)
    for k, name in enumerate(INDICES):
        out[name] = values[:, k]
    return out


def compute_indices(
    table: StationTable,
    *,
    ffmc_const: str | float = "cffdrs",
    start: dict[str, tuple[float, float, float]] | None = None,
    default_start: tuple[float, float, float] = (START_FFMC, START_DMC, START_DC),
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """``(rows, 7)`` codes and indices (``INDICES`` order) for the kept rows, in order.

    ``start`` maps a series id to its yesterday's (FFMC, DMC, DC); other series use
    ``default_start``. ``progress`` is called with the number of rows done.
    """
    frame = table.frame
    if frame.empty:
        return np.empty((0, len(INDICES)))
    ids, series_index = np.unique(frame["_id"].to_numpy(), return_inverse=True)
    first_day = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(first_day, series_index, frame["_daynum"].to_numpy())
    position = frame["_daynum"].to_numpy() - first_day[series_index]
    results = np.empty((len(frame), len(INDICES)))
    start = start or {}
    codes = np.array([start.get(str(i), default_start) for i in ids], dtype=float)

    for lo in range(0, len(ids), batch):
        hi = min(lo + batch, len(ids))
        rows = np.flatnonzero((series_index >= lo) & (series_index < hi))
        col, pos = series_index[rows] - lo, position[rows]
        shape = (int(pos.max()) + 1, hi - lo)
        grids = {}
        for name in ("temp", "rh", "ws", "prec"):
            g = np.full(shape, np.nan)
            g[pos, col] = frame[f"_{name}"].to_numpy()[rows]
            grids[name] = g
        month = np.ones(shape, dtype=np.int64)
        month[pos, col] = frame["_mon"].to_numpy()[rows].astype(np.int64)
        lat = np.zeros(hi - lo)
        lat[col] = frame["_lat"].to_numpy()[rows]
        state = FWIState(codes[lo:hi, 0], codes[lo:hi, 1], codes[lo:hi, 2])
        result = fwi_series(
            grids["temp"],
            grids["rh"],
            grids["ws"],
            grids["prec"],
            month,
            lat,
            start=state,
            ffmc_const=ffmc_const,
        )
        for k, name in enumerate(INDICES):
            results[rows, k] = getattr(result, name)[pos, col]
        if progress is not None:
            progress(len(rows))
    return results


def read_start_codes(path: str | Path) -> dict[str, tuple[float, float, float]]:
    """Per-series start codes from a CSV with columns ``id,ffmc,dmc,dc``."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValidationError.one("start-codes", f"cannot read {path}: {exc}") from exc
    lookup = {c.strip().lower(): c for c in raw.columns}
    need = ("id", "ffmc", "dmc", "dc")
    if any(c not in lookup for c in need):
        raise ValidationError.one("start-codes", f"needs columns {','.join(need)}")
    codes: dict[str, tuple[float, float, float]] = {}
    errors: list[FieldError] = []
    for i, row in enumerate(raw.itertuples(index=False), start=2):
        values = []
        for c in need[1:]:
            value = pd.to_numeric(str(getattr(row, lookup[c])).strip(), errors="coerce")
            if not np.isfinite(value) or value < 0 or (c == "ffmc" and value > 101):
                errors.append(
                    FieldError(f"start-codes line {i} ({c})", "must be a number ≥ 0 (FFMC ≤ 101)")
                )
            values.append(float(value))
        codes[str(getattr(row, lookup["id"])).strip()] = (values[0], values[1], values[2])
    if errors:
        raise ValidationError(errors)
    return codes


def write_with_indices(table: StationTable, values: np.ndarray, target) -> None:
    """Write the kept rows exactly as they were read, indices appended.

    The input's text is copied, not re-formatted, so an analyst's numbers come back
    unchanged; indices use the shortest text that reads back as the same float.
    """
    text = table.source
    target.write(text[table.header_line - 1] + "," + ",".join(INDICES) + "\n")
    for line, row in zip(table.lines.tolist(), values.tolist(), strict=True):
        target.write(f"{text[line - 1]},{','.join(map(repr, row))}\n")
