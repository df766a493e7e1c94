"""Words of the briefing file: its header, banners and summary panel.

``briefing.js`` gets the ``brief.`` entries (prefix removed) beside the live map's
``ui.`` ones, since it draws the records with the live map's own functions.
"""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
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
    "brief.role.operator": ("operatör", "operator"),
    "brief.role.analyst": ("analytiker", "analyst"),
    "brief.role.viewer": ("betraktare", "viewer"),
    "brief.role.admin": ("administratör", "administrator"),
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
    "brief.s.coverage": ("Täckning: {kind}", "Coverage: {kind}"),
    "brief.s.generalised": ("generaliserad", "generalised"),
    "brief.s.aggregated": (
        "{kept} av {total} händelser visas var för sig (de allvarligaste, sedan de senaste); "
        "övriga {rest} räknas per ruta om {km} × {km} km.",
        "{kept} of {total} incidents are shown one by one (the most severe, then the newest); "
        "the other {rest} are counted per {km} × {km} km square.",
    ),
    "brief.s.square": (
        "{n} händelser i rutan ({km} × {km} km), högsta allvarlighet {severity}",
        "{n} incidents in this square ({km} × {km} km), highest severity {severity}",
    ),
    "brief.whole_area": ("Hela operationsområdet", "Whole operating area"),
    "brief.default_title": ("Lägesbild", "Situation picture"),
}
