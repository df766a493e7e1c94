"""What happens in the region and how it looks in a log: titles, severities, durations.

The figures are plausible planning numbers for a Swedish mid-sized region, not
statistics; they exist so the demo map, filters and charts behave like the real
thing (many small medical calls, few long forest fires, police secrecy on some events).
"""

from __future__ import annotations

from dataclasses import dataclass

from georisk.model import Agency, IncidentType

#: Share of each incident type in a year (before seasonality shifts it within the year).
TYPE_SHARES: dict[IncidentType, float] = {
    IncidentType.MEDICAL: 0.37,
    IncidentType.POLICE: 0.27,
    IncidentType.TRAFFIC: 0.14,
    IncidentType.FIRE: 0.07,
    IncidentType.RESCUE: 0.07,
    IncidentType.FOREST_FIRE: 0.03,
    IncidentType.OTHER: 0.05,
}

#: Month factors (January first): forest fires need dry summers, traffic accidents
#: follow winter darkness and snow, drownings the bathing season.
MONTH_FACTORS: dict[IncidentType, tuple[float, ...]] = {
    IncidentType.FOREST_FIRE: (0.01, 0.01, 0.08, 0.6, 1.6, 3.0, 3.6, 2.6, 0.6, 0.1, 0.02, 0.01),
    IncidentType.TRAFFIC: (1.7, 1.5, 1.1, 0.9, 0.8, 0.75, 0.75, 0.8, 0.9, 1.1, 1.4, 1.7),
    IncidentType.POLICE: (0.9, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2, 1.1, 1.0, 0.95, 0.9, 1.0),
    IncidentType.MEDICAL: (1.12, 1.08, 1.0, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 1.0, 1.05, 1.15),
    IncidentType.FIRE: (1.3, 1.2, 1.1, 1.05, 0.9, 0.8, 0.8, 0.8, 0.85, 1.0, 1.1, 1.3),
    IncidentType.RESCUE: (0.9, 0.9, 0.9, 0.95, 1.1, 1.35, 1.45, 1.2, 0.95, 0.9, 0.9, 0.95),
    IncidentType.OTHER: (1.0,) * 12,
}

#: Relative intensity per local hour (0–23).
HOUR_FACTORS: dict[IncidentType, tuple[float, ...]] = {
    IncidentType.FOREST_FIRE: (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.6, 0.9, 1.2, 1.6,
                               2.0, 2.3, 2.4, 2.4, 2.2, 1.9, 1.5, 1.1, 0.7, 0.4, 0.25, 0.15),
    IncidentType.TRAFFIC: (0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.3, 1.9, 1.5, 1.0, 0.9, 1.0,
                           1.1, 1.1, 1.3, 1.8, 2.0, 1.8, 1.3, 1.0, 0.8, 0.6, 0.5, 0.4),
    IncidentType.POLICE: (1.3, 1.2, 1.0, 0.7, 0.4, 0.3, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9,
                          0.95, 1.0, 1.05, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.6, 1.5),
    IncidentType.MEDICAL: (0.6, 0.5, 0.45, 0.45, 0.5, 0.6, 0.8, 1.1, 1.3, 1.4, 1.4, 1.35,
                           1.3, 1.25, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0, 0.9, 0.8, 0.7),
    IncidentType.FIRE: (0.6, 0.5, 0.45, 0.4, 0.4, 0.5, 0.6, 0.8, 0.9, 1.0, 1.05, 1.1,
                        1.15, 1.2, 1.25, 1.3, 1.45, 1.6, 1.7, 1.6, 1.4, 1.1, 0.9, 0.7),
    IncidentType.RESCUE: (0.4, 0.3, 0.3, 0.3, 0.3, 0.4, 0.6, 0.8, 1.0, 1.2, 1.3, 1.4,
                          1.5, 1.5, 1.5, 1.5, 1.4, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6, 0.5),
    IncidentType.OTHER: (0.5, 0.4, 0.4, 0.4, 0.4, 0.5, 0.7, 0.9, 1.1, 1.2, 1.3, 1.3,
                         1.3, 1.3, 1.3, 1.3, 1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6),
}

#: Police events crowd Friday and Saturday nights (local hours 20–03).
WEEKEND_NIGHT_POLICE = 1.8
#: Traffic accidents are more likely in the dark, on top of rush hours.
DARK_TRAFFIC = 1.5
#: A snowstorm day multiplies traffic accidents.
STORM_TRAFFIC = 2.6

