"""The recommendation job in-process, with real HTTP to the local API and a real SQLite database.

Follow fetch and resume, unfollows, 403 (degraded), 429, unavailable accounts, the analysis run first, the
matching opt-in, and that no other account's mood ever reaches a response.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import current_app

from ml.graph.recommend import recommend_friends
from ml.labels import LABELS
from ml.mood.status import STATUSES
from server import jobs, privacy, twitter
from server.extensions import db
from server.graph import cache as graph_cache
from server.graph import store as graph
from server.jobs.kinds import RECOMMENDATIONS
from server.jobs.runner import Resources, run_job
from server.models import (
    Account,
    Analysis,
    Follow,
    FollowWalk,
    GraphAccount,
    Job,
    Recommendation,
    Tweet,
    TweetEmotion,
    TweetHashtag,
    utcnow,
)
from server.pipelines import recommendations
from tests.server.fixtures_app import AUTH, new_account

_graph_ids = itertools.count(random.randrange(10**14, 10**15, 10**6))  # graph-only nodes, unknown to Twitter


@pytest.fixture
def ctx(app):
    """An app context for calling the job directly."""
    with app.app_context():
        yield app


@pytest.fixture
def cache():
    """A worker's graph cache, fresh for the test's database."""
    return graph_cache.GraphCache()


def start(username: str, client: str = "test-client") -> Job:
    privacy.grant_consent(username, "mention")
    job, created = jobs.request_job(username, "recommendations")
    assert created
    return job


def run(job: Job, classifier, cache) -> object:
    """One delivery of the job's task, as the worker makes it."""
    twitter_client = current_app.extensions["twitter"]
    return run_job(job.id, job.task_id, Resources(twitter_client, lambda: classifier, cache.get))


def reload(job: Job) -> Job:
    return db.session.get(Job, job.id, populate_existing=True)


def edges_of(node: int) -> set[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(Follow.follower_id, Follow.followee_id).where(
            sa.or_(Follow.follower_id == node, Follow.followee_id == node)
        )
    )
    return {tuple(row) for row in rows}


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def store_analysed(node: int, username: str, status: str | None, *, opt_in: bool = False, seed: float = 0.0):
    """An account as an earlier analysis left it, with distinctive numbers (to look for them in responses)."""
    account = Account(
        twitter_id=str(node), username=username, username_key=username.lower(), name=username, match_opt_in=opt_in
    )
    db.session.add(account)
    db.session.flush()
    db.session.add(
        Analysis(
            account_id=account.id,
            model_version="test-model",
            status=status,
            confidence=0.612345 + seed,
            low_confidence=False,
            positivity=0.712345 + seed,
            negativity=0.212345 + seed,
            emotional_weight=7.412345 + seed,
            tweet_count=2,
            breakdown=dict.fromkeys(LABELS[:6], 0.1612345 + seed),
            window_start=datetime(2026, 11, 1, tzinfo=UTC),
            window_end=datetime(2026, 11, 20, tzinfo=UTC),
        )
    )
    return account


def store_classified_tweets(account: Account, probs: dict[str, float], tags: list[str]) -> None:
    """Two classified tweets of an account (model "test-model"), carrying ``tags``."""
    for i in range(2):
        tweet_id = f"{account.twitter_id}{i}"
        db.session.add(Tweet(id=tweet_id, account_id=account.id, created_at=utcnow(), text=f"tweet {i}", kind="own"))
        db.session.flush()
        db.session.add(TweetEmotion(tweet_id=tweet_id, model_version="test-model", **probs))
        db.session.add_all(TweetHashtag(tweet_id=tweet_id, tag=tag) for tag in tags)


# -- follow fetch ------------------------------------------------------------------------------------------
def test_the_job_stores_follows_and_usernames_analyses_first_and_recommends(ctx, classifier, cache, local_twitter):
    user = new_account(local_twitter, "recuser", ["what a lovely morning", "so happy with my team", "#coffee time"])
    followees = [new_account(local_twitter, f"followee{i}") for i in range(3)]
    follower = new_account(local_twitter, "follower")
    for other in followees:
        local_twitter.add_follow(user["id"], other["id"])
    local_twitter.add_follow(follower["id"], user["id"])
    hub = next(_graph_ids)  # followed by the user's followees: a stored edge, as an import leaves them
    graph.store_follows([(int(other["id"]), hub) for other in followees])
    db.session.commit()

    job = start(user["username"])
    assert run(job, classifier, cache) is None
    job = reload(job)
    assert job.state == "succeeded" and job.follow_phase == "done" and job.follow_token is None
    node = int(user["id"])
    assert edges_of(node) == {(node, int(o["id"])) for o in followees} | {(int(follower["id"]), node)}
    names = dict(db.session.execute(sa.select(GraphAccount.twitter_id, GraphAccount.username)).all())
    assert all(names[int(o["id"])] == o["username"] for o in [*followees, follower])
    assert count(FollowWalk) == 0  # the walks' bookkeeping is gone once they completed

    # The account had no analysis: the job ran one first, with the real model.
    analysis = db.session.scalar(sa.select(Analysis).where(Analysis.account_id == job.account_id))
    assert analysis.job_id == job.id and analysis.tweet_count == 3 and job.classified == 3
    result = job.recommendation
    assert result.analysis_id == analysis.id and not result.degraded and result.degraded_reason is None
    assert result.graph_version == graph.graph_version() > 0
    assert [item["id"] for item in result.big_accounts] == [str(hub)]
    assert set(result.big_accounts[0]) == {"id", "username", "score", "reason"}
    assert "3 accounts you follow" in result.big_accounts[0]["reason"]
    assert {"recommend", "fetch", "classify", "persist"} <= set(job.timings)


