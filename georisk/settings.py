"""Settings read from the environment (and, for the service, a config file).

Every setting has a default that works on a fresh machine with no network.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "georisk.db"


def db_path(explicit: str | os.PathLike[str] | None = None) -> str:
    """The store's location: the explicit option, else ``GEORISK_DB``, else ./georisk.db.
    A ``postgresql://`` URL selects the PostGIS store, anything else is a SQLite file
    (`georisk.store.open_store`); the URL is kept as given (a Path would fold its //)."""
    return str(explicit or os.environ.get("GEORISK_DB") or DEFAULT_DB)


def data_dir() -> Path | None:
    """Optional folder of extra reference data (``GEORISK_DATA_DIR``); None when unset."""
    value = os.environ.get("GEORISK_DATA_DIR")
    return Path(value) if value else None


def feed_area() -> str:
    """Where feeds keep items (``GEORISK_FEED_AREA``): "operating" (the default, the
    centre's counties) or "sweden" (national context); see `georisk.area.operating`."""
    return os.environ.get("GEORISK_FEED_AREA") or "operating"


def feed_margin_km() -> float:
    """How far beyond the area a feed item is still kept (``GEORISK_FEED_MARGIN_KM``)."""
    from georisk.area.operating import DEFAULT_MARGIN_KM

    return _number("GEORISK_FEED_MARGIN_KM", DEFAULT_MARGIN_KM)


def polisen_max_age_hours() -> float:
    """Age after which an imported Polisen event is closed (``GEORISK_POLISEN_MAX_AGE_H``)."""
    from georisk.feeds.polisen import DEFAULT_MAX_AGE_HOURS

    return _number("GEORISK_POLISEN_MAX_AGE_H", DEFAULT_MAX_AGE_HOURS)


def listen_safety_s() -> float:
    """How long a PostGIS stream follower waits for a NOTIFY before it reads the journal
    anyway: ``GEORISK_LISTEN_SAFETY_S`` (seconds, default 1)."""
    return _number("GEORISK_LISTEN_SAFETY_S", 1.0)


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number >= 0 or number == float("inf"):
        from georisk.errors import GeoriskError

        raise GeoriskError(f"{name}={value!r} is not a number of 0 or more")
    return number
