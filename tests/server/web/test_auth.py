"""'Sign in with X' end to end against the local Twitter API: consent, session, token, client grants, errors."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app

from server.auth import tokens
from server.auth.principals import client_id
from server.extensions import db
from server.models import AccessGrant, Consent, UserSession, UserToken, utcnow
from tests.server.fixtures_app import (
    AUTH,
    OTHER_KEY,
    TEST_KEY,
    authorize_on_twitter,
    new_account,
    run_in_process,
    sign_in_with_x,
)

OTHER = {"X-API-Key": OTHER_KEY}
CARLA_ID = "15070224"  # calm_carla in the demo world


def assert_error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error["message"]


def test_login_sends_the_person_to_twitter_with_pkce_and_a_state(client, local_twitter):
    response = client.get("/auth/login")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}" == local_twitter.url and target.path == "/i/oauth2/authorize"
    assert query["response_type"] == "code" and query["client_id"] == "local-demo-client"
    assert query["scope"].split() == ["tweet.read", "users.read", "offline.access"]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "https://mood.test/auth/callback" and len(query["state"]) >= 20


def test_sign_in_records_consent_token_and_a_server_side_session(client, app):
    response = sign_in_with_x(client, "sunny_sam")
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/auth/me").get_json() == {
        "signed_in": True,
        "user": {"id": "126042901", "username": "sunny_sam"},
    }
    with app.app_context():
        consent = db.session.get(Consent, "sunny_sam")
        assert (consent.source, consent.twitter_id) == ("oauth", "126042901")
        stored = db.session.get(UserToken, "126042901")
        assert stored.refresh_token and "offline.access" in stored.scope
        live = tokens.access_token(current_app.config, "126042901")
        assert live and live not in stored.access_token  # encrypted at rest
        (row,) = db.session.scalars(sa.select(UserSession))
        assert row.twitter_id == "126042901" and row.expires_at > utcnow() + timedelta(days=13)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 0  # no client asked
    assert "Signed in as <b>@sunny_sam</b>" in client.get("/").get_data(as_text=True)


def test_the_session_reaches_its_own_account_and_nothing_else(client):
    sign_in_with_x(client, "sunny_sam")
    assert client.get("/api/v1/accounts/sunny_sam/consent").get_json()["consent"]["source"] == "oauth"
    assert client.post("/api/v1/analyses", json={"username": "sunny_sam"}).status_code == 202
    assert_error(client.get("/api/v1/accounts/blue_bella/consent"), 404, "account_not_found")
    assert_error(client.post("/api/v1/analyses", json={"username": "blue_bella"}), 404, "account_not_found")
    me = client.get("/api/v1/me").get_json()
    assert me["kind"] == "session" and me["accounts"] == ["sunny_sam"]


def test_a_cookie_change_from_another_site_is_refused(client):
    sign_in_with_x(client, "sunny_sam")
    response = client.delete("/api/v1/accounts/sunny_sam/consent", headers={"Origin": "https://evil.test"})
    assert_error(response, 403, "cross_site_request")
    assert client.get("/api/v1/accounts/sunny_sam/consent").get_json()["consent"]["given"] is True


def test_sign_in_started_by_a_client_authorises_that_client_for_the_account(client, app):
    stranger = app.test_client()
    assert_error(stranger.get("/api/v1/accounts/calm_carla/consent", headers=OTHER), 404, "account_not_found")
    sign_in_url = client.get("/api/v1/me", headers=OTHER).get_json()["sign_in_url"]
    assert sign_in_url == f"https://mood.test/auth/login?client={client_id(OTHER_KEY)}"
    browser = app.test_client()
    sign_in_with_x(browser, "calm_carla", f"?client={client_id(OTHER_KEY)}&next=/done")
    assert stranger.get("/api/v1/accounts/calm_carla/consent", headers=OTHER).status_code == 200
    assert stranger.get("/api/v1/me", headers=OTHER).get_json()["accounts"] == ["calm_carla"]
    assert_error(stranger.get("/api/v1/accounts/calm_carla/consent", headers=AUTH), 404, "account_not_found")
    with app.app_context():
        grant = db.session.scalar(sa.select(AccessGrant))
        assert (grant.client_id, grant.source, grant.twitter_id) == (client_id(OTHER_KEY), "oauth", CARLA_ID)


def test_grants_and_sessions_follow_the_account_across_a_rename(client, app):
    from server.models import Account

    sign_in_with_x(client, "calm_carla", f"?client={client_id(OTHER_KEY)}")
    with app.app_context():  # the account renamed itself; a later analysis stored the new name
        db.session.add(Account(twitter_id=CARLA_ID, username="carla_now", username_key="carla_now"))
        db.session.commit()
    assert client.get("/api/v1/accounts/carla_now/consent").status_code == 200
    assert client.get("/api/v1/accounts/carla_now/consent", headers=OTHER).status_code == 200


def test_logout_ends_the_session_for_a_copied_cookie_too(client, app):
    sign_in_with_x(client, "sunny_sam")
    copied = client.get_cookie("mood_session").value
    assert client.post("/auth/logout").get_json() == {"signed_out": True}
    assert client.get("/auth/me").get_json()["signed_in"] is False
    thief = app.test_client()
    thief.set_cookie("mood_session", copied)
    assert_error(thief.get("/api/v1/accounts/sunny_sam/consent"), 401, "unauthorized")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    form = client.post("/auth/logout", data={"x": "1"})
    assert form.status_code == 303 and form.headers["Location"] == "/"


def test_forget_me_signs_the_account_out_and_drops_its_token(client, app):
    sign_in_with_x(client, "sunny_sam")
    deleted = client.delete("/api/v1/accounts/sunny_sam").get_json()["deleted"]
    assert deleted["user_sessions"] == 1 and deleted["user_tokens"] == 1 and deleted["consents"] == 1
    assert_error(client.get("/api/v1/accounts/sunny_sam/consent"), 401, "unauthorized")


def test_a_protected_account_is_analysed_with_its_owners_token(client, app, local_twitter, classifier):
    user = new_account(local_twitter, "locked", ["such a lovely day", "happy with my friends"], protected=True)
    sign_in_with_x(client, user["username"])
    job_id = client.post("/api/v1/analyses", json={"username": user["username"]}).get_json()["job"]["id"]
    assert run_in_process(app, job_id, classifier).state == "succeeded"
    timeline = [r for r in local_twitter.request_log() if r["path"] == f"/2/users/{user['id']}/tweets"]
    assert timeline and {r["auth"] for r in timeline} == {"user"}


def test_a_token_about_to_expire_is_refreshed_and_rotated(client, app, local_twitter):
    sign_in_with_x(client, "sunny_sam")
    with app.app_context():
        row = db.session.get(UserToken, "126042901")
        before = tokens._read(current_app.config, row)
        row.expires_at = utcnow() + timedelta(seconds=30)
        db.session.commit()
        fresh = tokens.access_token(current_app.config, "126042901")
        after = tokens._read(current_app.config, db.session.get(UserToken, "126042901"))
        assert fresh == after[0] and after != before and after[1] != before[1]  # Twitter rotates refresh tokens
        # The old refresh token is spent: a token refused on refresh is dropped, and the app's token is used.
        row = db.session.get(UserToken, "126042901")
        tokens.save(
            current_app.config,
            "126042901",
            {"access_token": "x", "refresh_token": before[1], "expires_in": 1, "expires_at": 1},
        )
        db.session.commit()
        assert tokens.access_token(current_app.config, "126042901") is None
        assert db.session.get(UserToken, "126042901") is None


# -- errors -----------------------------------------------------------------------------------------------------
def test_a_callback_without_its_login_or_with_another_state_is_refused(client, app):
    assert_error(client.get("/auth/callback?code=abc&state=xyz"), 400, "invalid_state")
    login = client.get("/auth/login")
    callback = urlsplit(authorize_on_twitter(login.headers["Location"], "sunny_sam"))
    forged = callback.query.replace("state=", "state=forged")
    assert_error(client.get(f"{callback.path}?{forged}"), 400, "invalid_state")
    # A callback from another browser (a login CSRF) carries no pending sign-in there.
    assert_error(app.test_client().get(f"{callback.path}?{callback.query}"), 400, "invalid_state")


def test_a_cancelled_sign_in_records_nothing(client, app):
    assert_error(sign_in_with_x(client, "sunny_sam", decision="deny"), 403, "sign_in_cancelled")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 0


def test_a_code_twitter_refuses_is_a_502_not_a_500(client):
    login = client.get("/auth/login")
    callback = urlsplit(authorize_on_twitter(login.headers["Location"], "sunny_sam"))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    assert_error(client.get(f"/auth/callback?state={query['state']}&code=not-the-code"), 502, "sign_in_failed")
    assert_error(client.get("/auth/callback?state=x"), 400, "invalid_state")  # the pending sign-in was used up


def test_a_callback_without_a_code_is_refused(client):
    login = client.get("/auth/login")
    state = parse_qs(urlsplit(login.headers["Location"]).query)["state"][0]
    assert_error(client.get(f"/auth/callback?state={state}"), 400, "invalid_callback")


@pytest.mark.parametrize(
    ("query", "code"),
    [("?client=not-a-client", "unknown_client"), ("?next=https://evil.test/", "invalid_next"),
     ("?next=//evil.test/x", "invalid_next")],
)  # fmt: skip
def test_login_refuses_unknown_clients_and_foreign_redirects(client, query, code):
    assert_error(client.get(f"/auth/login{query}"), 400, code)


def test_login_may_return_to_an_allowed_frontend(client):
    assert client.get("/auth/login?next=http://frontend.test/signed-in").status_code == 302


def test_sign_in_is_off_without_a_client_id(client, app):
    app.config["TWITTER_CLIENT_ID"] = None
    assert_error(client.get("/auth/login"), 503, "sign_in_disabled")
    assert "not set up" in client.get("/").get_data(as_text=True)


def test_trusted_key_is_hashed_never_stored(app):
    assert client_id(TEST_KEY) != TEST_KEY and len(client_id(TEST_KEY)) == 32
