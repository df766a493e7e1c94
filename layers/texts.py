"""Words shown on the maps, Swedish first, English on request.

Operators read Swedish; visiting staff and foreign liaison officers may need English.
One catalogue keeps the layer control, the legend and the tooltips saying the same
thing, so a layer can never be called one thing in the control and another in the legend.
"""

from __future__ import annotations

from typing import Literal

from georisk.roads.schematic import SCHEMATIC_LABEL, SCHEMATIC_LABEL_EN

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
DEFAULT_LANG: Lang = "sv"

_CATALOGUE: dict[str, tuple[str, str]] = {
    "layer.counties": ("Län", "Counties"),
    "layer.municipalities": ("Kommuner", "Municipalities"),
    "layer.roads.schematic": (SCHEMATIC_LABEL, SCHEMATIC_LABEL_EN),
    "layer.roads.imported": ("Vägnät", "Road network"),
    "layer.places": ("Orter", "Towns"),
    "layer.tiles": ("Bakgrundskarta", "Background map"),
    "field.county": ("Län", "County"),
    "field.municipality": ("Kommun", "Municipality"),
    "field.road": ("Väg", "Road"),
    "field.via": ("Via", "Via"),
    "field.place": ("Ort", "Town"),
    "field.population": ("Invånare", "Population"),
    "legend.title": ("Teckenförklaring", "Legend"),
    "legend.outside": ("Utanför operationsområdet", "Outside the operating area"),
    "caveat.schematic": (
        "Raka linjer mellan orter, inte verkliga vägsträckningar.",
        "Straight lines between towns, not the real road alignment.",
    ),
    "attribution.boundaries": ("Gränser: SCB (CC0)", "Boundaries: SCB (CC0)"),
    "attribution.geonames": ("Orter: © GeoNames, CC BY 4.0", "Places: © GeoNames, CC BY 4.0"),
    "attribution.roads.imported": ("Vägnät: {source}", "Road network: {source}"),
    "layer.riskzones": ("Brandrisk", "Fire risk"),
    "layer.incidents": ("Händelser", "Incidents"),
    "layer.units": ("Enheter", "Units"),
    "layer.blockages": ("Avstängningar", "Road blockages"),
    "legend.stale": ("Ingen färsk position", "No recent position"),
    "legend.blockage.line": ("Avstängd vägsträcka", "Closed road section"),
    "legend.blockage.point": ("Avstängd plats", "Closed spot"),
    "legend.agency": ("Myndighet: {name}", "Agency: {name}"),
    "legend.severity": ("Allvarlighet {n}", "Severity {n}"),
    "ui.type.fire": ("Brand i byggnad", "Building fire"),
    "ui.type.forest_fire": ("Skogsbrand", "Forest fire"),
    "ui.type.traffic": ("Trafikolycka", "Traffic accident"),
    "ui.type.police": ("Polisärende", "Police event"),
    "ui.type.medical": ("Sjukvård", "Medical"),
    "ui.type.rescue": ("Räddning", "Rescue"),
    "ui.type.other": ("Övrigt", "Other"),
    "ui.agency.police": ("Polisen", "Police"),
    "ui.agency.rescue": ("Räddningstjänsten", "Rescue services"),
    "ui.agency.sos": ("SOS Alarm", "SOS Alarm"),
    "ui.agency.centre": ("Samverkanscentralen", "Joint centre"),
    "ui.status.open": ("Öppen", "Open"),
    "ui.status.closed": ("Avslutad", "Closed"),
    "ui.ustatus.available": ("Tillgänglig", "Available"),
    "ui.ustatus.en_route": ("På väg", "En route"),
    "ui.ustatus.on_scene": ("På plats", "On scene"),
    "ui.ustatus.out_of_service": ("Ur tjänst", "Out of service"),
    "ui.kind.engine": ("Släckbil", "Engine"),
    "ui.kind.tanker": ("Tankbil", "Tanker"),
    "ui.kind.aerial": ("Höjdfordon", "Aerial"),
    "ui.kind.rescue": ("Räddningsbil", "Rescue vehicle"),
    "ui.kind.ambulance": ("Ambulans", "Ambulance"),
    "ui.kind.patrol": ("Polisbil", "Patrol car"),
    "ui.kind.helicopter": ("Helikopter", "Helicopter"),
    "ui.kind.command": ("Ledningsfordon", "Command vehicle"),
    "ui.kind.boat": ("Båt", "Boat"),
    "ui.kind.other": ("Övrig enhet", "Other unit"),
    "ui.reason.accident": ("Olycka", "Accident"),
    "ui.reason.snow_ice": ("Snö/is", "Snow/ice"),
    "ui.reason.fire": ("Brand", "Fire"),
    "ui.reason.roadworks": ("Vägarbete", "Roadworks"),
    "ui.reason.flooding": ("Översvämning", "Flooding"),
    "ui.reason.other": ("Annat", "Other"),
    "ui.class.open": ("Öppen", "Open"),
    "ui.class.agency": ("Endast egen myndighet", "Own agency only"),
    "ui.class.restricted": (
        "Begränsad (generaliserad för andra)",
        "Restricted (generalised for others)",
    ),
    "ui.f.type": ("Typ", "Type"),
    "ui.f.severity": ("Allvarlighet", "Severity"),
    "ui.f.title": ("Rubrik", "Title"),
    "ui.f.description": ("Beskrivning", "Description"),
    "ui.f.classification": ("Sekretessklass", "Classification"),
    "ui.f.time": ("Tid", "Time"),
    "ui.f.municipality": ("Kommun", "Municipality"),
    "ui.f.county": ("Län", "County"),
    "ui.f.status": ("Status", "Status"),
    "ui.f.agency": ("Myndighet", "Agency"),
    "ui.f.kind": ("Enhetstyp", "Unit kind"),
    "ui.f.callsign": ("Anropsnamn", "Callsign"),
    "ui.f.position_time": ("Senaste position", "Last position"),
    "ui.f.road": ("Väg", "Road"),
    "ui.f.reason": ("Orsak", "Reason"),
    "ui.f.start": ("Sedan", "Since"),
    "ui.f.expected_end": ("Beräknat slut", "Expected end"),
    "ui.f.expected_end_hint": ("lokal tid, valfritt", "local time, optional"),
    "ui.f.risk_class": ("Brandriskklass", "Fire-risk class"),
    "ui.f.fwi": ("FWI", "FWI"),
    "ui.f.valid_date": ("Dag", "Day"),
    "ui.f.generalised": ("Generaliserad: detaljer dolda", "Generalised: details withheld"),
    "ui.p.title": ("Lägesbild", "Situation picture"),
    "ui.p.filters": ("Filter", "Filters"),
    "ui.p.export": ("Exportera lägesbild (HTML)", "Export briefing map (HTML)"),
    "ui.p.window": ("Tidsfönster", "Time window"),
    "ui.p.window.all": ("Alla", "All"),
    "ui.p.window.1h": ("Senaste timmen", "Last hour"),
    "ui.p.window.6h": ("Senaste 6 timmarna", "Last 6 hours"),
    "ui.p.window.24h": ("Senaste dygnet", "Last 24 hours"),
    "ui.p.window.7d": ("Senaste veckan", "Last week"),
    "ui.p.all": ("Alla", "All"),
    "ui.p.min_severity": ("Lägst allvarlighet", "Minimum severity"),
    "ui.p.unit_status": ("Enhetsstatus", "Unit status"),
    "ui.p.incident_status": ("Händelsestatus", "Incident status"),
    "ui.p.open_incidents": ("Öppna händelser", "Open incidents"),
    "ui.p.shown": ("{shown} av {total} visas", "{shown} of {total} shown"),
    "ui.p.more": ("… och {n} till", "… and {n} more"),
    "ui.p.live": ("Live", "Live"),
    "ui.p.offline": ("Frånkopplad – återansluter", "Disconnected – reconnecting"),
    "ui.p.lang": ("In English", "På svenska"),
    "ui.p.new_incident": ("Ny händelse", "New incident"),
    "ui.p.new_blockage": ("Ny avstängning", "New blockage"),
    "ui.p.click_map": (
        "Klicka i kartan för platsen (eller använd kartans mitt).",
        "Click the map for the location (or use the map centre).",
    ),
    "ui.p.draw_line": (
        "Klicka längs vägen; en punkt ger en avstängd plats.",
        "Click along the road; a single point marks a closed spot.",
    ),
    "ui.p.use_centre": ("Använd kartans mitt", "Use the map centre"),
    "ui.p.undo_point": ("Ta bort sista punkten", "Remove last point"),
    "ui.p.points": ("{n} punkter", "{n} points"),
    "ui.p.save": ("Spara", "Save"),
    "ui.p.cancel": ("Avbryt", "Cancel"),
    "ui.p.close_incident": ("Avsluta händelsen", "Close incident"),
    "ui.p.lift": ("Häv avstängningen", "Lift blockage"),
    "ui.p.set_status": ("Ändra status", "Change status"),
    "ui.p.failed": ("Kunde inte sparas: {detail}", "Could not be saved: {detail}"),
    "ui.p.saved": ("Sparat", "Saved"),
    "ui.p.stale": ("ingen position på {age}", "no position for {age}"),
    "ui.p.location": ("Plats", "Location"),
    "ui.p.none": ("Inga öppna händelser i filtret.", "No open incidents in the filter."),
    "brief.banner.open": ("ÖPPEN", "OPEN"),
    "brief.banner.agency": ("ENDAST {agency}", "{agency} ONLY"),
    "brief.banner.restricted": ("BEGRÄNSAD – endast {agency}", "RESTRICTED – {agency} only"),
    "brief.banner.generalised": (
        "{n} begränsade poster ingår endast i generaliserad form",
        "{n} restricted records included only in generalised form",
    ),
    "brief.picture_time": ("Lägesbild per", "Picture as of"),
    "brief.tz": ("svensk tid", "Swedish time"),
    "brief.area": ("Område", "Area"),
    "brief.exported_by": ("Exporterad av", "Exported by"),
    "brief.exported_at": ("Exporterad", "Exported"),
    "brief.slider": ("Tidpunkt", "Time"),
    "brief.summary": ("Sammanfattning", "Summary"),
    "brief.s.incidents": ("Öppna händelser per län och typ", "Open incidents by county and type"),
    "brief.s.blockages": ("Aktiva avstängningar", "Active blockages"),
    "brief.s.risk": ("Brandriskklasser per län", "Fire-risk classes by county"),
    "brief.s.units": ("Enheter per myndighet och status", "Units by agency and status"),
    "brief.s.total": ("Summa", "Total"),
    "brief.s.highest": ("Högsta", "Highest"),
    "brief.s.classes": ("Klasser", "Classes"),
    "brief.s.none": ("Inga.", "None."),
    "brief.s.generalised": ("generaliserad", "generalised"),
    "brief.whole_area": ("Hela operationsområdet", "Whole operating area"),
    "brief.default_title": ("Lägesbild", "Situation picture"),
    "language": ("sv", "en"),
}


def text(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The text for ``key`` in ``lang``; KeyError for an unknown key, ValueError for a language."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    sv, en = _CATALOGUE[key]
    chosen = sv if lang == "sv" else en
    return chosen.format(**values) if values else chosen


#: GeoNames main names are English exonyms for a few places; operators say these.
_SWEDISH_PLACE_NAMES = {"Gothenburg": "Göteborg"}


def place_name(name: str, lang: Lang = DEFAULT_LANG) -> str:
    """A GeoNames place name as it is said in ``lang``."""
    return _SWEDISH_PLACE_NAMES.get(name, name) if lang == "sv" else name


def keys() -> tuple[str, ...]:
    return tuple(_CATALOGUE)


def prefixed(prefix: str, lang: Lang = DEFAULT_LANG) -> dict[str, str]:
    """Every text whose key starts with ``prefix`` (prefix removed): the live page's
    script gets its words from the same catalogue as the legend and layer control."""
    return {key[len(prefix) :]: text(key, lang) for key in _CATALOGUE if key.startswith(prefix)}
