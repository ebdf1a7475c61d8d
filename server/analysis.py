"""The analysis pipeline: look up -> fetch and store tweets -> classify the unclassified -> score -> store.

Every step commits its progress, is idempotent (tweets are upserted by id, a tweet is classified once per model
version) and can resume, so a job interrupted anywhere (rate limit, outage, killed worker) loses nothing and
redoes nothing. ``run_job`` runs the steps for one job; ``run_steps`` (shared with ``server.recommendations``) turns
failures into job states.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
import tweepy
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from ml.labels import LABELS
from ml.language import is_scored, tweet_language
from ml.mood import MoodResult, assess
from ml.scoring import KINDS, ScoredTweet, ScoringConfig
from server import jobs
from server.extensions import db
from server.models import Account, Analysis, Job, Tweet, TweetEmotion, TweetHashtag, insert_ignore, upsert, utcnow
from server.privacy import ConsentRequired, require_consent
from server.twitter import (
    RateLimited,
    TimelineTweet,
    TwitterError,
    TwitterUnavailable,
    TwitterUser,
    iter_timeline,
    lookup_user,
)

logger = logging.getLogger(__name__)

CLASSIFY_CHUNK = 512  # tweets per predict call and commit: progress granularity vs. batching efficiency
PHASES = ("fetch", "classify", "score", "persist", "model_load", "recommend")  # "recommend": recommendation jobs
TWEET_UPDATE_COLUMNS = ["text", "referenced_text", "like_count", "retweet_count", "reply_count", "quote_count"]
WORK_NAMES = {"analysis": "The analysis", "recommendations": "The recommendation run"}  # for error messages


class PhaseTimer:
    """Adds up wall time per phase (one of ``PHASES``) into a dict."""

    def __init__(self, totals: Mapping[str, float] | None = None):
        self.totals: dict[str, float] = defaultdict(float, totals or {})

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block under ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - start

    def as_dict(self) -> dict[str, float]:
        """Rounded seconds per phase."""
        return {name: round(seconds, 4) for name, seconds in self.totals.items()}


def store_account(user: TwitterUser) -> Account:
    """Create or update the account row of a looked-up user (the caller commits)."""
    account = db.session.scalar(sa.select(Account).where(Account.twitter_id == user.id))
    key = user.username.lower()
    holder = db.session.scalar(sa.select(Account).where(Account.username_key == key))
    if holder is not None and holder is not account:
        holder.username_key = None  # the username moved to another account
        db.session.flush()
    if account is None:
        account = Account(twitter_id=user.id)
        db.session.add(account)
    account.username, account.username_key, account.name = user.username, key, user.name[:100]
    db.session.flush()
    return account


def store_tweets(account: Account, tweets: list[TimelineTweet]) -> None:
    """Upsert a page of tweets and their hashtags (the caller commits)."""
    now = utcnow()
    rows = [
        {
            "id": t.id,
            "account_id": account.id,
            "created_at": t.created_at,
            "text": t.text,
            "kind": t.kind,
            "lang": (t.lang or None) and t.lang[:8],
            "referenced_id": t.referenced_id,
            "referenced_text": t.referenced_text,
            "like_count": t.likes,
            "retweet_count": t.retweets,
            "reply_count": t.replies,
            "quote_count": t.quotes,
            "fetched_at": now,
        }
        for t in tweets
    ]
    upsert(Tweet, rows, TWEET_UPDATE_COLUMNS)
    insert_ignore(TweetHashtag, [{"tweet_id": t.id, "tag": tag[:140]} for t in tweets for tag in t.hashtags])


def fetch_tweets(job: Job, account: Account, client: tweepy.Client, user: TwitterUser, timer: PhaseTimer) -> None:
    """Fetch what is new since the account's last complete fetch, page by page, resuming where the job stopped."""
    if job.fetch_done:
        return
    limit = current_app.config["TWEET_LIMIT"]
    if job.fetched == 0 and job.next_token is None:
        job.since_id = account.since_id
        job.total = None if job.since_id else min(limit, user.tweet_count)
    pages = iter_timeline(
        client, user, limit=limit - job.fetched, since_id=job.since_id, pagination_token=job.next_token
    )
    while True:
        with timer.phase("fetch"):
            page = next(pages, None)
        if page is None:
            break
        with timer.phase("persist"):
            store_tweets(account, page.tweets)
            newest = max((int(t.id) for t in page.tweets), default=0)
            if newest > int(job.newest_id or 0):
                job.newest_id = str(newest)
            job.fetched += len(page.tweets)
            job.next_token = page.next_token
            job.timings = timer.as_dict()
            jobs.renew(job)
            db.session.commit()
    with timer.phase("persist"):
        # Only a complete walk moves since_id: an interrupted one resumes from next_token instead.
        if job.newest_id and int(job.newest_id) > int(account.since_id or 0):
            account.since_id = job.newest_id
        job.fetch_done, job.next_token = True, None
        db.session.commit()


