"""Run the app under gunicorn, the production WSGI server, from `georisk serve`.

Threads (gthread workers) let one process hold many long-lived connections such as
event streams; each worker opens its own database connections after the fork.
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication

from app import create_app

#: The longest request line (method, path and query) the server reads, in bytes (gunicorn's
#: default, set here so the API documents can say it): a longer one is refused with a 414
#: of gunicorn's own, as text/html, before the service sees the request.
MAX_REQUEST_LINE = 4094


class _Gunicorn(BaseApplication):
    def __init__(self, config: dict[str, Any], options: dict[str, Any]):
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self._config)
        # Decode the units once now, into the store's record cache: otherwise the first
        # position batch after a start decodes every unit it moves (a fifth of its time).
        store = app.extensions["georisk.store"]
        store.get_many("unit", store.ids("unit"))
        # The write-ahead log is copied back from a thread of the worker's own, not inside
        # whichever request's commit takes it past SQLite's threshold.
        store.start_checkpointing()
        # Everything loaded so far (libraries, reference data) lives as long as the worker:
        # move it out of the collector's sight, so that a full collection walks only what
        # the worker made since (measured: such pauses went from ~120 ms to ~50 ms under the
        # CoT stream benchmark, and they were the stream's worst delays).
        gc.collect()
        gc.freeze()
        return app


def serve(config: dict[str, Any], host: str, port: int, workers: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
        "control_socket_disable": True,  # several instances may run side by side
        "limit_request_line": MAX_REQUEST_LINE,
    }
    _Gunicorn(config, options).run()
