"""Roads and units from the journal: how long roads stay closed, how fast units get there,
how many are free.

* Blockages: each blockage's duration, start to lifting (one still active counts up to
  the moment analysed and is marked ``active``: its duration is a lower bound).
* Missions: a unit's mission runs from its dispatch (``unit.assigned``, or its status
  turning ``en_route``) through its arrival (status ``on_scene``) to its clearing
  (``unit.released``, or its status turning ``available`` or ``out_of_service``):
  time to scene = arrival − dispatch, time on scene = clearing − arrival; with the
  incident it was assigned to (when the viewer may see that incident), the response time
  = the unit's arrival − the incident's report.
* Availability: every unit's status through time, by the county of its home (where it
  was registered), as counts per status at each hour.

All from the viewer's own view of the journal and through the access policy, as
`georisk.analysis.journal` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
import shapely

from georisk.access import Viewer, present_frame, view_of
from georisk.analysis.journal import incidents as incident_frame
from georisk.model import UnitStatus
from georisk.store import Store
from georisk.store.journaling import EVENT_ROW_COLUMNS
from georisk.timeutil import to_micros

_MISSION_FIELDS = {
    "status": "$.properties.status",
    "assigned_to": "$.properties.assigned_to",
    "agency": "$.properties.agency",
    "callsign": "$.properties.callsign",
    "unit_kind": "$.properties.unit_kind",
}
_STATUS_FIELDS = {
    "status": "$.properties.status",
    "agency": "$.properties.agency",
    "lon": "$.geometry.coordinates[0]",
    "lat": "$.geometry.coordinates[1]",
}
_MISSION_KINDS = ("unit.assigned", "unit.released", "unit.status")
_STATUS_KINDS = ("unit.registered", "unit.status", "unit.updated")
_MINUTE = pd.Timedelta(minutes=1)
_HOUR = pd.Timedelta(hours=1)


def blockage_durations(blockages: pd.DataFrame, as_of: datetime | None = None) -> pd.DataFrame:
    """Each blockage with ``duration_h``: start to lifting, or to ``as_of`` (now) for one
    still active (``active`` True: a lower bound)."""
    until = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now(tz="UTC")
    out = blockages.drop(columns="geometry", errors="ignore").copy()
    out["active"] = out["lifted_at"].isna().to_numpy()
    end = out["lifted_at"].dt.as_unit("us").fillna(until.as_unit("us"))
    out["duration_h"] = ((end - out["start"].dt.as_unit("us")) / _HOUR).clip(lower=0)
    return pd.DataFrame(out)


def blockage_summary(
    durations: pd.DataFrame, by: Sequence[str] = ("road", "reason")
) -> pd.DataFrame:
    """Per ``by``: how many blockages, how many still active, and the median, mean and
    90th percentile duration (hours) and total hours of those lifted."""
    lifted = durations[~durations["active"]]
    stats = lifted.groupby(list(by))["duration_h"].agg(
        lifted="size", median_h="median", mean_h="mean",
        p90_h=lambda d: d.quantile(0.9), total_h="sum",
    )
    counts = durations.groupby(list(by)).agg(blockages=("id", "size"), active=("active", "sum"))
    out = counts.join(stats, how="left").fillna({"lifted": 0, "total_h": 0.0})
    out["lifted"] = out["lifted"].astype(int)
    return out.reset_index().sort_values(["blockages", *by], ascending=[False, *[True] * len(by)],
                                         ignore_index=True)


def unit_events(store: Store, viewer: Viewer, *, end: datetime | None = None) -> pd.DataFrame:
    """The unit events of the viewer's view journaled up to ``end`` that `missions` and
    `availability` read, with every value either takes, as the journal holds them (the
    policy is applied by each): read once for both, which is most of either's cost."""
    return store.event_rows("unit", sorted({*_MISSION_KINDS, *_STATUS_KINDS}), None, end,
                            {**_MISSION_FIELDS, **_STATUS_FIELDS}, view_of(viewer))