def test_a_second_run_drops_unfollows_and_does_not_analyse_again(ctx, classifier, cache, local_twitter):
    user = new_account(local_twitter, "unfollow", ["hello there"])
    kept, dropped, added = (new_account(local_twitter, name) for name in ("kept", "dropped", "added"))
    local_twitter.add_follow(user["id"], kept["id"])
    local_twitter.add_follow(user["id"], dropped["id"])
    local_twitter.add_follow(dropped["id"], user["id"])
    run(start(user["username"]), classifier, cache)
    node = int(user["id"])
    assert edges_of(node) == {(node, int(kept["id"])), (node, int(dropped["id"])), (int(dropped["id"]), node)}

    local_twitter.remove_follow(user["id"], dropped["id"])
    local_twitter.remove_follow(dropped["id"], user["id"])
    local_twitter.add_follow(user["id"], added["id"])
    again = start(user["username"])
    run(again, classifier, cache)
    again = reload(again)
    assert again.state == "succeeded" and again.fetched == 0  # the stored analysis was used
    assert edges_of(node) == {(node, int(kept["id"])), (node, int(added["id"]))}
    assert count(Analysis, Analysis.account_id == again.account_id) == 1
    assert again.recommendation.graph_version == graph.graph_version()


def test_rate_limit_mid_walk_parks_the_job_and_the_retry_resumes_the_walk(
    ctx, classifier, cache, local_twitter, monkeypatch
):
    monkeypatch.setattr(twitter.follows, "FOLLOW_PAGE_SIZE", 2)
    user = new_account(local_twitter, "walk429", ["a calm day"])
    followees = [new_account(local_twitter, f"walk{i}") for i in range(5)]
    for other in followees:
        local_twitter.add_follow(user["id"], other["id"])
    node = int(user["id"])
    stale = next(_graph_ids)  # followed once, no longer: must be gone after the complete walk
    graph.store_follows([(node, stale)])
    db.session.commit()
    client = current_app.extensions["twitter"]
    pages = []

    def limit_after_first_page(response, *args, **kwargs):
        if response.url.split("?")[0].endswith("/following"):
            pages.append(response.url)
            if len(pages) == 1:
                local_twitter.add_fault("/following$", 429, reset_in=30)

    client.session.hooks["response"].append(limit_after_first_page)
    try:
        job = start(user["username"])
        retry_at = run(job, classifier, cache)
        job = reload(job)
        assert (job.state, job.error_code, job.follow_phase) == ("retrying", "rate_limited", "following")
        assert retry_at == job.retry_at and 25 < (retry_at - utcnow()).total_seconds() <= 31  # never slept
        assert job.follow_token and count(FollowWalk, FollowWalk.job_id == job.id) == 2
        assert (node, stale) in edges_of(node)  # nothing dropped before the walk is complete

        assert run(job, classifier, cache) is None  # the retry, delivered at the reset time
        job = reload(job)
        assert job.state == "succeeded" and job.attempts == 0
        assert "pagination_token" in pages[-2] and len(pages) == 4  # resumed after page 1, not restarted
        assert edges_of(node) == {(node, int(other["id"])) for other in followees}
    finally:
        client.session.hooks["response"].remove(limit_after_first_page)


def test_refused_follow_lists_give_a_degraded_result_from_the_stored_graph(ctx, classifier, cache, local_twitter):
    user = new_account(local_twitter, "refused", ["fine day"])
    node, friend, hub = int(user["id"]), next(_graph_ids), next(_graph_ids)
    graph.store_follows([(node, friend), (friend, hub)], source="snap")
    db.session.commit()
    local_twitter.set_follows_forbidden(True)

    job = start(user["username"])
    assert run(job, classifier, cache) is None
    job = reload(job)
    assert (job.state, job.follow_phase) == ("succeeded", "refused")
    result = job.recommendation
    assert result.degraded and result.degraded_reason == recommendations.DEGRADED_REASON
    assert [item["id"] for item in result.big_accounts] == [str(hub)]
    assert edges_of(node) == {(node, friend)}  # the stored edges stay as they were
    follows_calls = [
        r for r in local_twitter.request_log() if r["endpoint"] in ("get_users_following", "get_users_followers")
    ]
    assert [r["status"] for r in follows_calls] == [403]  # refused once: the other list is not tried


