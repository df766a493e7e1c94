"""Inference attacks on the lists: what a viewer can learn of a generalised record by
asking many questions of the filters, not by reading it.

A rescue operator may see a restricted police incident, unit or blockage only in its
generalised form (a 1 km cell, a generic type and title). Every filter and order of the
JSON API lists and of the OGC API items must act on that form, so that no sequence of
questions reveals more than one answer shows. The attackers here are scripts a curious
viewer could write: they bisect a box until it pins the record down, probe the type and
the words of the title, and page one record at a time counting the gaps. A random
battery of filter combinations checks every answer against a reference computed in
Python from what the viewer is shown.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import shapely
from pyproj import Transformer

from app import create_app
from georisk import commands as c
from georisk.commands import Actor
from georisk.model import Agency, BlockageReason, Classification, IncidentType, UnitKind
from georisk.store import SQLiteStore
from tests.api_support import bearer, make_token
from tests.factories import blockage, incident, unit

_TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
_TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
T1 = datetime(2026, 3, 2, 13, 37, 12, tzinfo=UTC)
SECRET_TITLE = "Tillslag mot narkotikaliga Västerled"
SECRET_ROAD = "E18 vid Hemlighetsvägen 3"


def _corner(x_km: int, y_km: int) -> tuple[float, float, tuple[float, float]]:
    """A point 90 m inside a corner of a 1 km SWEREF 99 TM cell near Örebro (about 580 m
    from the cell's centre), its (lon, lat) and (x, y)."""
    x, y = (505 + x_km) * 1000 + 90, (6570 + y_km) * 1000 + 910
    lon, lat = _TO_WGS84.transform(x, y)
    return lon, lat, (x, y)


SECRET_INCIDENT = _corner(0, 0)
SECRET_UNIT = _corner(4, 0)
SECRET_BLOCKAGE = _corner(8, 0)


def _seed(store: SQLiteStore) -> None:
    police, rescue = Actor("per.p", Agency.POLICE), Actor("anna.r", Agency.RESCUE)
    lon, lat, _ = SECRET_INCIDENT
    store.apply([c.ReportIncident(incident(
        "secret-inc", agency=Agency.POLICE, classification=Classification.RESTRICTED,
        type=IncidentType.TRAFFIC, title=SECRET_TITLE, severity=4, reported_at=T1,
        location=shapely.Point(lon, lat)))], police)
    lon, lat, _ = SECRET_UNIT
    store.apply([c.RegisterUnit(unit("secret-unit", agency=Agency.POLICE, callsign="PAT 51-410",
                                     unit_kind=UnitKind.PATROL,
                                     classification=Classification.RESTRICTED)),
                 c.MoveUnit("secret-unit", shapely.Point(lon, lat), T1, 90.0, 50.0)],
                police)
    lon, lat, _ = SECRET_BLOCKAGE
    section = shapely.LineString([(lon, lat), (lon + 0.0002, lat + 0.0001)])
    store.apply([c.ReportBlockage(blockage(
        "secret-blk", agency=Agency.POLICE, classification=Classification.RESTRICTED,
        road=SECRET_ROAD, reason=BlockageReason.ACCIDENT, start=T1,
        expected_end=T1 + timedelta(minutes=50), section=section))], police)
    _seed_crowd(store, police, rescue)


def _seed_crowd(store: SQLiteStore, police: Actor, rescue: Actor) -> None:
    """Records of every agency and classification, for the random battery."""
    rng = random.Random(15)
    agencies = [Agency.POLICE, Agency.RESCUE, Agency.SOS]
    words = ["Brand", "Trafikolycka", "Insats", "Larm", "Stöld", "Hjärtstopp", "Drunkning"]
    for n in range(60):
        agency = rng.choice(agencies)
        actor = Actor(f"op-{agency}", agency)
        x, y = 500_000 + rng.uniform(0, 20_000), 6_565_000 + rng.uniform(0, 15_000)
        lon, lat = _TO_WGS84.transform(x, y)
        reported = T1 + timedelta(minutes=rng.randrange(-600, 600))
        record = incident(
            f"inc-{n:02d}", agency=agency, classification=rng.choice(list(Classification)),
            type=rng.choice(list(IncidentType)), severity=rng.randint(1, 5),
            title=f"{rng.choice(words)} {rng.choice(words).lower()} {n}",
            reported_at=reported, location=shapely.Point(lon, lat),
            county="18", municipality=rng.choice(["1880", "1881", "1882"]),
        )
        commands: list = [c.ReportIncident(record)]
        if rng.random() < 0.3:
            commands.append(c.CloseIncident(record.id, reported + timedelta(hours=2)))
        store.apply(commands, actor)
    for n in range(20):
        agency = rng.choice(agencies)
        x, y = 500_000 + rng.uniform(0, 20_000), 6_565_000 + rng.uniform(0, 15_000)
        lon, lat = _TO_WGS84.transform(x, y)
        store.apply([
            c.RegisterUnit(unit(f"unit-{n:02d}", agency=agency, callsign=f"{words[n % 7]} {n}",
                                unit_kind=rng.choice(list(UnitKind)),
                                classification=rng.choice(list(Classification)))),
            c.MoveUnit(f"unit-{n:02d}", shapely.Point(lon, lat),
                       T1 + timedelta(minutes=rng.randrange(-300, 300)), None, None),
        ], Actor(f"op-{agency}", agency))
    for n in range(20):
        agency = rng.choice(agencies)
        x, y = 500_000 + rng.uniform(0, 20_000), 6_565_000 + rng.uniform(0, 15_000)
        lon, lat = _TO_WGS84.transform(x, y)
        start = T1 + timedelta(minutes=rng.randrange(-600, 600))
        line = shapely.LineString([(lon, lat), (lon + rng.uniform(-0.02, 0.02), lat + 0.01)])
        record = blockage(
            f"blk-{n:02d}", agency=agency, classification=rng.choice(list(Classification)),
            road=rng.choice(["E18", "E20 vid Arboga", "Rv 50", "väg 205 norr", "Storgatan"]),
            reason=rng.choice(list(BlockageReason)), start=start, section=line,
            county="18", municipality=rng.choice(["1880", "1881"]),
        )
        commands = [c.ReportBlockage(record)]
        if rng.random() < 0.3:
            commands.append(c.LiftBlockage(record.id, start + timedelta(hours=1)))
        store.apply(commands, Actor(f"op-{agency}", agency))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("inference") / "georisk.db"
    store = SQLiteStore(db)
    _seed(store)
    store.close()
    tokens = {agency: make_token(db, agency, "operator") for agency in ("rescue", "police")}
    client = create_app({"DB": str(db), "TESTING": True}).test_client()
    return client, tokens


def _ids(client, token: str, path: str, args: dict) -> list[str]:
    """Every id the list gives for ``args``, following its pages."""
    found, url = [], f"{path}?{urlencode(args)}"
    while url:
        answer = client.get(url, headers=bearer(token))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        found += [feature["id"] for feature in body["features"]]
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = following[0].split("localhost", 1)[-1] if following else None
    return found


# -- the location oracle ------------------------------------------------------------------

LISTS = {  # how an attacker asks for one kind of record in a box
    "api": {"incident": "/api/v1/incidents", "unit": "/api/v1/units",
            "blockage": "/api/v1/blockages"},
    "ogc": {"incident": "/ogc/collections/incidents/items", "unit": "/ogc/collections/units/items",
            "blockage": "/ogc/collections/blockages/items"},
}
TARGETS = {"incident": ("secret-inc", SECRET_INCIDENT), "unit": ("secret-unit", SECRET_UNIT),
           "blockage": ("secret-blk", SECRET_BLOCKAGE)}


def bisect_location(
    finds: Callable[[tuple[float, float, float, float]], bool], shown: tuple[float, float]
) -> tuple[float, float]:
    """The attacker: shrink each side of a box while the record still answers, 24 halvings
    a side (about a centimetre), then read the true point off the box's corners: the side
    that did not stop at the shown point stopped at the true one."""
    half = 0.05
    box = [shown[0] - half, shown[1] - half, shown[0] + half, shown[1] + half]
    assert finds(tuple(box)), "the record is not in a box around where it is shown"
    for side in range(4):
        inner = shown[side % 2]
        lo, hi = (box[side], inner) if side < 2 else (inner, box[side])
        for _ in range(24):
            middle = (lo + hi) / 2
            trial = list(box)
            trial[side] = middle
            if finds(tuple(trial)):
                lo, hi = (middle, hi) if side < 2 else (lo, middle)
            else:
                lo, hi = (lo, middle) if side < 2 else (middle, hi)
        box[side] = lo if side < 2 else hi

    def other(low: float, high: float, at: float) -> float:
        return high if abs(low - at) < abs(high - at) else low

    return other(box[0], box[2], shown[0]), other(box[1], box[3], shown[1])


@pytest.mark.parametrize("api", list(LISTS))
@pytest.mark.parametrize("kind", list(TARGETS))
def test_bisecting_the_box_ends_no_closer_than_the_cell(world, api: str, kind: str):
    client, tokens = world
    target, (_, _, true_xy) = TARGETS[kind]
    path = LISTS[api][kind]
    item = f"/api/v1/{kind}s/{target}"
    shown_feature = client.get(item, headers=bearer(tokens["rescue"])).get_json()
    assert shown_feature["properties"]["generalised"] is True
    shown = tuple(shown_feature["geometry"]["coordinates"])
    asked = 0

    def finds(box: tuple[float, float, float, float]) -> bool:
        nonlocal asked
        asked += 1
        args = {"bbox": ",".join(f"{v:.10f}" for v in box), "limit": 1000}
        return target in _ids(client, tokens["rescue"], path, args)

    lon, lat = bisect_location(finds, shown)
    x, y = _TO_SWEREF.transform(lon, lat)
    error_m = ((x - true_xy[0]) ** 2 + (y - true_xy[1]) ** 2) ** 0.5
    cx, cy = _TO_SWEREF.transform(*shown)
    assert abs(cx % 1000 - 500) < 1 and abs(cy % 1000 - 500) < 1, "shown on a cell centre"
    assert error_m > 400, f"{asked} questions put {target} within {error_m:.1f} m"
    # the owner's own view, through the same attack, is exact: the script works
    police = client.get(item, headers=bearer(tokens["police"])).get_json()
    assert police["properties"]["generalised"] is False


# -- attribute oracles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "found"),
    [
        ({"type": "police"}, True),  # its generic type
        ({"type": "traffic"}, False),  # its true type must not answer
        ({"q": "insats"}, True),  # "Polisinsats"
        ({"q": "i"}, True),
        ({"q": "narkotika"}, False),  # a word of the secret title
        ({"q": "tillslag"}, False),
        ({"sortby": "title", "q": "polisinsats"}, True),
    ],
)
def test_type_and_words_answer_on_the_generic_incident(world, args: dict, found: bool):
    client, tokens = world
    ids = _ids(client, tokens["rescue"], "/api/v1/incidents", {**args, "limit": 1000})
    assert ("secret-inc" in ids) is found
    ogc = {k: v for k, v in args.items() if k != "q"}
    if ogc and "type" in ogc:
        items = _ids(client, tokens["rescue"], "/ogc/collections/incidents/items",
                     {**ogc, "limit": 1000})
        assert ("secret-inc" in items) is found