def _unit_rows(
    store: Store,
    viewer: Viewer,
    kinds: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    fields: dict[str, str],
    visible_incidents: set[str] | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unit events of the viewer's view, with only the values asked for (each one read
    from the payload costs time over a year of events), through the policy; from
    ``events`` (`unit_events` up to ``end`` or later) when given, else from the store."""
    if events is None:
        rows = store.event_rows("unit", kinds, start, end, fields, view_of(viewer))
    else:  # event times never decrease with seq: the window is a run of rows
        keep = events["kind"].isin(kinds)
        if start is not None:
            keep &= events["time_us"] >= to_micros(start)
        if end is not None:
            keep &= events["time_us"] <= to_micros(end)
        rows = events.loc[keep, [*EVENT_ROW_COLUMNS, *fields]].reset_index(drop=True)
    frame = rows.rename(columns={"entity_id": "id"})
    frame["time"] = pd.to_datetime(frame["time_us"], unit="us", utc=True)
    if "lon" in frame:
        lon, lat = frame.pop("lon").to_numpy(float), frame.pop("lat").to_numpy(float)
        frame["geometry"] = shapely.points(lon, lat)
    else:
        frame["geometry"] = None
    frame = frame.drop(columns=["time_us"])
    return present_frame(viewer, "unit", frame, visible_incidents)


def missions(
    store: Store,
    viewer: Viewer,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    incidents: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per mission journaled in [``start``, ``end``]: the unit (``id``,
    ``callsign``, ``agency``, ``unit_kind``), ``incident`` (when assigned to one the
    viewer sees) with its ``type``, ``county`` and ``reported_at``, ``dispatched``,
    ``arrived``, ``cleared``, and ``to_scene_min``, ``on_scene_min``, ``response_min``.
    ``incidents`` is the viewer's incidents as of ``as_of``, and ``events`` its
    `unit_events` up to ``end``, when already read."""
    shown = incident_frame(store, viewer, as_of=as_of) if incidents is None else incidents
    rows = _unit_rows(store, viewer, _MISSION_KINDS, start, end, _MISSION_FIELDS,
                      set(shown["id"]), events)
    rows = rows.sort_values(["id", "seq"], kind="stable")
    status = rows["status"]
    # an assignment whose incident is withheld reads as a release (`present_event`)
    assigned = (rows["kind"] == "unit.assigned") & rows["assigned_to"].notna()
    released = (rows["kind"] == "unit.released") | ((rows["kind"] == "unit.assigned")
                                                    & rows["assigned_to"].isna())
    is_status = rows["kind"] == "unit.status"
    begins = assigned | (is_status & (status == UnitStatus.EN_ROUTE))
    arrives = is_status & (status == UnitStatus.ON_SCENE)
    clears = released | (is_status & status.isin([UnitStatus.AVAILABLE,
                                                   UnitStatus.OUT_OF_SERVICE]))
    rows = rows.assign(
        segment=clears.astype(int).groupby(rows["id"]).cumsum() - clears.astype(int),
        began=rows["time"].where(begins), came=rows["time"].where(arrives),
        left=rows["time"].where(clears), incident=rows["assigned_to"].where(assigned),
    )
    grouped = rows.groupby(["id", "segment"], sort=False)
    out = grouped.agg(callsign=("callsign", "last"), agency=("agency", "last"),
                      unit_kind=("unit_kind", "last"), generalised=("generalised", "last"),
                      incident=("incident", "first"), dispatched=("began", "min"),
                      arrived=("came", "min"), cleared=("left", "min")).reset_index()
    out = out[out["arrived"].notna()].drop(columns="segment")
    out["to_scene_min"] = (out["arrived"] - out["dispatched"]) / _MINUTE
    out["on_scene_min"] = (out["cleared"] - out["arrived"]) / _MINUTE
    details = shown.set_index("id")[["type", "county", "municipality", "reported_at"]]
    out = out.join(details, on="incident")
    out["response_min"] = (out["arrived"] - out["reported_at"]) / _MINUTE
    return out.sort_values("arrived", ignore_index=True)


