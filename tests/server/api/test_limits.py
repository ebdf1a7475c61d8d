"""Abuse limits (429 in our error shape with Retry-After) and the secrets the server refuses to start with."""

from __future__ import annotations

import logging
import socket
import uuid

import pytest

from config import Config, TestConfig
from server import SettingsError, check_settings, create_app
from server.web.access_log import RedactSecrets, redact
from tests.server.fixtures_app import AUTH

LONG = "k" * 24


def assert_429(response) -> int:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    return retry_after


def test_guessing_keys_is_throttled_per_address(client, app):
    app.config["AUTH_FAILURE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/v1/jobs/abc", headers={"X-API-Key": "guess"}).status_code == 401
    assert_429(client.get("/api/v1/jobs/abc", headers={"X-API-Key": "guess"}))
    # Locked out for the window, right key or not: the guesser cannot tell a hit from a miss.
    assert_429(client.get("/api/v1/me", headers=AUTH))
    other_address = client.get("/api/v1/me", headers=AUTH, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 200


def test_successful_requests_do_not_count_as_failures(client, app):
    app.config["AUTH_FAILURE_LIMIT"] = "2 per minute"
    for _ in range(5):
        assert client.get("/api/v1/me", headers=AUTH).status_code == 200


def test_job_starts_are_limited_per_caller(client, app):
    app.config["JOB_START_LIMIT"] = "2 per minute"
    for name in ("sunny_sam", "calm_carla"):
        assert client.post("/api/v1/analyses", json={"username": name}, headers=AUTH).status_code == 202
    assert_429(client.post("/api/v1/analyses", json={"username": "blue_bella"}, headers=AUTH))
    assert_429(client.get("/start_analysis/blue_bella", headers=AUTH))


def test_limits_live_in_redis_when_it_is_configured(tmp_path, app):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    # Two web processes (two apps) on one Redis share the count: a guesser cannot spread over workers.
    settings = {**app.config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "AUTH_FAILURE_LIMIT": "2/minute"}
    address = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    first, second = (create_app(TestConfig, settings).test_client() for _ in range(2))
    assert first.get("/api/v1/me", headers={"X-API-Key": "x"}, environ_base=address).status_code == 401
    assert second.get("/api/v1/me", headers={"X-API-Key": "x"}, environ_base=address).status_code == 401
    assert_429(first.get("/api/v1/me", headers={"X-API-Key": "x"}, environ_base=address))


def test_the_storage_is_redis_when_redis_url_is_set_else_memory():
    assert (Config.REDIS_URL or "memory://") == Config.RATELIMIT_STORAGE_URI


# -- secrets at startup ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"API_KEYS": [LONG, "k"]}, "API_KEYS must each be at least 24"),
        ({"ADMIN_TOKEN": "admin"}, "ADMIN_TOKEN must be at least 24"),
        ({"TRUSTED_CLIENT_KEYS": ["x" * 30]}, "TRUSTED_CLIENT_KEYS must be keys listed in API_KEYS"),
    ],
)
def test_the_server_refuses_to_start_with_guessable_secrets(settings, complaint):
    base = {"SECRET_KEY": "s" * 32, "API_KEYS": [LONG], "ADMIN_TOKEN": None, "TRUSTED_CLIENT_KEYS": []}
    with pytest.raises(SettingsError, match=complaint):
        check_settings({**base, **settings})
    check_settings(base)  # the same without the flaw starts
    check_settings({**base, **settings, "DEMO": True})  # the demo makes its own key and uses a short one


def test_create_app_refuses_outside_the_demo(tmp_path):
    with pytest.raises(SettingsError):
        create_app(Config, {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_a_result_link_without_a_secret_key_is_404_not_500(client, app):
    app.config["SECRET_KEY"] = None
    response = client.get("/r/anything")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "invalid_link"


# -- access logs -------------------------------------------------------------------------------------------------
def test_access_logs_redact_result_tokens_and_sign_in_codes():
    line = (
        '127.0.0.1 - - "GET /r/eyJqb2IiOi.abc-DEF_1 HTTP/1.1" 200 "GET /auth/callback?state=s3cr3t&code=c0de HTTP/1.1"'
    )
    assert redact(line) == (
        '127.0.0.1 - - "GET /r/[redacted] HTTP/1.1" 200 "GET /auth/callback?state=[redacted]&code=[redacted] HTTP/1.1"'
    )
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s %s" %s', ("GET", "/r/tok.en", 200), None)
    assert RedactSecrets().filter(record) and record.getMessage() == '"GET /r/[redacted]" 200'


def test_the_web_server_logs_no_result_token(app, caplog):
    from server.links import make_token

    with app.app_context():
        token = make_token("0" * 32, "sunny_sam")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /r/%s HTTP/1.1" 404 -', token)
    assert token not in caplog.text and "/r/[redacted]" in caplog.text
