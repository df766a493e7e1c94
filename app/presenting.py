"""The one place the APIs apply the access policy to what they send.

Every record, event and track point leaves the service through these functions, which
ask `georisk.access` what the current viewer may see. Lists, single items, write
answers, the journal and tracks all come here, so no endpoint can forget the policy.

Which records a list holds is decided in the store, on what the viewer is shown
(`georisk.store.Query.seen_by`); these functions decide how each one is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from flask import current_app

from app.kept_json import KeptJson
from georisk.access import Presented, Viewer, Visibility, present, present_event, visibility
from georisk.journal import Event
from georisk.model import Record


def lookup(kind: str, id_: str) -> Record | None:
    """Records that presented ones refer to (a unit's incident), from this request's store."""
    return current_app.extensions["georisk.store"].get(kind, id_)


def feature(viewer: Viewer | None, record: Record) -> dict[str, Any] | None:
    """The record as a GeoJSON Feature for ``viewer``, or None when it must not appear."""
    shown = present(viewer, record, lookup=lookup)
    return None if shown is None else _feature(shown)


def features(viewer: Viewer | None, records: list[Record]) -> list[dict[str, Any]]:
    return [_feature(item) for item in shown(viewer, records)]


_KEPT = KeptJson()


def features_json(viewer: Viewer | None, records: list[Record]) -> list[orjson.Fragment]:
    """`features`, each already written as JSON (for answers that send them unchanged).

    A record the policy shows as it is (the same object back, not generalised) is the
    same Feature for every viewer it is shown to, so its JSON is kept (`KeptJson`); any
    other is written for this viewer alone and not kept."""
    return [_KEPT.of(record, _own_json) if item.record is record and not item.generalised
            else orjson.Fragment(orjson.dumps(_feature(item)))
            for record, item in _presented(viewer, records)]


def _feature(item: Presented) -> dict[str, Any]:
    out = item.record.to_feature()
    out["properties"]["generalised"] = item.generalised
    return out


def _own_json(record: Record) -> bytes:
    return orjson.dumps(_feature(Presented(record, False)))


def shown(viewer: Viewer | None, records: list[Record]) -> list[Presented]:
    """Of ``records``, those ``viewer`` may see, each as it is shown to them."""
    return [item for _, item in _presented(viewer, records)]


def _presented(viewer: Viewer | None, records: list[Record]) -> Iterator[tuple[Record, Presented]]:
    """Each of ``records`` that ``viewer`` may see, with how it is shown to them."""
    for record in records:
        item = present(viewer, record, lookup=lookup)
        if item is not None:
            yield record, item


def visible(viewer: Viewer | None, record: Record | None) -> bool:
    """Whether ``record`` appears to ``viewer`` at all (fully or generalised)."""
    return record is not None and visibility(viewer, record) is not Visibility.HIDDEN


def event(viewer: Viewer | None, item: Event) -> dict[str, Any] | None:
    return present_event(viewer, item, lookup=lookup)


def events(viewer: Viewer | None, items: list[Event]) -> list[dict[str, Any]]:
    shown = (present_event(viewer, item, lookup=lookup) for item in items)
    return [item for item in shown if item is not None]

