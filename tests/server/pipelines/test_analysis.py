"""The analysis pipeline in-process, with the real model and real HTTP to the local API: success, resume, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from ml.labels import LABELS
from ml.mood.status import STATUSES
from server import jobs, privacy
from server.api import schemas
from server.extensions import db
from server.jobs.kinds import ANALYSIS
from server.jobs.runner import Resources, run_job
from server.models import Account, Analysis, Job, Tweet, TweetEmotion, TweetHashtag, utcnow
from server.pipelines import analysis
from tests.server.fixtures_app import AUTH, new_account, twitter_time


@pytest.fixture
def ctx(app):
    """An app context for calling the pipeline directly."""
    with app.app_context():
        yield app


def start(username: str) -> Job:
    privacy.grant_consent(username, "mention")
    job, created = jobs.request_job(username, "analysis")
    assert created
    return job


def run(job: Job, classifier) -> object:
    """One delivery of the job's task, as the worker makes it."""
    twitter = current_app.extensions["twitter"]
    return run_job(job.id, job.task_id, Resources(twitter, lambda: classifier))


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def reload(job: Job) -> Job:
    return db.session.get(Job, job.id, populate_existing=True)


def test_a_job_fetches_classifies_scores_and_stores(ctx, classifier, local_twitter):
    job = start("sunny_sam")
    assert run(job, classifier) is None
    job = reload(job)
    assert job.state == "succeeded" and job.error_code is None and job.finished_at is not None
    account = db.session.get(Account, job.account_id)
    n = count(Tweet, Tweet.account_id == account.id)
    assert n == local_twitter.world.user(account.twitter_id)["public_metrics"]["tweet_count"]
    assert (job.fetched, job.classified, job.total) == (n, n, n)
    assert count(TweetEmotion, TweetEmotion.model_version == classifier.version) == n
    assert count(TweetHashtag) > 0
    assert set(job.timings) >= {"fetch", "classify", "score", "persist", "model_load"}
    assert account.since_id == max((t.id for t in db.session.scalars(sa.select(Tweet))), key=int)

    result = job.analysis
    assert result.status in STATUSES and 0 <= result.confidence <= 1
    assert result.model_version == classifier.version and result.tweet_count == n
    assert abs(sum(result.breakdown.values()) - 1) < 1e-6
    assert result.own_count + result.reply_count + result.quote_count + result.retweet_count == n
    assert result.happiest["score"] >= 0 and result.window_start <= result.window_end
    emotion = db.session.scalars(sa.select(TweetEmotion)).first()
    assert abs(sum(emotion.probs[label] for label in LABELS) - 1) < 1e-4


def test_the_model_tells_a_cheerful_account_from_a_stressed_one(ctx, classifier):
    moods = {}
    for username in ("sunny_sam", "stressed_steve"):
        job = start(username)
        run(job, classifier)
        moods[username] = reload(job).analysis
    assert moods["sunny_sam"].positivity > moods["stressed_steve"].positivity


def test_a_later_run_fetches_and_classifies_only_new_tweets(ctx, classifier, local_twitter):
    user = new_account(local_twitter, "again", ["first happy day", "second calm day", "third sad day"])
    first = start(user["username"])
    run(first, classifier)
    local_twitter.add_tweet({"author_id": user["id"], "text": "a brand new tweet, so excited!"})
    local_twitter.clear_request_log()
    second = start(user["username"])
    run(second, classifier)
    second = reload(second)
    assert (second.state, second.fetched, second.classified, second.total) == ("succeeded", 1, 1, 1)
    timeline_calls = [r for r in local_twitter.request_log() if r["endpoint"] == "get_users_tweets"]
    assert timeline_calls[0]["query"]["since_id"] == reload(first).newest_id
    assert second.analysis.tweet_count == 4
    history = db.session.scalars(sa.select(Analysis).where(Analysis.account_id == second.account_id)).all()
    assert len(history) == 2


def test_rate_limit_mid_fetch_parks_the_job_and_the_retry_resumes(ctx, classifier, local_twitter):
    user = new_account(local_twitter, "ratelim", [f"tweet {i}, what a day" for i in range(230)])
    twitter = current_app.extensions["twitter"]
    pages = []

    def limit_after_first_page(response, *args, **kwargs):
        if response.url.split("?")[0].endswith("/tweets"):
            pages.append(response.url)
            if len(pages) == 1:
                local_twitter.add_fault("/tweets$", 429, reset_in=30)

    twitter.session.hooks["response"].append(limit_after_first_page)
    try:
        job = start(user["username"])
        retry_at = run(job, classifier)
        job = reload(job)
        assert job.state == "retrying" and job.error_code == "rate_limited"
        assert retry_at == job.retry_at and 25 < (retry_at - utcnow()).total_seconds() <= 31
        assert job.fetched == 100 and job.next_token and count(Tweet, Tweet.account_id == job.account_id) == 100

        assert run(job, classifier) is None  # the retry, delivered at the reset time
        job = reload(job)
        assert job.state == "succeeded" and job.fetched == 230 and job.analysis.tweet_count == 230
        assert "pagination_token" in pages[-2] and job.attempts == 0  # resumed, not restarted
    finally:
        twitter.session.hooks["response"].remove(limit_after_first_page)