def response_summary(
    missions_: pd.DataFrame, by: Sequence[str] = ("agency", "unit_kind")
) -> pd.DataFrame:
    """Per ``by``: missions, and the median and 90th percentile of the time to scene,
    time on scene and response time (minutes)."""
    def p90(values: pd.Series) -> float:
        return values.quantile(0.9)

    table = missions_.groupby(list(by)).agg(
        missions=("id", "size"),
        to_scene_median=("to_scene_min", "median"), to_scene_p90=("to_scene_min", p90),
        on_scene_median=("on_scene_min", "median"), on_scene_p90=("on_scene_min", p90),
        response_median=("response_min", "median"), response_p90=("response_min", p90),
    )
    return table.reset_index()


_NO_AVAILABILITY = ["time", "county", "units", "available_share"]


def availability(
    store: Store,
    viewer: Viewer,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    every: str = "1h",
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Units per status at each ``every`` (a pandas frequency) from ``start`` to ``end``,
    by the county of the unit's home: ``time``, ``county`` and one column per status,
    ``units`` and ``available_share``. ``events``: the viewer's `unit_events` up to
    ``end``, when already read."""
    import geopandas as gpd

    from georisk.area.boundaries import counties

    rows = _unit_rows(store, viewer, _STATUS_KINDS, None, end, _STATUS_FIELDS, events=events)
    if rows.empty:  # no unit this viewer may see has a status: no times to count at
        return pd.DataFrame(columns=_NO_AVAILABILITY)
    rows = rows.sort_values(["id", "seq"], kind="stable")
    homes = gpd.GeoDataFrame(rows[rows["kind"] == "unit.registered"].drop_duplicates("id"),
                             geometry="geometry", crs="EPSG:4326")
    areas = counties()[["code", "geometry"]]
    found = gpd.sjoin(homes[["id", "geometry"]], areas, predicate="within", how="left")
    county = found.drop_duplicates("id").set_index("id")["code"].fillna("")
    rows["county"] = rows["id"].map(county).fillna("")
    before = rows.groupby("id")["status"].shift()
    changed = rows[rows["status"] != before]
    steps = pd.concat([
        changed.assign(step=1)[["time", "county", "status", "step"]],
        changed.assign(status=before[changed.index], step=-1).dropna(subset=["status"])
        [["time", "county", "status", "step"]],
    ])
    running = steps.sort_values("time", kind="stable")
    running["units"] = running.groupby(["county", "status"])["step"].cumsum()
    first = pd.Timestamp(start) if start is not None else rows["time"].min()
    last = pd.Timestamp(end) if end is not None else rows["time"].max()
    times = pd.date_range(first.ceil(every), last, freq=every)
    out = []
    grid = times.tz_convert(None).to_numpy()  # plain datetime64: no Timestamp objects
    for (place, state), part in running.groupby(["county", "status"]):
        moments = part["time"].dt.tz_convert(None).to_numpy()
        at = np.searchsorted(moments, grid, side="right") - 1
        counts = np.where(at >= 0, part["units"].to_numpy()[np.maximum(at, 0)], 0)
        out.append(pd.DataFrame({"time": times, "county": place, "status": state,
                                 "units": counts}))
    if not out:
        return pd.DataFrame(columns=_NO_AVAILABILITY)
    long = pd.concat(out, ignore_index=True)
    wide = long.pivot_table(index=["time", "county"], columns="status", values="units",
                            fill_value=0, aggfunc="sum")
    wide = wide.reindex(columns=[str(s) for s in UnitStatus], fill_value=0)
    wide["units"] = wide.sum(axis=1)
    wide["available_share"] = wide[str(UnitStatus.AVAILABLE)] / wide["units"].replace(0, np.nan)
    wide.columns.name = None
    return wide.reset_index()
