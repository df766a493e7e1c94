"""The journal store: one interface, an embedded SQLite backend by default."""

from __future__ import annotations

import os

from georisk.store.base import Page, Picture, Query, Store
from georisk.store.sqlite import SQLiteStore, StoreError

__all__ = ["Page", "Picture", "Query", "SQLiteStore", "Store", "StoreError", "open_store"]


def open_store(location: str | os.PathLike[str], *, create: bool = True) -> Store:
    """Open the store at ``location`` (a path to a SQLite file)."""
    return SQLiteStore(location, create=create)
