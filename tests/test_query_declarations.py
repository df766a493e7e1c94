"""The query parameters the service checks are the ones its OpenAPI documents list, with
the bounds they state: for every operation of both documents (the JSON API's 3.1 and the
OGC API's 3.0), each parameter is taken with a valid value, a value past each documented
bound is refused with the parameter named, and a parameter the operation does not list
is refused. The values come from the documents alone (their examples, vocabularies and
bounds), so a check and a document that drift apart fail here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import shapely

from app import create_app
from georisk import commands as c
from georisk.store import SQLiteStore
from tests.api_support import bearer, make_token
from tests.factories import OREBRO, RESCUE, T0, blockage, incident, unit
from tests.ogc_support import with_parameters_inlined

PROBLEM = "application/problem+json"
TIME = "2026-01-15T08:00:00Z"
#: Parameters that only come in pairs: what is sent with each.
COMPANIONS = {
    "from": {"to": "2026-01-15T09:00:00Z"},
    "to": {"from": "2026-01-15T07:00:00Z"},
    "tiles": {"tiles_attribution": "© test"},
    "tiles_attribution": {"tiles": "https://tiles.example/{z}/{x}/{y}.png"},
}
#: OGC API - Features Part 1: a limit above the maximum is no error (/req/core/fc-limit-response).
CLAMPED = {("ogc", "limit")}
IDS = {"/incidents": "inc-1", "/units": "unit-1", "/blockages": "blk-1"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("declarations") / "georisk.db"
    store = SQLiteStore(db)
    placed = {"position": shapely.Point(*OREBRO), "position_time": T0}
    store.apply([
        c.ReportIncident(incident("inc-1")), c.ReportIncident(incident("inc-2")),
        c.RegisterUnit(unit("unit-1", **placed)), c.RegisterUnit(unit("unit-2", **placed)),
        c.ReportBlockage(blockage("blk-1")), c.ReportBlockage(blockage("blk-2")),
    ], RESCUE)
    store.close()
    token = make_token(db, "rescue", "admin", "declarations")
    app = create_app({"DB": str(db), "TESTING": True})
    client = app.test_client()

    def get(url: str, method: str = "get") -> Any:
        return getattr(client, method)(url, headers=bearer(token))

    documents = {"api": get("/api/v1/openapi.json").json,
                 "ogc": with_parameters_inlined(get("/ogc/api").json)}
    return get, documents, db


def _operations(documents: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(document, method, path template, operation) of both documents."""
    return [(name, method, path, operation)
            for name, document in documents.items()
            for path, item in document["paths"].items()
            for method, operation in item.items()]


def _query(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}


def _form(value: Any) -> str:
    """A value as a form-style, unexploded query parameter carries it."""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _valid(schema: dict[str, Any]) -> Any:
    """A value the schema documents as valid: its example, else its first allowed value."""
    return _valid_values(schema)[0]


def _valid_values(schema: dict[str, Any]) -> list[Any]:
    """Values the schema documents as valid: its example, else every value of its
    vocabulary, or both ends of its range."""
    for key in ("example", "examples"):
        if key in schema:
            return [schema[key] if key == "example" else schema[key][0]]
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("type") == "array":
        return [[value] for value in _valid_values(schema["items"])]
    if schema.get("type") == "integer":
        return [schema.get("minimum", 1), *([schema["maximum"]] if "maximum" in schema else [])]
    if schema.get("format") == "date-time":
        return [TIME]
    assert schema.get("type") == "string" and "pattern" not in schema, schema
    return ["x"]


def _past_bounds(schema: dict[str, Any]) -> list[Any]:
    """Values just past each bound the schema documents (none for free text)."""
    out: list[Any] = []
    if "maximum" in schema:
        out.append(schema["maximum"] + 1)
    if "minimum" in schema:
        out.append(schema["minimum"] - 1)
    if "maxLength" in schema:
        out.append("x" * (schema["maxLength"] + 1))
    if "enum" in schema or "pattern" in schema:
        out.append("no-such-value")
    if schema.get("format") == "date-time":
        out.append("soon")
    if schema.get("type") == "array":
        item = _valid(schema)[0]
        if schema.get("minItems", 0) > 1:  # no items at all is the parameter left out
            out.append([item] * (schema["minItems"] - 1))
        if "maxItems" in schema:
            out.append([item] * (schema["maxItems"] + 1))
        out += [[bad] for bad in _past_bounds(schema["items"])]
    return out


def _path(document: str, template: str, collection: str = "incidents") -> str:
    if document == "ogc":
        path = template.replace("{collectionId}", collection).replace("{featureId}", "inc-1")
        return "/ogc" + path.rstrip("/")
    path = template.replace("{unit_id}", "unit-1")
    for prefix, id_ in IDS.items():
        if path.startswith(prefix):
            path = path.replace("{id}", id_)
    return "/api/v1" + path


def _url(path: str, args: dict[str, Any]) -> str:
    return f"{path}?{urlencode({k: _form(v) for k, v in args.items()})}" if args else path


