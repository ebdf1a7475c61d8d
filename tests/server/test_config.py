"""Settings: parsing helpers, defaults that need no server, and config.py as the only reader of the environment."""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import config
from ml.mood.weights import ScoringConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reload_config(monkeypatch):
    """Re-import config.py under a patched environment; restore it afterwards."""

    def load(**env):
        for name in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "API_KEYS", "TWEET_LIMIT", "CORS_ORIGINS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(config)

    yield load
    monkeypatch.undo()
    importlib.reload(config)


@pytest.mark.parametrize(("value", "expected"), [(None, 7), ("", 7), ("12", 12)])
def test_as_int(value, expected):
    assert config.as_int(value, 7) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, False), ("", False), ("1", True), ("Yes", True), ("off", False)]
)
def test_as_bool(value, expected):
    assert config.as_bool(value) is expected


def test_as_list_and_as_float():
    assert config.as_list(" a, b,,c ") == ["a", "b", "c"] and config.as_list(None) == []
    assert config.as_float("0.5", 1.0) == 0.5 and config.as_float("", 1.0) == 1.0


def test_database_url():
    assert config.database_url(None).startswith("sqlite:///") and config.database_url(None).endswith("instance/mood.db")
    assert config.database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_defaults_need_no_server(reload_config):
    fresh = reload_config()
    assert fresh.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert fresh.Config.BROKER_URL.startswith("sqla+sqlite:///")
    assert fresh.Config.REDIS_URL is None and fresh.Config.TWEET_LIMIT == 3200
    assert fresh.Config.API_KEYS == [] and fresh.Config.TWITTER_API_BASE is None
    assert fresh.Config.CELERY["task_acks_late"] and fresh.Config.CELERY["task_reject_on_worker_lost"]


def test_environment_overrides(reload_config):
    fresh = reload_config(
        REDIS_URL="redis://cache:6379/1", DATABASE_URL="postgresql://db/mood", API_KEYS="k1,k2", TWEET_LIMIT="500"
    )
    assert fresh.Config.BROKER_URL == "redis://cache:6379/1" == fresh.Config.CELERY["broker_url"]
    assert fresh.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db/mood"
    assert fresh.Config.API_KEYS == ["k1", "k2"] and fresh.Config.TWEET_LIMIT == 500


def test_scoring_defaults_match_ml_scoring():
    defaults = {field.name: field.default for field in dataclasses.fields(ScoringConfig)}
    for key, name in config.SCORING_SETTINGS.items():
        assert getattr(config.Config, key) == defaults[name], key
    assert config.scoring_config(vars(config.Config)) == ScoringConfig()


def test_every_setting_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"\)', (ROOT / "config.py").read_text()))
    assert read <= documented, read - documented


def test_only_config_reads_the_environment():
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("server", "tasks")
        for path in (ROOT / package).rglob("*.py")
        if "twitter_local" not in path.parts and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())
    ]
    assert offenders == []


def test_redis_waits_a_day_before_redelivering_a_delayed_message_other_brokers_get_no_option():
    # Admin re-analysis chunks wait hours for their countdown; Redis would re-deliver them after an hour.
    options = config.celery_settings("redis://127.0.0.1:6379/0", "q")["broker_transport_options"]
    assert options["visibility_timeout"] >= 86400
    # kombu's SQL transport hands transport options to create_engine, which rejects unknown ones.
    assert "broker_transport_options" not in config.celery_settings("sqla+sqlite:///broker.db", "q")


def test_scoring_config_reads_mood_settings_and_falls_back():
    scoring = config.scoring_config(
        {"MOOD_HALF_LIFE_DAYS": 7, "MOOD_WEIGHT_RETWEET": "0.25", "MOOD_ACTIVITY_GAIN": None, "SECRET_KEY": "x"}
    )
    assert scoring.half_life_days == 7.0
    assert scoring.weight_retweet == 0.25
    assert scoring.activity_gain == ScoringConfig().activity_gain
    assert config.scoring_config({}) == ScoringConfig()
    full = {
        "MOOD_HALF_LIFE_DAYS": 1,
        "MOOD_ACTIVITY_GAIN": 2,
        "MOOD_MAX_ACTIVITY_BOOST": 3,
        "MOOD_WEIGHT_OWN": 4,
        "MOOD_WEIGHT_REPLY": 5,
        "MOOD_WEIGHT_QUOTE": 6,
        "MOOD_WEIGHT_RETWEET": 7,
        "MOOD_MIN_EMOTIONAL_WEIGHT": 8,
    }
    assert config.scoring_config(full) == ScoringConfig(1, 2, 3, 4, 5, 6, 7, 8)


def test_every_process_reads_the_dotenv_file_and_the_real_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("API_KEYS=from-the-file\nTWEET_LIMIT=123\n")
    code = "from config import Config; print(Config.API_KEYS, Config.TWEET_LIMIT)"
    env = {**os.environ, "ENV_FILE": str(dotenv), "TWEET_LIMIT": "77"}
    env.pop("API_KEYS", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["['from-the-file']", "77"], result.stderr
