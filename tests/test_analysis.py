"""georisk.analysis on real SQLite journals: the policy applied to whole tables, history
as of a time, aggregations, hotspots, forecasts and backtests, roads and units."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

from georisk import analysis
from georisk import commands as c
from georisk.access import Role, Viewer, present
from georisk.commands import Actor
from georisk.model import Agency, Classification
from georisk.store import Query, SQLiteStore
from georisk.timeutil import parse_instant
from tests import factories

END = parse_instant("2026-09-30T00:00:00+02:00")
VIEWERS = [Viewer(f"{a}", Agency(a), Role.ANALYST) for a in ("police", "rescue", "sos", "centre")]


@pytest.fixture
def seeded(tmp_path):
    """One incident, unit and blockage of every agency and classification."""
    store = SQLiteStore(tmp_path / "seeded.db")
    now = factories.T0
    for n, (agency, classification) in enumerate(
        itertools.product((Agency.POLICE, Agency.RESCUE, Agency.SOS), list(Classification))
    ):
        point = shapely.Point(15.0 + n * 0.0137, 59.2 + n * 0.0091)
        store.apply([
            c.ReportIncident(factories.incident(
                f"inc-{n}", agency=agency, classification=classification, location=point,
                reported_at=now + timedelta(minutes=n), title=f"Titel {n}")),
            c.RegisterUnit(factories.unit(f"unit-{n}", agency=agency,
                                          classification=classification)),
            c.MoveUnit(f"unit-{n}", point, now + timedelta(minutes=n), 90.0, 50.0),
            c.ReportBlockage(factories.blockage(
                f"blk-{n}", agency=agency, classification=classification,
                start=now + timedelta(minutes=7 * n + 3), road="E18 vid Glanshammar",
                section=shapely.LineString([(point.x, point.y), (point.x + 0.01, point.y)]))),
        ], Actor(f"seeder-{agency}", agency))
    yield store
    store.close()


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.agency)
@pytest.mark.parametrize("kind", ["incident", "unit", "blockage"])
def test_tables_show_exactly_what_present_shows_record_by_record(seeded, viewer, kind):
    table = analysis.records(seeded, kind, viewer).set_index("id")
    lookup = seeded.get
    truth = {r.id: present(viewer, r, lookup=lookup) for r in seeded.query(Query(kind)).records}
    shown = {id_: p for id_, p in truth.items() if p is not None}
    assert set(table.index) == set(shown)
    assert 0 < len(shown) < len(truth) or viewer.agency == Agency.CENTRE
    for id_, expected in shown.items():
        row = table.loc[id_]
        feature = expected.record.to_feature()
        assert bool(row["generalised"]) == expected.generalised
        assert shapely.equals_exact(row["geometry"], expected.record.geometry, 1e-9), id_
        for name, value in feature["properties"].items():
            if name in row.index and name not in ("assigned_to",):
                got = row[name]
                if isinstance(got, pd.Timestamp):
                    got = got.strftime("%Y-%m-%dT%H:%M:%SZ")
                    value = value.replace(".000000", "") if value else value
                if value is None:
                    assert got is None or pd.isna(got), (id_, name)
                else:
                    assert got == value, (id_, name, got, value)


def test_a_generalised_incident_is_counted_as_shown(seeded):
    rescue = VIEWERS[1]
    counted = analysis.aggregate(analysis.incidents(seeded, rescue), ["type", "agency"])
    police = counted[counted["agency"] == "police"].set_index("type")["count"]
    # police's open incident in full, its restricted one as a generic police event, its
    # agency-only one nowhere
    assert police.sum() == 2
    assert "police" in police.index


def test_history_as_of_a_time_is_the_journals_picture_then(analysis_db):
    store = SQLiteStore(analysis_db, create=False)
    try:
        moment = END - timedelta(days=40)
        viewer = VIEWERS[3]
        then = analysis.incidents(store, viewer, as_of=moment)
        picture = {i.id: i for i in store.state_at(moment).incidents
                   if present(viewer, i) is not None}
        assert set(then["id"]) == set(picture)
        statuses = then.set_index("id")["status"]
        assert all(statuses[i] == str(picture[i].status) for i in picture)
        assert (then["reported_at"] <= pd.Timestamp(moment)).all()
        now = analysis.incidents(store, viewer)
        assert len(now) > len(then) and (now["status"] == "open").sum() < len(now)
    finally:
        store.close()


def test_aggregations_add_up_and_bin_in_stockholm_time(analysis_db):
    store = SQLiteStore(analysis_db, create=False)
    try:
        frame = analysis.incidents(store, VIEWERS[3])
    finally:
        store.close()
    for by in (["municipality", "week", "type"], ["cell", "hour"], ["county", "season", "agency"],
               ["weekday"], ["month", "severity"]):
        table = analysis.aggregate(frame, by)
        assert table["count"].sum() == len(frame), by
        assert not table.duplicated(by).any()
    weekly = analysis.aggregate(frame, ["week"])
    assert (pd.to_datetime(weekly["week"]).dt.day_of_week == 0).all()  # Mondays
    local = frame["reported_at"].dt.tz_convert("Europe/Stockholm")
    hours = analysis.aggregate(frame, ["hour"]).set_index("hour")["count"]
    assert hours.to_dict() == local.dt.hour.value_counts().to_dict()
    with pytest.raises(analysis.UnknownKey):
        analysis.aggregate(frame, ["fortnight"])


def test_hotspots_find_a_cluster_population_does_not_explain():
    from georisk.analysis.hotspots import area_grid
    from georisk.crs import WGS84, to_wgs84

    grid = area_grid()
    rng = np.random.default_rng(1)
    share = grid.population / grid.population.sum()
    cells = rng.choice(len(share), size=3000, p=share)  # incidents that follow people
    remote = int(np.argmin(np.abs(grid.population - np.median(grid.population))))
    cells = np.r_[cells, np.full(60, remote)]  # and a cluster where few live
    x = grid.x[cells] + rng.uniform(0, grid.cell_m, len(cells))
    y = grid.y[cells] + rng.uniform(0, grid.cell_m, len(cells))
    lon, lat = to_wgs84(x, y)
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"id": np.arange(len(cells))},
                             geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    found = analysis.hotspots(frame, permutations=199, seed=2).set_index("cell")
    assert found.loc[grid.ids[remote], "hotspot"] == "hot"
    assert found.loc[grid.ids[remote], "observed"] >= 60
    hot = found[found["hotspot"] == "hot"]
    assert len(hot) < 40  # people alone make few hotspots
    assert (found["p_value"].between(0, 1)).all() and found["observed"].sum() == len(cells)


def test_forecasts_have_intervals_and_backtests_score_them(analysis_db):
    from georisk.scenario import ScenarioOptions
    from georisk.scenario.truth import expected_incidents

    store = SQLiteStore(analysis_db, create=False)
    try:
        viewer = VIEWERS[3]
        frame = analysis.incidents(store, viewer)
        zones = analysis.riskzones(store, viewer)
    finally:
        store.close()
    ahead = analysis.forecast(frame, by="county", weeks=4, riskzones=zones)
    assert len(ahead) == 5 * 4 * 7
    assert (ahead["lower"] <= ahead["upper"]).all() and (ahead["mean"] >= 0).all()
    assert (ahead["week"].diff().dropna().isin([pd.Timedelta(days=7), pd.Timedelta(0),
                                                 -pd.Timedelta(days=21)])).all()
    options = ScenarioOptions(seed=3, incidents=1500, units=40, days=120, end=END)
    truth = expected_incidents(options, "area", samples=500)
    weekly_truth = truth.groupby("week")["expected"].sum()
    assert abs(weekly_truth.sum() - 1500) < 1  # every incident drawn is in the truth
    rows, scores = analysis.backtest(frame, by="area", horizon=2, step=2, min_weeks=12,
                                     types=["medical", "traffic"], truth=truth)
    assert rows["truth"].notna().all() and rows["observed"].notna().all()
    assert rows["naive"].isna().all()  # four months hold no week a year back
    assert scores.empty  # so nothing is scored against the baseline
    assert set(rows["horizon"]) == {1, 2} and set(rows["type"]) == {"medical", "traffic"}
    scored = analysis.score(rows.assign(naive=rows["observed"] + 1))
    assert set(scored["type"]) == {"medical", "traffic", "all"}
    assert np.allclose(scored["mae_naive"], 1.0) and scored["coverage"].between(0, 1).all()
    mae = (rows["mean"] - rows["observed"]).abs().mean()
    assert scored.set_index("type").loc["all", "mae"] == pytest.approx(mae)
    with pytest.raises(analysis.ForecastError):
        analysis.forecast(frame, weeks=53)


def test_missions_blockages_and_availability_from_the_journal(analysis_db):
    store = SQLiteStore(analysis_db, create=False)
    try:
        viewer = VIEWERS[3]
        found = analysis.missions(store, viewer)
        hours = analysis.availability(store, viewer, every="6h")
        durations = analysis.blockage_durations(analysis.blockages(store, viewer), END)
        units = analysis.records(store, "unit", viewer)
    finally:
        store.close()
    assert len(found) > 100
    assert (found["to_scene_min"] >= 0).all() and (found["on_scene_min"].dropna() >= 0).all()
    linked = found.dropna(subset=["incident"])
    assert len(linked) > 0.9 * len(found)  # the demo assigns the units it sends
    assert (linked["response_min"] >= linked["to_scene_min"] - 1e-9).all()
    summary = analysis.response_summary(found)
    assert summary["missions"].sum() == len(found)
    assert (hours.groupby("time")["units"].sum() == len(units)).all()
    assert hours["available_share"].between(0, 1).all()
    assert (durations["duration_h"] >= 0).all() and durations["active"].any()
    table = analysis.blockage_summary(durations)
    assert table["blockages"].sum() == len(durations)


def test_as_of_finds_a_version_an_era_back(tmp_path):
    """The store looks an entity's last event up by era (65,536 events): a version
    written an era before the moment asked for is still found."""
    store = SQLiteStore(tmp_path / "eras.db")
    try:
        first = factories.T0
        store.apply([c.ReportIncident(factories.incident("inc-old", reported_at=first,
                                                         title="Först")),
                     c.RegisterUnit(factories.unit("unit-busy"))], factories.RESCUE,
                    at=first)
        point = shapely.Point(15.2, 59.3)
        for batch in range(14):  # 70,000 position reports: the next era
            moment = first + timedelta(minutes=batch + 1)
            store.apply([c.MoveUnit("unit-busy", point, moment, 0.0, 0.0)] * 5_000,
                        factories.RESCUE, at=moment)
        late = first + timedelta(hours=1)
        store.apply([c.UpdateIncident("inc-old", {"title": "Sedan"})], factories.RESCUE, at=late)
        assert store.last_seq() > 65_536
        viewer = VIEWERS[1]
        before = analysis.incidents(store, viewer, as_of=late - timedelta(minutes=1))
        after = analysis.incidents(store, viewer)
        assert before["title"].tolist() == ["Först"] and after["title"].tolist() == ["Sedan"]
        units = analysis.records(store, "unit", viewer, as_of=first + timedelta(seconds=1))
        assert units["position_time"].isna().all() or len(units) == 1
    finally:
        store.close()
