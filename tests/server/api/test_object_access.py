"""Object-level authorization: every route that reaches an account's data, tried by a stranger and by the owner.

A stranger (an API client the owner never authorised) gets the same 404 as for an account that does not exist;
the owner's signed-in session, the client the owner authorised through "Sign in with X", and an admin get through.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from server.auth.principals import client_id
from server.extensions import db
from server.models import Account, Job, Recommendation, Tweet
from tests.server.fixtures_app import OTHER_KEY, TEST_KEY, analysis_row, sign_in_with_x
from tests.server.test_archives import ACCOUNT, export, tweet, tweets_js

A = {"X-API-Key": TEST_KEY}  # the client sunny_sam's owner authorised
B = {"X-API-Key": OTHER_KEY}  # an attacker holding a valid API key of its own
ADMIN_TOKEN = "admin-token-of-at-least-24-characters"
# /me and its forms name no account: they act on the signed-in one only (tests/server/web/test_pages.py). Topics
# are aggregates of public tweets, open to any credential (tests/server/pipelines/test_topic.py); a photo sent to
# /images is the caller's own, read and forgotten (tests/server/api/test_images.py); an emotion reading is its
# caller's alone, another key gets 404 (tests/server/api/test_emotions.py).
PUBLIC_OR_ELSEWHERE = re.compile(
    r"^/(api/v1/(health|openapi\.json|me|resources|admin/.*|topics(/.*)?|images|emotions(/.*)?)|auth/.*|r/.*"
    r"|static/.*|me(/.*)?"
    r"|topics/.*|)$"
)

# Every route that reaches an account's data: (method, path, JSON body). {job}, {analysis}, {recommendation}
# are sunny_sam's; a new route must be added here (test_every_account_route_is_in_the_table).
ARCHIVE = export({"data/tweets.js": tweets_js([tweet("7", "hello")]), "data/account.js": ACCOUNT})  # sunny_sam's
ROUTES = [
    ("POST", "/api/v1/analyses", {"username": "sunny_sam"}),
    ("GET", "/start_analysis/sunny_sam", None),
    ("POST", "/api/v1/recommendations", {"username": "sunny_sam"}),
    ("GET", "/recommend_friends/sunny_sam", None),
    ("GET", "/api/v1/jobs/{job}", None),
    ("GET", "/api/v1/analyses/{analysis}", None),
    ("GET", "/api/v1/accounts/sunny_sam/analysis", None),
    ("GET", "/api/v1/accounts/sunny_sam/analyses", None),
    ("GET", "/api/v1/accounts/sunny_sam/tweets", None),
    ("GET", "/api/v1/accounts/sunny_sam/trend", None),
    ("GET", "/api/v1/recommendations/{recommendation}", None),
    ("GET", "/api/v1/accounts/sunny_sam/recommendations", None),
    ("GET", "/api/v1/accounts/sunny_sam/matching", None),
    ("PUT", "/api/v1/accounts/sunny_sam/matching", {"opt_in": True}),
    ("GET", "/api/v1/accounts/sunny_sam/consent", None),
    ("PUT", "/api/v1/accounts/sunny_sam/consent", {"signed_in": True}),
    ("DELETE", "/api/v1/accounts/sunny_sam/consent", None),
    ("POST", "/api/v1/archives", {"username": "sunny_sam", "file": ARCHIVE}),
    ("DELETE", "/api/v1/accounts/sunny_sam", None),
]
NOT_FOUND_CODES = {"account_not_found", "job_not_found", "analysis_not_found", "recommendation_not_found"}


@pytest.fixture
def owned(app, client):
    """sunny_sam signed in with X through client A's link; its analysis, recommendation and job are stored."""
    browser = app.test_client()
    assert sign_in_with_x(browser, "sunny_sam", f"?client={client_id(TEST_KEY)}").status_code == 303
    with app.app_context():
        account = Account(twitter_id="126042901", username="sunny_sam", username_key="sunny_sam")
        db.session.add(account)
        db.session.flush()
        job = Job(username="sunny_sam", username_key="sunny_sam", account_id=account.id, state="succeeded")
        db.session.add(job)
        db.session.flush()
        db.session.add(Tweet(id="1", account_id=account.id, created_at=account.created_at, text="hi", kind="own"))
        analysis = analysis_row(account.id, job_id=job.id, tweet_count=1, happiest=None, saddest=None)
        recommendation = Recommendation(account_id=account.id, job_id=job.id, friends=[], big_accounts=[], hashtags=[])
        db.session.add_all([analysis, recommendation])
        db.session.commit()
        ids = {"job": job.id, "analysis": analysis.id, "recommendation": recommendation.id}
    return browser, ids


