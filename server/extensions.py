"""Flask extensions, created unbound here and bound to an app in ``create_app``; Celery wired the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery, Task
from flask import Flask, has_app_context
from flask.json.provider import DefaultJSONProvider
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

from server.twitter import build_client, build_user_client


class Base(DeclarativeBase):
    """Declarative base of every model."""


db = SQLAlchemy(model_class=Base)
# The models' base: Flask-SQLAlchemy builds db.Model at run time, which a type checker cannot follow; it is a
# subclass of Base, so Base is what the checker is told.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
cors = CORS()
# No default limits: the API counts what it chooses (failed authentications, job starts; server.api.access).
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested too deeply for the parser read as malformed JSON (a 400), not a crash."""

    sort_keys = False

    def loads(self, s, **kwargs):
        """Parse JSON; ``ValueError`` (what Flask answers as a bad request) for nesting Python cannot recurse into."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def init_sqlite(app: Flask) -> None:
    """WAL journal and a busy timeout on SQLite, so the web process and a worker can write side by side."""
    if db.engine.dialect.name != "sqlite":
        return

    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if app.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://":  # in-memory databases have no WAL
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app from ``app.config["CELERY"]``; every task runs inside a Flask app context."""

    class FlaskTask(Task):
        """A task that runs inside this Flask app's context (config, database session)."""

        def __call__(self, *args, **kwargs):
            # Reuse an active app context (a task called directly in a test or from a view) instead of
            # nesting a second one, whose teardown would remove the caller's database session.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    celery_app.flask_app = app  # for worker signal handlers, which run outside any app context
    app.extensions["celery"] = celery_app
    return celery_app


def twitter_init_app(app: Flask) -> None:
    """Build the one tweepy client from config; code that talks to Twitter gets it from here."""
    app.extensions["twitter"] = build_client(app.config)


def bot_init_app(app: Flask) -> None:
    """Build the bot's user-context client from config (None: no credentials, the bot is off)."""
    app.extensions["bot_twitter"] = build_user_client(app.config)
