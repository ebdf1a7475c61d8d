"""Settings, read from the environment in one place.

Every variable is documented in ``.env.example``. Nothing else in the code reads ``os.environ``: settings
reach the code through ``current_app.config`` (or explicit arguments).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import load_dotenv

from tasks import names

if TYPE_CHECKING:
    from ml.mood.weights import ScoringConfig

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT / "instance"
# Every process (web, worker, beat, the CLI) reads ./.env, if there is one; the real environment wins over it.
# ENV_FILE names another file (tests point it at an empty one, so a developer's .env cannot change them).
load_dotenv(os.environ.get("ENV_FILE") or ROOT / ".env", override=False)
MIN_SECRET_LENGTH = 24  # API keys, ADMIN_TOKEN and SECRET_KEY: long enough that guessing is hopeless


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


def beat_schedule(
    bot_poll_seconds: float,
    reanalyse_interval: float,
    reanalyse_days: float,
    job_sweep_seconds: float = 60.0,
    topic_refresh_seconds: float = 3600.0,
) -> dict:
    """Celery beat's periodic tasks: sweep lost jobs, poll mentions, re-analyse, drop old text, refresh topics."""
    schedule = {
        "sweep-jobs": {"task": names.SWEEP_JOBS, "schedule": job_sweep_seconds},
        "refresh-topics": {"task": names.REFRESH_TOPICS, "schedule": topic_refresh_seconds},
        "poll-mentions": {"task": names.POLL_MENTIONS, "schedule": bot_poll_seconds},
        "drop-old-tweet-text": {"task": names.DROP_OLD_TWEET_TEXT, "schedule": 86400.0},
    }
    if reanalyse_days > 0:  # 0 turns the periodic re-analysis off
        schedule["reanalyse-stale"] = {"task": names.REANALYSE_STALE, "schedule": reanalyse_interval}
    return schedule


DEFAULT_PRIORITY = 3  # on Redis (0 is consumed first): see celery_settings


def celery_settings(broker_url: str, queue: str, schedule: dict | None = None) -> dict:
    """Celery's settings (``app.config["CELERY"]``): job state lives in SQL, so no result backend."""
    settings = {
        "broker_url": broker_url,
        "task_default_queue": queue,
        "task_ignore_result": True,
        # A task's message is acknowledged when it ends, and re-queued if its process dies: jobs resume.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "include": [
            "tasks.jobs",
            "tasks.analysis",
            "tasks.archive",
            "tasks.recommendations",
            "tasks.topics",
            "tasks.emotions",
            "tasks.periodic",
        ],  # fmt: skip
        "beat_schedule": schedule or {},
        # Beat remembers when each entry last ran here, not in the working directory it was started from.
        "beat_schedule_filename": str(INSTANCE_DIR / "celerybeat-schedule"),
    }
    if broker_url.startswith(("redis://", "rediss://")):
        # Redis re-delivers a message not acknowledged within the visibility timeout (default 1 hour), which
        # includes one waiting for its countdown: admin re-analysis chunks wait hours. A killed worker's job does
        # not need that re-delivery, the lease-based sweep re-sends it.
        settings["broker_transport_options"] = {"visibility_timeout": 86400}
        # Redis consumes priority 0 first: new work goes one step down, so a job resumed after its pool process
        # died (sent at priority 0, tasks.jobs.RESUME_PRIORITY) runs before the queue's new work.
        settings["task_default_priority"] = DEFAULT_PRIORITY
    return settings