def _refused_naming(answer: Any, name: str) -> str:
    assert answer.status_code == 400 and answer.mimetype == PROBLEM, (
        answer.status_code, answer.data[:300])
    errors = {e["field"]: e["reason"] for e in answer.json["errors"]}
    assert name in errors, answer.json
    return errors[name]


def _required(query: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {name: _valid(p["schema"]) for name, p in query.items() if p["required"]}


def _cursor(get: Any, document: str, path: str) -> str | None:
    """A cursor the service issued for ``path``'s first page of one record (None where
    there is no second record)."""
    page = get(_url(path, {"limit": 1})).json
    if document == "api":
        return page["next"]
    following = [link["href"] for link in page["links"] if link["rel"] == "next"]
    return following[0].split("cursor=")[1].split("&")[0] if following else None


def _collections(document: str, template: str, documents: dict[str, Any]) -> list[str]:
    """Where to try a parameter: the items of every collection (their parameters differ
    by collection), else one."""
    if document != "ogc" or not template.endswith("/items"):
        return ["incidents"]
    item = documents["ogc"]["paths"][template]["get"]
    (collection_id,) = [p for p in item["parameters"] if p["name"] == "collectionId"]
    return collection_id["schema"]["enum"]


def test_every_documented_parameter_is_taken_and_its_bounds_are_checked(world):
    get, documents, _ = world
    checked: set[tuple[str, str, str]] = set()
    for document, method, template, operation in _operations(documents):
        if method != "get":
            continue
        query = _query(operation)
        for name, param in query.items():
            schema = param["schema"]
            taking = []
            for valid in _valid_values(schema):
                taken = []
                for collection in _collections(document, template, documents):
                    path = _path(document, template, collection)
                    value = _cursor(get, document, path) if name == "cursor" else valid
                    if value is None:
                        continue
                    args = {**_required(query), name: value, **COMPANIONS.get(name, {})}
                    answer = get(_url(path, args))
                    if answer.status_code == 200:
                        taken.append(path)
                        continue
                    # the items of every collection share one path: a parameter (or a value
                    # of it) that is not this collection's is refused, naming it
                    assert document == "ogc" and template.endswith("/items"), answer.data[:300]
                    _refused_naming(answer, name)
                assert taken, (document, template, name, valid)
                taking = taking or taken
            for bad in _past_bounds(schema):
                args = {**_required(query), name: bad, **COMPANIONS.get(name, {})}
                answer = get(_url(taking[0], args))
                if (document, name) in CLAMPED and bad == schema.get("maximum", 0) + 1:
                    assert answer.status_code == 200, answer.data[:300]
                    continue
                _refused_naming(answer, name)
            checked.add((document, template, name))
    assert ("api", "/incidents", "limit") in checked and ("ogc", "/", "f") in checked
    assert ("api", "/export", "tiles") in checked and ("api", "/history", "at") in checked
    assert ("ogc", "/collections/{collectionId}/items", "risk_class") in checked


def test_a_parameter_an_operation_does_not_list_is_refused(world):
    get, documents, db = world
    store = SQLiteStore(db)
    try:
        for document, method, template, operation in _operations(documents):
            query = _query(operation)
            listed_elsewhere = sorted({
                name for _, _, _, other in _operations({document: documents[document]})
                for name in _query(other)} - set(query))
            path = _path(document, template)
            for name in ["colour", *listed_elsewhere[:3]]:
                before = store.last_seq()
                answer = get(_url(path, {**_required(query), name: "1"}), method)
                reason = _refused_naming(answer, name)
                assert store.last_seq() == before, (method, path, name)
                if not query:  # an operation with no parameters says so, listing nothing
                    assert reason == "unknown query parameter; this operation takes none"
                    continue
                assert reason.startswith("unknown query parameter; known: "), reason
                known = [n for n in reason.split("known: ", 1)[1].split(", ") if n]
                assert known == sorted(known) and set(known) <= set(query), reason
                if not template.endswith("/items"):  # there, the collection's own are named
                    assert set(known) == set(query), reason
    finally:
        store.close()


def test_the_documents_state_the_bounds_the_tests_rely_on(world):
    """The checks above are only as strong as what the documents say: the bounds that
    matter are stated, and the OGC limit is the one that is clamped."""
    _, documents, _ = world
    incidents = _query(documents["api"]["paths"]["/incidents"]["get"])
    assert incidents["limit"]["schema"]["maximum"] == 10_000
    assert incidents["severity"]["schema"]["items"] == {"type": "integer", "minimum": 1,
                                                        "maximum": 5}
    assert "police" in incidents["agency"]["schema"]["items"]["enum"]
    items = _query(documents["ogc"]["paths"]["/collections/{collectionId}/items"]["get"])
    assert items["limit"]["schema"]["maximum"] == 10_000
    assert items["bbox-crs"]["schema"]["enum"][0].endswith("/CRS84")
    assert set(items) >= {"type", "unit_kind", "reason", "risk_class", "sortby", "status"}
