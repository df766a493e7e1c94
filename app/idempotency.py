"""``Idempotency-Key``: a retried write returns the first answer and writes nothing new.

The first request with a key claims it (a row with no answer yet), runs, and stores
its answer. A retry with the same key and the same request gets that answer back,
marked ``Idempotent-Replayed: true``; the same key with a different request is a 422;
a retry while the first is still running is a 409. Keys belong to one credential, so
two clients cannot collide or read each other's answers. A request that fails gives
its key back, so the client may retry it once the problem is fixed.

If the process dies after the write committed but before its answer was stored, the
key stays claimed and retries get 409: refusing is safer than writing twice.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request

from app.auth import credential_id
from app.problems import Problem
from georisk.store.connections import Connections, unique_violations
from georisk.timeutil import to_micros, utc_now

HEADER = "Idempotency-Key"


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return make_response(view(*args, **kwargs))
        if not 1 <= len(key) <= 200 or not all(33 <= ord(ch) <= 126 for ch in key):
            raise Problem.field(400, HEADER, "1 to 200 printable ASCII characters, no spaces")
        db: Connections = current_app.extensions["georisk.idempotency"]
        con = db.get()
        owner = credential_id() or ""
        digest = _request_hash()
        try:
            con.execute(
                "INSERT INTO idempotency (token_id, key, request_hash, created_us)"
                " VALUES (?, ?, ?, ?)",
                (owner, key, digest, to_micros(utc_now())),
            )
        except unique_violations():
            return _replay(con, owner, key, digest)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _release(con, owner, key)
            raise
        if response.status_code >= 300:
            _release(con, owner, key)
            return response
        con.execute(
            "UPDATE idempotency SET status = ?, body = ? WHERE token_id = ? AND key = ?",
            (response.status_code, response.get_data(), owner, key),
        )
        return response

    return wrapper


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.content_type or ""):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(con: Any, owner: str, key: str, digest: str) -> Response:
    row = con.execute(
        "SELECT request_hash, status, body FROM idempotency WHERE token_id = ? AND key = ?",
        (owner, key),
    ).fetchone()
    if row is None:  # released in the meantime: the first attempt failed
        raise Problem.field(409, HEADER, "the first request with this key failed; retry it")
    stored_hash, status, body = row
    if stored_hash != digest:
        raise Problem.field(
            422, HEADER, "this key was used for a different request; use a new key"
        )
    if status is None:
        raise Problem.field(409, HEADER, "the first request with this key is still running")
    response = Response(bytes(body), status=status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release(con: Any, owner: str, key: str) -> None:
    con.execute("DELETE FROM idempotency WHERE token_id = ? AND key = ? AND status IS NULL",
                (owner, key))