#: How strongly each type follows population when choosing a town (weight = pop ** k):
#: violence and theft are urban, forest fires happen out in the forest.
POPULATION_POWER: dict[IncidentType, float] = {
    IncidentType.POLICE: 1.1,
    IncidentType.MEDICAL: 1.0,
    IncidentType.FIRE: 0.95,
    IncidentType.TRAFFIC: 0.9,
    IncidentType.RESCUE: 0.8,
    IncidentType.OTHER: 0.9,
    IncidentType.FOREST_FIRE: 0.25,
}
#: Share of traffic accidents placed on the road network rather than in town streets.
TRAFFIC_ON_ROADS = 0.65


@dataclass(frozen=True)
class Kind:
    """One kind of event as an operator logs it."""

    title: str
    weight: float
    severities: tuple[float, float, float, float, float]  # probability of severity 1..5
    minutes: float  # median duration
    spread: float = 0.6  # sigma of the log-normal duration
    agency: Agency | None = None  # None: the type's owner
    secrecy: tuple[float, float] = (0.0, 0.0)  # probability of agency, restricted
    descriptions: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # dispatch groups (see `dispatch.GROUPS`) for severity 1–2
    needs_serious: tuple[str, ...] = ()  # added at severity 3+
    needs_major: tuple[str, ...] = ()  # added at severity 4+
    months: tuple[int, ...] = ()  # only in these months (empty: all year)


TYPE_OWNER: dict[IncidentType, Agency] = {
    IncidentType.FOREST_FIRE: Agency.RESCUE,
    IncidentType.FIRE: Agency.RESCUE,
    IncidentType.TRAFFIC: Agency.RESCUE,
    IncidentType.POLICE: Agency.POLICE,
    IncidentType.MEDICAL: Agency.SOS,
    IncidentType.RESCUE: Agency.RESCUE,
    IncidentType.OTHER: Agency.POLICE,
}

