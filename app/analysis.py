"""The analyst's page (``/analys``) and its tables under ``/api/v1/analysis/...``.

Each table is one function of `georisk.analysis` on what the signed-in viewer may see,
declared on the JSON API (its query model in `app.queries`, so the OpenAPI document lists
it), for those who may read history; ``format=csv`` gives the same table as a download.
What a table holds depends on the viewer's agency only (the access policy decides by
agency), so results are kept per agency (`_Results`): the page's charts and its
downloads, asked for again, cost nothing while the journal stands, and at most a minute
old while it moves.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
from flask import Blueprint, Flask, Response, abort, current_app, render_template

from app import headers, queries
from app.api import API
from app.auth import csrf_meta, require_viewer
from app.pages import page_language
from app.problems import Problem
from georisk import analysis
from georisk.access import Role, Viewer, may_read_history
from georisk.area.boundaries import counties
from georisk.model import IncidentType
from georisk.store import Store
from georisk.texts import templates, text
from layers import assets

blueprint = Blueprint("analysis", __name__)
_KEEP = 64
#: How long a result stands once the journal has moved on (seconds).
MAX_AGE_S = 60.0


class _Results:
    """The latest results by (agency, what was asked), with the journal position and the
    moment they were computed at: one stands while the journal has not moved, or for
    `MAX_AGE_S` seconds while it has (in service, position reports move it every few
    seconds, and a table of a year's history a minute old is as good as a fresh one).
    A result is computed once however many ask at the same moment (the page asks for six
    tables at once, and four of them start from the same incidents): the others wait
    for it rather than compute it again beside it."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple, tuple[int, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        found = self._standing(key)
        if found is not None:
            return found[0]
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            found = self._standing(key)  # computed while this one waited
            if found is not None:
                return found[0]
            seq, now = _store().last_seq(), time.monotonic()
            value = compute()
            with self._lock:
                self._items[key] = (seq, now, value)
                while len(self._items) > _KEEP:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
        return value

    def _standing(self, key: tuple) -> tuple[Any] | None:
        """``(value,)`` if a result for ``key`` still stands, else None."""
        seq, now = _store().last_seq(), time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and (found[0] == seq or now - found[1] < MAX_AGE_S):
                self._items.move_to_end(key)
                return (found[2],)
        return None


def _results() -> _Results:
    return current_app.extensions["georisk.analysis"]


def _store() -> Store:
    return current_app.extensions["georisk.store"]


def _reader() -> Viewer:
    viewer = require_viewer()
    if not may_read_history(viewer):
        raise Problem(403, f"a {viewer.role} may not read history")
    return viewer


def _kept(name: str, query: Any, compute: Callable[[Viewer], Any]) -> Any:
    """``compute`` for the viewer's agency, kept until the journal moves on."""
    viewer = _reader()
    scope = Viewer("", viewer.agency, Role.ANALYST)  # the policy decides by agency alone
    args = tuple(sorted((k, str(v)) for k, v in query.model_dump().items() if k != "format"))
    return _results().get((str(viewer.agency), name, args), lambda: compute(scope))


def _incidents(viewer: Viewer, query: Any) -> gpd.GeoDataFrame:
    frame = _results().get(("incidents", str(viewer.agency)),
                         lambda: analysis.incidents(_store(), viewer))
    return analysis.journal.window(
        frame, "reported_at", query.start, query.end,
        types=("type", getattr(query, "type", ())), counties=("county", query.county),
    )


def _table(frame: pd.DataFrame, name: str, fmt: str) -> Response:
    """A table as JSON (``columns``, ``rows``) or as a CSV download."""
    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    if fmt == "csv":
        body = plain.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="georisk-{name}.csv"'
        return response
    rows = plain.astype(object).where(plain.notna(), None)
    for column in rows.columns:
        if pd.api.types.is_datetime64_any_dtype(plain[column]):
            rows[column] = plain[column].map(_iso)
    body = {"columns": list(plain.columns), "rows": rows.to_numpy().tolist()}
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
                    mimetype="application/json")


