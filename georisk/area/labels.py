"""The operating area's user-facing words, Swedish first, English on request.

Operators read Swedish; the English column exists for visiting staff and logs.
Every label the area prints comes from here so the two languages never drift apart.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")

_CATALOGUE: dict[str, tuple[str, str]] = {
    "position": ("Position", "Position"),
    "county": ("Län", "County"),
    "municipality": ("Kommun", "Municipality"),
    "police": ("Polis", "Police"),
    "rescue_service": ("Räddningstjänst", "Rescue service"),
    "rescue_region": ("Räddningsregion Bergslagen", "Rescue region Bergslagen"),
    "sos": ("Larmcentral", "Emergency call centre"),
    "method": ("Tillskrivning", "Attribution"),
    "context": ("Ligger i", "Lies in"),
    "method.inside": ("inom kommungränsen", "inside the municipality boundary"),
    "method.nearest": (
        "närmaste kommun, {distance} från gränsen (t.ex. på en stor sjö)",
        "nearest municipality, {distance} from its boundary (e.g. on a large lake)",
    ),
    "method.outside": ("utanför operationsområdet", "outside the operating area"),
    "method.invalid": ("ogiltig position", "invalid position"),
    "outside.nearest": (
        "närmaste kommun i området: {name} ({code}), {distance} bort",
        "nearest municipality in the area: {name} ({code}), {distance} away",
    ),
    "outside.none": (
        "ingen kommun i området inom {distance}",
        "no municipality of the area within {distance}",
    ),
    "status.confirmed": ("medlem", "member"),
    "status.probable": ("trolig medlem (obekräftad)", "probable member (unconfirmed)"),
    "status.not_member": ("ej medlem (obekräftad)", "not a member (unconfirmed)"),
    "status.unknown": ("okänt (obekräftad)", "unknown (unconfirmed)"),
    "unconfirmed": ("obekräftad", "unconfirmed"),
    "rescue.unrecorded": (
        "kommunens räddningstjänst ({name}); organisationen är inte registrerad",
        "the municipality's rescue service ({name}); organisation not recorded",
    ),
    "not_applicable": ("–", "–"),
}


def label(key: str, lang: Lang = "sv", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    sv, en = _CATALOGUE[key]
    text = sv if lang == "sv" else en
    return text.format(**values) if values else text


def format_distance(metres: float) -> str:
    """Metres under 1 km, kilometres with one decimal above: how operators say it."""
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"
