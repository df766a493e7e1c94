"""Access events of the web service into the journal and the log, in one call.

Sign-ins (good and bad), sign-outs and refused writes are journaled so the audit
trail is in the same ordered journal as the writes themselves, and logged so that an
operations team's log tooling sees a guessing attack as it happens.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request

from georisk.commands import Actor
from georisk.journal import Event
from georisk.model import Agency
from georisk.store import Store

log = logging.getLogger("georisk.auth")


def address() -> str:
    """The client's address as this process sees it (behind a proxy, configure
    werkzeug's ProxyFix so this is the real client and not the proxy)."""
    return request.remote_addr or "unknown"


def note(kind: str, actor: str, agency: Agency | str, subject: str, **details: Any) -> Event:
    """Journal ``access.<kind>`` and log it; warnings for refusals and failures."""
    store: Store = current_app.extensions["georisk.store"]
    payload = {"address": address(), "method": request.method, "path": request.path, **details}
    event = store.note(f"access.{kind}", Actor(actor[:100], Agency(agency)), subject[:200], payload)
    level = logging.INFO if kind in ("signed_in", "signed_out") else logging.WARNING
    log.log(level, "%s actor=%s agency=%s subject=%s %s", kind, actor, agency, subject, payload)
    return event
