"""Settings, read from the environment in one place.

Every variable is documented in ``.env.example``. Nothing else in the code reads ``os.environ``: settings
reach the code through ``current_app.config`` (or explicit arguments).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT / "instance"


def as_int(value: str | None, default: int) -> int:
    """Parse an integer setting, falling back to ``default`` when unset or empty."""
    return int(value) if value not in (None, "") else default


def as_float(value: str | None, default: float) -> float:
    """Parse a float setting, falling back to ``default`` when unset or empty."""
    return float(value) if value not in (None, "") else default


def as_bool(value: str | None, default: bool = False) -> bool:
    """Parse a boolean setting (``1/true/yes/on``), falling back to ``default`` when unset or empty."""
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def as_list(value: str | None) -> list[str]:
    """Parse a comma-separated setting into its non-empty, stripped items."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for a child process (a worker, the web server): this process's, with ``overrides``."""
    return {**os.environ, **overrides}


def database_url(value: str | None) -> str:
    """``DATABASE_URL`` for SQLAlchemy: SQLite in ``instance/`` by default, psycopg 3 for a bare ``postgresql://``."""
    if not value:
        return f"sqlite:///{INSTANCE_DIR / 'mood.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def celery_settings(broker_url: str, queue: str) -> dict:
    """Celery's settings (``app.config["CELERY"]``): job state lives in SQL, so no result backend."""
    return {
        "broker_url": broker_url,
        "task_default_queue": queue,
        "task_ignore_result": True,
        # A task's message is acknowledged when it ends, and re-queued if its process dies: jobs resume.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "include": ["tasks.analysis", "tasks.recommend"],
    }


class Config:
    """Defaults for running the product from a checkout: SQLite, the embedded broker, the real Twitter API."""

    # Storage and jobs.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The job queue: BROKER_URL if set, else Redis, else kombu's SQL transport on a SQLite file (no server).
    BROKER_URL = os.environ.get("BROKER_URL") or REDIS_URL or f"sqla+sqlite:///{INSTANCE_DIR / 'broker.db'}"
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE") or "mood"
    CELERY = celery_settings(BROKER_URL, CELERY_QUEUE)
    # A worker renews a job's lease at every step; a job whose lease ran out was orphaned by a dead worker.
    JOB_LEASE_SECONDS = as_int(os.environ.get("JOB_LEASE_SECONDS"), 120)
    # Retries after Twitter 5xx answers and timeouts: base * 2**n seconds, at most TWITTER_BACKOFF_MAX.
    TWITTER_MAX_RETRIES = as_int(os.environ.get("TWITTER_MAX_RETRIES"), 5)
    TWITTER_BACKOFF_BASE = as_float(os.environ.get("TWITTER_BACKOFF_BASE"), 2.0)
    TWITTER_BACKOFF_MAX = as_float(os.environ.get("TWITTER_BACKOFF_MAX"), 300.0)

    # Twitter.
    TWITTER_BEARER_TOKEN = os.environ.get("TWITTER_BEARER_TOKEN") or None
    TWITTER_API_BASE = os.environ.get("TWITTER_API_BASE") or None
    TWITTER_TIMEOUT = as_float(os.environ.get("TWITTER_TIMEOUT"), 10.0)
    TWEET_LIMIT = as_int(os.environ.get("TWEET_LIMIT"), 3200)

    # HTTP API.
    API_KEYS = as_list(os.environ.get("API_KEYS"))
    CORS_ORIGINS = as_list(os.environ.get("CORS_ORIGINS"))
    MAX_CONTENT_LENGTH = as_int(os.environ.get("MAX_CONTENT_LENGTH"), 16 * 1024)

    # Classifier.
    MODEL_DIR = Path(os.environ.get("MODEL_DIR") or ROOT / "model")
    TOKENIZER_DIR = Path(os.environ.get("TOKENIZER_DIR") or ROOT / "tokenizer")
    CLASSIFIER_BATCH_SIZE = as_int(os.environ.get("CLASSIFIER_BATCH_SIZE"), 32)

    # Scoring (ml.scoring.ScoringConfig; these defaults are its defaults).
    MOOD_HALF_LIFE_DAYS = as_float(os.environ.get("MOOD_HALF_LIFE_DAYS"), 14.0)
    MOOD_ACTIVITY_GAIN = as_float(os.environ.get("MOOD_ACTIVITY_GAIN"), 0.5)
    MOOD_MAX_ACTIVITY_BOOST = as_float(os.environ.get("MOOD_MAX_ACTIVITY_BOOST"), 1.0)
    MOOD_WEIGHT_OWN = as_float(os.environ.get("MOOD_WEIGHT_OWN"), 1.0)
    MOOD_WEIGHT_REPLY = as_float(os.environ.get("MOOD_WEIGHT_REPLY"), 0.8)
    MOOD_WEIGHT_QUOTE = as_float(os.environ.get("MOOD_WEIGHT_QUOTE"), 0.7)
    MOOD_WEIGHT_RETWEET = as_float(os.environ.get("MOOD_WEIGHT_RETWEET"), 0.5)
    MOOD_MIN_EMOTIONAL_WEIGHT = as_float(os.environ.get("MOOD_MIN_EMOTIONAL_WEIGHT"), 3.0)


class TestConfig(Config):
    """Settings for the test suite: an in-memory database and fixed keys; fixtures override the rest."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BROKER_URL = "memory://"
    CELERY = celery_settings(BROKER_URL, "mood-test")
    API_KEYS = ["test-key", "other-test-key"]
    TWITTER_BEARER_TOKEN = "local-demo-token"
    CORS_ORIGINS = ["http://frontend.test"]
