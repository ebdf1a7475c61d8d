"""The HTTP API: auth, the async contract, validation, one error shape, privacy between clients."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.auth.principals import authorise, client_id
from server.extensions import db
from server.models import Account, Job
from tests.server.fixtures_app import AUTH, OTHER_KEY, analysis_row

OTHER = {"X-API-Key": OTHER_KEY}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# -- auth ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdC1rZXk="}],
)
def test_requests_without_a_valid_key_get_401(client, headers):
    response = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/api/v1/jobs/abc", headers=headers), 401, "unauthorized")
    assert_error(client.get("/start_analysis/sunny_sam", headers=headers), 401, "unauthorized")


def test_api_key_header_and_bearer_are_both_accepted(client):
    assert client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).status_code == 202
    bearer = {"Authorization": f"Bearer {AUTH['X-API-Key']}"}
    assert client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=bearer).status_code == 202


def test_health_and_openapi_need_no_key(client):
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/analyses", "/jobs/{job_id}", "/accounts/{username}/analysis", "/accounts/{username}/analyses"} <= set(
        document["paths"]
    )


# -- starting a job ------------------------------------------------------------------------------------------
def test_post_analyses_returns_202_with_job_and_location(client, app):
    response = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH)
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["state"] == "pending" and job["username"] == "sunny_sam"
    assert job["progress"] == {"fetched": 0, "classified": 0, "total": None}
    assert job["error"] is None and job["links"]["result"] is None
    followed = client.get(response.headers["Location"], headers=AUTH)
    assert followed.status_code == 200 and followed.get_json()["job"]["id"] == job["id"]
    with app.app_context():  # committed before it was enqueued
        assert db.session.get(Job, job["id"]).state == "pending"


def test_second_request_while_pending_returns_the_same_job(client, app):
    first = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).get_json()["job"]
    again = client.post("/api/v1/analyses", json={"username": "SUNNY_SAM"}, headers=AUTH).get_json()["job"]
    legacy = client.get("/start_analysis/sunny_sam", headers=AUTH)
    assert legacy.status_code == 202
    assert first["id"] == again["id"] == legacy.get_json()["job"]["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_a_finished_job_does_not_block_a_new_one(client, app):
    first = client.post("/api/v1/analyses", json={"username": "calm_carla"}, headers=AUTH).get_json()["job"]
    with app.app_context():
        db.session.get(Job, first["id"]).state = "succeeded"
        db.session.commit()
    second = client.post("/api/v1/analyses", json={"username": "calm_carla"}, headers=AUTH).get_json()["job"]
    assert second["id"] != first["id"]


def test_legacy_route_starts_the_same_kind_of_job(client):
    response = client.get("/start_analysis/blue_bella", headers=AUTH)
    assert response.status_code == 202
    assert response.headers["Location"].startswith("/api/v1/jobs/")
    assert response.get_json()["job"]["username"] == "blue_bella"


def test_broker_down_answers_503_and_leaves_a_failed_job(app, client):
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    app.extensions["celery"].conf.broker_transport_options = {"max_retries": 0}
    response = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH)
    assert_error(response, 503, "queue_unavailable")
    with app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert (job.state, job.error_code) == ("failed", "queue_unavailable")


# -- validation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "username", ["", "a" * 16, "@sunny_sam", "sunny sam", "sunny-sam", "émile", "x\n", "../etc", 42, None, ["a"]]
)
def test_invalid_usernames_get_400_with_a_message(client, username):
    error = assert_error(
        client.post("/api/v1/analyses", json={"username": username}, headers=AUTH), 400, "invalid_username"
    )
    assert "1 to 15" in error["message"]


@pytest.mark.parametrize("username", ["a" * 16, "sunny-sam", "%40sam"])
def test_invalid_usernames_in_paths_get_400(client, username):
    assert_error(client.get(f"/start_analysis/{username}", headers=AUTH), 400, "invalid_username")
    assert_error(client.get(f"/api/v1/accounts/{username}/analysis", headers=AUTH), 400, "invalid_username")


def test_missing_username_gets_400(client):
    assert_error(client.post("/api/v1/analyses", json={"user": "x"}, headers=AUTH), 400, "invalid_username")


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "invalid_json"),
        ('["sunny_sam"]', "application/json", 400, "invalid_body"),
        ('"sunny_sam"', "application/json", 400, "invalid_body"),
        ("username=sunny_sam", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("", None, 415, "unsupported_media_type"),
        (b"\xff\xfe\x00", "application/json", 400, "invalid_json"),
    ],
)
def test_malformed_bodies_get_4xx(client, data, content_type, status, code):
    response = client.post("/api/v1/analyses", data=data, content_type=content_type, headers=AUTH)
    assert_error(response, status, code)


def test_json_nested_too_deeply_for_the_parser_gets_400(client):
    deep = "[" * 5000 + "]" * 5000  # 10 KB, under the size limit
    response = client.post("/api/v1/analyses", data=deep, content_type="application/json", headers=AUTH)
    assert_error(response, 400, "invalid_json")
    response = client.put(
        "/api/v1/accounts/sunny_sam/consent", data=deep, content_type="application/json", headers=AUTH
    )
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    ("path", "code"),
    [("/api/v1/analyses/{}", "invalid_analysis_id"), ("/api/v1/recommendations/{}", "invalid_recommendation_id")],
)
@pytest.mark.parametrize("number", [0, 2**31, 2**63, 10**30])
def test_ids_outside_the_database_integer_are_refused(client, path, code, number):
    assert_error(client.get(path.format(number), headers=AUTH), 400, code)


@pytest.mark.parametrize("job_id", ["ab%00cd", "f" * 31 + "%00", "F" * 32, "g" * 32])
def test_job_ids_that_no_job_can_have_are_not_found(client, job_id):
    assert_error(client.get(f"/api/v1/jobs/{job_id}", headers=AUTH), 404, "job_not_found")


def test_oversized_body_gets_413(client, app):
    body = '{"username": "sunny_sam", "pad": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    response = client.post("/api/v1/analyses", data=body, content_type="application/json", headers=AUTH)
    assert_error(response, 413, "payload_too_large")


def test_unknown_routes_and_methods_use_the_error_shape(client):
    assert_error(client.get("/api/v1/nothing", headers=AUTH), 404, "not_found")
    assert_error(client.delete("/api/v1/analyses", headers=AUTH), 405, "method_not_allowed")
    assert_error(client.get("/api/v1/jobs/" + "f" * 32, headers=AUTH), 404, "job_not_found")
    assert_error(client.get("/api/v1/jobs/" + "f" * 300, headers=AUTH), 404, "job_not_found")
    assert_error(client.get("/api/v1/analyses/12345", headers=AUTH), 404, "analysis_not_found")


def store_analyses(app, username: str, client_key: str, statuses: list[str | None]) -> None:
    """Rows as a finished job leaves them: an account, its analyses (oldest first) and the client's grant."""
    with app.app_context():
        account = Account(twitter_id="4242", username=username, username_key=username.lower(), name=username)
        db.session.add(account)
        db.session.flush()
        for status in statuses:
            reason = None if status else "too_few_emotional_tweets"
            db.session.add(analysis_row(account.id, status=status, reason=reason, low_confidence=status is None))
        authorise(client_id(client_key), username, "sign_in")
        db.session.commit()


