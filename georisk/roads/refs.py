"""One spelling and one class per Swedish road number, whatever the source wrote.

OpenStreetMap writes "E 18", NVDB exports write 18 with a separate European flag,
people write "rv 50" or "väg 50". Routing speeds and map styles key on the class,
so every importer funnels its numbers through here.
"""

from __future__ import annotations

import re

#: Classes in order of importance; speeds and styles are keyed on these names.
ROAD_CLASSES: tuple[str, ...] = ("motorway", "european", "national", "regional", "local")

_EUROPEAN = re.compile(r"^\s*E\s*0*(\d{1,3})\s*$", re.IGNORECASE)
_NUMBERED = re.compile(
    r"^\s*(?:rv\.?|riksväg|lv\.?|länsväg|väg|road|nr\.?)?\s*0*(\d{1,5})\s*$", re.IGNORECASE
)


def normalise_ref(value: object) -> str | None:
    """Canonical ref ("E18", "Rv 50", "Lv 237"), several joined by ";"; None when empty."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN from a nullable column
            return None
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    parts = [p for p in re.split(r"\s*[;,/]\s*", text) if p]
    out: list[str] = []
    for part in parts:
        ref = _one(part)
        if ref not in out:
            out.append(ref)
    return ";".join(out) if out else None


def _one(part: str) -> str:
    m = _EUROPEAN.match(part)
    if m:
        return f"E{int(m.group(1))}"
    m = _NUMBERED.match(part)
    if m:
        number = int(m.group(1))
        return f"Rv {number}" if number < 100 else f"Lv {number}"
    return part.strip()


_LEADING = re.compile(
    r"^\s*(?:(E)\s*0*(\d{1,3})|(?:rv\.?|riksväg|lv\.?|länsväg|väg)\s*0*(\d{1,5}))(?!\w)",
    re.IGNORECASE,
)


def leading_ref(text: str) -> str:
    """The road number a free text starts with ("E18 vid Karlskoga" -> "E18", "väg 50,
    Ludvika" -> "Rv 50"), else "": all of the text that names only a road."""
    found = _LEADING.match(text)
    if found is None:
        return ""
    european, number = found.group(1), found.group(2) or found.group(3)
    return f"E{int(number)}" if european else _one(number)


def class_of_ref(ref: str | None) -> str:
    """Administrative class of a canonical ref: riksvägar are numbered below 100 in Sweden."""
    if not ref:
        return "local"
    best = len(ROAD_CLASSES) - 1
    for part in ref.split(";"):
        if part.startswith("E") and part[1:].isdigit():
            cls = "european"
        elif part.startswith("Rv "):
            cls = "national"
        elif part.startswith("Lv ") and int(part[3:]) < 500:
            cls = "regional"  # primära länsvägar 100–499
        else:
            cls = "local"
        best = min(best, ROAD_CLASSES.index(cls))
    return ROAD_CLASSES[best]
