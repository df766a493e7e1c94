"""The analyst's page (``/analys``) and its tables under ``/api/v1/analysis/...``.

Each table is one function of `georisk.analysis` on what the signed-in viewer may see,
declared on the JSON API (its query model in `app.queries`, so the OpenAPI document lists
it), for those who may read history; ``format=csv`` gives the same table as a download.
What a table holds depends on the viewer's agency only (the access policy decides by
agency), so results are kept per agency (`_Results`): the page's charts and its
downloads, asked for again, cost nothing while the journal stands, and at most a minute
old while it moves. The tables the page opens with are computed before anyone asks, for
each agency with a history reader, and kept fresh (`Warming`).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
from flask import Blueprint, Flask, Response, abort, current_app, render_template

from app import headers, queries
from app.api import API
from app.auth import csrf_meta, flag, require_viewer
from app.pages import page_language
from app.problems import Problem
from georisk import analysis, queryparams
from georisk.access import Role, Viewer, may_read_history
from georisk.area.boundaries import counties
from georisk.identity import Tokens
from georisk.model import Agency, IncidentType
from georisk.queryparams import QueryModel
from georisk.store import Store
from georisk.texts import templates, text
from georisk.users import Users
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
        self._asking = threading.local()  # the age a computation in this thread allows
        self.asked: dict[str, float] = {}  # agency -> when a reader last asked (monotonic)

    def holds(self, key: tuple) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: tuple, compute: Callable[[], Any], max_age_s: float | None = None) -> Any:
        """The standing result for ``key``, else ``compute()``'s. ``max_age_s`` (default
        `MAX_AGE_S`) is how old a result may be once the journal has moved; it holds for
        whatever ``compute`` itself asks of these results too, so a result made fresh is
        made from fresh parts."""
        if max_age_s is None:
            max_age_s = getattr(self._asking, "max_age_s", None) or MAX_AGE_S
        found = self._standing(key, max_age_s)
        if found is not None:
            return found[0]
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            found = self._standing(key, max_age_s)  # computed while this one waited
            if found is not None:
                return found[0]
            seq, now = _store().last_seq(), time.monotonic()
            outer = getattr(self._asking, "max_age_s", None)
            self._asking.max_age_s = max_age_s
            try:
                value = compute()
            finally:
                self._asking.max_age_s = outer
            with self._lock:
                self._items[key] = (seq, now, value)
                while len(self._items) > _KEEP:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
        return value

    def _standing(self, key: tuple, max_age_s: float) -> tuple[Any] | None:
        """``(value,)`` if a result for ``key`` still stands, else None."""
        seq, now = _store().last_seq(), time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and (found[0] == seq or now - found[1] < max_age_s):
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


def _kept(agency: Agency | str, name: str, query: Any, max_age_s: float | None = None) -> Any:
    """Table ``name`` for ``query`` as ``agency`` sees it, kept until the journal moves on.
    The access policy decides by agency alone: one result serves every reader of that
    agency, and no other agency's."""
    scope = Viewer("", Agency(agency), Role.ANALYST)
    compute = _TABLES[name][1]
    if max_age_s is None:  # a reader's request (the background says how old it allows)
        _results().asked[str(scope.agency)] = time.monotonic()
    return _results().get(_key(agency, name, query), lambda: compute(scope, query), max_age_s)


def _key(agency: Agency | str, name: str, query: Any) -> tuple:
    args = tuple(sorted((k, str(v)) for k, v in query.model_dump().items() if k != "format"))
    return (str(Agency(agency)), name, args)


def _all_incidents(viewer: Viewer) -> gpd.GeoDataFrame:
    return _results().get(("incidents", str(viewer.agency)),
                          lambda: analysis.incidents(_store(), viewer))


def _incidents(viewer: Viewer, query: Any) -> gpd.GeoDataFrame:
    return analysis.journal.window(
        _all_incidents(viewer), "reported_at", query.start, query.end,
        types=("type", getattr(query, "type", ())), counties=("county", query.county),
    )


def _unit_events(viewer: Viewer, query: Any) -> pd.DataFrame:
    """The units' events that response times and availability both start from: one read
    of the journal for the two (each alone is most of a second at demo scale). Measured,
    one agency's page tables from nothing at demo scale, alternated in one run on a host
    at load 6: median 2.74 s against 3.11 s reading apart (4 rounds), 3.17 s against
    4.12 s (8 rounds): 12–23 % less."""
    return _results().get(("unit events", str(viewer.agency), str(query.end)),
                          lambda: analysis.unit_events(_store(), viewer, end=query.end))


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

# -- each table as one viewer sees it ----------------------------------------------------


def _history(viewer: Viewer, query: queries.AnalysisHistory) -> pd.DataFrame:
    return analysis.aggregate(_incidents(viewer, query), list(query.by) or ["week", "type"])


