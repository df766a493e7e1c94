"""``GET /health``: 200 when the service can read its store, 503 when it cannot.

Anyone may ask, so an anonymous caller learns only that: ``{"status": "ok"}``. The
journal's last sequence number moves with every write, hidden ones too, so watching it
would tell an outsider when and how much the centre is working; it is given only to a
signed-in caller or a token (the reason of a failure likewise, which names files).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app

from app.auth import current_viewer
from georisk.store import Store

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@health.get("/health")
def check():
    store: Store = current_app.extensions["georisk.store"]
    try:
        last_seq = store.last_seq()
    except Exception as exc:  # any failure to read means "not ready", said plainly
        log.warning("health: the store cannot be read: %s", exc)
        if not _insider():
            return {"status": "unavailable"}, 503
        return {"status": "unavailable", "reason": str(exc)}, 503
    if not _insider():
        return {"status": "ok"}
    return {"status": "ok", "last_seq": last_seq}


def _insider() -> bool:
    """Whether the caller holds a valid credential (no, when even that cannot be read)."""
    try:
        return current_viewer() is not None
    except Exception:
        return False
