"""External feeds: one adapter module per source, found by name in `ADAPTERS`.

Adapters read payloads into `FeedItem`s (see `base`); `importer` writes them through the
store; `ledger` remembers which record each source item became and keeps the original.
"""

from __future__ import annotations

from collections.abc import Callable

from georisk.errors import GeoriskError
from georisk.feeds.base import Adapter, FeedItem, Parsed, Rejected
from georisk.feeds.cap import CapAdapter
from georisk.feeds.cot import CotAdapter
from georisk.feeds.links import Links
from georisk.feeds.polisen import PolisenAdapter
from georisk.feeds.smhi import SmhiAdapter
from georisk.feeds.trafikverket import TrafikverketAdapter

ADAPTERS: dict[str, Callable[[], Adapter]] = {
    "polisen": PolisenAdapter,
    "trafikverket": TrafikverketAdapter,
    "cot": CotAdapter,
    "cap": CapAdapter,
    "smhi": SmhiAdapter,
}


def adapter(name: str, *, links: Links | None = None,
            max_age_hours: float | None = None) -> Adapter:
    """A new adapter of source ``name``. Options reach the sources they concern and no
    other: ``links``, how one that reads feeds of linked items (CAP) may follow them
    (without it, it follows none); ``max_age_hours``, when one whose items never end
    (Polisen) ends them (without it, the setting decides)."""
    if name not in ADAPTERS:
        raise GeoriskError(f"unknown source {name!r}; one of {', '.join(ADAPTERS)}")
    if name == "polisen":
        return PolisenAdapter(max_age_hours)
    made = ADAPTERS[name]()
    if links is not None and hasattr(made, "links"):
        made.links = links
    return made


__all__ = ["ADAPTERS", "Adapter", "FeedItem", "Links", "Parsed", "Rejected", "adapter"]
