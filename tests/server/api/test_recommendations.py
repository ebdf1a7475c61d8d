"""The recommendations API: the async contract, the legacy route, auth, privacy between clients, matching opt-in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.auth.principals import authorise, client_id
from server.extensions import db
from server.jobs.kinds import RECOMMENDATIONS
from server.models import Account, Job, Recommendation
from tests.server.fixtures_app import AUTH, OTHER_KEY

OTHER = {"X-API-Key": OTHER_KEY}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def post(client, username, headers=AUTH):
    return client.post("/api/v1/recommendations", json={"username": username}, headers=headers)


def store_recommendation(app, username: str, client_key: str = AUTH["X-API-Key"]) -> int:
    """Rows as a finished recommendation job leaves them (account, job, result) and the client's grant."""
    with app.app_context():
        account = Account(twitter_id="777", username=username, username_key=username.lower(), name=username)
        job = Job(username=username, username_key=username.lower(), kind="recommendations", state="succeeded")
        db.session.add_all([account, job])
        db.session.flush()
        friend = {"id": "42", "username": "friendly", "score": 0.9, "reason": "followed by 2 accounts you follow"}
        recommendation = Recommendation(
            account_id=account.id,
            job_id=job.id,
            friends=[friend],
            big_accounts=[],
            hashtags=[{"tag": "coffee", "score": 1.0, "reason": "used by 3 accounts near you"}],
        )
        db.session.add(recommendation)
        authorise(client_id(client_key), username, "sign_in")
        db.session.commit()
        return recommendation.id


# -- starting a job ------------------------------------------------------------------------------------------
def test_post_recommendations_returns_202_with_job_and_location(client, app):
    response = post(client, "sunny_sam")
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["kind"], job["state"], job["username"]) == ("recommendations", "pending", "sunny_sam")
    assert job["links"]["result"] is None
    assert job["links"]["latest"] == "/api/v1/accounts/sunny_sam/recommendations"
    followed = client.get(response.headers["Location"], headers=AUTH)
    assert followed.status_code == 200 and followed.get_json()["job"]["id"] == job["id"]
    with app.app_context():  # committed before it was enqueued
        assert db.session.get(Job, job["id"]).kind == "recommendations"


def test_a_request_while_active_joins_the_job_and_kinds_do_not_mix(client, app):
    first = post(client, "calm_carla").get_json()["job"]
    again = post(client, "CALM_CARLA").get_json()["job"]
    legacy = client.get("/recommend_friends/calm_carla", headers=AUTH)
    assert legacy.status_code == 202 and legacy.headers["Location"] == f"/api/v1/jobs/{first['id']}"
    assert first["id"] == again["id"] == legacy.get_json()["job"]["id"]
    analysis = client.post("/api/v1/analyses", json={"username": "calm_carla"}, headers=AUTH).get_json()["job"]
    assert analysis["id"] != first["id"] and analysis["kind"] == "analysis"
    with app.app_context():
        kinds = db.session.scalars(sa.select(Job.kind).order_by(Job.created_at)).all()
        assert kinds == ["recommendations", "analysis"]


def test_the_legacy_route_starts_a_recommendation_job(client):
    response = client.get("/recommend_friends/blue_bella", headers=AUTH)
    assert response.status_code == 202 and response.headers["Location"].startswith("/api/v1/jobs/")
    assert response.get_json()["job"]["kind"] == "recommendations"


def test_the_job_queue_down_answers_503(app, client):
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    app.extensions["celery"].conf.broker_transport_options = {"max_retries": 0}
    assert_error(post(client, "sunny_sam"), 503, "queue_unavailable")


def test_recommendation_jobs_are_sent_to_their_own_task(client, app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: sent.append((name, kw)))
    job = post(client, "sunny_sam").get_json()["job"]
    assert sent == [(RECOMMENDATIONS.task, {"args": [job["id"]], "task_id": sent[0][1]["task_id"]})]


# -- auth and validation -------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
def test_requests_without_a_valid_key_get_401(client, headers):
    assert_error(post(client, "sunny_sam", headers=headers), 401, "unauthorized")
    assert_error(client.get("/recommend_friends/sunny_sam", headers=headers), 401, "unauthorized")
    assert_error(client.get("/api/v1/recommendations/1", headers=headers), 401, "unauthorized")
    assert_error(client.get("/api/v1/accounts/sunny_sam/recommendations", headers=headers), 401, "unauthorized")
    assert_error(client.get("/api/v1/accounts/sunny_sam/matching", headers=headers), 401, "unauthorized")
    response = client.put("/api/v1/accounts/sunny_sam/matching", json={"opt_in": True}, headers=headers)
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("username", ["", "a" * 16, "@sunny_sam", "sunny sam", "émile", 42, None])
def test_invalid_usernames_in_bodies_get_400(client, username):
    assert_error(post(client, username), 400, "invalid_username")


@pytest.mark.parametrize("username", ["a" * 16, "sunny-sam", "%40sam"])
def test_invalid_usernames_in_paths_get_400(client, username):
    assert_error(client.get(f"/recommend_friends/{username}", headers=AUTH), 400, "invalid_username")
    assert_error(client.get(f"/api/v1/accounts/{username}/recommendations", headers=AUTH), 400, "invalid_username")
    assert_error(client.get(f"/api/v1/accounts/{username}/matching", headers=AUTH), 400, "invalid_username")