def test_an_outage_on_the_follow_lists_backs_off_then_succeeds(ctx, classifier, cache, local_twitter):
    user = new_account(local_twitter, "followout", ["hi"])
    local_twitter.add_fault("/followers$", 503, times=1)
    job = start(user["username"])
    assert run(job, classifier, cache) is not None
    assert (reload(job).state, reload(job).follow_phase) == ("retrying", "followers")
    assert run(job, classifier, cache) is None
    assert reload(job).state == "succeeded" and reload(job).attempts == 1


@pytest.mark.parametrize(
    ("username", "code"),
    [("nobody_here_x", "user_not_found"), ("gone_gary", "user_suspended"), ("private_pat", "user_protected")],
)
def test_unavailable_accounts_end_the_job_with_a_code(ctx, classifier, cache, username, code):
    job = start(username)
    assert run(job, classifier, cache) is None
    job = reload(job)
    assert (job.state, job.error_code) == ("failed", code)
    assert job.recommendation is None and count(Recommendation) == 0


def test_an_unexpected_error_fails_the_job_readably(ctx, classifier, local_twitter):
    user = new_account(local_twitter, "crashrec", ["hi"])

    def broken_graph():
        raise RuntimeError("graph store down")

    job = start(user["username"])
    twitter_client = current_app.extensions["twitter"]
    run_job(job.id, job.task_id, Resources(twitter_client, lambda: classifier, broken_graph))
    job = reload(job)
    assert (job.state, job.error_code) == ("failed", "internal_error")
    assert job.error_message.startswith("The recommendation run failed unexpectedly")


# -- matching ----------------------------------------------------------------------------------------------
def mood_scenario(local_twitter) -> dict:
    """A Stressed user following three accounts, which follow two Satisfied candidates; more of them follow
    ``top`` (who did not opt in) than ``opted`` (who did). Other accounts around have other moods.
    """
    user = new_account(local_twitter, "matchme", ["deadline again"])
    followees = [new_account(local_twitter, f"mid{i}") for i in range(3)]
    for other in followees:
        local_twitter.add_follow(user["id"], other["id"])
    node = int(user["id"])
    top, opted = next(_graph_ids), next(_graph_ids)
    ids = [int(o["id"]) for o in followees]
    graph.store_follows([(i, top) for i in ids] + [(ids[0], opted)])
    graph.store_graph_accounts([(top, "top_cand"), (opted, "opted_cand")])
    own = store_analysed(node, user["username"], "Stressed", seed=0.0)
    accounts = {
        "top": store_analysed(top, "top_cand", "Satisfied", seed=0.01),
        "opted": store_analysed(opted, "opted_cand", "Satisfied", opt_in=True, seed=0.02),
        "mid0": store_analysed(ids[0], followees[0]["username"], "Cheerful", opt_in=True, seed=0.03),
        "mid1": store_analysed(ids[1], followees[1]["username"], "Depressed", opt_in=True, seed=0.04),
    }
    probs = {"sadness": 0.0312345, "joy": 0.4112345, "love": 0.0912345, "anger": 0.0212345}
    probs |= {"fear": 0.0112345, "surprise": 0.0512345, "neutral": 1 - sum(probs.values()) - 0.0512345 - 0.0112345}
    for name in ("top", "mid0"):
        store_classified_tweets(accounts[name], probs, ["calmtag", "Coffee"])
    db.session.commit()
    return {"user": user, "node": node, "own": own, "top": top, "opted": opted, "accounts": accounts, "probs": probs}


def test_only_opted_in_accounts_of_the_opposite_mood_are_suggested_as_friends(ctx, classifier, cache, local_twitter):
    scene = mood_scenario(local_twitter)
    job = start(scene["user"]["username"])
    run(job, classifier, cache)
    job = reload(job)
    assert job.state == "succeeded" and job.fetched == 0  # the stored analysis (Stressed) was used
    # Without the opt-in filter the other Satisfied account would rank first...
    ranked = recommend_friends(cache.get(), scene["node"], {scene["top"], scene["opted"]})
    assert [s.node for s in ranked] == [scene["top"], scene["opted"]]
    # ... but it never opted in. Opted-in accounts of other moods (Cheerful, Depressed) are not eligible either.
    friends = job.recommendation.friends
    assert [item["id"] for item in friends] == [str(scene["opted"])]
    assert friends[0]["username"] == "opted_cand"
    assert recommendations.eligible_friends("Stressed", scene["own"].id) == {scene["opted"]}
    assert recommendations.eligible_friends(None, scene["own"].id) == set()
    tags = [item["tag"] for item in job.recommendation.hashtags]
    assert tags[:2] == ["calmtag", "coffee"]


