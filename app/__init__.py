"""The Flask service: app factory, blueprints, and the production server."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from flask import Flask

from georisk import settings
from georisk.identity import Connections, service_secret
from georisk.store import open_store


def warm_at_start(app: Flask) -> bool:
    """Whether the service makes, at its start and off the request path, what a first map
    would otherwise wait for (``MAP_WARM``; off under ``TESTING`` unless set)."""
    from app.auth import flag

    return flag(app.config.get("MAP_WARM", not app.config.get("TESTING")))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the service.

    Configuration, later sources winning: defaults; the TOML file named by
    ``GEORISK_CONFIG``; ``GEORISK_*`` environment variables (``GEORISK_DB`` sets
    ``DB``); then ``config``.
    """
    app = Flask(__name__)
    app.config.update(
        DB=settings.db_path(),
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,  # a full 5,000-position batch is about 1 MiB
    )
    if path := os.environ.get("GEORISK_CONFIG"):
        app.config.from_file(path, load=tomllib.load, text=False)
    app.config.from_prefixed_env("GEORISK", loads=str)
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    app.extensions["georisk.store"] = open_store(app.config["DB"])  # migrates the schema
    secret = app.config.get("SECRET_KEY")
    app.extensions["georisk.cursor_key"] = (
        secret.encode() if isinstance(secret, str) else secret
    ) or service_secret(app.config["DB"])
    app.extensions["georisk.idempotency"] = Connections(app.config["DB"])

    from app import (
        analysis,
        api,
        auth,
        compression,
        export,
        headers,
        ogc,
        pages,
        params,
        picture,
        problems,
        resources,
        signin,
        stream,
        tiles,
    )
    from app.health import health

    problems.install(app)
    headers.install(app)
    compression.install(app)
    export.install(app)  # its route is on the API blueprint, as are app.analysis's
    resources.install(app)  # its routes too
    auth.install(app)
    params.install(app)  # after auth: an anonymous request is a 401 whatever it asks
    app.register_blueprint(health)
    app.register_blueprint(signin.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(ogc.blueprint)
    picture.install(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(tiles.blueprint)
    app.register_blueprint(analysis.blueprint)
    analysis.install(app)
    stream.install(app)
    return app
