"""Fixtures for the app: the factory with test settings, a migrated database per test, the local Twitter API.

Imported by ``tests/server/conftest.py`` and ``tests/tasks/conftest.py``; helpers for building test accounts
on the local API live here too.
"""

from __future__ import annotations

import itertools
import random
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask import current_app
from flask.testing import FlaskClient
from flask_migrate import upgrade

from config import TestConfig, celery_settings
from server import create_app
from server.auth.principals import authorise, client_id
from server.dev.twitter_local import DEMO_BEARER_TOKEN, DEMO_CLIENT_ID, start_local_api
from server.extensions import db
from server.jobs.runner import Resources, run_job
from server.models import Analysis, Job
from server.privacy import grant_consent

DEMO_WORLD = Path(__file__).resolve().parents[2] / "server" / "dev" / "twitter_local" / "demo_world"
TEST_KEY, OTHER_KEY = TestConfig.API_KEYS
AUTH = {"X-API-Key": TEST_KEY}
_user_ids = itertools.count(random.randrange(10**12, 10**13, 10**6))
USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
# Requests that need the account's consent (REQUIRE_CONSENT is on in TestConfig, as in production).
CONSENT_ROUTES = (
    ("POST", re.compile(r"/api/v1/(?:analyses|recommendations)")),
    ("GET", re.compile(r"/(?:start_analysis|recommend_friends)/(?P<username>[^/?]+)")),
    ("PUT", re.compile(r"/api/v1/accounts/(?P<username>[^/?]+)/matching")),
)


class ConsentingClient(FlaskClient):
    """A test client that records, before it starts a job, the account's consent (as a mention of the bot would) and
    the owner's authorisation of the tests' own API client, ``TEST_KEY`` (as "Sign in with X" started by that client
    would). ``OTHER_KEY`` stays a stranger.

    The tests of everything but consent and authorisation then read as before; ``tests/server/test_privacy.py`` and
    ``tests/server/api/test_object_access.py`` use a plain ``FlaskClient`` to see the 403s and 404s.
    """

    def open(self, *args, **kwargs):
        """Grant consent and authorise the key for the username a job-starting request names, then send it."""
        username = _consenting_username(args[0] if args else None, kwargs)
        key = (kwargs.get("headers") or {}).get("X-API-Key")
        if username is not None:
            with self.application.app_context():
                grant_consent(username, "mention")
                if key == TEST_KEY:
                    authorise(client_id(key), username, "sign_in")
                db.session.commit()
        return super().open(*args, **kwargs)


def _consenting_username(path: object, kwargs: dict) -> str | None:
    if not isinstance(path, str):
        return None
    method = kwargs.get("method", "GET").upper()
    for route_method, pattern in CONSENT_ROUTES:
        match = pattern.fullmatch(path.split("?")[0])
        if match is None or method != route_method:
            continue
        body = kwargs.get("json")
        username = match.groupdict().get("username") or (body.get("username") if isinstance(body, dict) else None)
        return username if isinstance(username, str) and USERNAME.fullmatch(username) else None
    return None


def app_settings(database_uri: str, broker_url: str, twitter_url: str | None, **extra) -> dict:
    """Settings for ``create_app(TestConfig, ...)``: database, broker, local Twitter API, fast retries."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "BROKER_URL": broker_url,
        "CELERY": celery_settings(broker_url, "mood-test"),
        "CELERY_QUEUE": "mood-test",
        "TWITTER_API_BASE": twitter_url,
        "TWITTER_BEARER_TOKEN": DEMO_BEARER_TOKEN,
        "TWITTER_CLIENT_ID": DEMO_CLIENT_ID,
        "TWITTER_TIMEOUT": 2.0,
        "TWITTER_MAX_RETRIES": 2,
        "TWITTER_BACKOFF_BASE": 0.2,
        "TWITTER_BACKOFF_MAX": 1.0,
    }
    settings.update(extra)
    return settings


def migrate(app) -> None:
    """Apply the Alembic migrations to the app's database."""
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def twitter_api():
    """The demo world on the local Twitter API, dates moved to now, once per session."""
    with start_local_api(DEMO_WORLD, shift_dates=True) as server:
        yield server