def call(client, method: str, path: str, body, ids: dict, headers: dict | None = None):
    if body and "file" in body:  # an upload: multipart
        form = {**body, "file": (io.BytesIO(body["file"]), "archive.zip")}
        return client.open(path.format(**ids), method=method, data=form, headers=headers or {})
    return client.open(path.format(**ids), method=method, json=body, headers=headers or {})


def test_every_account_route_is_in_the_table(app):
    table = {(method, re.sub(r"\{\w+\}", "<>", path).replace("sunny_sam", "<>")) for method, path, _ in ROUTES}
    served = set()
    for rule in app.url_map.iter_rules():
        if PUBLIC_OR_ELSEWHERE.match(rule.rule):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, re.sub(r"<[^>]+>", "<>", rule.rule)))
    assert served == table


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_stranger_client_gets_404_on_every_route(app, owned, method, path, body):
    _, ids = owned
    stranger = app.test_client()  # a plain client: it records nothing on the test's behalf
    response = call(stranger, method, path, body, ids, B)
    if (method, path) == ("PUT", "/api/v1/accounts/sunny_sam/consent"):
        # A declaration is refused for what the caller is, before any account is looked at: it reveals nothing.
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "untrusted_client"
    else:
        assert response.status_code == 404, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] in NOT_FOUND_CODES
    # The same answer as for an account that does not exist at all.
    missing = call(stranger, method, path.replace("sunny_sam", "no_such_user"), body, ids, B)
    if "sunny_sam" in path or (body or {}).get("username"):
        assert missing.status_code == response.status_code


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_the_owner_the_authorised_client_and_an_admin_get_through(app, owned, method, path, body):
    browser, ids = owned
    app.config["ADMIN_TOKEN"] = ADMIN_TOKEN
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for caller, headers in ((browser, {}), (app.test_client(), A), (app.test_client(), admin)):
        response = call(caller, method, path, body, ids, headers)
        if (method, path) == ("PUT", "/api/v1/accounts/sunny_sam/consent") and headers:
            assert response.status_code == 403  # only the account itself (or a trusted client) declares consent
        elif method == "DELETE" and path == "/api/v1/accounts/sunny_sam":
            assert response.status_code == 200
            return  # everything is gone now: the other callers have nothing left to reach
        elif path == "/api/v1/archives" and caller is not browser:
            # Past the access check, the import the owner started is still running: one at a time.
            assert response.status_code == 409, (headers, response.get_data(as_text=True))
        else:
            assert response.status_code in (200, 202), (headers, response.get_data(as_text=True))


def test_the_attacker_scenario_ends_in_404s_and_the_owners_data_intact(app, owned):
    _, ids = owned
    attacker = app.test_client()
    # Asking for an analysis of someone else's account used to grant its data; now it grants nothing.
    assert attacker.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=B).status_code == 404
    reads = [
        attacker.get(f"/api/v1/jobs/{ids['job']}", headers=B),
        attacker.get(f"/api/v1/analyses/{ids['analysis']}", headers=B),
        attacker.get("/api/v1/accounts/sunny_sam/analysis", headers=B),
        attacker.get("/api/v1/accounts/sunny_sam/analyses", headers=B),
        attacker.get("/api/v1/accounts/sunny_sam/recommendations", headers=B),
        attacker.get("/api/v1/accounts/sunny_sam/consent", headers=B),
        attacker.delete("/api/v1/accounts/sunny_sam/consent", headers=B),
        attacker.delete("/api/v1/accounts/sunny_sam", headers=B),
    ]
    assert [response.status_code for response in reads] == [404] * len(reads)
    owner = app.test_client()
    assert owner.get("/api/v1/accounts/sunny_sam/analysis", headers=A).get_json()["analysis"]["status"] == "Cheerful"
    assert owner.get("/api/v1/accounts/sunny_sam/consent", headers=A).get_json()["consent"]["given"] is True
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tweet)) == 1
