"""Analysis figures: aggregating a million-event journal, backtesting forecasts, the page.

Run: ``.venv/bin/python -m tests.bench.bench_analysis [aggregate|backtest|page ...]`` (all
three by default). Databases are demo scenarios written once into ``bench-data/`` (a few
minutes the first time) and reused.

* aggregate: a two-year demo journal of just over 1,000,000 events (34,000 incidents, the
  rest units' reports and statuses, blockages and risk zones), incidents counted by
  municipality × week × type for a centre analyst, ≤ 5 s; against the obvious geopandas
  route on the same file in the same run: every event read into a GeoDataFrame, each
  incident's last version kept, the same access policy, ``sjoin`` with the municipalities
  and ``groupby``.
* backtest: a two-year demo journal at the default scale (15,000 incidents a year), the
  second year backtested from rolling origins (every 4 weeks, 13 weeks ahead), by
  municipality and by county: MAE against the seasonal naive forecast, 90 % interval
  coverage, and the error of both against the generator's true intensities.
* page: the analyst page at demo scale (the default demo: 15,000 incidents, 300 units, a
  year) in headless Chromium: time until every chart is drawn, first visit after the
  start and again; the service computes the page's tables in the background from its
  start (`app.analysis.Warming`), and the first visit comes once they are ready (the
  time to that is printed). ``page-unwarmed`` is the same with only
  `georisk.analysis.prepare` done at the start, ``page-unprepared`` with neither: their
  first visits are the A/B of each.
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import orjson
import pandas as pd

from georisk import analysis
from georisk.access import Role, Viewer, present_frame
from georisk.area.boundaries import municipalities
from georisk.model import Agency
from georisk.scenario import ScenarioOptions
from georisk.store import SQLiteStore
from georisk.timeutil import parse_instant

DATA = Path(__file__).resolve().parent.parent.parent / "bench-data"
END = "2026-11-01T00:00:00+01:00"
ANALYST = Viewer("bench", Agency.CENTRE, Role.ANALYST)
MILLION = dict(seed=1, incidents=34_000, units=100, days=730)
TWO_YEARS = dict(seed=1, incidents=30_000, units=100, days=730)
DEMO = dict(seed=1, incidents=15_000, units=300, days=365)


def journal(name: str, options: dict) -> Path:
    """The demo database ``name`` with ``options``, written by `georisk demo` if absent."""
    DATA.mkdir(exist_ok=True)
    db = DATA / f"{name}.db"
    if not db.exists():
        args = [f"--{key}={value}" for key, value in options.items()]
        print(f"writing {db} ({', '.join(args)}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--db", str(db), "--no-serve",
                        f"--end={END}", *args], check=True, capture_output=True)
    return db


def ours(db: Path) -> pd.DataFrame:
    store = SQLiteStore(db, create=False)
    try:
        frame = analysis.incidents(store, ANALYST)
        return analysis.aggregate(frame, ["municipality", "week", "type"])
    finally:
        store.close()


def obvious(db: Path) -> pd.DataFrame:
    """Every event into a GeoDataFrame, then sjoin and groupby."""
    con = sqlite3.connect(db)
    events = pd.read_sql("SELECT seq, entity_kind, entity_id, payload FROM events "
                         "WHERE entity_kind != 'access'", con)
    con.close()
    features = [orjson.loads(payload) for payload in events["payload"]]
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    frame["entity_kind"] = events["entity_kind"].to_numpy()
    frame["seq"] = events["seq"].to_numpy()
    frame["id"] = events["entity_id"].to_numpy()
    incidents = frame[frame["entity_kind"] == "incident"].sort_values("seq")
    incidents = incidents.groupby("id").tail(1)
    incidents["reported_at"] = pd.to_datetime(incidents["reported_at"], utc=True, format="ISO8601")
    shown = gpd.GeoDataFrame(present_frame(ANALYST, "incident", incidents), crs="EPSG:4326")
    areas = municipalities()[["code", "geometry"]]
    joined = gpd.sjoin(shown, areas, predicate="within")
    local = joined["reported_at"].dt.tz_convert("Europe/Stockholm")
    week = local.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(local.dt.day_of_week, "D")
    counted = joined.groupby([joined["code"].rename("municipality"), week.rename("week"),
                              joined["type"]]).size()
    return counted.rename("count").reset_index()


def bench_aggregate() -> None:
    db = journal("million", MILLION)
    store = SQLiteStore(db, create=False)
    events = store.last_seq()
    store.close()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        table = ours(db)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    peer = obvious(db)
    peer_s = time.perf_counter() - start
    median = statistics.median(times)
    both = table.merge(peer, on=["municipality", "week", "type"], how="outer",
                       suffixes=("", "_peer")).fillna(0)
    same = (both["count"] == both["count_peer"]).mean()
    print(f"journal: {events:,} events, {int(table['count'].sum()):,} incidents shown")
    print(f"georisk.analysis (municipality x week x type): median {median:.2f} s of "
          f"{[round(t, 2) for t in times]}  target <= 5 s  {'OK' if median <= 5 else 'MISSED'}")
    print(f"obvious geopandas route (all events -> GeoDataFrame, sjoin, groupby): {peer_s:.1f} s")
    print(f"ratio: {peer_s / median:.0f} times faster; cells equal in both: {same:.1%} "
          f"(incidents the sjoin misses: in lakes attributed to the nearest municipality, "
          f"{int(table['count'].sum() - peer['count'].sum())})")


def bench_backtest() -> None:
    db = journal("two-years", TWO_YEARS)
    store = SQLiteStore(db, create=False)
    frame = analysis.incidents(store, ANALYST)
    zones = analysis.riskzones(store, ANALYST)
    store.close()
    from georisk.scenario.truth import expected_incidents

    options = ScenarioOptions(**TWO_YEARS, end=parse_instant(END))
    pd.set_option("display.width", 160)
    for by in ("county", "municipality"):
        truth = expected_incidents(options, by)
        start = time.perf_counter()
        _, scores = analysis.backtest(frame, by=by, horizon=13, step=4, min_weeks=52,
                                      riskzones=zones, truth=truth)
        took = time.perf_counter() - start
        print(f"\nbacktest by {by} ({took:.0f} s): 13 weeks ahead from every 4th week of year 2")
        shown = scores[["type", "rows", "mae", "mae_naive", "skill", "coverage", "nominal",
                        "mae_truth", "mae_truth_naive", "observed", "forecast"]]
        print(shown.round(3).to_string(index=False))
        for row in scores.itertuples():
            if row.mae >= row.mae_naive:
                print(f"  {row.type}: MAE not below the seasonal naive")
            if abs(row.coverage - row.level) > 0.05:
                print(f"  {row.type}: coverage {row.coverage:.1%} outside 90 % ± 5 points "
                      f"(the model's own probability of those intervals: {row.nominal:.1%})")


def bench_page(mode: str = "warm") -> None:
    """``warm``: the service as it starts (`app.analysis.Warming` computes the page's
    tables in the background), visited once that is done; ``unwarmed``: only
    `georisk.analysis.prepare` done before the first visit, the tables computed as the
    page asks (the service before the background tables); ``unprepared``: neither."""
    from app import create_app
    from georisk.identity import Tokens
    from tests import browser

    db = journal("demo", DEMO)
    token = Tokens(db).create("bench-analyst", "centre", "analyst")[1]
    started = time.perf_counter()
    app = create_app({"DB": str(db), "SECURE_COOKIES": False,
                      "ANALYSIS_WARM": mode == "warm"})
    if mode == "warm":
        app.extensions["georisk.analysis.warming"].ready.wait()
        print(f"page tables of every reading agency ready {time.perf_counter() - started:.1f} s "
              f"after the start", flush=True)
    elif mode == "unwarmed":
        analysis.prepare()
    ready = "() => document.documentElement.dataset.georiskReady === '1'"
    with browser.loopback_server(app) as base, browser.browser() as chromium:
        times = []
        for visit in range(4):
            context = chromium.new_context(viewport={"width": 1500, "height": 1000},
                                           extra_http_headers={"Authorization": f"Bearer {token}"})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{base}/analys")
            page.wait_for_function(ready, timeout=120_000)
            times.append(time.perf_counter() - start)
            context.close()
            print(f"visit {visit + 1}: every chart drawn in {times[-1]:.2f} s", flush=True)
    again = statistics.median(times[1:])
    print(f"analyst page at demo scale ({mode}): first visit {times[0]:.2f} s, again (median "
          f"of 3) {again:.2f} s  target <= 2 s  {'OK' if max(times[0], again) <= 2 else 'MISSED'}")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["aggregate", "backtest", "page"]
    for part in parts:
        print(f"\n== {part}", flush=True)
        {"aggregate": bench_aggregate, "backtest": bench_backtest, "page": bench_page,
         "page-unwarmed": lambda: bench_page("unwarmed"),
         "page-unprepared": lambda: bench_page("unprepared")}[part]()
