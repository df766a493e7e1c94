"""Pages of current records for one viewer: the store query, the cursor, the policy.

Both the JSON API and the OGC API list records through `page`, so filtering,
pagination and the access policy behave identically in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from flask import current_app

from app import cursors, presenting
from georisk.access import Viewer, scope
from georisk.store import Query, Store


@dataclass(frozen=True)
class Listed:
    features: list[Any]  # GeoJSON Features: dicts, or written (`page`'s ``written``)
    next_cursor: str | None


def store() -> Store:
    return current_app.extensions["georisk.store"]


def page(
    viewer: Viewer | None,
    query: Query,
    cursor: str | None,
    bound: Mapping[str, Any] | None = None,
    *,
    written: bool = False,
) -> Listed:
    """One page of ``query`` after ``cursor``, as ``viewer`` may see it.

    The store selects, filters and orders the records as the viewer's agency is shown
    them (`Query.seen_by`), so the policy here only shapes what was chosen. A page holds
    ``query.limit`` features unless it is the last, or a line beside a box was dropped.
    ``bound`` names filters the caller applies to the page afterwards (as it was asked);
    the cursor is bound to them as to the query's. ``written``: the features as JSON
    (`presenting.features_json`), for a caller that sends them as they are.
    """
    if viewer is None:
        return Listed([], None)
    query = replace(query, seen_by=scope(viewer))
    key: bytes = current_app.extensions["georisk.cursor_key"]
    filters = {k: v for k, v in asdict(query).items() if k not in ("limit", "after")}
    filters.update({f"caller.{k}": v for k, v in (bound or {}).items()})
    after = cursors.decode(key, cursor, filters)
    found = store().query(replace(query, after=after))
    shown = (presenting.features_json if written else presenting.features)(viewer, found.records)
    following = None if found.next_after is None else cursors.encode(key, found.next_after, filters)
    return Listed(shown, following)

