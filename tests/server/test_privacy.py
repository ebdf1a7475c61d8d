"""Consent (API, worker re-check, renames), deletion of every row about an account, and tweet-text retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

from server import jobs, privacy
from server.auth.principals import authorise, client_id
from server.extensions import db
from server.graph import cache as graph_cache
from server.graph import store as graph
from server.jobs.runner import Resources, run_job
from server.models import (
    AccessGrant,
    Account,
    Analysis,
    Consent,
    EmotionReading,
    Follow,
    GraphAccount,
    GraphHashtag,
    HandledMention,
    Job,
    Recommendation,
    Tweet,
    TweetEmotion,
    UserSession,
    UserToken,
    utcnow,
)
from tests.server.fixtures_app import AUTH, OTHER_KEY, TEST_KEY, new_account

OTHER = {"X-API-Key": OTHER_KEY}


@pytest.fixture
def strict(app) -> FlaskClient:
    """A plain test client: it gives no consent on the tests' behalf."""
    return FlaskClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def ctx(app):
    """An app context for calling the functions and jobs directly."""
    with app.app_context():
        yield app


def assert_error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error["message"]


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# -- consent through the API ---------------------------------------------------------------------------------
def test_jobs_and_matching_need_consent(app, strict):
    with app.app_context():
        authorise(client_id(TEST_KEY), "sunny_sam", "oauth")  # authorised by the owner, who then withdrew consent
        db.session.commit()
    for response in (
        strict.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH),
        strict.post("/api/v1/recommendations", json={"username": "sunny_sam"}, headers=AUTH),
        strict.get("/start_analysis/sunny_sam", headers=AUTH),
        strict.get("/recommend_friends/sunny_sam", headers=AUTH),
    ):
        message = assert_error(response, 403, "consent_required")
        assert "/auth/login" in message
    with app.app_context():
        assert count(Job) == 0 and count(AccessGrant) == 1
        db.session.add(Account(twitter_id="5", username="sunny_sam", username_key="sunny_sam"))
        db.session.commit()
    matching = "/api/v1/accounts/sunny_sam/matching"
    assert_error(strict.put(matching, json={"opt_in": True}, headers=AUTH), 403, "consent_required")
    assert strict.put(matching, json={"opt_in": False}, headers=AUTH).status_code == 200  # opting out needs none


def test_consent_is_given_read_and_withdrawn_by_a_trusted_client(app, strict):
    app.config["TRUSTED_CLIENT_KEYS"] = [TEST_KEY]
    url = "/api/v1/accounts/Sunny_Sam/consent"
    # A client not trusted to declare sign-ins is sent to "Sign in with X" instead.
    refused = assert_error(strict.put(url, json={"signed_in": True}, headers=OTHER), 403, "untrusted_client")
    assert f"/auth/login?client={client_id(OTHER_KEY)}" in refused
    assert_error(strict.put(url, json={"signed_in": False}, headers=AUTH), 400, "invalid_signed_in")
    assert_error(strict.put(url, json={}, headers=AUTH), 400, "invalid_signed_in")
    assert_error(strict.get(url, headers=AUTH), 404, "account_not_found")

    first = strict.put(url, json={"signed_in": True}, headers=AUTH)
    again = strict.put(url, json={"signed_in": True}, headers=AUTH)  # idempotent
    assert first.status_code == again.status_code == 200
    consent = again.get_json()["consent"]
    assert consent["given"] is True and consent["source"] == "sign_in" and consent["granted_at"]
    with app.app_context():
        (row,) = db.session.scalars(sa.select(Consent))
        assert (row.username_key, row.client_id) == ("sunny_sam", client_id(TEST_KEY))
        (grant,) = db.session.scalars(sa.select(AccessGrant))
        assert (grant.client_id, grant.username_key, grant.source) == (client_id(TEST_KEY), "sunny_sam", "sign_in")
    assert strict.get(url, headers=AUTH).get_json()["consent"]["given"] is True
    assert_error(strict.get(url, headers=OTHER), 404, "account_not_found")  # another client learns nothing
    assert strict.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).status_code == 202

    with app.app_context():
        account = Account(twitter_id="5", username="sunny_sam", username_key="sunny_sam", match_opt_in=True)
        db.session.add(account)
        db.session.commit()
    withdrawn = strict.delete(url, headers=AUTH)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["consent"]["given"] is False
    assert strict.get(url, headers=AUTH).get_json()["consent"] == {
        "username": "Sunny_Sam",
        "given": False,
        "source": None,
        "granted_at": None,
    }
    with app.app_context():
        assert count(Consent) == 0
        assert db.session.scalar(sa.select(Account.match_opt_in)) is False  # matching ends with consent
    assert_error(
        strict.post("/api/v1/recommendations", json={"username": "sunny_sam"}, headers=AUTH), 403, "consent_required"
    )