def _unclassified(account: Account, version: str):
    done = sa.select(TweetEmotion.tweet_id).where(
        TweetEmotion.tweet_id == Tweet.id, TweetEmotion.model_version == version
    )
    return sa.select(Tweet).where(Tweet.account_id == account.id, ~sa.exists(done))


def classify_tweets(job: Job, account: Account, classifier, timer: PhaseTimer) -> None:
    """Classify the account's tweets that have no probabilities for the classifier's version yet.

    Tweets go to the model shortest first, in chunks committed one by one: each chunk then pads as little as
    one call over everything would, and a crash loses at most the chunk in flight.
    """
    version = classifier.version
    with timer.phase("persist"):
        # (id, text) pairs read before any commit, which would expire the ORM objects.
        pending = [(t.id, t.classifier_text) for t in db.session.scalars(_unclassified(account, version))]
        job.total = job.classified + len(pending)
        db.session.commit()
    pending.sort(key=lambda item: len(item[1]))
    for start in range(0, len(pending), CLASSIFY_CHUNK):
        chunk = pending[start : start + CLASSIFY_CHUNK]
        with timer.phase("classify"):
            probabilities = classifier.predict([text for _, text in chunk])
        with timer.phase("persist"):
            now = utcnow()
            rows = [
                {
                    "tweet_id": tweet_id,
                    "model_version": version,
                    "classified_at": now,
                    **{k: float(p[k]) for k in LABELS},
                }
                for (tweet_id, _), p in zip(chunk, probabilities)
            ]
            insert_ignore(TweetEmotion, rows)
            job.classified += len(rows)
            job.timings = timer.as_dict()
            jobs.renew(job)
            db.session.commit()


def scored_tweets(account: Account, version: str, limit: int) -> list[ScoredTweet]:
    """The account's newest ``limit`` classified tweets as ``ml.scoring.ScoredTweet``, with their language."""
    rows = db.session.execute(
        sa.select(Tweet, TweetEmotion)
        .join(TweetEmotion, sa.and_(TweetEmotion.tweet_id == Tweet.id, TweetEmotion.model_version == version))
        .where(Tweet.account_id == account.id)
        .order_by(Tweet.created_at.desc())
        .limit(limit)
    )
    return [
        ScoredTweet(
            id=tweet.id,
            created_at=tweet.created_at,
            kind=tweet.kind,
            probs=emotion.probs,
            likes=tweet.like_count,
            retweets=tweet.retweet_count,
            replies=tweet.reply_count,
            quotes=tweet.quote_count,
            text=tweet.text,
            lang=tweet_language(tweet.classifier_text, tweet.lang),
        )
        for tweet, emotion in rows
    ]


def build_analysis(job: Job, account: Account, result: MoodResult, tweets: list[ScoredTweet], version: str):
    """The Analysis row for a mood result."""
    counts = dict.fromkeys(KINDS, 0)
    for tweet in tweets:
        if is_scored(tweet.lang):
            counts[tweet.kind] += 1
    window = result.window or {}
    return Analysis(
        account_id=account.id,
        job_id=job.id,
        model_version=version,
        status=result.status,
        reason=result.reason,
        confidence=result.confidence,
        low_confidence=result.low_confidence,
        positivity=result.positivity,
        negativity=result.negativity,
        emotional_weight=result.emotional_weight,
        tweet_count=result.tweet_count,
        own_count=counts["own"],
        reply_count=counts["reply"],
        quote_count=counts["quote"],
        retweet_count=counts["retweet"],
        skipped_language_count=result.skipped_language,
        language=result.language,
        window_start=datetime.fromisoformat(window["start"]) if window else None,
        window_end=datetime.fromisoformat(window["end"]) if window else None,
        breakdown=result.breakdown,
        happiest=result.happiest,
        saddest=result.saddest,
    )


def assess_account(job: Job, account: Account, version: str, timer: PhaseTimer) -> Analysis:
    """Weigh the account's classified tweets into a mood and add it as an Analysis row (flushed, not committed)."""
    config = current_app.config
    with timer.phase("persist"):
        tweets = scored_tweets(account, version, config["TWEET_LIMIT"])
    with timer.phase("score"):
        result = assess(tweets, utcnow(), ScoringConfig.from_mapping(config))
    with timer.phase("persist"):
        analysis = build_analysis(job, account, result, tweets, version)
        db.session.add(analysis)
        db.session.flush()
    return analysis


