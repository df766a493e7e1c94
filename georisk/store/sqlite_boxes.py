"""The embedded store's two ways to a page in a box (`georisk.store.boxes`): the R*Tree's
candidates listed, or the kind walked in rid order through the index of their bounds
(migration 0013), and a count of the candidates, stopped once there are enough, to choose.

Measured (`tests.bench.bench_paging`, a page of 1,000 from a box holding a tenth of the
store, police viewer, medians in-process, two runs of each): at 1,000,000 incidents
57–83 ms listed, 3.8–4.4 ms walked in the store, and the service's
``items?limit=1000&bbox`` 62–133 ms before, 19–23 ms after; at 10,000 and 50,000 the same
as before (the page is listed at 10,000; at 50,000 both ways cost about the same).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from georisk.store import boxes
from georisk.store.base import Query
from georisk.store.selecting import bbox_args

_IN_BOX = "max_x >= ? AND min_x <= ? AND max_y >= ? AND min_y <= ?"


def listed(
    kind: str, bbox: tuple[float, float, float, float], unplaced: bool, generalised: str | None
) -> tuple[str, list[Any], str]:
    """The candidates: the R*Tree's, and the records without a place when those match.
    As a list of rids they are walked in rid order, so a page in that order stops at its
    limit (no index of entities: it would scan the kind)."""
    candidates = f"SELECT rid FROM {kind}_bbox WHERE {_IN_BOX}"
    args: list[Any] = bbox_args(bbox)
    if unplaced:  # named: the planner would otherwise walk the whole kind
        candidates += (" UNION ALL SELECT rid FROM entities INDEXED BY entities_unplaced"
                       " WHERE kind = ? AND geom IS NULL")
        args.append(kind)
    return f"e.rid IN ({candidates})", args, "entities AS e NOT INDEXED"


def walked(
    kind: str, bbox: tuple[float, float, float, float], unplaced: bool, generalised: str | None
) -> tuple[str, list[Any], str]:
    """The records of the kind in rid order, kept when the bounds in the index meet the
    box, or the record has no place (and those match), or its viewers are shown it
    generalised (its generalised place is tested after, on the row). Every term reads
    the index only: a record left out here is never read."""
    maybe = [f"({' AND '.join(f'e.{term}' for term in _IN_BOX.split(' AND '))})"]
    if unplaced:
        maybe.append("e.max_x IS NULL")
    if generalised is not None:
        maybe.append(generalised)
    # the partial index's own term, which lets SQLite use it
    condition = f"e.kind <> 'unit' AND ({' OR '.join(maybe)})"
    return condition, bbox_args(bbox), "entities AS e INDEXED BY entities_boxed_in_order"


def walks(con: sqlite3.Connection, query: Query) -> bool:
    """Whether a page of ``query`` is cheaper walked than listed."""
    if not boxes.walkable(query):
        return False
    assert query.bbox is not None and query.limit is not None
    first, last = con.execute(
        "SELECT (SELECT min(rid) FROM entities WHERE kind = ?),"
        " (SELECT max(rid) FROM entities WHERE kind = ?)", (query.kind, query.kind)
    ).fetchone()
    if first is None:
        return False
    # rids are shared by all kinds: the span is at most, not exactly, the kind's size
    wanted = boxes.enough(query.limit, last - first + 1)
    (found,) = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {query.kind}_bbox WHERE {_IN_BOX} LIMIT ?)",
        [*bbox_args(query.bbox), wanted],
    ).fetchone()
    return found >= wanted