KINDS: dict[IncidentType, tuple[Kind, ...]] = {
    IncidentType.MEDICAL: (
        Kind("Hjärtstopp", 4, (0, 0, 0, 0.1, 0.9), 55, needs=("ambulance", "ambulance"),
             descriptions=("HLR pågår, IVPA larmad.", "Vittne påbörjat HLR.")),
        Kind("Bröstsmärtor", 14, (0, 0.2, 0.5, 0.3, 0), 45, needs=("ambulance",),
             descriptions=("Man i 60-årsåldern, tryck över bröstet.",
                           "Kvinna, smärta sedan en timme.")),
        Kind("Andningsbesvär", 12, (0, 0.2, 0.6, 0.2, 0), 45, needs=("ambulance",),
             descriptions=("Känd KOL.", "Barn med andningsbesvär.")),
        Kind("Fallolycka, äldre person", 16, (0.1, 0.5, 0.4, 0, 0), 55, needs=("ambulance",),
             descriptions=("Kan inte resa sig, misstänkt höftfraktur.", "Fall i trappa.")),
        Kind("Medvetslös person", 6, (0, 0, 0.2, 0.6, 0.2), 50, needs=("ambulance",),
             needs_major=("patrol",), descriptions=("Person ligger på marken, andas.",)),
        Kind("Stroke, misstänkt", 7, (0, 0, 0.1, 0.8, 0.1), 50, needs=("ambulance",),
             descriptions=("Talsvårigheter, hängande mungipa.",)),
        Kind("Förgiftning", 5, (0, 0.3, 0.5, 0.2, 0), 60, needs=("ambulance",),
             descriptions=("Intag av okänd mängd tabletter.",)),
        Kind("Allergisk reaktion", 5, (0, 0.4, 0.5, 0.1, 0), 40, needs=("ambulance",),
             descriptions=("Getingstick, svullnad.",)),
        Kind("Diabetes, lågt blodsocker", 5, (0.1, 0.6, 0.3, 0, 0), 40, needs=("ambulance",)),
        Kind("Sjukdomsfall", 26, (0.2, 0.5, 0.3, 0, 0), 45, needs=("ambulance",),
             descriptions=("Hög feber, allmänpåverkan.", "Buksmärtor.", "Yrsel och kräkningar.")),
    ),
    IncidentType.POLICE: (
        Kind("Misshandel", 12, (0, 0.3, 0.5, 0.2, 0), 70, secrecy=(0.2, 0.05),
             needs=("patrol",), needs_serious=("patrol",), needs_major=("ambulance",),
             descriptions=("Bråk utanför krog.", "Person slagen i huvudet.")),
        Kind("Stöld", 16, (0.6, 0.4, 0, 0, 0), 45, needs=("patrol",),
             descriptions=("Butiksstöld, gärningsperson kvar.", "Cykelstöld.")),
        Kind("Inbrott", 11, (0.2, 0.6, 0.2, 0, 0), 90, needs=("patrol",),
             descriptions=("Inbrott i villa, boende bortresta.", "Inbrott i förråd.")),
        Kind("Skadegörelse", 8, (0.6, 0.4, 0, 0, 0), 50, needs=("patrol",)),
        Kind("Rattfylleri", 7, (0, 0.5, 0.5, 0, 0), 60, needs=("patrol",),
             descriptions=("Vingligt körande bil, vittne följer efter.",)),
        Kind("Ordningsstörning", 10, (0.5, 0.5, 0, 0, 0), 40, needs=("patrol",)),
        Kind("Narkotikabrott", 5, (0.2, 0.7, 0.1, 0, 0), 80, secrecy=(0.5, 0.1),
             needs=("patrol",)),
        Kind("Olaga hot", 7, (0, 0.4, 0.5, 0.1, 0), 60, secrecy=(0.2, 0.05), needs=("patrol",)),
        Kind("Rån", 2, (0, 0, 0.3, 0.6, 0.1), 120, secrecy=(0.4, 0.2),
             needs=("patrol", "patrol"), needs_major=("patrol",)),
        Kind("Skottlossning", 0.5, (0, 0, 0, 0.3, 0.7), 240, secrecy=(0.2, 0.6),
             needs=("patrol", "patrol", "patrol"), needs_major=("ambulance",)),
        Kind("Sexualbrott", 1.5, (0, 0, 0.4, 0.6, 0), 120, secrecy=(0.2, 0.8), needs=("patrol",)),
        Kind("Försvunnen person", 2, (0, 0.2, 0.5, 0.3, 0), 360, spread=0.8,
             needs=("patrol",), needs_serious=("patrol",),
             descriptions=("Äldre person med demens saknas.", "Svampplockare ej återkommen.")),
        Kind("Trafikkontroll", 6, (1, 0, 0, 0, 0), 90, needs=("patrol",)),
        Kind("Bedrägeri", 6, (0.8, 0.2, 0, 0, 0), 30,
             descriptions=("Telefonbedrägeri mot äldre.",)),
        Kind("Våld mot tjänsteman", 1, (0, 0, 0.5, 0.5, 0), 90, secrecy=(0.3, 0.1),
             needs=("patrol", "patrol")),
    ),
    IncidentType.TRAFFIC: (
        Kind("Trafikolycka, personbil i dike", 30, (0.3, 0.5, 0.2, 0, 0), 60,
             needs=("engine",), needs_serious=("ambulance", "patrol"),
             descriptions=("Halt väglag, en person i bilen.", "Bilen på taket, föraren ute.")),
        Kind("Trafikolycka, singel", 14, (0.1, 0.4, 0.4, 0.1, 0), 70,
             needs=("engine",), needs_serious=("ambulance", "patrol")),
        Kind("Trafikolycka, flera fordon", 12, (0, 0.2, 0.4, 0.3, 0.1), 100,
             needs=("engine", "patrol"), needs_serious=("ambulance",),
             needs_major=("engine", "ambulance"),
             descriptions=("Kollision mellan två personbilar.", "Upphinnandeolycka i kö.")),
        Kind("Trafikolycka, viltolycka", 24, (0.7, 0.3, 0, 0, 0), 45, agency=Agency.POLICE,
             needs=("patrol",), descriptions=("Påkörd älg.", "Påkört rådjur, eftersök.")),
        Kind("Trafikolycka, lastbil", 6, (0, 0.2, 0.4, 0.3, 0.1), 180, spread=0.7,
             needs=("engine", "patrol"), needs_serious=("ambulance",), needs_major=("tanker",),
             descriptions=("Lastbil med släp i diket.", "Vält lastbil, läckage av diesel.")),
        Kind("Trafikolycka, fotgängare", 5, (0, 0, 0.4, 0.4, 0.2), 80,
             needs=("ambulance", "patrol"), needs_serious=("engine",)),
        Kind("Trafikolycka, fastklämd person", 3, (0, 0, 0, 0.5, 0.5), 120,
             needs=("engine", "engine", "ambulance", "patrol"), needs_major=("ambulance",)),
        Kind("Trafikhinder", 6, (0.8, 0.2, 0, 0, 0), 40, agency=Agency.POLICE,
             needs=("patrol",), descriptions=("Fordon stillastående i körbanan.",)),
    ),
    IncidentType.FIRE: (
        Kind("Brandlarm, automatiskt", 30, (0.8, 0.2, 0, 0, 0), 25, needs=("engine",)),
        Kind("Brand i byggnad, villa", 8, (0, 0.1, 0.4, 0.4, 0.1), 180, spread=0.6,
             needs=("engine", "tanker"), needs_serious=("engine",),
             needs_major=("aerial", "command", "ambulance"),
             descriptions=("Rökutveckling från taket.", "Brand i kök, alla ute.")),
        Kind("Brand i lägenhet", 8, (0, 0.1, 0.4, 0.4, 0.1), 120,
             needs=("engine", "aerial"), needs_major=("engine", "command", "ambulance"),
             descriptions=("Rök i trapphus.", "Brand i spis.")),
        Kind("Brand i fordon", 12, (0.1, 0.6, 0.3, 0, 0), 60, needs=("engine",)),
        Kind("Brand i soprum/container", 12, (0.4, 0.6, 0, 0, 0), 45, needs=("engine",)),
        Kind("Brand i skorsten", 6, (0.2, 0.6, 0.2, 0, 0), 90, needs=("engine",),
             months=(1, 2, 3, 4, 10, 11, 12)),
        Kind("Brand i industri", 3, (0, 0, 0.3, 0.5, 0.2), 300, spread=0.7,
             needs=("engine", "engine", "tanker"), needs_major=("aerial", "command")),
        Kind("Brand i gräs", 8, (0.3, 0.6, 0.1, 0, 0), 60, needs=("engine",),
             months=(4, 5, 6, 7, 8), descriptions=("Gräsbrand vid järnvägen.",)),
    ),
    IncidentType.FOREST_FIRE: (
        Kind("Brand i skog", 60, (0, 0.3, 0.5, 0.2, 0), 300, spread=0.8,
             needs=("engine", "tanker"), needs_serious=("engine",),
             needs_major=("tanker", "command"),
             descriptions=("Rök synlig från väg.", "Brand i hygge, ca 1 hektar.")),
        Kind("Brand i skog och mark", 30, (0.2, 0.5, 0.3, 0, 0), 180, spread=0.7,
             needs=("engine", "tanker")),
        Kind("Skogsbrand, stor", 10, (0, 0, 0, 0.6, 0.4), 2880, spread=0.7,
             needs=("engine", "engine", "tanker", "tanker", "command"),
             needs_major=("engine", "tanker"),
             descriptions=("Brandfront flera hundra meter, helikopter begärd.",
                           "Förstärkning från grannkommuner, VMA övervägs.")),
    ),
    IncidentType.RESCUE: (
        Kind("Person i vatten", 6, (0, 0, 0.3, 0.5, 0.2), 60, months=(5, 6, 7, 8, 9),
             needs=("engine", "ambulance"), descriptions=("Badande saknad vid sjö.",)),
        Kind("Trädnedfall på väg", 20, (0.6, 0.4, 0, 0, 0), 60, needs=("engine",)),
        Kind("Vattenskada", 14, (0.6, 0.4, 0, 0, 0), 90, needs=("engine",)),
        Kind("Djurräddning", 10, (0.8, 0.2, 0, 0, 0), 60, needs=("engine",)),
        Kind("Utsläpp av farligt ämne", 5, (0, 0.3, 0.5, 0.2, 0), 150,
             needs=("engine", "tanker"), needs_major=("command",)),
        Kind("Hjälp till ambulans, bärhjälp", 15, (0.5, 0.5, 0, 0, 0), 40, needs=("engine",)),
        Kind("Nödställd person i terräng", 4, (0, 0.3, 0.5, 0.2, 0), 180, spread=0.7,
             needs=("engine", "patrol")),
        Kind("Stormskada", 8, (0.4, 0.5, 0.1, 0, 0), 120, months=(1, 2, 3, 10, 11, 12),
             needs=("engine",)),
    ),
    IncidentType.OTHER: (
        Kind("Hjälp till allmänheten", 30, (0.8, 0.2, 0, 0, 0), 40, needs=("patrol",)),
        Kind("Larm, okänd orsak", 20, (0.5, 0.5, 0, 0, 0), 30, agency=Agency.RESCUE,
             needs=("engine",)),
        Kind("Oljeutsläpp", 8, (0.3, 0.6, 0.1, 0, 0), 120, agency=Agency.RESCUE,
             needs=("engine",)),
        Kind("Störning i el- eller teleförsörjning", 10, (0.4, 0.5, 0.1, 0, 0), 240,
             agency=Agency.RESCUE, descriptions=("Strömavbrott i flera kommundelar.",)),
        Kind("Djur på väg", 20, (0.8, 0.2, 0, 0, 0), 30, needs=("patrol",)),
        Kind("Fynd av misstänkt föremål", 3, (0, 0.2, 0.6, 0.2, 0), 120,
             secrecy=(0.5, 0.2), needs=("patrol", "patrol")),
    ),
}


def owner(incident_type: IncidentType, kind: Kind) -> Agency:
    """The agency that owns an incident of this kind."""
    return kind.agency or TYPE_OWNER[incident_type]


def needs(kind: Kind, severity: int) -> tuple[str, ...]:
    """The dispatch groups an incident of this kind and severity calls out."""
    groups = kind.needs
    if severity >= 3:
        groups += kind.needs_serious
    if severity >= 4:
        groups += kind.needs_major
    return groups