class Config:
    """Defaults for running the product from a checkout: SQLite, the embedded broker, the real Twitter API."""

    # Storage and jobs.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The job queue: BROKER_URL if set, else Redis, else kombu's SQL transport on a SQLite file (no server).
    BROKER_URL = os.environ.get("BROKER_URL") or REDIS_URL or f"sqla+sqlite:///{INSTANCE_DIR / 'broker.db'}"
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE") or "mood"
    # Periodic tasks (run by `celery -A tasks.worker beat`): seconds between mention polls; re-analysis of
    # consented accounts whose latest analysis is older than ADMIN_REANALYSE_DAYS (0: off), every INTERVAL seconds.
    BOT_POLL_SECONDS = as_float(os.environ.get("BOT_POLL_SECONDS"), 60.0)
    ADMIN_REANALYSE_DAYS = as_float(os.environ.get("ADMIN_REANALYSE_DAYS"), 7.0)
    ADMIN_REANALYSE_INTERVAL = as_float(os.environ.get("ADMIN_REANALYSE_INTERVAL"), 86400.0)
    # Seconds between two sweeps for jobs whose message was lost (a queue restarted empty, a killed worker).
    JOB_SWEEP_SECONDS = as_float(os.environ.get("JOB_SWEEP_SECONDS"), 60.0)
    # Seconds between two refreshes of the watched topics (each asks Twitter only for what is new).
    TOPIC_REFRESH_SECONDS = as_float(os.environ.get("TOPIC_REFRESH_SECONDS"), 3600.0)
    CELERY = celery_settings(
        BROKER_URL,
        CELERY_QUEUE,
        beat_schedule(
            BOT_POLL_SECONDS, ADMIN_REANALYSE_INTERVAL, ADMIN_REANALYSE_DAYS, JOB_SWEEP_SECONDS, TOPIC_REFRESH_SECONDS
        ),
    )
    # A worker renews a job's lease at every step; a job whose lease ran out was orphaned by a dead worker (or,
    # still pending, lost its message): the sweep re-sends it. A pending job's lease is its grace period.
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
    # Topics: the most tweets one topic job reads, and whether the access level allows full-archive search (a
    # topic starting more than 7 days ago then reads back to its start; otherwise its last 7 days).
    TOPIC_MAX_TWEETS = as_int(os.environ.get("TOPIC_MAX_TWEETS"), 10_000)
    TWITTER_FULL_ARCHIVE = as_bool(os.environ.get("TWITTER_FULL_ARCHIVE"), False)

    # The bot (mood.poll_mentions): off unless all four user-context (OAuth 1.0a) credentials are set.
    BOT_USERNAME = os.environ.get("BOT_USERNAME") or None
    TWITTER_CONSUMER_KEY = os.environ.get("TWITTER_CONSUMER_KEY") or None
    TWITTER_CONSUMER_SECRET = os.environ.get("TWITTER_CONSUMER_SECRET") or None
    TWITTER_ACCESS_TOKEN = os.environ.get("TWITTER_ACCESS_TOKEN") or None
    TWITTER_ACCESS_TOKEN_SECRET = os.environ.get("TWITTER_ACCESS_TOKEN_SECRET") or None
    # Seconds the bot holds a mention between taking it and storing its reply; then another poll may take over.
    BOT_LEASE_SECONDS = as_int(os.environ.get("BOT_LEASE_SECONDS"), 120)
    # Signs the session cookie and the private result links (/r/<token>), and encrypts stored user tokens.
    # Required outside the demo (which makes one per run).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    RESULT_LINK_MAX_AGE = as_int(os.environ.get("RESULT_LINK_MAX_AGE"), 7 * 24 * 3600)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"

    # "Sign in with X" (OAuth 2.0 with PKCE): off until TWITTER_CLIENT_ID is set. The secret is for
    # confidential clients (a web app); the callback is PUBLIC_BASE_URL/auth/callback unless OAUTH_REDIRECT_URI.
    TWITTER_CLIENT_ID = os.environ.get("TWITTER_CLIENT_ID") or None
    TWITTER_CLIENT_SECRET = os.environ.get("TWITTER_CLIENT_SECRET") or None
    OAUTH_REDIRECT_URI = os.environ.get("OAUTH_REDIRECT_URI") or None
    # The signed-in session: a cookie (HttpOnly, SameSite=Lax, Secure outside the demo) naming a server-side row.
    SESSION_DAYS = as_float(os.environ.get("SESSION_DAYS"), 14.0)
    SESSION_COOKIE_NAME = "mood_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = as_bool(os.environ.get("SESSION_COOKIE_SECURE"), True)

    # HTTP API.
    API_KEYS = as_list(os.environ.get("API_KEYS"))
    # A trust decision: keys (of API_KEYS) whose clients may declare that a person signed in as an account on
    # their side (PUT .../consent {"signed_in": true}), which consents for it and authorises them. Default: none.
    TRUSTED_CLIENT_KEYS = as_list(os.environ.get("TRUSTED_CLIENT_KEYS"))
    # Admin routes (/api/v1/admin, Authorization: Bearer <token>); unset: they answer 503 admin_disabled.
    ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN") or None
    # A re-analysis run enqueues ADMIN_CHUNK_SIZE accounts every ADMIN_CHUNK_SECONDS (one rate-limit window).
    ADMIN_CHUNK_SIZE = as_int(os.environ.get("ADMIN_CHUNK_SIZE"), 50)
    ADMIN_CHUNK_SECONDS = as_float(os.environ.get("ADMIN_CHUNK_SECONDS"), 900.0)
    CORS_ORIGINS = as_list(os.environ.get("CORS_ORIGINS"))
    # Reverse proxies in front of the web process (0: none): their X-Forwarded-* headers are then believed.
    PROXY_HOPS = as_int(os.environ.get("PROXY_HOPS"), 0)
    MAX_CONTENT_LENGTH = as_int(os.environ.get("MAX_CONTENT_LENGTH"), 16 * 1024)
    # An uploaded X/Twitter export (the only bigger body): the ZIP, or its data/tweets.js alone when the ZIP with
    # its photos is larger.
    ARCHIVE_MAX_MB = as_float(os.environ.get("ARCHIVE_MAX_MB"), 64.0)
    # A photo to read faces in (POST /api/v1/images); Twitter's own photos are at most 5 MB.
    IMAGE_MAX_MB = as_float(os.environ.get("IMAGE_MAX_MB"), 10.0)
    # Tweets' photos in analyses: read their faces (downloaded into memory, never kept), within these limits.
    READ_PHOTOS = as_bool(os.environ.get("READ_PHOTOS"), True)
    PHOTO_MAX_MB = as_float(os.environ.get("PHOTO_MAX_MB"), 5.0)
    PHOTO_TIMEOUT = as_float(os.environ.get("PHOTO_TIMEOUT"), 5.0)
    PHOTO_LIMIT = as_int(os.environ.get("PHOTO_LIMIT"), 200)  # photos read per analysis job, newest tweets first
    # Abuse limits (Flask-Limiter; Redis when REDIS_URL, else this process's memory): failed authentications per
    # client address, and job starts per client.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    AUTH_FAILURE_LIMIT = os.environ.get("AUTH_FAILURE_LIMIT") or "20 per minute"
    JOB_START_LIMIT = os.environ.get("JOB_START_LIMIT") or "60 per minute"
    # The local demo (server.dev.demo) sets DEMO=1: short demo keys are then accepted. Never in production.
    DEMO = as_bool(os.environ.get("DEMO"))

    # Privacy: analyse only accounts that opted in; blank stored tweet text after this many days (0: keep).
    REQUIRE_CONSENT = as_bool(os.environ.get("REQUIRE_CONSENT"), True)
    TWEET_RETENTION_DAYS = as_float(os.environ.get("TWEET_RETENTION_DAYS"), 90.0)
    READING_RETENTION_DAYS = as_float(os.environ.get("READING_RETENTION_DAYS"), 30.0)

    # Classifier.
    MODEL_DIR = Path(os.environ.get("MODEL_DIR") or ROOT / "model")
    TOKENIZER_DIR = Path(os.environ.get("TOKENIZER_DIR") or ROOT / "tokenizer")
    CLASSIFIER_BATCH_SIZE = as_int(os.environ.get("CLASSIFIER_BATCH_SIZE"), 0) or None  # None: ml.BATCH_SIZE

    # Scoring (ml.mood.weights.ScoringConfig; these defaults are its defaults).
    MOOD_HALF_LIFE_DAYS = as_float(os.environ.get("MOOD_HALF_LIFE_DAYS"), 14.0)
    MOOD_ACTIVITY_GAIN = as_float(os.environ.get("MOOD_ACTIVITY_GAIN"), 0.5)
    MOOD_MAX_ACTIVITY_BOOST = as_float(os.environ.get("MOOD_MAX_ACTIVITY_BOOST"), 1.0)
    MOOD_WEIGHT_OWN = as_float(os.environ.get("MOOD_WEIGHT_OWN"), 1.0)
    MOOD_WEIGHT_REPLY = as_float(os.environ.get("MOOD_WEIGHT_REPLY"), 0.8)
    MOOD_WEIGHT_QUOTE = as_float(os.environ.get("MOOD_WEIGHT_QUOTE"), 0.7)
    MOOD_WEIGHT_RETWEET = as_float(os.environ.get("MOOD_WEIGHT_RETWEET"), 0.5)
    MOOD_MIN_EMOTIONAL_WEIGHT = as_float(os.environ.get("MOOD_MIN_EMOTIONAL_WEIGHT"), 3.0)


