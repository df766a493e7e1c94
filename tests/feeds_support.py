"""Helpers shared by the feed tests: the shared samples and a quick import."""

from __future__ import annotations

from pathlib import Path

import pytest

from georisk.area.operating import OperatingArea
from georisk.feeds import adapter
from georisk.feeds.importer import Summary, import_parsed
from georisk.store import Store

#: Valid RFC 3339, but no UTC instant exists for them: each feed must reject the item.
EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
#: The operating counties as every importer keeps them by default, and all of Sweden for
#: the real samples from elsewhere in the country.
OPERATING = OperatingArea()
SWEDEN = OperatingArea("sweden")


def sample(shared_dir: Path, source: str, name: str) -> Path:
    path = shared_dir / "data" / "feeds" / source / name
    if not path.exists():
        pytest.skip(f"shared sample {path} is absent")
    return path


def run(store: Store, source: str, payload: bytes, area: OperatingArea = OPERATING) -> Summary:
    feed = adapter(source)
    return import_parsed(store, feed, feed.parse(payload), area=area)


def reasons(summary: Summary) -> str:
    return " | ".join(str(rejected) for rejected in summary.rejected)