def test_a_restricted_blockage_is_shown_and_found_only_in_its_generalised_form(world):
    client, tokens = world
    other = client.get("/api/v1/blockages/secret-blk", headers=bearer(tokens["rescue"]))
    props = other.get_json()["properties"]
    assert (props["road"], props["reason"]) == ("E18", "other")
    assert props["start"] == "2026-03-02T13:00:00Z"  # 13:37:12, to the hour before
    assert props["expected_end"] == "2026-03-02T15:00:00Z"  # 14:27:12, to the hour after
    assert props["generalised"] is True and "Hemlighet" not in other.get_data(as_text=True)

    def finds(agency: str, **args: str) -> bool:
        ids = _ids(client, tokens[agency], "/api/v1/blockages", {**args, "limit": 1000})
        return "secret-blk" in ids

    assert finds("rescue", reason="other") and not finds("rescue", reason="accident")
    assert finds("rescue", q="e18") and not finds("rescue", q="hemlighet")
    # a window that ends before the true start, after the hour it is shown from
    window = "2026-03-02T13:05:00Z/2026-03-02T13:10:00Z"
    assert finds("rescue", datetime=window) and not finds("police", datetime=window)
    assert finds("police", reason="accident") and finds("police", q="hemlighet")


# -- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["incidents", "units", "blockages"])
def test_pages_are_full_and_cursors_hold_only_what_was_shown(world, kind: str):
    """One record a page: every page but the last holds exactly one, however many records
    the viewer may not see lie between; a cursor names the page's last record only."""
    client, tokens = world
    url, pages = f"/api/v1/{kind}?limit=1", []
    while url:
        body = client.get(url, headers=bearer(tokens["rescue"])).get_json()
        pages.append(body)
        url = None
        if body["next"]:
            payload = body["next"].split(".")[0]
            decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            assert decoded["a"] == [body["features"][0]["id"]], decoded
            url = f"/api/v1/{kind}?limit=1&cursor={body['next']}"
    assert all(len(page["features"]) == 1 for page in pages[:-1])
    everything = _ids(client, tokens["rescue"], f"/api/v1/{kind}", {"limit": 1000})
    assert [f["id"] for page in pages for f in page["features"]] == everything