def test_missing_username_and_malformed_bodies(client):
    assert_error(client.post("/api/v1/recommendations", json={"user": "x"}, headers=AUTH), 400, "invalid_username")
    response = client.post("/api/v1/recommendations", data="x", content_type="text/plain", headers=AUTH)
    assert_error(response, 415, "unsupported_media_type")


# -- results -------------------------------------------------------------------------------------------------
def test_a_result_by_id_and_the_latest(client, app):
    recommendation_id = store_recommendation(app, "Rec_Rita")
    by_id = client.get(f"/api/v1/recommendations/{recommendation_id}", headers=AUTH)
    assert by_id.status_code == 200
    body = by_id.get_json()["recommendation"]
    assert body["username"] == "Rec_Rita" and body["degraded"] is False and body["degraded_reason"] is None
    assert body["friends"] == [
        {"id": "42", "username": "friendly", "score": 0.9, "reason": "followed by 2 accounts you follow"}
    ]
    assert body["hashtags"][0]["tag"] == "coffee" and body["links"]["self"].endswith(str(recommendation_id))
    latest = client.get("/api/v1/accounts/rec_rita/recommendations", headers=AUTH)
    assert latest.get_json()["recommendation"] == body
    job = client.get(f"/api/v1/jobs/{body['job_id']}", headers=AUTH).get_json()["job"]
    assert job["links"]["result"] == f"/api/v1/recommendations/{recommendation_id}"


def test_another_clients_result_is_404(client, app):
    recommendation_id = store_recommendation(app, "Private_Rex")
    assert_error(
        client.get(f"/api/v1/recommendations/{recommendation_id}", headers=OTHER), 404, "recommendation_not_found"
    )
    response = client.get("/api/v1/accounts/private_rex/recommendations", headers=OTHER)
    error = assert_error(response, 404, "account_not_found")
    assert "job" not in error["message"]  # not even whether a job runs
    assert_error(client.get("/api/v1/recommendations/999", headers=AUTH), 404, "recommendation_not_found")


def test_no_result_yet_points_at_the_active_job(client, app):
    job = post(client, "sunny_sam").get_json()["job"]
    with app.app_context():  # the account is stored once the job looked it up
        db.session.add(Account(twitter_id="126042901", username="sunny_sam", username_key="sunny_sam"))
        db.session.commit()
    error = assert_error(
        client.get("/api/v1/accounts/sunny_sam/recommendations", headers=AUTH), 404, "recommendation_not_found"
    )
    assert job["id"] in error["message"]


# -- matching opt-in -----------------------------------------------------------------------------------------
def test_matching_opt_in_can_be_set_and_read_by_a_client_with_access(client, app):
    store_recommendation(app, "Match_Mo")
    matching = client.get("/api/v1/accounts/match_mo/matching", headers=AUTH).get_json()["matching"]
    assert matching == {"username": "Match_Mo", "opt_in": False, "opt_in_at": None}
    response = client.put("/api/v1/accounts/match_mo/matching", json={"opt_in": True}, headers=AUTH)
    assert response.status_code == 200
    matching = response.get_json()["matching"]
    assert matching["opt_in"] is True and matching["opt_in_at"]
    assert client.get("/api/v1/accounts/Match_Mo/matching", headers=AUTH).get_json()["matching"] == matching
    with app.app_context():
        account = db.session.scalar(sa.select(Account).where(Account.username_key == "match_mo"))
        assert account.match_opt_in and account.match_opt_in_at is not None
    off = client.put("/api/v1/accounts/match_mo/matching", json={"opt_in": False}, headers=AUTH)
    assert off.get_json()["matching"]["opt_in"] is False


@pytest.mark.parametrize("body", [{"opt_in": "yes"}, {"opt_in": 1}, {"opt_in": None}, {}])
def test_matching_needs_a_boolean(client, app, body):
    store_recommendation(app, "Match_Mo")
    response = client.put("/api/v1/accounts/match_mo/matching", json=body, headers=AUTH)
    assert_error(response, 400, "invalid_opt_in")


def test_matching_of_an_account_without_access_or_not_stored_is_404(client, app):
    store_recommendation(app, "Match_Mo")
    response = client.put("/api/v1/accounts/match_mo/matching", json={"opt_in": True}, headers=OTHER)
    assert_error(response, 404, "account_not_found")
    assert_error(client.get("/api/v1/accounts/match_mo/matching", headers=OTHER), 404, "account_not_found")
    assert_error(client.get("/api/v1/accounts/never_seen/matching", headers=AUTH), 404, "account_not_found")
    with app.app_context():
        assert not db.session.scalar(sa.select(Account.match_opt_in).where(Account.username_key == "match_mo"))


def test_openapi_documents_the_recommendation_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {
        "/recommendations",
        "/recommendations/{recommendation_id}",
        "/accounts/{username}/recommendations",
        "/accounts/{username}/matching",
    } <= set(document["paths"])
    assert set(document["paths"]["/accounts/{username}/matching"]) == {"get", "put"}
    schema = document["components"]["schemas"]["Recommendation"]["properties"]
    assert {"friends", "big_accounts", "hashtags", "degraded", "degraded_reason"} <= set(schema)
    assert document["components"]["schemas"]["Job"]["properties"]["kind"]["enum"] == [
        "analysis",
        "recommendations",
        "archive",
        "topic",
        "emotions",
    ]