def analyse_tweets(
    job: Job, account: Account, client: tweepy.Client, user: TwitterUser, load_classifier: Callable, timer: PhaseTimer
) -> Analysis:
    """Fetch, classify and assess the account's tweets for a claimed job; the caller commits the new Analysis."""
    fetch_tweets(job, account, client, user, timer)
    with timer.phase("model_load"):
        classifier = load_classifier()
    classify_tweets(job, account, classifier, timer)
    return assess_account(job, account, classifier.version, timer)


def fetch_job_account(job: Job, client: tweepy.Client, timer: PhaseTimer) -> tuple[TwitterUser, Account]:
    """Re-check consent (it may have been withdrawn since), look the account up and tie it to the job."""
    require_consent(job.username, current_app.config["REQUIRE_CONSENT"])
    with timer.phase("fetch"):
        user = lookup_user(client, job.username)
    with timer.phase("persist"):
        account = store_account(user)
        job.account_id = account.id
        db.session.commit()
    return user, account


def analyse(job: Job, client: tweepy.Client, load_classifier: Callable, timer: PhaseTimer) -> Analysis:
    """Run every step for a claimed analysis job; the analysis and the job's success are one commit."""
    user, account = fetch_job_account(job, client, timer)
    analysis = analyse_tweets(job, account, client, user, load_classifier, timer)
    with timer.phase("persist"):
        jobs.finish_succeeded(job, timer.as_dict())
    return analysis


def _backoff(job: Job, error: TwitterError) -> datetime | None:
    """Retry time after a transient failure, or None when the retries are used up."""
    config = current_app.config
    if isinstance(error, RateLimited):
        return max(error.reset_at, utcnow() + timedelta(seconds=1))
    if job.attempts >= config["TWITTER_MAX_RETRIES"]:
        return None
    delay = min(config["TWITTER_BACKOFF_MAX"], config["TWITTER_BACKOFF_BASE"] * 2**job.attempts)
    job.attempts += 1
    return utcnow() + timedelta(seconds=delay)


def run_job(job_id: str, task_id: str, client: tweepy.Client, load_classifier: Callable) -> datetime | None:
    """Run analysis job ``job_id`` delivered as ``task_id``; returns when to retry it, or None when it is done."""
    return run_steps(job_id, task_id, lambda job, timer: analyse(job, client, load_classifier, timer))


def run_steps(job_id: str, task_id: str, steps: Callable[[Job, PhaseTimer], object]) -> datetime | None:
    """Claim a job for delivery ``task_id`` and run ``steps(job, timer)`` on it, turning failures into job states.

    ``steps`` ends the job itself on success and returns the stored result row. Returns when to retry the job
    (rate limit, outage), or None when it is done or held by another delivery.
    """
    job = jobs.claim(job_id, task_id)
    if job is None:
        logger.info("job %s is finished or held by another task; delivery %s skipped", job_id, task_id)
        return None
    timer = PhaseTimer(job.timings)
    work = WORK_NAMES.get(job.kind, "The job")
    try:
        result = steps(job, timer)
        # Ids only: moods stay out of the logs.
        logger.info("job %s succeeded: %s %s", job.id, type(result).__name__.lower(), result.id)
        return None
    except jobs.LeaseLost:
        db.session.rollback()
        logger.warning("job %s was taken over by another delivery; %s stops", job_id, task_id)
        return None
    except ConsentRequired as error:
        db.session.rollback()
        if jobs.holds(job):
            jobs.finish_failed(job, error.code, str(error))
    except TwitterUnavailable as error:
        db.session.rollback()
        if jobs.holds(job):
            job.timings = timer.as_dict()
            retry_at = _backoff(job, error)
            if retry_at is not None:
                return jobs.schedule_retry(job, retry_at, error.code, str(error))
            jobs.finish_failed(job, "twitter_unavailable", f"{error} (gave up after {job.attempts} retries)")
    except TwitterError as error:  # unknown, suspended or protected account; refused credentials
        db.session.rollback()
        if jobs.holds(job):
            job.timings = timer.as_dict()
            jobs.finish_failed(job, error.code, str(error))
    except SoftTimeLimitExceeded:
        db.session.rollback()
        if jobs.holds(job):
            jobs.finish_failed(job, "job_timeout", f"{work} took too long; what was fetched is kept, retry later.")
    except Exception:
        logger.exception("job %s failed", job_id)
        db.session.rollback()
        if jobs.holds(job):
            jobs.finish_failed(job, "internal_error", f"{work} failed unexpectedly; what was fetched is kept.")
    return None
