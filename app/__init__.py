"""The Flask service: app factory, blueprints, and the production server."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from flask import Flask

from georisk import settings
from georisk.store import open_store


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the service.

    Configuration, later sources winning: defaults; the TOML file named by
    ``GEORISK_CONFIG``; ``GEORISK_*`` environment variables (``GEORISK_DB`` sets
    ``DB``); then ``config``.
    """
    app = Flask(__name__)
    app.config.update(DB=str(settings.db_path()), JSON_SORT_KEYS=False)
    if path := os.environ.get("GEORISK_CONFIG"):
        app.config.from_file(path, load=tomllib.load, text=False)
    app.config.from_prefixed_env("GEORISK", loads=str)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    app.extensions["georisk.store"] = open_store(app.config["DB"])

    from app.health import health

    app.register_blueprint(health)
    return app