def test_no_response_shows_another_accounts_mood_or_numbers(ctx, client, classifier, cache, local_twitter):
    scene = mood_scenario(local_twitter)
    username = scene["user"]["username"]
    started = client.post("/api/v1/recommendations", json={"username": username}, headers=AUTH)
    job = db.session.get(Job, started.get_json()["job"]["id"])
    run(job, classifier, cache)
    finished = client.get(started.headers["Location"], headers=AUTH).get_json()
    bodies = [
        started.get_json(),
        finished,
        client.get(finished["job"]["links"]["result"], headers=AUTH).get_json(),
        client.get(f"/api/v1/accounts/{username}/recommendations", headers=AUTH).get_json(),
        client.get(f"/api/v1/accounts/{username}/matching", headers=AUTH).get_json(),
    ]
    text = json.dumps(bodies)
    assert finished["job"]["state"] == "succeeded" and "opted_cand" in text
    for word in STATUSES:
        assert word not in text and word.lower() not in text
    lean = recommendations.content_lean(scene["probs"])
    secrets = {lean, *scene["probs"].values()}
    for account in scene["accounts"].values():
        analysis = db.session.scalar(sa.select(Analysis).where(Analysis.account_id == account.id))
        secrets |= {analysis.confidence, analysis.positivity, analysis.negativity, analysis.emotional_weight}
        secrets |= set(analysis.breakdown.values())
    shown = set(numbers_in(bodies))
    for number in secrets:
        assert number not in shown and round(number, 6) not in shown
    for item in finished_lists(bodies[2]["recommendation"]):
        assert set(item) in ({"id", "username", "score", "reason"}, {"tag", "score", "reason"})


def numbers_in(value, key=None):
    """Every number in a JSON body, except a job's own phase timings (seconds, nobody's mood)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "timings":
                yield from numbers_in(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from numbers_in(v, key)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def finished_lists(recommendation: dict) -> list[dict]:
    return recommendation["friends"] + recommendation["big_accounts"] + recommendation["hashtags"]


# -- the gateway and the job lifecycle ---------------------------------------------------------------------
def test_iter_follows_yields_pages_of_ids_and_usernames(ctx, local_twitter, monkeypatch):
    monkeypatch.setattr(twitter.follows, "FOLLOW_PAGE_SIZE", 2)
    user = new_account(local_twitter, "pages")
    others = [new_account(local_twitter, f"page{i}") for i in range(3)]
    for other in others:
        local_twitter.add_follow(other["id"], user["id"])
    pages = list(twitter.iter_follows(current_app.extensions["twitter"], int(user["id"]), "followers"))
    assert [len(page.users) for page in pages] == [2, 1] and pages[0].next_token and pages[-1].next_token is None
    found = [pair for page in pages for pair in page.users]
    assert sorted(found) == sorted((int(o["id"]), o["username"]) for o in others)
    resumed = list(
        twitter.iter_follows(current_app.extensions["twitter"], user["id"], "followers", pages[0].next_token)
    )
    assert resumed == pages[1:]
    with pytest.raises(ValueError):
        next(twitter.iter_follows(current_app.extensions["twitter"], user["id"], "friends"))


def test_a_delivery_that_lost_its_job_stops_without_writing(ctx, classifier, cache, local_twitter):
    user = new_account(local_twitter, "takeover", ["one", "two"])
    other = new_account(local_twitter, "takenby")
    local_twitter.add_follow(user["id"], other["id"])
    client = current_app.extensions["twitter"]
    job = start(user["username"])

    def take_over(response, *args, **kwargs):  # another worker took the job while this one was presumed dead
        if response.url.split("?")[0].endswith("/following"):
            with db.engine.begin() as connection:
                connection.execute(sa.update(Job).where(Job.id == job.id).values(task_id="the-other-delivery"))

    client.session.hooks["response"].append(take_over)
    try:
        assert run(job, classifier, cache) is None
    finally:
        client.session.hooks["response"].remove(take_over)
    job = reload(job)
    assert (job.state, job.task_id, job.follow_token) == ("running", "the-other-delivery", None)
    assert edges_of(int(user["id"])) == set() and count(Recommendation) == 0


def test_orphaned_recommendation_jobs_are_sent_again_to_their_task(ctx, app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: sent.append((name, kw)))
    job = start("sunny_sam")
    jobs.claim(job.id, job.task_id)
    job.lease_until = utcnow()
    db.session.commit()
    assert jobs.resend(job)
    job = reload(job)
    assert sent == [(RECOMMENDATIONS.task, {"args": [job.id], "task_id": job.task_id})]
