"""The query parameters of the resource answers, one model each: the JSON API checks and
documents its queries with them (`app.queries`), and ``georisk coverage`` reads its
options with the same, so both refuse the same values in the same words."""

from __future__ import annotations

from pydantic import Field

from georisk import queryparams as qp
from georisk.model import UnitKind
from georisk.resources.defaults import (
    DEFAULT_GAP_MINUTES,
    DEFAULT_K,
    DEFAULT_MINUTES,
    MAX_K,
    MAX_MINUTES,
)
from georisk.texts import DEFAULT_LANG, LANGS


class Suggestions(qp.QueryModel):
    kind: qp.UnitKinds = Field(frozenset(), description="Unit kinds, comma-separated "
                               "(default: any kind).")
    agency: qp.Agencies = Field(frozenset(), description="Owning agencies, comma-separated "
                                "(default: any).")
    status: qp.UnitStatuses = Field(frozenset(), description="Unit statuses, comma-separated "
                                    "(default: available).")
    k: qp.whole(1, MAX_K) = Field(  # type: ignore[valid-type]
        DEFAULT_K, description=f"How many units (default {DEFAULT_K}).")
    lang: qp.one_of(LANGS) = Field(DEFAULT_LANG, description="Language of the notes.")  # type: ignore[valid-type]


class Brief(qp.QueryModel):
    lang: qp.one_of(LANGS) = Field(DEFAULT_LANG, description="Language of the notes.")  # type: ignore[valid-type]


class Coverage(qp.QueryModel):
    kind: qp.one_of(UnitKind) = Field(  # type: ignore[valid-type]
        UnitKind.ENGINE.value, description="The unit kind whose reach is drawn.")
    agency: qp.Agencies = Field(frozenset(), description="Owning agencies, comma-separated "
                                "(default: any).")
    minutes: qp.listed(qp.whole(1, MAX_MINUTES)) = Field(  # type: ignore[valid-type]
        DEFAULT_MINUTES, description="Isochrones, minutes, comma-separated "
        f"(default {','.join(map(str, DEFAULT_MINUTES))}).")
    gap: qp.whole(1, MAX_MINUTES) = Field(  # type: ignore[valid-type]
        DEFAULT_GAP_MINUTES, description="Where no unit arrives within this many minutes is "
        f"a gap (default {DEFAULT_GAP_MINUTES}).")
    lang: qp.one_of(LANGS) = Field(DEFAULT_LANG, description="Language of the notes.")  # type: ignore[valid-type]
