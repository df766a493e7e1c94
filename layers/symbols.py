"""A marker stated once, drawn by the legend here and by the page's script there.

A layer's marker is one SVG template with ``{name}`` placeholders and, for each record
field that changes the look, what each of its values puts into the template. The legend
draws it in Python (`Symbol.draw`); the page gets the same template and tables in its
configuration (`Symbol.spec`) and ``live.js`` draws every marker from them (its
``drawSymbol``), for the live map and the briefing file alike. Both fill by the text
catalogue's one placeholder rule and escape each value as HTML attribute text the same
way, so the legend and the map cannot show different markers, and a change of look is
made in one place.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from georisk.texts import fill

#: field -> the field's value (as a string) -> placeholder -> what it puts in
Parts = Mapping[str, Mapping[str, Mapping[str, str]]]


@dataclass(frozen=True)
class Symbol:
    """``fields`` are applied in order over ``fallback``, so a later field wins a
    placeholder (a unit's staleness greys its status colour); ``fallback`` draws a value
    the tables do not know rather than an unfilled ``{name}``."""

    template: str
    fields: tuple[str, ...]
    parts: Parts
    fallback: Mapping[str, str]

    def draw(self, size: int, **record: object) -> str:
        values: dict[str, object] = {**self.fallback, "size": size}
        for name in self.fields:
            values.update(self.parts[name].get(str(record[name]), {}))
        return fill(self.template, {k: html.escape(str(v)) for k, v in values.items()})

    def spec(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "fields": list(self.fields),
            "parts": {name: {value: dict(put) for value, put in table.items()}
                      for name, table in self.parts.items()},
            "fallback": dict(self.fallback),
        }
