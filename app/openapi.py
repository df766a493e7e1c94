"""The OpenAPI 3.1 document of the JSON API, generated from the code that serves it.

Routes are declared once, with `Api.route`: the same declaration registers the Flask
view and describes the operation (path, parameters, the pydantic model that validates
the body, the answer's model). The schemas are pydantic's, so the rules the service
enforces and the rules the document states cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app import schemas
from app.server import MAX_REQUEST_LINE

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
    params: tuple[Param, ...]
    status: int
    answer: type[BaseModel] | None
    write: bool
    description: str = ""


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
        params: Sequence[Param] = (),
        status: int = 200,
        answer: type[BaseModel] | None = None,
        write: bool = False,
        description: str = "",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
            self.blueprint.add_url_rule(rule, view.__name__, view, methods=[method])
            path_params = tuple(
                Param(name, "path", f"The {name.replace('_', ' ')}.", _ID_SCHEMA, True)
                for name in re.findall(r"\{(\w+)\}", path)
            )
            self.operations.append(
                Operation(method, path, summary, tag, body, path_params + tuple(params),
                          status, answer, write, description or (view.__doc__ or "").strip())
            )  # fmt: skip
            return view

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
        }  # fmt: skip

    def _operation(self, op: Operation, refs: dict) -> dict[str, Any]:
        params = list(op.params)
        if op.write:
            params.append(IDEMPOTENCY_KEY)
        out: dict[str, Any] = {
            "operationId": op.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
            + "_" + op.method.lower(),
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [
                {"name": p.name, "in": p.where, "description": p.description,
                 "required": p.required, "schema": p.schema}
                for p in params
            ],
            "responses": {
                "414": URI_TOO_LONG,
                "default": {
                    "description": "An error (RFC 9457 problem details).",
                    "content": {"application/problem+json": {"schema": _ref(schemas.Problem)}},
                },
            },
        }  # fmt: skip
        if op.description:
            out["description"] = op.description
        if op.body is not None:
            out["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(op.body)}},
            }
        geojson = op.answer in (schemas.FeatureCollection, schemas.Feature)
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
