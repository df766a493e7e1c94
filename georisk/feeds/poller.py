"""Polling a live source: the only code in georisk that fetches a feed, and only its URL
(and, for a CAP feed, the alerts it links to: `georisk.feeds.links`).

Errors (down, timeouts, HTTP errors, garbage) are logged and retried with exponential
back-off up to a ceiling; one good answer returns to the normal interval.
"""

from __future__ import annotations

import logging
import threading
import urllib.error

from georisk.area.operating import OperatingArea
from georisk.errors import GeoriskError
from georisk.feeds.base import Adapter
from georisk.feeds.importer import Importer, Summary
from georisk.feeds.links import http_get
from georisk.store import Store

log = logging.getLogger("georisk.feeds.poll")


class Poller:
    def __init__(self, store: Store, adapter: Adapter, url: str, *, every: float = 60.0,
                 max_backoff: float = 900.0, timeout: float = 30.0,
                 area: OperatingArea | None = None):
        if not url.startswith(("http://", "https://")):
            raise GeoriskError(f"{url!r}: only http and https URLs are polled")
        self.adapter = adapter
        self.url = url
        self.every = every
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.importer = Importer(store, adapter.actor, repeats=adapter.repeats, area=area)
        self.failures = 0

    def close(self) -> None:
        self.importer.close()

    def fetch(self) -> bytes:
        return http_get(self.url, self.timeout)

    def once(self) -> Summary | None:
        """One poll; None when it failed (and was logged)."""
        try:
            payload = self.fetch()
            summary = self.importer.run(self.adapter.parse(payload))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            self.failures += 1
            log.warning("%s: source unreachable (%s); try %d", self.url, exc, self.failures)
            return None
        except GeoriskError as exc:
            self.failures += 1
            log.warning("%s: unusable answer: %s; try %d", self.url, exc, self.failures)
            return None
        self.failures = 0
        log.info("%s: %s", self.url, summary)
        for rejected in summary.rejected:
            log.warning("%s: rejected %s", self.url, rejected)
        return summary

    def delay(self) -> float:
        if self.failures == 0:
            return self.every
        return min(self.every * 2**self.failures, self.max_backoff)

    def run(self, *, count: int | None = None, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            self.once()
            done += 1
            if count is not None and done >= count:
                return
            stop.wait(self.delay())
