"""The journal store: one interface, an embedded SQLite backend by default and a
PostgreSQL + PostGIS backend for several service instances."""

from __future__ import annotations

import os

from georisk.store.base import Page, Picture, Query, Store, StoreClosed, StoreError
from georisk.store.sqlite import SQLiteStore

__all__ = ["Page", "Picture", "Query", "SQLiteStore", "Store", "StoreClosed", "StoreError",
           "is_url", "open_store"]


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether a store location names a PostgreSQL database (``postgresql://...``)
    rather than a SQLite file."""
    return str(location).startswith(("postgresql://", "postgres://"))


def open_store(location: str | os.PathLike[str], *, create: bool = True) -> Store:
    """Open the store at ``location``: a ``postgresql://`` URL opens the PostGIS store,
    anything else is the path of a SQLite file."""
    if is_url(location):
        from georisk.store.postgis import PostGISStore  # psycopg only when it is used

        return PostGISStore(str(location), create=create)
    return SQLiteStore(location, create=create)
