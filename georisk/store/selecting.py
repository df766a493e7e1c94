"""The SQL of one page of a `Query`, for every backend.

Which records a viewer may see, which of their columns it is shown (the generalised
form of a record it sees generalised) and how pages follow one another are rules of the
access policy, written here once. What differs between databases (the spatial index of
the candidates, a substring test, how a geometry is read) is a `Dialect`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely

from georisk.model import Record
from georisk.store.base import SORTABLE, Page, Query
from georisk.store.journaling import BOXED_KINDS
from georisk.timeutil import to_micros


@dataclass(frozen=True)
class Dialect:
    #: SQL and arguments that keep the records of a boxed kind whose (index) box meets the
    #: query's box: (kind, bbox, unplaced_match, the condition of the records its viewers
    #: are shown generalised or None) -> (condition on e, args, FROM clause of e)
    candidates: Callable[[str, tuple[float, float, float, float], bool, str | None],
                         tuple[str, list[Any], str]]
    contains: str  # "{column} contains ?", formatted with the column
    geometry: str  # how the row's geometry is read (WKB), from e.geom


_MIN_INT, _MAX_INT = "(-9223372036854775807 - 1)", "9223372036854775807"
#: What an empty sort value sorts as: an open incident's end is the latest of all.
_SORT_EMPTY = {"start": _MIN_INT, "end": _MAX_INT, "severity": "0", "category": "''",
               "label": "''"}
_STORED = {"start": "start_us", "end": "end_us"}  # projection column -> entities column
_GENERALISED_COLUMNS = frozenset(
    {"category", "label", "start_us", "end_us", "min_x", "min_y", "max_x", "max_y"}
)


def literals(values: Iterable[str]) -> str:
    """Vocabulary values (classifications, agencies) written into SQL as literals."""
    out = []
    for value in sorted(str(v) for v in values):
        if not value.replace("_", "").isalpha():
            raise ValueError(f"not a vocabulary value: {value!r}")
        out.append(f"'{value}'")
    return ",".join(out) or "NULL"


def select(query: Query, after_rid: int | None, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL of one page of ``query`` with ``?`` placeholders (rid, id, seq, geom, then
    the sort values; the payloads of the page's records are read after it is chosen, if
    need be: `georisk.store.caches.DecodedRecords`).

    With ``query.seen_by`` every filtered or sorted column is the one the scope's viewers
    are shown: the generalised row's for records they see generalised, the entity's for
    the rest, and records they may not see are not selected. The spatial index holds the
    union of both boxes, so it stays a valid first cut for either.
    """
    scope = query.seen_by
    generalised: str | None = None
    if scope is None:
        visible = "1 = 1"

        def shown(column: str) -> str:
            return f"e.{column}"

    else:
        agency = literals([scope.agency])
        generalised = (f"(e.classification IN ({literals(scope.generalised)})"
                       f" AND e.agency <> {agency})")
        full = f"(e.classification IN ({literals(scope.full)}) OR e.agency = {agency})"
        visible = f"({full} OR {generalised})"

        def shown(column: str) -> str:
            if column not in _GENERALISED_COLUMNS:  # the same in either form
                return f"e.{column}"
            return f"(CASE WHEN {generalised} THEN g.{column} ELSE e.{column} END)"

    args: list[Any] = []
    sources = ["entities AS e"]
    where = ["e.kind = ?", visible]
    kind_args: list[Any] = [query.kind]
    unplaced = query.unplaced_match
    if query.bbox is not None:
        if query.kind in BOXED_KINDS:
            condition, candidate_args, source = dialect.candidates(query.kind, query.bbox,
                                                                   unplaced, generalised)
            sources = [source]
            where.insert(0, condition)
            args += candidate_args
        # exact float64 bounds (an index may round them)
        inside = (f"{shown('max_x')} >= ? AND {shown('min_x')} <= ? AND "
                  f"{shown('max_y')} >= ? AND {shown('min_y')} <= ?")
        where.append(f"(e.geom IS NULL OR ({inside}))" if unplaced else inside)
        kind_args += bbox_args(query.bbox)
    if scope is not None:
        sources.append("LEFT JOIN generalised AS g ON g.rid = e.rid")
    for column in ("status", "agency", "classification", "severity", "county", "municipality"):
        values = sorted(getattr(query, column))
        if values:
            where.append(f"e.{column} IN ({','.join('?' * len(values))})")
            kind_args += values
    if query.category:
        where.append(f"{shown('category')} IN ({','.join('?' * len(query.category))})")
        kind_args += sorted(query.category)
    timed = []
    if query.end is not None:
        timed.append(f"{shown('start_us')} <= ?")
        kind_args.append(to_micros(query.end))
    if query.start is not None:
        timed.append(f"({shown('end_us')} IS NULL OR {shown('end_us')} >= ?)")
        kind_args.append(to_micros(query.start))
    if timed:
        untimed = f"{shown('start_us')} IS NULL"
        meets = " AND ".join([f"{shown('start_us')} IS NOT NULL", *timed])
        where.append(f"({untimed} OR ({meets}))" if unplaced else f"({meets})")
    if query.text:
        where.append(dialect.contains.format(column=shown("label")))
        kind_args.append(query.text.casefold())
    keys: list[tuple[str, bool]] = []
    for name, descending in query.sort:
        column = SORTABLE[query.kind][name]
        stored = _STORED.get(column, column)
        keys.append((f"coalesce({shown(stored)}, {_SORT_EMPTY[column]})", descending))
    if after_rid is not None:  # after the previous page's last record, in the same order
        assert query.after is not None
        values = [*query.after[:-1], after_rid]
        order = [*keys, ("e.rid", False)]
        alternatives = []
        for i, (expression, descending) in enumerate(order):
            ties = [f"{e} = ?" for e, _ in order[:i]]
            beyond = f"{expression} {'<' if descending else '>'} ?"
            alternatives.append(" AND ".join([*ties, beyond]))
            kind_args += [*values[:i], values[i]]
        where.append("(" + " OR ".join(f"({a})" for a in alternatives) + ")")
    ordering = ", ".join(f"k{i}{' DESC' if d else ''}" for i, (_, d) in enumerate(keys))
    ordering = f"{ordering}, rid" if ordering else "rid"
    picked = "".join(f", {expression} AS k{i}" for i, (expression, _) in enumerate(keys))
    sql = (f"SELECT e.rid AS rid, e.id AS id, e.seq AS seq, {dialect.geometry} AS geom"
           f"{picked} FROM {' '.join(sources)} WHERE {' AND '.join(where)}"
           f" ORDER BY {ordering}")
    args += kind_args
    if query.limit is not None:
        sql += " LIMIT ?"
        args.append(query.limit)
    return sql, args


def bbox_args(bbox: tuple[float, float, float, float]) -> list[float]:
    """(min x, max x, min y, max y), the order the box tests take."""
    min_x, min_y, max_x, max_y = bbox
    return [min_x, max_x, min_y, max_y]



def page(query: Query, rows: Sequence[Sequence[Any]], records: list[Record]) -> Page:
    """The page of the rows `select` chose (and their records): where the next one starts,
    and lines and polygons whose bounds meet the box but that pass beside it left out."""
    sorts = len(query.sort)
    full = query.limit is not None and len(rows) == query.limit
    following = (*rows[-1][4 : 4 + sorts], records[-1].id) if full else None
    if query.bbox is not None and query.kind in ("blockage", "riskzones") and records:
        # (the generalised form of a record is a point: its bounds were the exact test)
        scope = query.seen_by
        tested = [r for r in records if scope is None or not scope.generalises(r)]
        keep = shapely.intersects([r.geometry for r in tested], shapely.box(*query.bbox))
        beside = {id(r) for r, ok in zip(tested, keep, strict=True) if not ok}
        records = [record for record in records if id(record) not in beside]
    return Page(records, following)