def test_outages_back_off_then_fail_readably_keeping_what_was_stored(ctx, classifier, local_twitter):
    job = start("calm_carla")
    run(job, classifier)
    local_twitter.add_fault("/users/by/username/", 503, times=None)
    again = start("calm_carla")
    delays = []
    for _ in range(2):  # TWITTER_MAX_RETRIES = 2 in the test settings
        retry_at = run(again, classifier)
        assert reload(again).state == "retrying" and reload(again).error_code == "twitter_unavailable"
        delays.append((retry_at - utcnow()).total_seconds())
    assert delays[0] < delays[1] <= 1.0  # exponential, bounded by TWITTER_BACKOFF_MAX
    assert run(again, classifier) is None
    again = reload(again)
    assert again.state == "failed" and again.error_code == "twitter_unavailable"
    assert "gave up after 2 retries" in again.error_message
    assert count(Analysis) == 1 and count(Tweet) > 0  # the earlier result and tweets are intact


def test_an_outage_that_ends_lets_the_job_succeed(ctx, classifier, local_twitter):
    local_twitter.add_fault("/tweets$", 502, times=1)
    job = start("blue_bella")
    assert run(job, classifier) is not None
    assert run(job, classifier) is None
    assert reload(job).state == "succeeded" and reload(job).attempts == 1


@pytest.mark.parametrize(
    ("username", "code"),
    [("nobody_here_x", "user_not_found"), ("gone_gary", "user_suspended"), ("private_pat", "user_protected")],
)
def test_unavailable_accounts_end_the_job_with_a_code(ctx, classifier, username, code):
    job = start(username)
    assert run(job, classifier) is None
    job = reload(job)
    assert (job.state, job.error_code) == ("failed", code)
    assert username in job.error_message and job.analysis is None


def test_refused_credentials_end_the_job(ctx, classifier, app):
    app.extensions["twitter"].bearer_token = "revoked"
    job = start("sunny_sam")
    run(job, classifier)
    assert reload(job).error_code == "twitter_unauthorized"


def test_an_empty_timeline_succeeds_without_a_status(ctx, classifier):
    job = start("quiet_quinn")
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded" and job.fetched == 0
    assert (job.analysis.status, job.analysis.reason, job.analysis.tweet_count) == (None, "no_tweets", 0)


def test_emoji_only_and_non_english_tweets_are_classified(ctx, classifier, local_twitter):
    texts = [
        "😂😂😂",
        "🎉🥳🎉",
        "😭",
        "Je suis tellement heureux aujourd'hui !",
        "今日はとても悲しい",
        "¡Qué miedo!",
        "…",
    ]
    user = new_account(local_twitter, "emoji", texts)
    job = start(user["username"])
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded" and job.classified == len(texts)
    assert job.analysis.tweet_count == len(texts)


def test_a_crash_mid_classification_loses_nothing_and_redoes_nothing(ctx, classifier, local_twitter, monkeypatch):
    monkeypatch.setattr(analysis, "CLASSIFY_CHUNK", 10)
    user = new_account(local_twitter, "crash", [f"tweet {i} feeling fine" for i in range(25)])
    calls = []

    class Crashing:
        version = classifier.version

        def predict(self, texts):
            calls.append(len(texts))
            if len(calls) == 2:
                raise RuntimeError("worker blew up")
            return classifier.predict(texts)

    job = start(user["username"])
    run(job, Crashing())
    job = reload(job)
    assert (job.state, job.error_code) == ("failed", "internal_error")
    assert count(Tweet, Tweet.account_id == job.account_id) == 25 and count(TweetEmotion) == 10

    calls.clear()
    again = start(user["username"])
    run(again, classifier)
    again = reload(again)
    assert again.state == "succeeded" and again.classified == 15 and count(TweetEmotion) == 25


def test_claim_is_exclusive_until_the_lease_runs_out(ctx):
    job = start("sunny_sam")
    first_delivery = job.task_id
    assert jobs.claim(job.id, first_delivery).state == "running"
    assert jobs.claim(job.id, "another-delivery") is None
    assert jobs.stuck() == []
    job.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert [j.id for j in jobs.stuck()] == [job.id]
    assert jobs.claim(job.id, "another-delivery").task_id == "another-delivery"
    assert jobs.claim(job.id, first_delivery) is None  # the old delivery lost the job
    jobs.finish_failed(job, "internal_error", "x")
    assert jobs.claim(job.id, "another-delivery") is None


def test_stuck_jobs_are_sent_again_under_a_new_task_id(ctx, app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: sent.append((name, kw)))
    job = start("sunny_sam")
    old_task = job.task_id
    jobs.claim(job.id, old_task)
    job.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.resend(job)
    job = reload(job)
    assert job.task_id != old_task and sent == [(ANALYSIS.task, {"args": [job.id], "task_id": job.task_id})]
    assert job.resends == 1
    assert not jobs.resend(job)  # no longer stuck: it has a new lease