def _hotspots(viewer: Viewer, query: queries.AnalysisHotspots) -> gpd.GeoDataFrame:
    cells = analysis.hotspots(_incidents(viewer, query), permutations=query.permutations,
                              alpha=float(query.alpha))
    return cells[cells["hotspot"] != ""].reset_index(drop=True)


def _forecast(viewer: Viewer, query: queries.AnalysisForecast
              ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
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


_EMPTY_HISTORY = pd.DataFrame(columns=["area", "week", "type", "count"])
_EMPTY_FORECAST = pd.DataFrame(columns=["area", "week", "type", "mean", "lower", "upper",
                                        "interval_p"])


def _blockages(viewer: Viewer, query: queries.AnalysisBlockages) -> pd.DataFrame:
    frame = analysis.blockages(_store(), viewer, start=query.start, end=query.end,
                               counties=query.county)
    return analysis.blockage_summary(analysis.blockage_durations(frame),
                                     list(query.by) or ["road", "reason"])


def _response(viewer: Viewer, query: queries.AnalysisResponse) -> pd.DataFrame:
    found = analysis.missions(_store(), viewer, start=query.start, end=query.end,
                              incidents=_all_incidents(viewer),
                              events=_unit_events(viewer, query))
    if query.type:
        found = found[found["type"].isin(query.type)]
    if query.county:
        found = found[found["county"].isin(query.county)]
    return analysis.response_summary(found, list(query.by) or ["agency", "unit_kind"])


def _availability(viewer: Viewer, query: queries.AnalysisAvailability) -> pd.DataFrame:
    hours = analysis.availability(_store(), viewer, start=query.start, end=query.end,
                                  events=_unit_events(viewer, query))
    if query.county:
        hours = hours[hours["county"].isin(query.county)]
    if query.every == "hour" or hours.empty:
        return hours
    day = hours["time"].dt.tz_convert("Europe/Stockholm").dt.tz_localize(None).dt.normalize()
    daily = hours.drop(columns="time").groupby([day.rename("date"), "county"]).mean()
    return daily.reset_index()


#: Each table's query and how it is computed for a viewer.
_TABLES: dict[str, tuple[type[QueryModel], Callable[[Viewer, Any], Any]]] = {
    "history": (queries.AnalysisHistory, _history),
    "hotspots": (queries.AnalysisHotspots, _hotspots),
    "forecast": (queries.AnalysisForecast, _forecast),
    "blockages": (queries.AnalysisBlockages, _blockages),
    "response": (queries.AnalysisResponse, _response),
    "availability": (queries.AnalysisAvailability, _availability),
}

# -- the JSON API ------------------------------------------------------------------------


@API.route("GET", "/analysis/history", summary="Incidents counted by place, time and type",
           tag="analysis", query=queries.AnalysisHistory, description=_NOTE)
def analysis_history(query: queries.AnalysisHistory) -> Response:
    return _table(_kept(_reader().agency, "history", query), "history", query.format)


@API.route("GET", "/analysis/hotspots", summary="Hotspots beyond what population explains",
           tag="analysis", query=queries.AnalysisHotspots,
           description=_NOTE + " JSON is GeoJSON: the hot and cold 5 km cells.")
def analysis_hotspots(query: queries.AnalysisHotspots) -> Response:
    cells = _kept(_reader().agency, "hotspots", query)
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
    past, ahead, note = _kept(_reader().agency, "forecast", query)
    if query.format == "csv":
        both = pd.concat([past.assign(kind="history"), ahead.assign(kind="forecast")])
        return _table(both, "forecast", "csv")
    history = orjson.loads(_table(past, "", "json").get_data())
    forecast = orjson.loads(_table(_rounded(ahead, 3), "", "json").get_data())
    return Response(orjson.dumps({"history": history, "forecast": forecast, "note": note}),
                    mimetype="application/json")


@API.route("GET", "/analysis/blockages", summary="Blockage durations by road and reason",
           tag="analysis", query=queries.AnalysisBlockages, description=_NOTE)
def analysis_blockages(query: queries.AnalysisBlockages) -> Response:
    table = _rounded(_kept(_reader().agency, "blockages", query), 3)
    return _table(table, "blockages", query.format)


@API.route("GET", "/analysis/response", summary="Units' time to scene, on scene, response",
           tag="analysis", query=queries.AnalysisResponse, description=_NOTE)
def analysis_response(query: queries.AnalysisResponse) -> Response:
    return _table(_rounded(_kept(_reader().agency, "response", query), 2), "response",
                  query.format)


@API.route("GET", "/analysis/availability", summary="Units per status through time, by county",
           tag="analysis", query=queries.AnalysisAvailability, description=_NOTE)
def analysis_availability(query: queries.AnalysisAvailability) -> Response:
    table = _rounded(_kept(_reader().agency, "availability", query), 3)
    return _table(table, "availability", query.format)


# -- the page's tables, ready before anyone asks ------------------------------------------

#: The tables the page asks for as it opens, in its own words (layers/static/analysis.js):
#: what the service computes for each agency after it starts, and again as the journal
#: moves, so that a visit finds them ready.
PAGE = (
    ("forecast", "type=traffic&weeks=13"),
    ("history", "by=hour,type"),
    ("history", "by=weekday,type"),
    ("history", "by=month,type"),
    ("hotspots", ""),
    ("blockages", ""),
    ("response", ""),
    ("availability", "every=day"),
)
#: How often the background looks for a page table to compute again (seconds).
REFRESH_S = 15.0
#: How long after a reader of an agency last asked for a table its tables are kept fresh.
ACTIVE_S = 15 * 60.0
log = logging.getLogger(__name__)


def _page_query(name: str, given: str) -> Any:
    """The query the page sends for ``name``, read as its route reads it."""
    return queryparams.read(_TABLES[name][0], dict(urllib.parse.parse_qsl(given)))


def _reading_agencies(app: Flask) -> list[Agency]:
    """The agencies with someone who may read history (an active token or user)."""
    tokens: Tokens = app.extensions["georisk.tokens"]
    users: Users = app.extensions["georisk.users"]
    readers = [t.viewer() for t in tokens.list() if t.active]
    readers += [u.viewer() for u in users.list() if not u.disabled]
    found = {viewer.agency for viewer in readers if may_read_history(viewer)}
    return [agency for agency in Agency if agency in found]


class Warming:
    """The page's tables (`PAGE`) for every agency with a history reader, computed in a
    thread of the service's own from its start: first what every first table waits for
    (`georisk.analysis.prepare`: seconds of imports, the population grid and its
    weights), then each agency's tables, each as that agency may see it (the same
    `_kept` a request uses, one agency at a time: a result is only ever filed under the
    agency it was computed for). Then every `REFRESH_S` seconds, for each agency whose
    readers asked for a table in the last `ACTIVE_S` seconds, each one the journal has
    moved past and that is half `MAX_AGE_S` old is computed again, so a visit finds one
    standing rather than waiting for it. The cost: while the journal moves and an
    agency's analysts use the page, that agency's tables are computed about every half
    minute in the worker, beside its requests (a few seconds of one core each time, at
    demo scale); an agency nobody reads costs nothing after the first round.

    Measured (``bench_analysis page``, demo scale, four reading agencies, alternated with
    the service before it in one run on a busy host): the first round is done 14–18 s
    after the start, and a first visit then takes 2.5–2.9 s (median 2.6 s) against
    6.2–9.6 s (median 7.8 s), what a visit again takes."""

    def __init__(self, app: Flask, every_s: float = REFRESH_S):
        self._app = app
        self._every_s = every_s
        self._stop = threading.Event()
        self.ready = threading.Event()  # set when the first round is done
        self._thread = threading.Thread(target=self._run, name="georisk-analysis-warming",
                                        daemon=True)

    def start(self) -> Warming:
        self._thread.start()
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop after the table being computed (the thread is a daemon: a service that
        exits does not wait for it)."""
        self._stop.set()
        self._thread.join(timeout_s)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            analysis.prepare()
        except Exception:
            log.exception("analysis: preparing the statistics failed; the tables go on")
        while not self._stop.is_set():
            self.round()
            self.ready.set()
            self._stop.wait(self._every_s)

    def round(self) -> None:
        """Each page table of each reading agency that is missing, or (for an agency
        whose readers asked lately) that the journal has moved past and is half
        `MAX_AGE_S` old, computed; a failure is logged and the others go on."""
        with self._app.app_context():
            try:
                agencies = _reading_agencies(self._app)
            except Exception:
                log.exception("analysis: the agencies to compute the page's tables for "
                              "could not be read")
                return
            results, now = _results(), time.monotonic()
            for agency in agencies:
                active = now - results.asked.get(str(agency), -ACTIVE_S) < ACTIVE_S
                for name, given in PAGE:
                    if self._stop.is_set():
                        return
                    query = _page_query(name, given)
                    if not active and results.holds(_key(agency, name, query)):
                        continue  # nobody of this agency reads it now: a visit will ask
                    try:
                        _kept(agency, name, query, MAX_AGE_S / 2)
                    except Exception:
                        log.exception("analysis: the page's table %s?%s for %s failed in "
                                      "the background", name, given, agency)


def install(app: Flask) -> None:
    """This app's kept results; and, unless ``ANALYSIS_WARM`` is off (it is under
    ``TESTING``), its `Warming`."""
    app.extensions["georisk.analysis"] = _Results()
    if flag(app.config.get("ANALYSIS_WARM", not app.config.get("TESTING"))):
        app.extensions["georisk.analysis.warming"] = Warming(app).start()


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

