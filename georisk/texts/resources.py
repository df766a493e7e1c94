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

# The live map's resource parts (``ui.`` entries reach live.js and resources.js as ``r.``):
# suggested units and their routes, the risk brief in an incident's popup, coverage.
ENTRIES.update({
    "ui.r.suggest": ("Föreslå enheter", "Suggest units"),
    "ui.r.suggesting": ("Söker enheter …", "Finding units …"),
    "ui.r.suggested": ("Föreslagna enheter", "Suggested units"),
    "ui.r.suggest_failed": ("Förslagen kunde inte hämtas: {detail}",
                            "The suggestions could not be fetched: {detail}"),
    "ui.r.none": (
        "Ingen lämplig tillgänglig enhet hittades.", "No suitable available unit was found."),
    "ui.r.eta": ("{minutes} min", "{minutes} min"),
    "ui.r.unreachable": (
        "når inte fram: ingen öppen väg", "cannot get there: no open road"),
    "ui.r.distance": ("{km} km fågelväg", "{km} km in a straight line"),
    "ui.r.route": ("{km} km på väg", "{km} km by road"),
    "ui.r.delay": (
        "+{minutes} min för avstängningar", "+{minutes} min for blockages"),
    "ui.r.avoids": ("Kör runt avstängning: {roads}", "Goes around blockage: {roads}"),
    "ui.r.through": ("Kör genom begränsning: {roads}", "Drives through restriction: {roads}"),
    "ui.r.pool": (
        "Bland de {pool} närmaste i rak linje.", "Among the {pool} nearest in a straight line."),
    "ui.r.generalised_unit": (
        "Generaliserad: ruttens start är 1 km-rutans mitt.",
        "Generalised: the route starts at its 1 km cell's centre.",
    ),
    "ui.r.assign": ("Tilldela", "Assign"),
    "ui.r.assign_label": (
        "Tilldela {callsign} händelsen (sätts till På väg)",
        "Assign {callsign} to the incident (set to En route)",
    ),
    "ui.r.assigned": ("Tilldelad, på väg", "Assigned, en route"),
    "ui.r.clear_routes": ("Rensa rutter", "Clear routes"),
    "ui.r.show_routes": ("Visa rutterna", "Show the routes"),
    "ui.r.routes_for": ("Rutter för föreslagna enheter till: {title}",
                        "Routes of suggested units to: {title}"),
    "ui.r.brief": ("Riskbild", "Risk brief"),
    "ui.r.brief_loading": ("Hämtar riskbilden …", "Fetching the risk brief …"),
    "ui.r.brief_failed": ("Riskbilden kunde inte hämtas: {detail}",
                          "The risk brief could not be fetched: {detail}"),
    "ui.r.computed": ("Beräknad {time}", "Computed {time}"),
    "ui.r.place": ("Plats", "Place"),
    "ui.r.outside": ("utanför operationsområdet", "outside the operating area"),
    "ui.r.police_region": ("Polisregion", "Police region"),
    "ui.r.rescue_service": ("Räddningstjänst", "Rescue service"),
    "ui.r.rescue_region": ("Räddningsregion", "Rescue region"),
    "ui.r.sos": ("Ambulans (SOS)", "Ambulance (SOS)"),
    "ui.r.fire_risk": ("Brandrisk i dag", "Fire risk today"),
    "ui.r.fire_risk_value": (
        "{label} (klass {risk_class}, FWI {fwi_min}–{fwi_max})",
        "{label} (class {risk_class}, FWI {fwi_min}–{fwi_max})",
    ),
    "ui.r.no_fire_risk": ("ingen prognos utfärdad här", "no forecast issued here"),
    "ui.r.blockages": ("Avstängningar inom 10 km", "Blockages within 10 km"),
    "ui.r.blockage_row": ("{road} · {km} km", "{road} · {km} km"),
    "ui.r.on_approach": ("på tillfartsväg", "on an approach road"),
    "ui.r.nearest": ("Närmaste lämpliga enheter", "Nearest suitable units"),
    "ui.r.possibly_same": ("Möjligen samma händelse", "Possibly the same event"),
    "ui.r.apart": (
        "{km} km och {minutes} min isär, likhet {score}",
        "{km} km and {minutes} min apart, similarity {score}",
    ),
    "ui.r.link": ("Länka", "Link"),
    "ui.r.link_label": (
        "Länka som möjligen samma händelse: {title}",
        "Link as possibly the same event: {title}",
    ),
    "ui.r.linked": ("Länkade händelser", "Linked incidents"),
    "ui.r.relation_possible": ("möjligen samma", "possibly the same"),
    "ui.r.relation_same": ("samma händelse", "the same event"),
    "ui.r.nothing": ("inga", "none"),
    "ui.r.coverage_kind": ("Täckning för", "Coverage of"),
    "ui.r.coverage_off": (
        "Slå på lagret Täckning i kartlagren för att se den.",
        "Turn on the Coverage layer in the map layers to see it.",
    ),
    "ui.r.coverage_loading": ("Beräknar täckningen …", "Computing the coverage …"),
    "ui.r.coverage_info": (
        "I hela operationsområdet: {units} tillgängliga enheter; glapp (mer än {minutes} "
        "min) {area} km² med {people} invånare i orter.",
        "In the whole operating area: {units} available units; a gap (more than {minutes} "
        "min) of {area} km² with {people} people in towns.",
    ),
    "ui.r.coverage_failed": ("Täckningen kunde inte hämtas: {detail}",
                             "The coverage could not be fetched: {detail}"),
    "ui.r.gap_towns": ("Orter i glappet: {towns}.", "Towns in the gap: {towns}."),
    "ui.r.within": ("Nås inom {minutes} min", "Reached within {minutes} min"),
    "ui.r.gap": ("Glapp: mer än {minutes} min", "Gap: more than {minutes} min"),
    # the coverage layer's name and legend (server side)
    "layer.coverage": ("Täckning", "Coverage"),
    "layer.coverage_of": ("Täckning: {kind}", "Coverage: {kind}"),
    "legend.coverage.within": (
        "Nås inom {minutes} min av närmaste tillgängliga enhet",
        "Reached within {minutes} min by the nearest available unit",
    ),
    "legend.coverage.gap": ("Täckningsglapp: mer än {minutes} min",
                            "Coverage gap: more than {minutes} min"),
    "legend.coverage.note": (
        "Ungefärliga restider på vägnätet, över enheterna som du ser dem",
        "Approximate travel times on the road network, over the units as you are shown them",
    ),
    "legend.route": ("Föreslagen enhets rutt", "Suggested unit's route"),
})