def test_latest_analysis_and_history(client, app):
    store_analyses(app, "Trend_Tess", AUTH["X-API-Key"], ["Depressed", "Satisfied", "Cheerful"])
    latest = client.get("/api/v1/accounts/trend_tess/analysis", headers=AUTH)
    assert latest.status_code == 200
    analysis = latest.get_json()["analysis"]
    assert analysis["status"] == "Cheerful" and analysis["username"] == "Trend_Tess"
    assert set(analysis) >= {
        "confidence",
        "breakdown",
        "happiest",
        "saddest",
        "tweet_counts",
        "window",
        "model_version",
    }
    assert analysis["tweet_counts"] == {"own": 9, "reply": 1, "quote": 1, "retweet": 1, "skipped_language": 0}
    assert analysis["language"] is None
    assert analysis["window"] == {"start": "2026-11-01T00:00:00+00:00", "end": "2026-11-20T00:00:00+00:00"}
    history = client.get("/api/v1/accounts/Trend_Tess/analyses?limit=2", headers=AUTH).get_json()
    assert [a["status"] for a in history["analyses"]] == ["Cheerful", "Satisfied"]
    one = client.get(f"/api/v1/analyses/{analysis['id']}", headers=AUTH)
    assert one.get_json()["analysis"] == analysis
    for limit in ("0", "501", "ten"):
        response = client.get(f"/api/v1/accounts/trend_tess/analyses?limit={limit}", headers=AUTH)
        assert_error(response, 400, "invalid_limit")


