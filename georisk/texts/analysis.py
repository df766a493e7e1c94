"""Words of the analyst page (``/analys``): its headings and labels (used in the page's
template) and those its script shows (``an.`` keys handed to ``analysis.js``)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "an.title": ("Analys", "Analysis"),
    "an.intro": (
        "Historik, hotspots och prognoser ur journalen, så som du får se den.",
        "History, hotspots and forecasts from the journal, as you may see it.",
    ),
    "an.other_lang": ("In English", "På svenska"),
    "an.map_link": ("Till lägesbilden", "To the live map"),
    "an.viewer": ("Inloggad: {name} ({agency})", "Signed in: {name} ({agency})"),
    "an.from": ("Från", "From"),
    "an.to": ("Till", "To"),
    "an.county": ("Län", "County"),
    "an.type": ("Typ", "Type"),
    "an.all_counties": ("Alla län", "All counties"),
    "an.all_types": ("Alla typer", "All types"),
    "an.apply": ("Visa", "Show"),
    "an.failed": ("Kunde inte hämtas: {reason}", "Could not be fetched: {reason}"),
    "an.download": ("Ladda ner CSV", "Download CSV"),
    "an.weekly.title": ("Händelser per vecka och prognos", "Incidents per week and forecast"),
    "an.weekly.note": (
        "Prognosen är ett negativt binomialt regressionsmått med säsong, trend och, för "
        "skogsbränder, brandriskens klimatologi. Bandet är ett 90 % prediktionsintervall.",
        "The forecast is a negative binomial regression with season, trend and, for forest "
        "fires, the fire-risk climatology. The band is a 90 % prediction interval.",
    ),
    "an.weekly.observed": ("Utfall", "Observed"),
    "an.weekly.forecast": ("Prognos", "Forecast"),
    "an.weekly.band": ("90 % intervall", "90 % interval"),
    "an.weekly.too_short": (
        "för kort historik för en prognos", "too little history for a forecast"
    ),
    "an.weekly.axis": ("Händelser per vecka", "Incidents per week"),
    "an.profiles.title": ("Säsong och dygn", "Season and time of day"),
    "an.profiles.hour": ("Timme på dygnet", "Hour of the day"),
    "an.profiles.weekday": ("Veckodag", "Day of the week"),
    "an.profiles.month": ("Månad", "Month"),
    "an.profiles.count": ("Händelser", "Incidents"),
    "an.weekdays": ("mån,tis,ons,tor,fre,lör,sön", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "an.hotspots.title": ("Hotspots", "Hotspots"),
    "an.hotspots.note": (
        "5 km-rutor där händelserna är fler (varma) eller färre (kalla) än befolkningen "
        "förklarar: Getis-Ord Gi* mot slumpade fördelningar efter befolkning, med "
        "kontroll av andelen falska upptäckter.",
        "5 km cells with more (hot) or fewer (cold) incidents than population explains: "
        "Getis-Ord Gi* against random deals by population, with the false discovery rate "
        "controlled.",
    ),
    "an.hotspots.hot": ("Varm", "Hot"),
    "an.hotspots.cold": ("Kall", "Cold"),
    "an.hotspots.cell": (
        "{cell}: {observed} händelser, {expected} väntade, z = {z}",
        "{cell}: {observed} incidents, {expected} expected, z = {z}",
    ),
    "an.hotspots.count": ("{hot} varma och {cold} kalla rutor", "{hot} hot and {cold} cold cells"),
    "an.blockages.title": ("Avstängningar", "Road blockages"),
    "an.blockages.axis": ("Mediantid (timmar)", "Median duration (hours)"),
    "an.response.title": ("Insatstider", "Response times"),
    "an.response.to_scene": ("Till plats, median (min)", "To scene, median (min)"),
    "an.response.response": ("Larm till plats, median (min)", "Report to scene, median (min)"),
    "an.availability.title": ("Tillgängliga enheter per län", "Units available per county"),
    "an.availability.axis": ("Andel tillgängliga", "Share available"),
    "an.col.road": ("Väg", "Road"),
    "an.col.reason": ("Orsak", "Reason"),
    "an.col.blockages": ("Antal", "Count"),
    "an.col.median_h": ("Median (h)", "Median (h)"),
    "an.col.p90_h": ("90:e percentil (h)", "90th percentile (h)"),
    "an.col.agency": ("Myndighet", "Agency"),
    "an.col.unit_kind": ("Enhetstyp", "Unit kind"),
    "an.col.missions": ("Uppdrag", "Missions"),
    "an.col.to_scene_median": ("Till plats, median (min)", "To scene, median (min)"),
    "an.col.on_scene_median": ("På plats, median (min)", "On scene, median (min)"),
    "an.col.response_median": ("Larm till plats, median (min)", "Report to scene, median (min)"),
    "an.empty": ("Inget att visa för urvalet.", "Nothing to show for this selection."),
}
