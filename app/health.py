"""``GET /health``: 200 when the service can read its store, 503 when it cannot."""

from __future__ import annotations

from flask import Blueprint, current_app

from georisk.store import Store

health = Blueprint("health", __name__)


@health.get("/health")
def check():
    store: Store = current_app.extensions["georisk.store"]
    try:
        last_seq = store.last_seq()
    except Exception as exc:  # any failure to read means "not ready", said plainly
        return {"status": "unavailable", "reason": str(exc)}, 503
    return {"status": "ok", "last_seq": last_seq}
