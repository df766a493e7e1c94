"""The journal as GeoDataFrames, as one viewer may see it.

Analysis reads whole kinds of records at once (every incident of a year), so nothing here
decodes a record at a time: the store hands over the payloads of the records as they
stood at a moment (`georisk.store.Store.record_rows`), pyarrow reads their properties
column by column and shapely their geometries, and the access policy is applied to the
table (`georisk.access.present_frame`): a record the viewer may not see is absent, a
restricted one of another agency takes its generalised form, as in every other output.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import typing
from datetime import datetime
from enum import StrEnum
from types import NoneType, UnionType

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
import shapely

from georisk.access import Viewer, present_frame, view_of
from georisk.crs import WGS84
from georisk.model import RECORD_TYPES
from georisk.store import Store

_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(),
          datetime: pa.string()}
#: Properties the tables leave out: an incident's links name other incidents, which the
#: access policy shows only to agencies that see both (`georisk.access`), and no table
#: counts by them.
_LEFT_OUT = frozenset({"links"})


@functools.cache
def _layout(kind: str) -> tuple[pa.Schema, tuple[str, ...], tuple[str, ...]]:
    """(the payload's schema for pyarrow, the property names, those that are times)."""
    cls = RECORD_TYPES[kind]
    hints = typing.get_type_hints(cls)
    fields, times = [], []
    for field in dataclasses.fields(cls):
        if field.name in ("id", cls.geometry_field) or field.name in _LEFT_OUT:
            continue
        hint = hints[field.name]
        if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
            hint = next(arg for arg in typing.get_args(hint) if arg is not NoneType)
        if isinstance(hint, type) and issubclass(hint, StrEnum):
            hint = str
        fields.append(pa.field(field.name, _ARROW[hint]))
        if hint is datetime:
            times.append(field.name)
    schema = pa.schema([pa.field("properties", pa.struct(fields))])
    return schema, tuple(f.name for f in fields), tuple(times)


def decode(kind: str, rows: pd.DataFrame) -> gpd.GeoDataFrame:
    """Rows of `Store.record_rows` as a GeoDataFrame: ``id``, one column per property
    of the record (times as UTC timestamps), ``seq`` and ``geometry`` (WGS84)."""
    schema, names, times = _layout(kind)
    payloads = rows["payload"].to_numpy(dtype=object)
    if len(payloads):
        text = "\n".join(payloads).encode()
        options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        table = pj.read_json(io.BytesIO(text), parse_options=options)
        columns = table.column("properties").combine_chunks().flatten()
        frame = pd.DataFrame({name: column.to_pandas() for name, column
                              in zip(names, columns, strict=True)})
        geometry = shapely.from_geojson(payloads, on_invalid="ignore")
    else:
        frame = pd.DataFrame({name: pd.Series(dtype=object) for name in names})
        geometry = np.empty(0, dtype=object)
    for name in times:
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    frame.insert(0, "id", rows["id"].to_numpy())
    frame["seq"] = rows["seq"].to_numpy()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def records(
    store: Store, kind: str, viewer: Viewer | None, as_of: datetime | None = None
) -> gpd.GeoDataFrame:
    """Every record of ``kind`` as the journal knew it at ``as_of`` (now when None), as
    ``viewer`` may see it; ``generalised`` marks the records shown generalised."""
    frame = decode(kind, store.record_rows(kind, as_of))
    visible = None
    if kind == "unit":  # an assignment is shown only when its incident is
        visible = set(records(store, "incident", viewer, as_of)["id"])
    shown = present_frame(viewer, kind, frame, visible)
    return gpd.GeoDataFrame(shown, geometry="geometry", crs=WGS84).reset_index(drop=True)


def incidents(
    store: Store,
    viewer: Viewer | None,
    *,
    as_of: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    types: typing.Iterable[str] = (),
    counties: typing.Iterable[str] = (),
) -> gpd.GeoDataFrame:
    """Incidents reported in [``start``, ``end``) as ``viewer`` sees them, as of
    ``as_of``; ``types`` and ``counties`` (SCB codes) filter on what the viewer is shown
    (a generalised incident has its generic type)."""
    frame = records(store, "incident", viewer, as_of)
    return window(frame, "reported_at", start, end, types=("type", types),
                   counties=("county", counties))


def blockages(
    store: Store,
    viewer: Viewer | None,
    *,
    as_of: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    counties: typing.Iterable[str] = (),
) -> gpd.GeoDataFrame:
    """Road blockages that started in [``start``, ``end``), as ``viewer`` sees them."""
    frame = records(store, "blockage", viewer, as_of)
    return window(frame, "start", start, end, counties=("county", counties))


def riskzones(
    store: Store,
    viewer: Viewer | None,
    *,
    as_of: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> gpd.GeoDataFrame:
    """Issued fire-risk zones valid from [``start``, ``end``) (withdrawn ones left out)."""
    frame = records(store, "riskzones", viewer, as_of)
    frame = frame[frame["status"] == "issued"]
    return window(frame, "valid_from", start, end)


_TRACK_FIELDS = {
    "position_time": "$.properties.position_time",
    "status": "$.properties.status",
    "agency": "$.properties.agency",
    "callsign": "$.properties.callsign",
    "unit_kind": "$.properties.unit_kind",
    "home_station": "$.properties.home_station",
    "heading": "$.properties.heading",
    "speed_kmh": "$.properties.speed_kmh",
    "lon": "$.geometry.coordinates[0]",
    "lat": "$.geometry.coordinates[1]",
}


def unit_tracks(
    store: Store,
    viewer: Viewer,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    units: typing.Iterable[str] = (),
) -> gpd.GeoDataFrame:
    """Units' reported positions (``unit.moved`` events) journaled in [``start``,
    ``end``], oldest first, from the viewer's view of the journal: one point per report
    with its time, status, heading and speed, generalised as the unit is."""
    rows = store.event_rows("unit", ["unit.moved"], start, end, _TRACK_FIELDS, view_of(viewer))
    wanted = set(units)
    if wanted:
        rows = rows[rows["entity_id"].isin(wanted)]
    rows = rows.rename(columns={"entity_id": "id"})
    rows["position_time"] = pd.to_datetime(rows["position_time"], utc=True, format="ISO8601")
    rows["time"] = pd.to_datetime(rows["time_us"], unit="us", utc=True)
    geometry = shapely.points(rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
    frame = pd.DataFrame(rows.drop(columns=["lon", "lat", "time_us", "kind"]))
    frame["geometry"] = geometry
    shown = present_frame(viewer, "unit", frame)
    return gpd.GeoDataFrame(shown, geometry="geometry", crs=WGS84).reset_index(drop=True)


def window(
    frame: gpd.GeoDataFrame,
    column: str,
    start: datetime | None,
    end: datetime | None,
    **filters: tuple[str, typing.Iterable[str]],
) -> gpd.GeoDataFrame:
    """The rows whose ``column`` is in [``start``, ``end``) and, per filter
    ``name=(column, values)``, whose column holds one of the values (none: any)."""
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= (frame[column] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (frame[column] < pd.Timestamp(end)).to_numpy()
    for name, values in filters.values():
        values = set(values)
        if values:
            keep &= frame[name].isin(values).to_numpy()
    return frame[keep].reset_index(drop=True)