@pytest.fixture
def local_twitter(twitter_api):
    """The local Twitter API with faults, request log and rate-limit windows reset around the test."""
    twitter_api.reset()
    yield twitter_api
    twitter_api.reset()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "mood.db"
    migrate(create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    return path


@pytest.fixture
def app(tmp_path, migrated_sqlite, local_twitter):
    """The app on a fresh migrated SQLite database, an embedded broker no worker reads, and the local API."""
    database = tmp_path / "mood.db"
    shutil.copy(migrated_sqlite, database)
    settings = app_settings(f"sqlite:///{database}", f"sqla+sqlite:///{tmp_path / 'broker.db'}", local_twitter.url)
    app = create_app(TestConfig, settings)
    app.test_client_class = ConsentingClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


def new_account(api, prefix: str, texts: list[str | dict] = (), **fields) -> dict:
    """Add a fresh account (unique username starting with ``prefix``) with tweets, newest last; returns the user."""
    user_id = str(next(_user_ids))
    username = f"{prefix[:9]}_{user_id[-5:]}"
    user = api.add_user({"id": user_id, "username": username, "name": prefix, **fields})
    now = api.state.world_now()
    for age, text in zip(range(len(texts), 0, -1), texts):
        record = text if isinstance(text, dict) else {"text": text}
        created = (now - timedelta(hours=age)).astimezone(UTC)
        api.add_tweet({"author_id": user_id, "created_at": twitter_time(created), **record})
    return user


def twitter_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def authorize_on_twitter(authorize_url: str, username: str, decision: str = "allow") -> str:
    """Answer the local Twitter API's consent page as ``username``; returns where it redirects (our callback)."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200 and "Authorize app" in page.text, page.text
    form = dict(parse_qsl(urlsplit(authorize_url).query))
    action = urlsplit(authorize_url)._replace(query="").geturl()
    answer = requests.post(
        action, data={**form, "username": username, "decision": decision}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sign_in_with_x(client, username: str, query: str = "", decision: str = "allow"):
    """Go through "Sign in with X" as ``username`` (``query``: ``?client=...``); returns the callback's response."""
    login = client.get(f"/auth/login{query}")
    assert login.status_code == 302, login.get_data(as_text=True)
    callback = urlsplit(authorize_on_twitter(login.headers["Location"], username, decision))
    return client.get(f"{callback.path}?{callback.query}")


def analysis_row(account_id: int, **fields) -> Analysis:
    """A stored analysis for tests that read results: a Cheerful mood over a plausible window, ``fields`` on top."""
    values = dict(
        account_id=account_id,
        model_version="test-1",
        status="Cheerful",
        reason=None,
        confidence=0.7,
        low_confidence=False,
        positivity=0.6,
        negativity=0.4,
        emotional_weight=9.5,
        tweet_count=12,
        own_count=9,
        reply_count=1,
        quote_count=1,
        retweet_count=1,
        window_start=datetime(2026, 11, 1, tzinfo=UTC),
        window_end=datetime(2026, 11, 20, tzinfo=UTC),
        breakdown=dict.fromkeys(("sadness", "joy", "love", "anger", "fear", "surprise"), 1 / 6),
        happiest={"id": "1", "text": "yay", "score": 0.9},
        saddest={"id": "2", "text": "meh", "score": 0.4},
    )
    return Analysis(**{**values, **fields})


def run_in_process(app, job_id: str, classifier) -> Job:
    """One delivery of the job, run in this process as a worker runs it (real model, local Twitter API); the job."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        run_job(job.id, job.task_id, Resources(current_app.extensions["twitter"], lambda: classifier))
        return db.session.get(Job, job_id, populate_existing=True)
