"""The Flask application: ``create_app()`` builds it; only process entry points call it.

``import server`` imports no torch: the classifier is loaded by the worker only (see ``tasks/``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from config import INSTANCE_DIR, Config

logger = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _ensure_sqlite_directory(url: str) -> None:
    """SQLite creates its file, not the folder it goes in (``instance/`` on a fresh checkout)."""
    for prefix in ("sqlite:///", "sqla+sqlite:///"):
        if url.startswith(prefix) and len(url) > len(prefix):
            Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def create_app(config_class: type = Config, settings: Mapping | None = None) -> Flask:
    """Build the app from a config class, then ``settings`` on top (tests, the demo); bind every extension."""
    # Imported here, not at the top: submodules import ``server.*`` themselves, and this keeps that free of cycles.
    from server import api, cli, extensions, models  # noqa: F401  (models: register the tables)
    from server.api import contract, errors
    from server.web import results

    app = contract.create_app(__name__, instance_path=str(INSTANCE_DIR))
    app.json = extensions.JSONProvider(app)
    app.config.from_object(config_class)
    if settings:
        app.config.update(settings)
    for url in (app.config["SQLALCHEMY_DATABASE_URI"], app.config["CELERY"]["broker_url"]):
        _ensure_sqlite_directory(url)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    cors_origins = app.config["CORS_ORIGINS"]
    if cors_origins:
        extensions.cors.init_app(
            app,
            resources={
                r"/api/*": {"origins": cors_origins},
                r"/start_analysis/*": {"origins": cors_origins},
                r"/recommend_friends/*": {"origins": cors_origins},
            },
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
            expose_headers=["Location"],
            max_age=600,
        )
    extensions.celery_init_app(app)
    extensions.twitter_init_app(app)
    extensions.bot_init_app(app)
    with app.app_context():
        extensions.init_sqlite(app)

    errors.register_error_handlers(app)
    api.register(app)
    app.register_blueprint(results.bp)
    cli.register(app)
    if not app.config["API_KEYS"]:
        logger.warning("API_KEYS is empty: every API request will be refused with 401")
    return app
