"""The leak matrix: every output × every viewer shows exactly the markers it may.

Records of every classification for every agency carry a unique secret marker in each
text field (title, description, callsign, home station, direction, source). For each
viewer the expectation is written here from the rules themselves, not asked of
`georisk.access`: a record's markers appear where the viewer is its owner or it is
open; nowhere else. Generalised records must appear only at a coarse location: on the
centre of a 1 km SWEREF 99 TM cell and well away from the true point.

Every route of the app must be an output row below or be listed as not returning
records, so a new endpoint fails `test_every_route_is_in_the_matrix` until someone
decides how it is checked. Colleagues add the map page, stream and export as rows of
`OUTPUTS` (a name, the endpoints it covers, and how to fetch its text for a viewer).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import shapely
from pyproj import Transformer

from app import create_app
from georisk import commands as c
from georisk.commands import Actor
from georisk.identity import Tokens
from georisk.model import Agency, Classification
from georisk.store import Store, open_store
from georisk.timeutil import format_utc, utc_now
from tests import factories
from tests.conftest import BACKENDS

AGENCIES = (Agency.POLICE, Agency.RESCUE, Agency.SOS)
CLASSES = (Classification.OPEN, Classification.AGENCY, Classification.RESTRICTED)
VIEWERS = {  # name: (agency, role); None is anonymous
    "police": ("police", "operator"),
    "rescue": ("rescue", "operator"),
    "sos": ("sos", "operator"),
    "analyst": ("centre", "analyst"),
    "viewer": ("centre", "viewer"),
    "admin": ("centre", "admin"),
    "anonymous": None,
}
_TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
_TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
MIN_SHIFT_M = 300.0


@dataclass(frozen=True)
class Seeded:
    """One seeded record: its id, owner, classification, marker and true point (SWEREF)."""

    kind: str
    id: str
    agency: Agency
    classification: Classification
    marker: str
    true_xy: tuple[float, float]


def expected(viewer: str, record: Seeded) -> str:
    """'full', 'generalised' or 'hidden': the rules of issue 7, stated independently."""
    if VIEWERS[viewer] is None:
        return "hidden"
    agency = VIEWERS[viewer][0]
    if record.classification == Classification.OPEN or agency == record.agency:
        return "full"
    if record.classification == Classification.RESTRICTED:
        return "generalised"
    return "hidden"


def _near_corner(n: int) -> tuple[float, float, tuple[float, float]]:
    """A point 80 m inside the corner of a 1 km cell near Örebro (~590 m from its
    centre), so snapping must move it far; (lon, lat) and its SWEREF (x, y)."""
    x0, y0 = _TO_SWEREF.transform(*factories.OREBRO)
    x = (x0 // 1000 + 3 * (n % 6)) * 1000 + 80
    y = (y0 // 1000 + 3 * (n // 6)) * 1000 + 920
    lon, lat = _TO_WGS84.transform(x, y)
    return lon, lat, (x, y)


def _seed(store: Store) -> list[Seeded]:
    seeded: list[Seeded] = []
    now = utc_now() - timedelta(minutes=30)
    for n, (agency, classification) in enumerate(itertools.product(AGENCIES, CLASSES)):
        actor = Actor(f"seeder-{agency}", agency)
        for kind in ("incident", "unit", "blockage"):
            marker = f"zq{kind[0]}{n:02d}{agency.value[:2]}{classification.value[:2]}x"
            id_ = f"{kind[:3]}-{n:02d}-zz{kind[0]}"
            lon, lat, xy = _near_corner(n * 3 + "iub".index(kind[0]))
            if kind == "incident":
                record = factories.incident(
                    id_, agency=agency, classification=classification, reported_at=now,
                    title=f"Titel {marker}", description=f"Beskrivning {marker}",
                    location=shapely.Point(lon, lat),
                )
                commands: list = [c.ReportIncident(record)]
            elif kind == "unit":
                record = factories.unit(
                    id_, agency=agency, classification=classification,
                    callsign=f"CS {marker}", home_station=f"Station {marker}",
                )
                point = shapely.Point(lon, lat)
                commands = [c.RegisterUnit(record), c.MoveUnit(id_, point, now, 90.0, 40.0)]
            else:
                line = shapely.LineString([(lon - 0.0005, lat), (lon + 0.0005, lat)])
                record = factories.blockage(
                    id_, agency=agency, classification=classification, start=now,
                    section=line, direction=f"Riktning {marker}", source=f"Källa {marker}",
                )
                commands = [c.ReportBlockage(record)]
            store.apply(commands, actor)
            seeded.append(Seeded(kind, id_, agency, classification, marker, xy))
    return seeded


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """The real app on a real store of each backend, seeded once; a token per viewer."""
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("leak") / "georisk.db")
    else:
        db = request.getfixturevalue("pg_server").database()
    store = open_store(db)
    seeded = _seed(store)
    store.close()
    tokens = {name: Tokens(db).create(name, *spec)[1] for name, spec in VIEWERS.items() if spec}
    # a heartbeat soon after the stream has caught up tells `Fetch.stream` it has all
    app = create_app({"DB": db, "TESTING": True, "SECURE_COOKIES": False,
                      "STREAM_HEARTBEAT_S": 0.5})
    yield app, tokens, seeded
    app.extensions["georisk.store"].close()  # (its stream poller stops with it)


class Fetch:
    """GET requests as one viewer; the bodies of the answers that were 200."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.statuses: list[int] = []

    def get(self, url: str) -> str | None:
        response = self.client.get(url, headers=self.headers)
        self.statuses.append(response.status_code)
        assert response.status_code in (200, 302, 401, 403, 404), (url, response.get_data(True))
        return response.get_data(as_text=True) if response.status_code == 200 else None

    def stream(self, url: str, timeout: float = 10.0) -> str | None:
        """The event stream until it has caught up with the journal, as a JSON list."""
        response = self.client.get(url, headers=self.headers, buffered=False)
        self.statuses.append(response.status_code)
        if response.status_code != 200:
            response.close()
            return None
        last = self.client.application.extensions["georisk.store"].last_seq()
        events, text, deadline = [], "", time.monotonic() + timeout
        for chunk in response.response:
            text += chunk.decode()
            ids = [int(i) for i in re.findall(r"^id: (\d+)$", text, re.M)]
            # (ids are positions in the viewer's view: a heartbeat says it has caught up)
            caught_up = ": heartbeat" in text or (ids and max(ids) >= last)
            if caught_up or time.monotonic() > deadline:
                break
        response.close()
        for line in text.splitlines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
        return json.dumps(events)


