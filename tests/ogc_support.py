"""Shared set-up for the OGC API tests: one picture holding every geometry type, records
the viewer sees in full, generalised or not at all, a unit with no position yet, and
plain HTTP against the running service.

What the viewer should be shown is worked out here from the store and the access
policy (`georisk.access.present`), never from the service's own answers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from georisk import commands as c
from georisk.access import Role, Viewer, present, snap
from georisk.area import counties, municipalities
from georisk.model import Agency, Classification, RiskZone
from georisk.store import Query, SQLiteStore
from tests.api_support import make_token
from tests.factories import POLICE, RESCUE, T0, blockage, incident, unit

#: Collection id -> the store's record kind (None: the area layers).
COLLECTIONS = {"incidents": "incident", "units": "unit", "blockages": "blockage",
               "riskzones": "riskzones", "counties": None, "municipalities": None}
VIEWER = Viewer("gis", Agency.CENTRE, Role.ANALYST)


def with_parameters_inlined(document: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI document whose operations list each parameter itself, where the
    document refers to one kept under ``components/parameters`` (as ``limit`` is)."""
    shared = document.get("components", {}).get("parameters", {})

    def inlined(param: dict[str, Any]) -> dict[str, Any]:
        ref = param.get("$ref", "")
        return shared[ref.removeprefix("#/components/parameters/")] if ref else param

    paths = {
        path: {method: {**operation, "parameters": [inlined(p) for p in
                                                    operation.get("parameters", [])]}
               for method, operation in item.items()}
        for path, item in document["paths"].items()
    }
    return {**document, "paths": paths}