def test_the_sweep_resends_lost_pending_jobs_with_growing_spacing(ctx, app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: sent.append(kw["task_id"]))
    lease = app.config["JOB_LEASE_SECONDS"]
    job = start("sunny_sam")  # pending: its message was sent, then lost with the broker
    assert jobs.sweep() == 0  # within its grace (the lease)
    spacing = []
    for _ in range(3):
        job.lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        before = utcnow()
        assert jobs.sweep() == 1
        job = reload(job)
        spacing.append(round((job.lease_until - before).total_seconds() / lease))
    assert spacing == [1, 2, 4] and len(set(sent)) == 3 and job.state == "pending"
    # Every message of a pending job may start it (none runs yet); the first one does, the rest find it taken.
    assert jobs.claim(job.id, sent[0]).state == "running"
    assert jobs.claim(job.id, sent[2]) is None


def test_a_request_for_an_account_whose_job_is_stuck_sends_it_again(client, app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: sent.append(kw["task_id"]))
    first = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).get_json()["job"]
    with app.app_context():
        db.session.get(Job, first["id"]).lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    again = client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH).get_json()["job"]
    assert again["id"] == first["id"] and len(sent) == 2 and sent[0] != sent[1]
    with app.app_context():
        assert db.session.get(Job, first["id"]).task_id == sent[1]


def test_a_stuck_job_whose_broker_is_down_stays_for_the_next_sweep(ctx, app, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    job = start("sunny_sam")
    job.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    monkeypatch.setattr(app.extensions["celery"], "send_task", refuse)
    with pytest.raises(jobs.QueueUnavailable):
        jobs.sweep()
    job = reload(job)
    assert job.state == "pending" and job.lease_until <= utcnow() and jobs.stuck() == [job]


def test_a_job_whose_process_died_is_taken_over_only_from_that_delivery(ctx):
    job = start("sunny_sam")
    lost = job.task_id
    jobs.claim(job.id, lost)
    assert not jobs.take_over(job.id, "some-other-delivery", "resumer")
    assert jobs.take_over(job.id, lost, "resumer")
    assert jobs.claim(job.id, lost) is None  # the dead delivery's message, if it ever comes back
    assert jobs.claim(job.id, "resumer", worker="w1@host").worker == "w1@host"


def test_a_delivery_that_lost_its_job_stops_without_writing(ctx, classifier, local_twitter):
    user = new_account(local_twitter, "takeover", ["one", "two"])
    twitter = current_app.extensions["twitter"]
    job = start(user["username"])

    def take_over(response, *args, **kwargs):  # another worker took the job while this one was presumed dead
        if response.url.split("?")[0].endswith("/tweets"):
            with db.engine.begin() as connection:
                connection.execute(sa.update(Job).where(Job.id == job.id).values(task_id="the-other-delivery"))

    twitter.session.hooks["response"].append(take_over)
    try:
        assert run(job, classifier) is None
    finally:
        twitter.session.hooks["response"].remove(take_over)
    job = reload(job)
    assert (job.state, job.task_id, job.fetched) == ("running", "the-other-delivery", 0)
    assert job.analysis is None and count(Tweet, Tweet.account_id == job.account_id) == 0


def test_tweets_in_other_languages_are_left_out_and_counted(ctx, classifier, local_twitter):
    english = [{"text": f"Best day ever, I love my friends so much! #{i}", "lang": "en"} for i in range(12)]
    spanish = [{"text": f"Estoy muy triste, ya no puedo más con todo esto {i}", "lang": "es"} for i in range(20)]
    # Twitter could not tell this one's language: the detector can.
    undetermined = [{"text": "Ich bin so traurig und müde, alles ist zu viel für mich", "lang": "und"}]
    user = new_account(local_twitter, "polyglot", spanish + undetermined + english)
    job = start(user["username"])
    run(job, classifier)
    result = reload(job).analysis
    assert (result.tweet_count, result.skipped_language_count) == (12, 21)
    assert result.language == "es"
    assert result.status in ("Cheerful", "Satisfied") and result.breakdown["sadness"] < 0.2
    with current_app.test_request_context():
        counts = schemas.Analysis.of(result).model_dump(mode="json")["tweet_counts"]
    assert counts["skipped_language"] == 21 and counts["own"] == 12


def test_an_account_quiet_for_months_keeps_its_mood(ctx, classifier, local_twitter):
    now = local_twitter.state.world_now()
    sad = [
        "I miss her so much, everything feels empty without her",
        "Crying again tonight. I feel so alone and hopeless",
        "nothing matters anymore, I'm so tired of feeling this sad",
        "lost my dog today and my heart is broken",
    ]
    tweets = [
        {"text": f"{sad[i % len(sad)]} ({i})", "created_at": twitter_time(now - timedelta(days=95, hours=i))}
        for i in range(24)
    ]
    user = new_account(local_twitter, "quiet", tweets)
    job = start(user["username"])
    run(job, classifier)
    result = reload(job).analysis
    assert (result.status, result.reason) == ("Depressed", None)
    assert result.saddest is not None and result.happiest is None  # no tweet of this account is happy