# -- every filter against a reference ------------------------------------------------------

SPAN = {"incident": ("reported_at", "closed_at"), "unit": ("position_time", "position_time"),
        "blockage": ("start", "lifted_at")}
CATEGORY = {"incident": ("type", IncidentType), "unit": ("kind", UnitKind),
            "blockage": ("reason", BlockageReason)}
CATEGORY_PROPERTY = {"incident": "type", "unit": "unit_kind", "blockage": "reason"}
LABEL = {"incident": "title", "unit": "callsign", "blockage": "road"}
SORTS = {"incident": ["reported_at", "closed_at", "severity", "type", "title"],
         "unit": ["position_time", "unit_kind", "callsign"],
         "blockage": ["start", "lifted_at", "reason", "road"]}


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _reference(kind: str, shown: list[dict], args: dict) -> list[str]:
    """What the list must answer: ``args`` applied in Python to the features as shown."""
    chosen = []
    for rank, feature in enumerate(shown):
        props = feature["properties"]
        geometry = shapely.geometry.shape(feature["geometry"]) if feature["geometry"] else None
        if "bbox" in args:
            box = shapely.box(*(float(v) for v in args["bbox"].split(",")))
            if geometry is None or not shapely.intersects(geometry, box):
                continue
        name, _ = CATEGORY[kind]
        if name in args and props[CATEGORY_PROPERTY[kind]] not in args[name].split(","):
            continue
        if "severity" in args and str(props["severity"]) not in args["severity"].split(","):
            continue
        if "status" in args and props["status"] not in args["status"].split(","):
            continue
        if "agency" in args and props["agency"] not in args["agency"].split(","):
            continue
        if "municipality" in args and props["municipality"] not in args["municipality"].split(","):
            continue
        if "q" in args and args["q"].casefold() not in props[LABEL[kind]].casefold():
            continue
        if "datetime" in args:
            start, end = (_time(props[p]) for p in SPAN[kind])
            low, high = (_time(t) for t in args["datetime"].split("/"))
            if start is None or start > high or (end is not None and end < low):
                continue
        chosen.append((rank, feature))
    if "sortby" in args:
        for key in reversed(args["sortby"].split(",")):
            name = key.lstrip("+-")

            def value(item, name=name):
                raw = item[1]["properties"][name]
                if name in ("reported_at", "closed_at", "start", "lifted_at", "position_time"):
                    empty = datetime.max if name in ("closed_at", "lifted_at") else datetime.min
                    return _time(raw).replace(tzinfo=None) if raw else empty
                return raw.casefold() if isinstance(raw, str) else raw

            chosen.sort(key=value, reverse=key.startswith("-"))
    return [feature["id"] for _, feature in chosen]


