"""Opaque, signed pagination cursors bound to the query they continue.

A cursor holds where the last page ended, in terms its viewer was shown (the id and
sort values of its last record, never a position in the store, which would count
records the viewer may not see), and a fingerprint of the query's filters, signed with
HMAC-SHA256. A client cannot forge a position (to probe what lies between records) nor
reuse a cursor with other filters, which would silently give a wrong page; both get a
400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from app.problems import Problem

_SIGNATURE_BYTES = 16


def fingerprint(filters: dict[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return str(value)


def encode(key: bytes, after: tuple[Any, ...], filters: dict[str, Any]) -> str:
    body = json.dumps({"a": after, "f": fingerprint(filters)}, separators=(",", ":")).encode()
    signature = hmac.new(key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return f"{_b64(body)}.{_b64(signature)}"


def decode(key: bytes, cursor: str | None, filters: dict[str, Any]) -> tuple[Any, ...] | None:
    """The position to continue after, or None for the first page; 400 if tampered."""
    if cursor is None:
        return None
    try:
        body_text, _, signature_text = cursor.partition(".")
        body = _unb64(body_text)
        signature = _unb64(signature_text)
    except ValueError:
        raise Problem.field(400, "cursor", "not a cursor this service issued") from None
    expected = hmac.new(key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        raise Problem.field(400, "cursor", "not a cursor this service issued (bad signature)")
    data = json.loads(body)
    if data.get("f") != fingerprint(filters):
        raise Problem.field(
            400, "cursor", "the cursor belongs to a query with other filters; start again"
        )
    return tuple(data["a"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 512:
        raise ValueError("empty or too long")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
