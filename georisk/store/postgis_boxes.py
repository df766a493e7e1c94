"""The PostGIS store's two ways to a page in a box (`georisk.store.boxes`): the GiST
index's candidates listed (then sorted by rid), or the kind walked in rid order through
the primary key, and PostgreSQL's own estimates of the rows to choose.

Counting the candidates as SQLite does is no cheap test here (a GiST scan visits the
table: 144 ms to count 20,000 of a million), while the planner's estimate of ``reach &&
box`` comes from PostGIS's statistics of the column (100,961 estimated, 100,149 there)
and costs a plan, about a tenth of a millisecond. The planner cannot make the choice
itself: it takes the tests of the record's own bounds, which repeat the index's test, as
independent of it and expects a big box to hold a hundred times fewer records than it
does. Without statistics (no ANALYZE yet) the estimate is small and the page is listed,
as before. For the same reason, in a small table it may read the whole kind and sort it
rather than walk it (50,000 incidents, a page of 1,000: 20 ms against 8 listed): a page
is walked only when the walk's plan keeps the rid order (`in_order`, one more plan).

Measured (`tests.bench.bench_paging_pg`, a page of 1,000 from a box holding a tenth of
the store, police viewer, medians in-process): at 1,000,000 incidents 324 ms listed, 5.8 ms
walked in the store, and the service's ``items?limit=1000&bbox`` 365 ms before, 24 ms
after; at 10,000 and 50,000 the page is listed, as before.
"""

from __future__ import annotations

from typing import Any

import psycopg

from georisk.store import boxes
from georisk.store.base import Query


def listed(
    kind: str, bbox: tuple[float, float, float, float], unplaced: bool, generalised: str | None
) -> tuple[str, list[Any], str]:
    """Records whose index box meets the query's box (the GiST index entities_reach),
    and those without a place when they match (the partial index entities_unplaced: a
    record of a boxed kind has a reach exactly when it has a geometry)."""
    condition = "e.reach && ST_MakeEnvelope(?, ?, ?, ?, 4326)"
    if unplaced:
        condition = f"({condition} OR e.reach IS NULL)"
    return condition, list(bbox), "entities AS e"


def walked(
    kind: str, bbox: tuple[float, float, float, float], unplaced: bool, generalised: str | None
) -> tuple[str, list[Any], str]:
    """Every record of the kind, for the page's exact tests of the box: with nothing for
    the GiST index to answer, the planner walks the primary key in rid order."""
    return "TRUE", [], "entities AS e"


def walks(con: psycopg.Connection, query: Query) -> bool:
    """Whether a page of ``query`` is cheaper walked than listed, by the planner's
    estimates of the kind's records and of those in the box."""
    if not boxes.walkable(query):
        return False
    assert query.bbox is not None and query.limit is not None
    kind_rows = _estimate(con, "SELECT 1 FROM entities WHERE kind = %s", [query.kind])
    in_box = _estimate(con, "SELECT 1 FROM entities WHERE reach &&"
                       " ST_MakeEnvelope(%s, %s, %s, %s, 4326)", list(query.bbox))
    return in_box >= boxes.enough(query.limit, kind_rows)


def _estimate(con: psycopg.Connection, sql: str, args: list[Any]) -> float:
    (plan,) = con.execute("EXPLAIN (FORMAT JSON) " + sql, args).fetchone()
    return float(plan[0]["Plan"]["Plan Rows"])


def in_order(con: psycopg.Connection, sql: str, args: list[Any]) -> bool:
    """Whether the plan of a walked page reads the records in rid order (sorts none)."""
    (plan,) = con.execute("EXPLAIN (FORMAT JSON) " + sql, args).fetchone()
    return not _sorts_records(plan[0]["Plan"])


def _sorts_records(node: dict[str, Any]) -> bool:
    if node["Node Type"] == "Sort" and "e.rid" in node.get("Sort Key", []):
        return True
    return any(_sorts_records(child) for child in node.get("Plans", []))