def test_moods_are_hidden_from_clients_that_did_not_ask(client, app):
    store_analyses(app, "Trend_Tess", AUTH["X-API-Key"], ["Stressed"])
    analysis_id = client.get("/api/v1/accounts/trend_tess/analysis", headers=AUTH).get_json()["analysis"]["id"]
    assert_error(client.get("/api/v1/accounts/trend_tess/analysis", headers=OTHER), 404, "account_not_found")
    assert_error(client.get("/api/v1/accounts/trend_tess/analyses", headers=OTHER), 404, "account_not_found")
    assert_error(client.get(f"/api/v1/analyses/{analysis_id}", headers=OTHER), 404, "analysis_not_found")


def test_no_analysis_yet_is_404_pointing_to_the_job(client):
    job = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).get_json()["job"]
    error = assert_error(client.get("/api/v1/accounts/sunny_sam/analysis", headers=AUTH), 404, "analysis_not_found")
    assert f"/api/v1/jobs/{job['id']}" in error["message"] and "pending" in error["message"]
    other = assert_error(client.get("/api/v1/accounts/sunny_sam/analysis", headers=OTHER), 404, "account_not_found")
    assert job["id"] not in other["message"]


# -- privacy -------------------------------------------------------------------------------------------------
def test_a_client_cannot_see_jobs_of_accounts_that_did_not_authorise_it(client, app):
    job = client.post("/api/v1/analyses", json={"username": "blue_bella"}, headers=AUTH).get_json()["job"]
    assert_error(client.get(f"/api/v1/jobs/{job['id']}", headers=OTHER), 404, "job_not_found")
    assert_error(client.get("/api/v1/accounts/blue_bella/analysis", headers=OTHER), 404, "account_not_found")
    # Asking for the analysis itself grants nothing (the test client authorises only TEST_KEY).
    response = client.post("/api/v1/analyses", json={"username": "blue_bella"}, headers=OTHER)
    assert_error(response, 404, "account_not_found")
    assert_error(client.get(f"/api/v1/jobs/{job['id']}", headers=OTHER), 404, "job_not_found")


# -- CORS ----------------------------------------------------------------------------------------------------
def test_cors_allows_the_configured_frontend_only(client):
    preflight = client.options(
        "/api/v1/analyses",
        headers={
            "Origin": "http://frontend.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-API-Key, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://frontend.test"
    assert "x-api-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = client.post(
        "/api/v1/analyses", json={"username": "sunny_sam"}, headers={**AUTH, "Origin": "http://frontend.test"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "http://frontend.test"
    assert "Location" in response.headers["Access-Control-Expose-Headers"]
    other = client.get("/api/v1/health", headers={"Origin": "http://evil.test"})
    assert "Access-Control-Allow-Origin" not in other.headers