def _random_args(kind: str, rng: random.Random, shown: list[dict]) -> dict:
    args: dict = {}
    if rng.random() < 0.5:
        x, y = 500_000 + rng.uniform(-2_000, 20_000), 6_565_000 + rng.uniform(-2_000, 15_000)
        w, h = rng.uniform(500, 12_000), rng.uniform(500, 12_000)
        (west, east), (south, north) = _TO_WGS84.transform([x, x + w], [y, y + h])
        args["bbox"] = f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"
    name, values = CATEGORY[kind]
    if rng.random() < 0.4:
        args[name] = ",".join(sorted({rng.choice(list(values)).value for _ in range(2)}))
    if kind == "incident" and rng.random() < 0.3:
        args["severity"] = ",".join(sorted({str(rng.randint(1, 5)) for _ in range(2)}))
    if rng.random() < 0.3:
        args["agency"] = rng.choice(["police", "rescue", "sos", "police,sos"])
    if kind != "unit" and rng.random() < 0.2:
        args["municipality"] = rng.choice(["1880", "1881"])
    if rng.random() < 0.4 and shown:
        label = rng.choice(shown)["properties"][LABEL[kind]]
        start = rng.randrange(len(label)) if label else 0
        args["q"] = label[start : start + rng.randint(1, 5)] or "i"
    if rng.random() < 0.4:
        low = T1 + timedelta(minutes=rng.randrange(-700, 600))
        high = low + timedelta(minutes=rng.randrange(1, 300))
        args["datetime"] = f"{low:%Y-%m-%dT%H:%M:%SZ}/{high:%Y-%m-%dT%H:%M:%SZ}"
    if rng.random() < 0.6:
        keys = rng.sample(SORTS[kind], rng.randint(1, 2))
        args["sortby"] = ",".join(("-" if rng.random() < 0.5 else "") + k for k in keys)
    return args


@pytest.mark.parametrize("agency", ["rescue", "police"])
@pytest.mark.parametrize("kind", ["incident", "unit", "blockage"])
def test_every_filter_answers_on_what_the_viewer_is_shown(world, kind: str, agency: str):
    client, tokens = world
    path = f"/api/v1/{kind}s"
    shown = client.get(f"{path}?limit=1000", headers=bearer(tokens[agency])).get_json()
    shown = shown["features"]
    assert any(f["properties"]["generalised"] for f in shown)  # other agencies' restricted
    rng = random.Random(f"{kind}-{agency}")
    for _ in range(60):
        args = _random_args(kind, rng, shown)
        limit = rng.choice([1, 3, 1000])
        got = _ids(client, tokens[agency], path, {**args, "limit": limit})
        assert got == _reference(kind, shown, args), args