def _rounded(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Numbers to ``digits`` decimals (a page shows no more), the rest as it is."""
    numbers = frame.select_dtypes("number").columns
    return frame.assign(**{name: frame[name].round(digits) for name in numbers})


def _iso(value: Any) -> str | None:
    if pd.isna(value):
        return None
    return value.strftime("%Y-%m-%d") if value.tzinfo is None else value.isoformat()


_NOTE = ("For those who may read history; through the access policy (a record another "
         "agency may not see is absent, a restricted one counted as it is shown). "
         "`format=csv` downloads the table.")


@API.route("GET", "/analysis/history", summary="Incidents counted by place, time and type",
           tag="analysis", query=queries.AnalysisHistory, description=_NOTE)
def analysis_history(query: queries.AnalysisHistory) -> Response:
    table = _kept("history", query, lambda viewer: analysis.aggregate(
        _incidents(viewer, query), list(query.by) or ["week", "type"]))
    return _table(table, "history", query.format)


@API.route("GET", "/analysis/hotspots", summary="Hotspots beyond what population explains",
           tag="analysis", query=queries.AnalysisHotspots,
           description=_NOTE + " JSON is GeoJSON: the hot and cold 5 km cells.")
def analysis_hotspots(query: queries.AnalysisHotspots) -> Response:
    def compute(viewer: Viewer) -> gpd.GeoDataFrame:
        cells = analysis.hotspots(_incidents(viewer, query), permutations=query.permutations,
                                  alpha=float(query.alpha))
        return cells[cells["hotspot"] != ""].reset_index(drop=True)

    cells = _kept("hotspots", query, compute)
    if query.format == "csv":
        return _table(cells, "hotspots", "csv")
    shown = cells.drop(columns="population").round({"expected": 3, "rate_ratio": 3, "gi_z": 3})
    return Response(shown.to_json(drop_id=True), mimetype="application/geo+json")


@API.route("GET", "/analysis/forecast", summary="Weekly incidents and their forecast",
           tag="analysis", query=queries.AnalysisForecast,
           description=_NOTE + " The weekly counts so far (`history`) and the forecast with "
           "its 90 % prediction interval (`forecast`); with too little history for one, "
           "both empty and `note` says why.")
def analysis_forecast(query: queries.AnalysisForecast) -> Response:
    def compute(viewer: Viewer) -> tuple[pd.DataFrame, pd.DataFrame]:
        frame = _incidents(viewer, query)
        types = sorted(query.type) or [str(t) for t in IncidentType]
        zones = None
        if str(IncidentType.FOREST_FIRE) in types:
            zones = _results().get(("zones", str(viewer.agency)),
                                 lambda: analysis.riskzones(_store(), viewer))
        try:
            past = analysis.weekly_counts(frame, query.by, types)
            ahead = analysis.forecast(frame, by=query.by, weeks=query.weeks, types=types,
                                      riskzones=zones)
            return past, ahead, ""
        except analysis.ForecastError as exc:  # too little history: say so, forecast none
            return _EMPTY_HISTORY, _EMPTY_FORECAST, str(exc)

    past, ahead, note = _kept("forecast", query, compute)
    if query.format == "csv":
        both = pd.concat([past.assign(kind="history"), ahead.assign(kind="forecast")])
        return _table(both, "forecast", "csv")
    history = orjson.loads(_table(past, "", "json").get_data())
    forecast = orjson.loads(_table(_rounded(ahead, 3), "", "json").get_data())
    return Response(orjson.dumps({"history": history, "forecast": forecast, "note": note}),
                    mimetype="application/json")


_EMPTY_HISTORY = pd.DataFrame(columns=["area", "week", "type", "count"])
_EMPTY_FORECAST = pd.DataFrame(columns=["area", "week", "type", "mean", "lower", "upper",
                                        "interval_p"])


@API.route("GET", "/analysis/blockages", summary="Blockage durations by road and reason",
           tag="analysis", query=queries.AnalysisBlockages, description=_NOTE)
def analysis_blockages(query: queries.AnalysisBlockages) -> Response:
    def compute(viewer: Viewer) -> pd.DataFrame:
        frame = analysis.blockages(_store(), viewer, start=query.start, end=query.end,
                                   counties=query.county)
        return analysis.blockage_summary(analysis.blockage_durations(frame),
                                         list(query.by) or ["road", "reason"])

    return _table(_rounded(_kept("blockages", query, compute), 3), "blockages", query.format)


@API.route("GET", "/analysis/response", summary="Units' time to scene, on scene, response",
           tag="analysis", query=queries.AnalysisResponse, description=_NOTE)
def analysis_response(query: queries.AnalysisResponse) -> Response:
    def compute(viewer: Viewer) -> pd.DataFrame:
        everything = _results().get(("incidents", str(viewer.agency)),
                                  lambda: analysis.incidents(_store(), viewer))
        found = analysis.missions(_store(), viewer, start=query.start, end=query.end,
                                  incidents=everything)
        if query.type:
            found = found[found["type"].isin(query.type)]
        if query.county:
            found = found[found["county"].isin(query.county)]
        return analysis.response_summary(found, list(query.by) or ["agency", "unit_kind"])

    return _table(_rounded(_kept("response", query, compute), 2), "response", query.format)


@API.route("GET", "/analysis/availability", summary="Units per status through time, by county",
           tag="analysis", query=queries.AnalysisAvailability, description=_NOTE)
def analysis_availability(query: queries.AnalysisAvailability) -> Response:
    def compute(viewer: Viewer) -> pd.DataFrame:
        hours = analysis.availability(_store(), viewer, start=query.start, end=query.end)
        if query.county:
            hours = hours[hours["county"].isin(query.county)]
        if query.every == "hour" or hours.empty:
            return hours
        day = hours["time"].dt.tz_convert("Europe/Stockholm").dt.tz_localize(None).dt.normalize()
        daily = hours.drop(columns="time").groupby([day.rename("date"), "county"]).mean()
        return daily.reset_index()

    table = _rounded(_kept("availability", query, compute), 3)
    return _table(table, "availability", query.format)


def install(app: Flask) -> None:
    """This app's kept results; and, once per process and off the request path, what
    every first table would otherwise wait for (`georisk.analysis.prepare`: seconds of
    imports, the population grid and its weights), so a first visit does not."""
    global _WARMING
    app.extensions["georisk.analysis"] = _Results()
    if _WARMING is None and not app.config.get("TESTING"):
        _WARMING = threading.Thread(target=analysis.prepare, name="georisk-analysis-prepare",
                                    daemon=True)
        _WARMING.start()


_WARMING: threading.Thread | None = None


# -- the page ------------------------------------------------------------------------------


@functools.cache
def _outlines() -> dict[str, Any]:
    """The counties, simplified: the hotspot map's only background (no tiles needed)."""
    frame = counties()[["code", "name", "geometry"]].copy()
    frame["geometry"] = frame.geometry.simplify(0.01)
    return orjson.loads(frame.to_json(drop_id=True))


@blueprint.get("/analys")
def page() -> Response:
    lang = page_language()
    viewer = require_viewer()
    if not may_read_history(viewer):
        abort(403, f"a {viewer.role} may not read history")
    config = {
        "lang": lang,
        "texts": {**templates("an.", lang), **{k: v for k, v in templates("ui.", lang).items()
                                               if k.startswith(("type.", "agency.", "kind.",
                                                                "reason."))}},
        "types": [str(t) for t in IncidentType],
        "counties": [{"code": c["properties"]["code"], "name": c["properties"]["name"]}
                     for c in _outlines()["features"]],
        "outlines": _outlines(),
        "viewer": {"name": viewer.name, "agency": str(viewer.agency)},
    }
    html = render_template(
        "analysis.html", lang=lang, t=lambda key, **values: text(key, lang, **values),
        config=orjson.dumps(config).decode().replace("</", "<\\/"),
        other_lang="en" if lang == "sv" else "sv", csrf=csrf_meta(),
        plotly=assets.url_path(assets.get("plotly", "plotly.min.js")),
        leaflet_js=assets.url_path(assets.get("leaflet", "leaflet.js")),
        leaflet_css=assets.url_path(assets.get("leaflet", "leaflet.css")),
        script=assets.url_path(assets.get("georisk", "analysis.js")),
        style=assets.url_path(assets.get("georisk", "analysis.css")),
        viewer_line=text("an.viewer", lang, name=viewer.name,
                         agency=text(f"ui.agency.{viewer.agency}", lang)),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = headers.ANALYSIS_PAGE
    return response