# Setting -> ``ml.mood.weights.ScoringConfig`` field: the scoring code takes the dataclass, never setting names.
SCORING_SETTINGS = {
    "MOOD_HALF_LIFE_DAYS": "half_life_days",
    "MOOD_ACTIVITY_GAIN": "activity_gain",
    "MOOD_MAX_ACTIVITY_BOOST": "max_activity_boost",
    "MOOD_WEIGHT_OWN": "weight_own",
    "MOOD_WEIGHT_REPLY": "weight_reply",
    "MOOD_WEIGHT_QUOTE": "weight_quote",
    "MOOD_WEIGHT_RETWEET": "weight_retweet",
    "MOOD_MIN_EMOTIONAL_WEIGHT": "min_emotional_weight",
}


def scoring_config(settings: Mapping) -> ScoringConfig:
    """The ``ScoringConfig`` of a settings mapping (e.g. ``app.config``): set ``MOOD_*`` keys, defaults for the rest.

    Strings (environment values) are parsed as floats; other keys are ignored.
    """
    from ml.mood.weights import ScoringConfig  # here: loading the settings imports nothing of ml

    values = {field: float(settings[key]) for key, field in SCORING_SETTINGS.items() if settings.get(key) is not None}
    return ScoringConfig(**values)


class TestConfig(Config):
    """Settings for the test suite: an in-memory database and fixed keys; fixtures override the rest."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BROKER_URL = "memory://"
    CELERY = celery_settings(BROKER_URL, "mood-test")
    API_KEYS = ["test-key", "other-test-key"]
    TWITTER_BEARER_TOKEN = "local-demo-token"
    CORS_ORIGINS = ["http://frontend.test"]
    SECRET_KEY = "test-secret-key"
    PUBLIC_BASE_URL = "https://mood.test"
    TRUSTED_CLIENT_KEYS: list[str] = []
    RATELIMIT_STORAGE_URI = "memory://"
