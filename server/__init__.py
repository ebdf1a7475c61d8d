"""The Flask application: ``create_app()`` builds it; only process entry points call it.

``import server`` imports no torch: the classifier is loaded by the worker only (see ``tasks/``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, MIN_SECRET_LENGTH, Config

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
    from server.web import access_log, auth, pages, results, security

    app = contract.create_app(
        __name__, instance_path=str(INSTANCE_DIR), static_folder="web/static", template_folder="web/templates"
    )
    app.json = extensions.JSONProvider(app)
    app.config.from_object(config_class)
    if settings:
        app.config.update(settings)
    check_settings(app.config)
    app.permanent_session_lifetime = timedelta(days=app.config["SESSION_DAYS"])
    if app.config["PROXY_HOPS"]:
        # Behind N reverse proxies: the client's address (abuse limits) and scheme come from their headers.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    access_log.install()
    for url in (app.config["SQLALCHEMY_DATABASE_URI"], app.config["CELERY"]["broker_url"]):
        _ensure_sqlite_directory(url)
    schedule = app.config["CELERY"].get("beat_schedule_filename")
    if schedule:  # beat writes its state there and crashes when the folder is missing (a fresh checkout)
        Path(schedule).parent.mkdir(parents=True, exist_ok=True)

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
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    extensions.limiter.init_app(app)
    extensions.celery_init_app(app)
    extensions.twitter_init_app(app)
    extensions.bot_init_app(app)
    with app.app_context():
        extensions.init_sqlite(app)

    errors.register_error_handlers(app)
    api.register(app)
    app.register_blueprint(results.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    security.install(app)
    cli.register(app)
    if not app.config["API_KEYS"]:
        logger.warning("API_KEYS is empty: API clients are refused with 401 (signed-in browsers still work)")
    return app


class SettingsError(RuntimeError):
    """A setting makes the server unsafe to start (a short key, no SECRET_KEY)."""


def check_settings(config: Mapping) -> None:
    """Refuse to start outside the demo and the tests with guessable secrets, or without ``SECRET_KEY``.

    ``SECRET_KEY`` signs session cookies and result links and encrypts user tokens; API keys and ``ADMIN_TOKEN``
    are compared as given, so their length is all that stands between them and guessing.
    """
    if config.get("DEMO") or config.get("TESTING"):
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY must be set, at least {MIN_SECRET_LENGTH} characters (it is {len(secret)})")
    short = [index for index, key in enumerate(config.get("API_KEYS") or [], 1) if len(key) < MIN_SECRET_LENGTH]
    if short:
        problems.append(f"API_KEYS must each be at least {MIN_SECRET_LENGTH} characters (key number {short} is not)")
    admin = config.get("ADMIN_TOKEN")
    if admin and len(admin) < MIN_SECRET_LENGTH:
        problems.append(f"ADMIN_TOKEN must be at least {MIN_SECRET_LENGTH} characters")
    unknown = set(config.get("TRUSTED_CLIENT_KEYS") or []) - set(config.get("API_KEYS") or [])
    if unknown:
        problems.append("TRUSTED_CLIENT_KEYS must be keys listed in API_KEYS")
    if problems:
        raise SettingsError("Refusing to start: " + "; ".join(problems) + ". See .env.example.")
