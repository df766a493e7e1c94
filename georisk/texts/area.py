"""Words of ``georisk area``: where a position lies and who answers for it.

"(obekräftad)" stays in every status that is not confirmed: only a confirmed
membership is fact, and the operator must read the others as such.
"""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "area.position": ("Position", "Position"),
    "area.county": ("Län", "County"),
    "area.municipality": ("Kommun", "Municipality"),
    "area.police": ("Polis", "Police"),
    "area.rescue_service": ("Räddningstjänst", "Rescue service"),
    "area.rescue_region": ("Räddningsregion Bergslagen", "Rescue region Bergslagen"),
    "area.sos": ("Larmcentral", "Emergency call centre"),
    "area.method": ("Tillskrivning", "Attribution"),
    "area.context": ("Ligger i", "Lies in"),
    "area.method.inside": ("inom kommungränsen", "inside the municipality boundary"),
    "area.method.nearest": (
        "närmaste kommun, {distance} från gränsen (t.ex. på en stor sjö)",
        "nearest municipality, {distance} from its boundary (e.g. on a large lake)",
    ),
    "area.method.outside": ("utanför operationsområdet", "outside the operating area"),
    "area.outside.nearest": (
        "närmaste kommun i området: {name} ({code}), {distance} bort",
        "nearest municipality in the area: {name} ({code}), {distance} away",
    ),
    "area.outside.none": (
        "ingen kommun i området inom {distance}",
        "no municipality of the area within {distance}",
    ),
    "area.status.confirmed": ("medlem", "member"),
    "area.status.probable": ("trolig medlem (obekräftad)", "probable member (unconfirmed)"),
    "area.status.not_member": ("ej medlem (obekräftad)", "not a member (unconfirmed)"),
    "area.status.unknown": ("okänt (obekräftad)", "unknown (unconfirmed)"),
    "area.rescue.unrecorded": (
        "kommunens räddningstjänst ({name}); organisationen är inte registrerad",
        "the municipality's rescue service ({name}); organisation not recorded",
    ),
    "area.not_applicable": ("–", "–"),
}
