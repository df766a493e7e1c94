"""Words of the resource answers: how far an ETA may be trusted, on which network."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "eta.schematic": (
        "Ungefärlig tid: schematiskt vägnät (raka linjer mellan orter, bara större vägar). "
        "Verkliga vägar är längre (en omvägsfaktor kring 1,2–1,4 är vanlig) och lokala "
        "vägar saknas; läs tiden som en grov undre gräns.",
        "Approximate time: schematic road network (straight lines between towns, major "
        "roads only). Real roads are longer (a detour factor of about 1.2–1.4 is typical) "
        "and local roads are missing; read the time as a rough lower bound.",
    ),
    "eta.imported": (
        "Planeringstid på importerat vägnät: hastighet per vägklass, inga köer eller väder.",
        "Planning time on the imported road network: a speed per road class, no traffic "
        "or weather.",
    ),
}