def test_consent_can_be_switched_off(app, strict):
    app.config["REQUIRE_CONSENT"] = False
    with app.app_context():
        authorise(client_id(TEST_KEY), "sunny_sam", "oauth")
        db.session.commit()
    assert strict.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).status_code == 202


def test_consent_follows_the_account_not_the_name(ctx):
    privacy.grant_consent("Renamed_Ray", "mention", twitter_id="77")
    db.session.add(Account(twitter_id="77", username="ray_now", username_key="ray_now"))
    db.session.add(Account(twitter_id="88", username="renamed_ray", username_key="renamed_ray"))
    db.session.commit()
    assert privacy.has_consent("RAY_NOW")  # the same account under its new name
    assert not privacy.has_consent("renamed_ray")  # another account that took the old name
    assert privacy.revoke_consent("ray_now") and not privacy.has_consent("ray_now")
    assert not privacy.revoke_consent("ray_now")


# -- the worker re-checks ------------------------------------------------------------------------------------
def test_a_job_whose_consent_was_withdrawn_fails_without_fetching(ctx):
    twitter = current_app.extensions["twitter"]
    for kind in ("analysis", "recommendations"):
        privacy.grant_consent("sunny_sam", "mention")
        job, _ = jobs.request_job("sunny_sam", kind)
        privacy.revoke_consent("sunny_sam")
        db.session.commit()
        if kind == "analysis":
            run_job(job.id, job.task_id, Resources(twitter, lambda: None))
        else:
            run_job(job.id, job.task_id, Resources(twitter, lambda: None, graph_cache.GraphCache().get))
        job = db.session.get(Job, job.id, populate_existing=True)
        assert (job.state, job.error_code) == ("failed", "consent_required")
        assert job.account_id is None and job.fetched == 0
    assert count(Account) == 0 and count(Tweet) == 0


# -- deletion ------------------------------------------------------------------------------------------------
def identifying(table: sa.Table, ids: dict) -> list:
    """Conditions on ``table``'s columns that pick out rows about the forgotten account."""
    by_name = {
        "account_id": ids["account"],
        "twitter_id": ids["twitter"],
        "author_id": ids["twitter"],
        "follower_id": ids["twitter"],
        "followee_id": ids["twitter"],
        "username_key": ids["key"],
        "tweet_id": ids["tweets"],
        "job_id": ids["jobs"],
        "analysis_id": ids["analyses"],
    }
    own_ids = {"accounts": [ids["account"]], "tweets": ids["tweets"], "jobs": ids["jobs"]}
    own_ids |= {"analyses": ids["analyses"], "recommendations": ids["recommendations"]}
    conditions = []
    for column in table.columns:
        value = own_ids.get(table.name) if column.name == "id" else by_name.get(column.name)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if isinstance(column.type, sa.BigInteger):
            values = [int(v) for v in values]
        elif isinstance(column.type, sa.String):
            values = [str(v) for v in values]
        conditions.append(column.in_(values))
    return conditions


def rows_about(ids: dict) -> dict[str, int]:
    """Rows per table of ``db.metadata`` that identify the account, plus other results still listing it."""
    counts = {}
    for table in db.metadata.sorted_tables:
        conditions = identifying(table, ids)
        if conditions:
            counts[table.name] = db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(sa.or_(*conditions))
            )
    listed = 0
    for recommendation in db.session.scalars(sa.select(Recommendation)):
        listed += sum(
            str(item["id"]) == ids["twitter"] for item in recommendation.friends + recommendation.big_accounts
        )
    counts["listed_in_recommendations"] = listed
    return counts


