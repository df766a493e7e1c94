"""How a page of records in a box is found, on either backend: listed or walked.

*Listed*: the spatial index (SQLite's R*Tree, PostGIS's GiST) names every record whose
box meets the query's, and the page takes the first of them in rid order. Cheap for a
small box; for a big one every candidate is found before the first is returned, so a page
of 1,000 from a box of 100,000 records costs a hundred times a page from a box of 1,000.

*Walked*: the page walks the kind's records in rid order (an index in that order), tests
each against the box and stops at its limit. It reads about ``limit × records of the kind
/ records in the box`` records: whatever the store's size when the box holds a fixed share
of it, but the whole kind when the box holds few.

A record walked costs about a third of a candidate listed (SQLite, 50,000 incidents: a
box of 4,957 listed in 3.9 ms, walked in 2.5; of 2,775, 2.2 against 3.7. PostGIS, 1,000,000:
25,035 listed in 234 ms, walked in 44), so a page walks when ``in box² × 3 ≥ limit ×
kind``. Each backend counts (SQLite) or estimates (PostGIS) the records in the box. Only an
unfiltered page in the default order walks: another filter or order could make it read
the whole kind.
"""

from __future__ import annotations

import math

from georisk.store.base import Query
from georisk.store.journaling import BOXED_KINDS

#: Records walked for the time of one candidate listed (see the docstring).
WALK_PER_LISTED = 3


def walkable(query: Query) -> bool:
    """Whether a page of ``query`` may be walked: from a box, of a boxed kind, with a
    limit, in the default order and without another filter."""
    others = (query.start, query.end, query.text, query.sort, query.status, query.agency,
              query.category, query.classification, query.severity, query.county,
              query.municipality)
    return (query.bbox is not None and query.kind in BOXED_KINDS and query.limit is not None
            and not any(others))


def enough(limit: int, kind_rows: float) -> int:
    """How many records in the box make walking a page of ``limit`` the cheaper way."""
    return max(1, math.ceil(math.sqrt(limit * kind_rows / WALK_PER_LISTED)))
