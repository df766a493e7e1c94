"""The OpenAPI 3.1 document of the JSON API, generated from the code that serves it.

Routes are declared once, with `Api.route`: the same declaration registers the Flask
view and describes the operation (path, the query's model, the pydantic model that
validates the body, the answer's model). The query is checked against its model before
the view runs, and the schemas are pydantic's, so the rules the service enforces and
the rules the document states cannot drift apart. `query_parameters` also writes the
OGC API's parameters (OpenAPI 3.0), from its own models.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app import params, schemas
from app.server import MAX_REQUEST_LINE
from georisk.queryparams import QueryModel

_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query", "path" or "header"
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    params: tuple[Param, ...]  # path and header parameters
    query: type[QueryModel]
    status: int
    answer: type[BaseModel] | None
    write: bool
    description: str = ""


class NoQuery(QueryModel):
    """The query of an operation that takes no parameters: any is refused."""


class Api:
    """A blueprint whose routes also describe themselves for the OpenAPI document."""

    def __init__(self, blueprint: Blueprint, title: str, version: str, description: str):
        self.blueprint = blueprint
        self.title = title
        self.version = version
        self.description = description
        self.operations: list[Operation] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        body: type[BaseModel] | None = None,
        query: type[QueryModel] = NoQuery,
        status: int = 200,
        answer: type[BaseModel] | None = None,
        write: bool = False,
        description: str = "",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``view`` for ``method`` and ``path``. Its query is read into ``query``
        (a 400 naming the parameter, before the view runs) and given to the view as its
        argument ``query`` if it takes one."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            takes_query = "query" in inspect.signature(view).parameters

            @functools.wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                given = params.read(query)
                return view(*args, **kwargs, **({"query": given} if takes_query else {}))

            rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
            self.blueprint.add_url_rule(rule, view.__name__, checked, methods=[method])
            path_params = tuple(
                Param(name, "path", f"The {name.replace('_', ' ')}.", _ID_SCHEMA, True)
                for name in re.findall(r"\{(\w+)\}", path)
            )
            self.operations.append(
                Operation(method, path, summary, tag, body, path_params, query, status,
                          answer, write, description or (view.__doc__ or "").strip())
            )
            return checked

        return register

    def document(self, server: str) -> dict[str, Any]:
        models: list[type[BaseModel]] = [schemas.Problem]
        models += [op.body for op in self.operations if op.body is not None]
        models += [op.answer for op in self.operations if op.answer is not None]
        unique = list(dict.fromkeys(models))
        refs, top = models_json_schema(
            [(model, "validation") for model in unique], ref_template=_REF
        )
        components = dict(top.get("$defs", {}))
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = self._operation(op, refs)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version,
                     "description": self.description},
            "servers": [{"url": server}],
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {
                "schemas": components,
                "securitySchemes": {"bearer": {
                    "type": "http", "scheme": "bearer",
                    "description": "A token from `georisk tokens create`.",
                }},
            },
        }

    def _operation(self, op: Operation, refs: dict) -> dict[str, Any]:
        others = list(op.params)
        if op.write:
            others.append(IDEMPOTENCY_KEY)
        out: dict[str, Any] = {
            "operationId": op.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
            + "_" + op.method.lower(),
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [
                *({"name": p.name, "in": p.where, "description": p.description,
                   "required": p.required, "schema": p.schema} for p in others),
                *query_parameters(op.query),
            ],
            "responses": {
                "414": URI_TOO_LONG,
                "default": {
                    "description": "An error (RFC 9457 problem details).",
                    "content": {"application/problem+json": {"schema": _ref(schemas.Problem)}},
                },
            },
        }
        if op.description:
            out["description"] = op.description
        if op.body is not None:
            out["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(op.body)}},
            }
        geojson = op.answer in schemas.GEOJSON_ANSWERS
        media = "application/geo+json" if geojson else "application/json"
        answer: dict[str, Any] = {"description": "Success."}
        if op.answer is not None:
            answer["content"] = {media: {"schema": _ref(op.answer)}}
        out["responses"][str(op.status)] = answer
        return out


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


_ID_SCHEMA = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"}

#: The one error that is not problem+json: the server refuses a request line it will not
#: read (a query of many long values) before the service sees the request.
URI_TOO_LONG = {
    "description": f"The request line (method, path and query) is longer than "
    f"{MAX_REQUEST_LINE:,} bytes; the web server refuses it, as a page.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}

IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    "Any unique string (1-200 printable ASCII characters). A retry with the same key and "
    "body answers as the first request did and writes nothing new.",
    {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
)


# -- query parameters, from the model that checks them ------------------------------------


def query_parameters(model: type[QueryModel], openapi: str = "3.1") -> list[dict[str, Any]]:
    """The OpenAPI parameter objects of ``model``'s fields, named as a query names them,
    with the schema pydantic writes for each (its bounds, vocabulary and examples). Lists
    are comma-separated (form style, not exploded), as every georisk query takes them.
    ``openapi`` "3.0" writes what OpenAPI 3.0 allows (``example``, no ``const``)."""
    document = model.model_json_schema(by_alias=True, mode="validation")
    definitions = document.get("$defs", {})
    required = set(document.get("required", ()))
    out = []
    for name, schema in document["properties"].items():
        schema = _without_null(_inlined(schema, definitions))
        schema.pop("title", None)
        description = schema.pop("description", None)
        if openapi.startswith("3.0"):
            schema = _as_openapi_30(schema)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                 "style": "form", "explode": False, "schema": schema}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """``schema`` with every ``$ref`` to ``definitions`` replaced by what it names: a
    parameter's schema must stand alone."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        named = definitions[schema["$ref"].rsplit("/", 1)[1]]
        return _inlined({**named, **{k: v for k, v in schema.items() if k != "$ref"}},
                        definitions)
    return {key: _inlined(value, definitions) for key, value in schema.items()}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema without its ``null`` branch: a query parameter is
    absent, never null."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" not in schema or len(branches) != 1:
        return copy.deepcopy(schema)
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return copy.deepcopy({**branches[0], **rest})


def _as_openapi_30(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_as_openapi_30(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _as_openapi_30(value) for key, value in schema.items()}
    if "examples" in out:
        out["example"] = out.pop("examples")[0]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    return out
