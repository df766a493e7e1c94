"""Settings read from the environment (and, for the service, a config file).

Every setting has a default that works on a fresh machine with no network.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "georisk.db"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The SQLite file: the explicit option, else ``GEORISK_DB``, else ./georisk.db."""
    return Path(explicit or os.environ.get("GEORISK_DB") or DEFAULT_DB)


def data_dir() -> Path | None:
    """Optional folder of extra reference data (``GEORISK_DATA_DIR``); None when unset."""
    value = os.environ.get("GEORISK_DATA_DIR")
    return Path(value) if value else None