@dataclass(frozen=True)
class Output:
    """A way records leave the service: the endpoints it covers and how to read it all."""

    name: str
    endpoints: tuple[str, ...]
    fetch: Callable[[Fetch, list[Seeded]], list[str]]


def _all(fetch: Fetch, urls: list[str]) -> list[str]:
    return [body for url in urls if (body := fetch.get(url)) is not None]


def _lists(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, ["/api/v1/incidents?limit=1000", "/api/v1/units?limit=1000",
                        "/api/v1/blockages?limit=1000",
                        "/api/v1/incidents?limit=1000&sortby=-title,severity",
                        "/api/v1/units?limit=1000&sortby=callsign",
                        "/api/v1/blockages?limit=1000&sortby=road"])


def _items(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, [f"/api/v1/{s.kind}s/{s.id}" for s in seeded])


LAT_LON = "http://www.opengis.net/def/crs/EPSG/0/4326"


def _ogc_items(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    names = ("incidents", "units", "blockages", "riskzones")
    texts = _all(fetch, [f"/ogc/collections/{n}/items?limit=1000" for n in names])
    texts += _all(fetch, [f"/ogc/collections/{n}/items?limit=1000&sortby=-{k}"
                          for n, k in (("incidents", "title"), ("units", "callsign"))])
    in_lat_lon = _all(fetch, [f"/ogc/collections/{n}/items?limit=1000&crs={LAT_LON}"
                              for n in names])
    return texts + [_to_lon_lat(text) for text in in_lat_lon]


def _to_lon_lat(text: str) -> str:
    """An answer in EPSG:4326 (latitude first) with its coordinates turned back, so that
    the coarseness of generalised places is checked as in every other output."""

    def swap(coordinates):
        if coordinates and isinstance(coordinates[0], int | float):
            return [coordinates[1], coordinates[0], *coordinates[2:]]
        return [swap(part) for part in coordinates]

    page = json.loads(text)
    for feature in page["features"]:
        if feature["geometry"] is not None:
            feature["geometry"]["coordinates"] = swap(feature["geometry"]["coordinates"])
    return json.dumps(page)


def _ogc_item(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    texts = _all(fetch, [f"/ogc/collections/{s.kind}s/items/{s.id}" for s in seeded])
    in_lat_lon = _all(fetch, [f"/ogc/collections/{s.kind}s/items/{s.id}?crs={LAT_LON}"
                              for s in seeded])
    return texts + [_to_lon_lat(json.dumps({"features": [json.loads(t)]})) for t in in_lat_lon]


def _events(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, ["/api/v1/events?limit=10000", "/api/v1/events?after=3&limit=5"])


def _tracks(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, [f"/api/v1/units/{s.id}/track" for s in seeded if s.kind == "unit"])


def _history(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, [f"/api/v1/history?at={format_utc(utc_now())}"])


def _summary(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, ["/api/v1/summary"])


def _audit(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, ["/api/v1/audit"])


def _live_picture(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    """The picture and its incidents' lines whole, those rows as the features the map
    makes of them (so a generalised one is checked for coarseness like any feature), and
    each incident's record as its popup asks for it."""
    texts = _all(fetch, ["/api/v1/picture"])
    for text in _all(fetch, ["/api/v1/picture/incidents"]):
        texts.append(json.dumps({"lines": text}))  # the whole text, for markers and ids
        first, *lines = [json.loads(line) for line in text.splitlines()]
        rows = [dict(zip(first["fields"], row, strict=True)) for row in lines]
        features = [{"type": "Feature", "id": row["id"], "properties": row,
                     "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]}}
                    for row in rows]
        texts.append(json.dumps({"features": features}))
        texts += _all(fetch, [f"/api/v1/incidents/{row['id']}" for row in rows])
    return texts


def _map_page(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    # the page's HTML carries no records (they come from the live picture), so no marker
    # may appear in it for anyone; json.dumps keeps _check's JSON reading happy
    return [json.dumps({"html": page}) for page in _all(fetch, ["/", "/?lang=en"])]


def _stream(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    body = fetch.stream("/api/stream?after=0")
    resumed = fetch.stream("/api/stream?after=3")  # resumption goes through the policy too
    return [text for text in (body, resumed) if text is not None]


def _export(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    """The briefing file: its whole text (no marker may be anywhere in it, not even in
    a script) and its embedded data (features are checked like any API's)."""
    texts = []
    for query in ("exported_at=2026-01-15T09:00:00Z", "layers=incidents,units&lang=en",
                  "layers=blockages&coverage=engine"):  # coverage: on units as shown
        page = fetch.get(f"/api/v1/export?{query}")
        if page is None:
            continue
        found = re.search(r'id="gr-data">(.*?)</script>', page, re.S)
        assert found, "the export embeds its data"
        texts += [json.dumps({"html": page}), found.group(1).replace("<\\/", "</")]
    return texts


def _xml_features(text: str, point: Callable) -> str:
    """An XML answer as JSON for `_check`: the text whole (markers, hidden ids) and one
    Feature per record it names, at the point it gives (coarseness of generalised ones)."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(text.encode())
    features = [
        {"type": "Feature", "id": uid, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
        for uid, lon, lat in point(root)
    ]
    return json.dumps({"xml": text, "features": features})


def _cot_points(root) -> list[tuple[str, float, float]]:
    return [
        (event.get("uid").removeprefix("georisk."), float(event.find("point").get("lon")),
         float(event.find("point").get("lat")))
        for event in root.iter("event")
    ]


def _cap_points(root) -> list[tuple[str, float, float]]:
    ns = "{urn:oasis:names:tc:emergency:cap:1.2}"
    uid = root.find(ns + "identifier").text.rsplit(".", 1)[0]
    out = []
    for circle in root.iter(ns + "circle"):
        lat, lon = (float(v) for v in circle.text.split()[0].split(","))
        out.append((uid, lon, lat))
    return out


def _cot(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return [_xml_features(body, _cot_points) for body in _all(fetch, ["/api/v1/cot"])]


def _cap(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    urls = [f"/api/v1/incidents/{s.id}.cap" for s in seeded if s.kind == "incident"]
    return [_xml_features(body, _cap_points) for body in _all(fetch, urls)]


def _suggestions(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    """Units for every incident the viewer may ask about, of any status: routes, ETAs and
    the units inside them (a generalised one's Feature must sit on its cell's centre)."""
    statuses = "available,en_route,on_scene,out_of_service"
    return _all(fetch, [f"/api/v1/incidents/{s.id}/suggestions?k=50&status={statuses}"
                        for s in seeded if s.kind == "incident"])


def _briefs(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, [f"/api/v1/incidents/{s.id}/brief" for s in seeded if s.kind == "incident"])


def _coverage(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    return _all(fetch, ["/api/v1/coverage?kind=engine&minutes=5,10&gap=5"])


_ANALYSIS = ["history?by=municipality,cell,week,type,agency,severity", "history?format=csv&by=cell",
             "hotspots?permutations=99", "hotspots?format=csv&permutations=99",
             "forecast?by=municipality&weeks=2", "forecast?format=csv&weeks=2",
             "blockages?by=road,reason,county", "blockages?format=csv",
             "response?by=agency,unit_kind,type,county", "response?format=csv",
             "availability?every=hour", "availability?format=csv"]


def _analysis(fetch: Fetch, seeded: list[Seeded]) -> list[str]:
    """The analyst's tables and page: counts, cells and durations, never a record's text
    or id; a CSV is checked whole, as text (json.dumps keeps _check's JSON reading)."""
    texts = []
    pages = ["/analys", "/analys?lang=en"]
    for url in [f"/api/v1/analysis/{query}" for query in _ANALYSIS] + pages:
        body = fetch.get(url)
        if body is not None:
            texts.append(body if body.startswith(("{", "[")) else json.dumps({"text": body}))
    return texts


OUTPUTS = [
    Output("suggestions", ("api.incident_suggestions",), _suggestions),
    Output("coverage", ("api.coverage",), _coverage),
    Output("briefs", ("api.incident_brief",), _briefs),
    Output("analysis", ("api.analysis_history", "api.analysis_hotspots", "api.analysis_forecast",
                        "api.analysis_blockages", "api.analysis_response",
                        "api.analysis_availability", "analysis.page"), _analysis),
    Output("cot", ("api.cot_picture",), _cot),
    Output("cap export", ("api.get_incident_cap",), _cap),
    Output("api lists", ("api.list_incidents", "api.list_units", "api.list_blockages"), _lists),
    Output("api items", ("api.get_incident", "api.get_unit", "api.get_blockage"), _items),
    Output("ogc items", ("ogc.items",), _ogc_items),
    Output("ogc item", ("ogc.item",), _ogc_item),
    Output("journal", ("api.list_events",), _events),
    Output("tracks", ("api.unit_track",), _tracks),
    Output("history", ("api.picture_at",), _history),
    Output("summary", ("api.summary",), _summary),
    Output("audit", ("api.list_audit",), _audit),
    Output("live picture", ("picture.picture", "picture.picture_incidents"), _live_picture),
    Output("map page", ("pages.live_map",), _map_page),
    Output("stream", ("stream.stream",), _stream),
    Output("export", ("api.export_briefing",), _export),
]

#: Routes that return no records, and why that is so.
NO_RECORDS = {
    "static": "Flask's static files",
    "health.check": "status; the last sequence number to a signed-in caller only",
    "signin.form": "the sign-in form",
    "signin.submit": "signs in; answers with a redirect or the form",
    "signin.signout": "signs out; answers with a redirect",
    "api.openapi_document": "the API description",
    "api.docs_page": "the Swagger UI page",
    "api.docs_asset": "Swagger UI's files",
    "ogc.landing": "links",
    "ogc.conformance": "conformance classes",
    "ogc.collections": "collection descriptions (extents are the operating area's fixed box)",
    "ogc.collection": "one collection's description",
    "ogc.api_document": "the OGC API's OpenAPI document",
    "ogc.queryables": "the properties items can be filtered by (a fixed schema)",
    "ogc.api_page": "the OGC API's Swagger UI page",
    "pages.asset": "Leaflet, MarkerCluster and the map's own JS/CSS",
    "tiles.tile": "background map tiles from the configured MBTiles file",
}

#: Routes that change records. They answer only with the record just written, to its
#: writer; that writes are refused across agencies is tested in tests/test_auth.py.
WRITES = {
    "api.report_incident", "api.update_incident", "api.close_incident", "api.assign_unit",
    "api.release_unit", "api.register_unit", "api.update_unit", "api.set_unit_status",
    "api.report_position", "api.report_positions", "api.report_blockage",
    "api.update_blockage", "api.lift_blockage", "api.link_incident", "api.unlink_incident",
}


def test_every_route_is_in_the_matrix(world):
    app = world[0]
    covered = {endpoint for output in OUTPUTS for endpoint in output.endpoints}
    unaccounted = sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in covered | NO_RECORDS.keys() | WRITES
    )
    assert not unaccounted, f"add these routes to the leak matrix: {unaccounted}"
    stale = (covered | NO_RECORDS.keys() | WRITES) - {r.endpoint for r in app.url_map.iter_rules()}
    assert not stale, f"the matrix names routes that no longer exist: {stale}"


def _markers_in(text: str) -> set[str]:
    return set(re.findall(r"zq[iub]\d\d[a-z]{2}[a-z]{2}x", text))


def _features(node) -> list[dict]:
    """Every GeoJSON Feature anywhere in a JSON document (event payloads included)."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "Feature" and "geometry" in node:
            found.append(node)
        for value in node.values():
            found += _features(value)
    elif isinstance(node, list):
        for value in node:
            found += _features(value)
    return found


def _points(geometry: dict | None) -> list[tuple[float, float]]:
    if geometry is None:
        return []
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return [tuple(coords)]
    return [tuple(p) for p in coords]


def _assert_coarse(feature: dict, record: Seeded, where: str) -> None:
    for lon, lat in _points(feature["geometry"]):  # none (a unit not yet placed) hides all
        x, y = _TO_SWEREF.transform(lon, lat)
        assert abs(x % 1000 - 500) < 2 and abs(y % 1000 - 500) < 2, (
            f"{where}: {record.id} at {lon},{lat} is not on a 1 km cell centre"
        )
        shift = ((x - record.true_xy[0]) ** 2 + (y - record.true_xy[1]) ** 2) ** 0.5
        assert shift >= MIN_SHIFT_M, f"{where}: {record.id} moved only {shift:.0f} m"


def _check(output: Output, viewer: str, texts: list[str], seeded: list[Seeded]) -> None:
    by_id = {s.id: s for s in seeded}
    seen = set().union(*(_markers_in(t) for t in texts)) if texts else set()
    allowed = {s.marker for s in seeded if expected(viewer, s) == "full"}
    leaked = seen - allowed
    assert not leaked, f"{output.name} shows {viewer} markers it must not: {sorted(leaked)}"
    for text in texts:
        for feature in _features(json.loads(text)):
            record = by_id.get(str(feature.get("id", "")).split("@")[0])
            if record is None:
                continue
            rule = expected(viewer, record)
            assert rule != "hidden", f"{output.name} shows hidden {record.id} to {viewer}"
            if rule == "generalised":
                _assert_coarse(feature, record, f"{output.name} for {viewer}")
        for record in seeded:  # a hidden record's id must not appear anywhere either
            if expected(viewer, record) == "hidden":
                assert record.id not in text, f"{output.name} names hidden {record.id}"


# Outputs in which every full record's markers must also be found (not only "no leak"):
# a check that the matrix actually sees the records it guards.
COMPLETE = {"api lists", "api items", "ogc items", "ogc item", "journal", "history",
            "live picture", "stream"}


@pytest.mark.parametrize("viewer", list(VIEWERS))
@pytest.mark.parametrize("output", OUTPUTS, ids=[o.name for o in OUTPUTS])
def test_leak_matrix(world, output: Output, viewer: str):
    app, tokens, seeded = world
    fetch = Fetch(app, tokens.get(viewer))
    texts = output.fetch(fetch, seeded)
    if VIEWERS[viewer] is None:  # refused, or (the map page) sent to the sign-in form
        statuses = set(fetch.statuses)
        assert statuses <= {401, 302}, f"{output.name} answered anonymous: {statuses}"
    _check(output, viewer, texts, seeded)
    role = VIEWERS[viewer][1] if VIEWERS[viewer] else None
    reads_history = role in ("operator", "analyst", "admin")
    if output.name in COMPLETE and role and (output.name not in ("journal", "history", "stream")
                                             or reads_history):
        seen = set().union(*(_markers_in(t) for t in texts))
        full = {s.marker for s in seeded if expected(viewer, s) == "full"}
        assert full <= seen, f"{output.name} misses {viewer}'s records: {sorted(full - seen)}"
    if output.name == "export" and role:  # it keeps titles and callsigns, not a source
        seen = set().union(*(_markers_in(t) for t in texts))
        full = {s.marker for s in seeded if expected(viewer, s) == "full" and s.kind != "blockage"}
        assert full <= seen, f"the export misses {viewer}'s records: {sorted(full - seen)}"


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if VIEWERS[v]])
@pytest.mark.parametrize("kind", ["incidents", "units", "blockages"])
def test_search_matches_only_what_the_viewer_sees_in_full(world, viewer: str, kind: str):
    """A search for a secret word must not bring up the generalised or hidden record."""
    app, tokens, seeded = world
    fetch = Fetch(app, tokens[viewer])
    for record in seeded:
        if f"{record.kind}s" != kind:
            continue
        # the list searches title, callsign or road: the marker is in the first two
        body = fetch.get(f"/api/v1/{kind}?q={record.marker}")
        found = {f["id"] for f in json.loads(body)["features"]}
        matches = expected(viewer, record) == "full" and kind != "blockages"  # roads: no marker
        wanted = {record.id} if matches else set()
        assert found == wanted, (viewer, record.id, found)


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if VIEWERS[v]])
def test_counts_count_only_what_the_viewer_is_shown(world, viewer: str):
    """Totals and counts by type equal those of the records the viewer sees."""
    app, tokens, seeded = world
    fetch = Fetch(app, tokens[viewer])
    summary = json.loads(fetch.get("/api/v1/summary"))
    for kind in ("incident", "unit", "blockage"):
        shown = [s for s in seeded if s.kind == kind and expected(viewer, s) != "hidden"]
        assert summary[f"{kind}s"]["total"] == len(shown)
        listed = json.loads(fetch.get(f"/api/v1/{kind}s?limit=1000"))["features"]
        category = {"incident": "type", "unit": "unit_kind", "blockage": "reason"}[kind]
        counted: dict[str, int] = {}
        for feature in listed:
            value = feature["properties"][category]
            counted[value] = counted.get(value, 0) + 1
        assert summary[f"{kind}s"]["by_category"] == counted


def test_an_assignment_to_a_hidden_incident_is_not_shown(store_location):
    """A unit's assigned_to names its incident: shown only when that incident is visible."""
    from app import create_app
    from georisk import commands as c
    from georisk.model import Agency, Classification
    from tests.api_support import make_token
    from tests.factories import POLICE, RESCUE, incident, unit

    db = store_location
    store = open_store(db)
    store.apply([c.ReportIncident(incident("hidden-inc", agency=Agency.POLICE,
                                           classification=Classification.AGENCY)),
                 c.ReportIncident(incident("open-inc", agency=Agency.POLICE))], POLICE)
    store.apply([c.RegisterUnit(unit("unit-a")), c.RegisterUnit(unit("unit-b"))], RESCUE)
    store.apply([c.AssignUnit("unit-a", "hidden-inc"), c.AssignUnit("unit-b", "open-inc")], POLICE)
    store.close()
    app = create_app({"DB": str(db), "TESTING": True})
    client = app.test_client()
    for agency, sees_secret in (("rescue", False), ("police", True)):
        headers = {"Authorization": f"Bearer {make_token(db, agency, 'operator')}"}
        units = client.get("/api/v1/units", headers=headers).json["features"]
        assigned = {u["id"]: u["properties"]["assigned_to"] for u in units}
        assert assigned["unit-b"] == "open-inc"
        assert assigned["unit-a"] == ("hidden-inc" if sees_secret else None)
        journal = client.get("/api/v1/events", headers=headers).json
        items = journal["events"] if isinstance(journal, dict) else journal
        assert ("hidden-inc" in str(items)) is sees_secret
    app.extensions["georisk.store"].close()