def test_delete_removes_every_row_about_the_account(ctx, strict, classifier, local_twitter):
    user = new_account(local_twitter, "forgetme", ["what a lovely morning #coffee", "so happy with my team"])
    other = new_account(local_twitter, "stayhere", ["a calm day at home", "reading a good book #books"])
    local_twitter.add_follow(user["id"], other["id"])
    local_twitter.add_follow(other["id"], user["id"])
    cache = graph_cache.GraphCache()
    twitter = current_app.extensions["twitter"]
    for person in (user, other):  # analysed and recommended, as the worker does it
        privacy.grant_consent(person["username"], "mention")
        job, _ = jobs.request_job(person["username"], "recommendations")
        run_job(job.id, job.task_id, Resources(twitter, lambda: classifier, cache.get))
        assert db.session.get(Job, job.id, populate_existing=True).state == "succeeded"
    tid, other_tid = user["id"], other["id"]
    mine = db.session.scalar(sa.select(Account).where(Account.twitter_id == tid))
    theirs = db.session.scalar(sa.select(Account).where(Account.twitter_id == other_tid))
    # What else the product keeps about it: a client it authorised, a signed-in session and its user token, a
    # handled mention, graph rows, a place in another account's lists.
    authorise(client_id(TEST_KEY), user["username"], "oauth", tid)
    db.session.add(UserSession(id="s" * 64, twitter_id=tid, username=user["username"], expires_at=utcnow()))
    db.session.add(UserToken(twitter_id=tid, access_token="sealed", scope="tweet.read"))
    db.session.add(HandledMention(mention_id="991", author_id=tid, command="analyse"))
    db.session.add(HandledMention(mention_id="992", author_id=other_tid, command="analyse"))
    db.session.add_all(
        [GraphHashtag(twitter_id=int(tid), tag="coffee"), GraphHashtag(twitter_id=int(other_tid), tag="books")]
    )
    listed = {"id": tid, "username": user["username"], "score": 1.0, "reason": "followed by 1 account you follow"}
    kept = {"id": "123", "username": "someone", "score": 0.5, "reason": "followed by 1 account you follow"}
    stored = db.session.scalar(sa.select(Recommendation).where(Recommendation.account_id == theirs.id))
    stored.friends, stored.big_accounts = [listed, kept], [listed]
    db.session.commit()

    ids = {
        "account": mine.id,
        "twitter": tid,
        "key": user["username"].lower(),
        "tweets": list(db.session.scalars(sa.select(Tweet.id).where(Tweet.account_id == mine.id))),
        "jobs": list(db.session.scalars(sa.select(Job.id).where(Job.username_key == user["username"].lower()))),
        "analyses": list(db.session.scalars(sa.select(Analysis.id).where(Analysis.account_id == mine.id))),
        "recommendations": list(
            db.session.scalars(sa.select(Recommendation.id).where(Recommendation.account_id == mine.id))
        ),
    }
    before = rows_about(ids)
    for table in ("accounts", "tweets", "tweet_emotions", "tweet_hashtags", "analyses", "recommendations", "jobs"):
        assert before[table] > 0, table
    for table in ("access_grants", "consents", "handled_mentions", "follows", "graph_accounts", "graph_hashtags"):
        assert before[table] > 0, table
    assert before["user_sessions"] == before["user_tokens"] == 1
    assert before["listed_in_recommendations"] == 2
    theirs_before = {
        "tweets": count(Tweet, Tweet.account_id == theirs.id),
        "analyses": count(Analysis, Analysis.account_id == theirs.id),
        "recommendations": count(Recommendation, Recommendation.account_id == theirs.id),
        "emotions": count(TweetEmotion),
    }
    version = graph.graph_version()
    db.session.commit()

    assert_error(strict.delete(f"/api/v1/accounts/{user['username']}", headers=OTHER), 404, "account_not_found")
    response = strict.delete(f"/api/v1/accounts/{user['username'].upper()}", headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    deleted = response.get_json()["deleted"]
    assert deleted["accounts"] == 1 and deleted["tweets"] == len(ids["tweets"]) and deleted["follows"] == 2

    db.session.expire_all()
    after = rows_about(ids)
    assert {table: n for table, n in after.items() if n} == {}
    assert graph.graph_version() > version  # workers drop the edges from their cached graph
    assert db.session.get(Account, theirs.id) is not None
    assert count(Tweet, Tweet.account_id == theirs.id) == theirs_before["tweets"]
    assert count(Analysis, Analysis.account_id == theirs.id) == theirs_before["analyses"]
    assert count(Recommendation, Recommendation.account_id == theirs.id) == theirs_before["recommendations"]
    assert count(TweetEmotion) == theirs_before["emotions"] - before["tweet_emotions"]
    assert count(HandledMention, HandledMention.author_id == other_tid) == 1
    assert count(GraphHashtag, GraphHashtag.twitter_id == int(other_tid)) == 1
    assert count(GraphAccount, GraphAccount.twitter_id == int(other_tid)) == 1
    assert privacy.has_consent(other["username"])
    stored = db.session.scalar(sa.select(Recommendation).where(Recommendation.account_id == theirs.id))
    assert (stored.friends, stored.big_accounts) == ([kept], [])
    assert count(Follow) == 0  # the only edges were between the two, both through the forgotten account


def test_forget_works_for_an_account_never_looked_up(ctx):
    privacy.grant_consent("Ghost_Gus", "sign_in", client_id="c1")
    authorise("c1", "Ghost_Gus", "sign_in")
    db.session.add(Job(username="Ghost_Gus", username_key="ghost_gus", state="failed", error_code="not_found"))
    db.session.add(Job(username="other_olga", username_key="other_olga", state="failed", error_code="not_found"))
    db.session.commit()
    counts = privacy.forget_account("GHOST_GUS")
    assert (counts["consents"], counts["access_grants"], counts["jobs"], counts["accounts"]) == (1, 1, 1, 0)
    assert count(Consent) == count(AccessGrant) == 0 and count(Job) == 1


def test_a_client_that_declared_the_sign_in_may_delete(app, strict):
    app.config["TRUSTED_CLIENT_KEYS"] = [TEST_KEY]
    assert strict.put("/api/v1/accounts/ghost_gus/consent", json={"signed_in": True}, headers=AUTH).status_code == 200
    assert_error(strict.delete("/api/v1/accounts/ghost_gus", headers=OTHER), 404, "account_not_found")
    response = strict.delete("/api/v1/accounts/ghost_gus", headers=AUTH)
    assert response.status_code == 200 and response.get_json()["deleted"]["consents"] == 1
    assert_error(strict.get("/api/v1/accounts/ghost_gus/consent", headers=AUTH), 404, "account_not_found")


# -- retention -----------------------------------------------------------------------------------------------
def store_old_and_new(now) -> Account:
    account = Account(twitter_id="42", username="old_olive", username_key="old_olive")
    db.session.add(account)
    db.session.flush()
    old = now - timedelta(days=100)
    db.session.add_all(
        [
            Tweet(id="1", account_id=account.id, created_at=old, text="old joy", kind="own"),
            Tweet(id="2", account_id=account.id, created_at=old, text="RT", kind="retweet", referenced_text="old rt"),
            Tweet(id="3", account_id=account.id, created_at=now - timedelta(days=1), text="new sorrow", kind="own"),
        ]
    )
    db.session.flush()
    probs = dict.fromkeys(("sadness", "joy", "love", "anger", "fear", "surprise", "neutral"), 0.1)
    db.session.add_all(TweetEmotion(tweet_id=i, model_version="m", **probs) for i in "123")
    db.session.add(
        Analysis(
            account_id=account.id,
            model_version="m",
            confidence=0.5,
            low_confidence=False,
            positivity=0.5,
            negativity=0.5,
            emotional_weight=3.0,
            tweet_count=3,
            breakdown={},
            window_start=old,
            window_end=now,
            happiest={"id": "1", "text": "old joy", "score": 0.9},
            saddest={"id": "3", "text": "new sorrow", "score": 0.8},
        )
    )
    db.session.commit()
    return account


def test_old_tweet_text_is_dropped_and_emotions_stay(ctx):
    now = utcnow()
    store_old_and_new(now)
    assert privacy.drop_old_tweet_text(90, now=now) == 2
    texts = {t.id: (t.text, t.referenced_text) for t in db.session.scalars(sa.select(Tweet))}
    assert texts == {"1": ("", None), "2": ("", None), "3": ("new sorrow", None)}
    assert count(TweetEmotion) == 3
    result = db.session.scalar(sa.select(Analysis))
    assert result.happiest == {"id": "1", "text": "", "score": 0.9}
    assert result.saddest == {"id": "3", "text": "new sorrow", "score": 0.8}
    assert privacy.drop_old_tweet_text(90, now=now) == 0  # idempotent


def test_the_retention_task_reads_the_setting(ctx):
    from tasks.names import DROP_OLD_TWEET_TEXT as DROP_OLD_TWEET_TEXT_TASK
    from tasks.periodic import drop_old_tweet_text_task

    assert DROP_OLD_TWEET_TEXT_TASK in current_app.extensions["celery"].tasks
    assert "tasks.periodic" in current_app.config["CELERY"]["include"]
    store_old_and_new(utcnow())
    current_app.config["TWEET_RETENTION_DAYS"] = 0  # keep forever
    assert drop_old_tweet_text_task() == 0 and count(Tweet, Tweet.text == "") == 0
    current_app.config["TWEET_RETENTION_DAYS"] = 90
    assert drop_old_tweet_text_task() == 2 and count(Tweet, Tweet.text == "") == 2


def test_old_emotion_readings_are_deleted_by_the_retention_task(ctx):
    from tasks.periodic import drop_old_tweet_text_task

    now = utcnow()
    for reading_id, age in (("0123456789ab", 31), ("ba9876543210", 29)):
        db.session.add(EmotionReading(id=reading_id, created_by="client:x", created_at=now - timedelta(days=age)))
    db.session.commit()
    current_app.config.update(READING_RETENTION_DAYS=0, TWEET_RETENTION_DAYS=0)  # keep forever
    drop_old_tweet_text_task()
    assert count(EmotionReading) == 2
    current_app.config["READING_RETENTION_DAYS"] = 30
    drop_old_tweet_text_task()
    assert [r.id for r in db.session.scalars(sa.select(EmotionReading))] == ["ba9876543210"]
    assert privacy.drop_old_readings(30) == 0  # idempotent


def test_openapi_documents_consent_and_deletion(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/accounts/{username}/consent"]) == {"put", "get", "delete"}
    assert "delete" in document["paths"]["/accounts/{username}"]
    assert "403" in document["paths"]["/analyses"]["post"]["responses"]
    assert "Consent" in document["components"]["schemas"]