def _near_a_cell_corner(lon: float, lat: float) -> shapely.Point:
    """60 m inside the south-west corner of the 1 km SWEREF 99 TM cell holding the point,
    so about 620 m from the cell's centre."""
    east, north = _TO_SWEREF.transform(lon, lat)
    return shapely.Point(_TO_LONLAT.transform(east // 1000 * 1000 + 60, north // 1000 * 1000 + 60))


_TO_SWEREF = Transformer.from_crs("OGC:CRS84", "EPSG:3006", always_xy=True)
_TO_LONLAT = Transformer.from_crs("EPSG:3006", "OGC:CRS84", always_xy=True)
#: A restricted police incident, truly near a corner of its grid cell; the centre's
#: analyst is shown it at the cell's centre.
SECRET_TRUE = _near_a_cell_corner(15.40, 59.55)
SECRET_SHOWN = snap(SECRET_TRUE, 1_000.0)


def build_world(db: Path) -> str:
    """Write the picture into a new store at ``db``; returns the viewer's token."""
    store = SQLiteStore(db)
    grid = [
        incident(f"inc-{i}", location=shapely.Point(14 + i % 30 / 10, 59 + i // 30 / 10),
                 reported_at=T0 + timedelta(hours=i))
        for i in range(130)
    ]
    store.apply([c.ReportIncident(item) for item in grid], RESCUE)
    store.apply([c.CloseIncident(f"inc-{i}", T0 + timedelta(hours=i + 2))
                 for i in range(0, 130, 3)], RESCUE)
    store.apply([
        c.ReportIncident(incident("inc-secret", agency=Agency.POLICE, location=SECRET_TRUE,
                                  classification=Classification.RESTRICTED,
                                  title="zq hemlig titel")),
        c.ReportIncident(incident("inc-hidden", agency=Agency.POLICE,
                                  classification=Classification.AGENCY)),
    ], POLICE)
    triangle = shapely.Polygon([(15.0, 59.0), (15.6, 59.0), (15.0, 59.4)])
    store.apply(
        [c.RegisterUnit(unit(f"unit-{i}", position=shapely.Point(15 + i / 100, 59.3),
                             position_time=T0 + timedelta(minutes=10 * i)))
         for i in range(12)]
        + [c.RegisterUnit(unit("unit-unplaced"))]  # registered, no position report yet
        + [c.ReportBlockage(blockage(f"blk-{i}", start=T0 + timedelta(days=i))) for i in range(3)]
        + [c.ReportBlockage(blockage("blk-spot", section=shapely.Point(14.75, 59.21)))]
        + [c.IssueRiskZone(_zone(k, shapely.box(14, 59, 14.5 + k / 10, 59.5))) for k in (1, 2)]
        + [c.IssueRiskZone(_zone(3, triangle))],
        RESCUE,
    )
    store.apply([c.LiftBlockage("blk-0", T0 + timedelta(hours=5))], RESCUE)
    store.close()
    return make_token(db, "centre", "analyst", "gis")


def _zone(k: int, area: shapely.Geometry) -> RiskZone:
    return RiskZone(
        id=RiskZone.make_id("2026-01-15", "georisk", "se-msb2018", str(k)),
        valid_date="2026-01-15", scale="se-msb2018", risk_class=str(k), label=f"Klass {k}",
        area=area, fwi_min=k, fwi_max=k + 1, valid_from=T0 + timedelta(hours=k),
        valid_to=T0 + timedelta(days=1),
    )


def shown(db: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Per collection, the features the viewer must be shown (CRS84), by id."""
    store = SQLiteStore(db)
    try:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for cid, kind in COLLECTIONS.items():
            if kind is None:
                frame = counties() if cid == "counties" else municipalities()
                rows = json.loads(frame.to_json(drop_id=True))["features"]
                out[cid] = {row["properties"]["code"]: row for row in rows}
                continue
            out[cid] = {}
            for record in store.query(Query(kind)).records:
                seen = present(VIEWER, record, lookup=store.get)
                if seen is not None:
                    feature = seen.record.to_feature()
                    feature["properties"]["generalised"] = seen.generalised
                    out[cid][record.id] = feature
        return out
    finally:
        store.close()


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes
    version: int

    @property
    def type(self) -> str:
        return self.headers.get_content_type()

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """GET against the running service with the viewer's bearer token."""

    def __init__(self, base: str, token: str | None):
        self.base, self.token = base, token

    def get(self, path: str, **query: Any) -> Answer:
        url = path if path.startswith("http") else self.base + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=60) as response:
                return Answer(response.status, response.headers, response.read(),
                              response.version)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read(), 11)

    def ok(self, path: str, **query: Any) -> Any:
        answer = self.get(path, **query)
        assert answer.status == 200, (path, query, answer.status, answer.body[:500])
        return answer.json()

    def every_page(self, cid: str, **query: Any) -> list[dict[str, Any]]:
        """All features of a request, following its next links to the end."""
        page = self.ok(f"/ogc/collections/{cid}/items", **query)
        features = list(page["features"])
        while following := [link for link in page["links"] if link["rel"] == "next"]:
            page = self.ok(following[0]["href"])
            features += page["features"]
        return features


def ids(features: list[dict[str, Any]]) -> list[str]:
    return sorted(str(f["id"]) for f in features)


def shape(feature: dict[str, Any]) -> shapely.Geometry | None:
    geometry = feature["geometry"]
    return None if geometry is None else shapely.geometry.shape(geometry)


def converted_box(box: tuple[float, float, float, float], uri: str) -> tuple[float, ...]:
    """A CRS84 box converted to ``uri``: the bounds, in its axis order, of the box's
    densified outline carried over; it covers the CRS84 box."""
    outline = shapely.segmentize(shapely.box(*box), 0.005)
    moved = shapely.transform(
        outline, lambda xy: np.column_stack(
            Transformer.from_crs("OGC:CRS84", uri).transform(xy[:, 0], xy[:, 1])))
    return moved.bounds


def meeting(features: dict[str, dict[str, Any]], box: tuple[float, ...], uri: str) -> list[str]:
    """The features whose geometry, carried into ``uri``, meets ``box`` there; features
    without a geometry always."""
    to_crs = Transformer.from_crs("OGC:CRS84", uri)
    area, out = shapely.box(*box), []
    for fid, feature in features.items():
        found = shape(feature)
        if found is not None:
            found = shapely.transform(found, lambda xy: np.column_stack(
                to_crs.transform(xy[:, 0], xy[:, 1])))
        if found is None or found.intersects(area):
            out.append(fid)
    return sorted(out)
