"""The analysis pipeline: look up -> fetch and store tweets -> classify the unclassified -> score -> store.

Every step checkpoints its progress, is idempotent (tweets are upserted by id, a tweet is classified once per
model version) and can resume, so a job interrupted anywhere (rate limit, outage, killed worker) loses nothing and
redoes nothing. The runner (``server.jobs.runner``) claims the job, calls :func:`execute` and turns its outcome
into the job's state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
import tweepy
from flask import current_app

from config import scoring_config
from ml.fusion import soft_vote
from ml.labels import LABELS
from ml.mood.status import MoodResult, assess
from ml.mood.weights import KINDS, ScoredTweet
from ml.text.language import is_scored, tweet_language
from server.auth.tokens import user_client
from server.extensions import db
from server.jobs.runner import JobRun, Resources
from server.models import (
    Account,
    Analysis,
    Job,
    Tweet,
    TweetEmotion,
    TweetHashtag,
    account_named,
    insert_ignore,
    upsert,
    utcnow,
)
from server.pipelines.photos import PhotoReader
from server.privacy import find_consent, require_consent
from server.twitter import TimelineTweet, TwitterUser, iter_timeline, lookup_user

logger = logging.getLogger(__name__)

CLASSIFY_CHUNK = 512  # tweets per predict call and commit: progress granularity vs. batching efficiency
TWEET_UPDATE_COLUMNS = ["text", "referenced_text", "like_count", "retweet_count", "reply_count", "quote_count"]
# Only a fetch that read the tweet's photos sets these: an archive import, or a fetch past PHOTO_LIMIT, keeps them.
FACE_COLUMNS = ["faces", "face_emotions"]


def store_account(user: TwitterUser) -> Account:
    """Create or update the account row of a looked-up user (the caller commits)."""
    account = db.session.scalar(sa.select(Account).where(Account.twitter_id == user.id))
    key = user.username.lower()
    holder = account_named(key)
    if holder is not None and holder is not account:
        holder.username_key = None  # the username moved to another account
        db.session.flush()
    if account is None:
        account = Account(twitter_id=user.id)
        db.session.add(account)
    account.username, account.username_key, account.name = user.username, key, user.name[:100]
    db.session.flush()
    return account


def store_tweets(account: Account, tweets: list[TimelineTweet], faces: Mapping[str, tuple] | None = None) -> None:
    """Upsert a page of tweets, their photos' ``faces`` (count, mean) where read, and hashtags (the caller commits)."""
    now = utcnow()
    faces = faces or {}
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
            "faces": faces[t.id][0] if t.id in faces else None,
            "face_emotions": faces[t.id][1] if t.id in faces else None,
        }
        for t in tweets
    ]
    upsert(Tweet, rows, TWEET_UPDATE_COLUMNS, fill=FACE_COLUMNS)
    insert_ignore(TweetHashtag, [{"tweet_id": t.id, "tag": tag[:140]} for t in tweets for tag in t.hashtags])


def fetch_tweets(run: JobRun, account: Account, client: tweepy.Client, user: TwitterUser) -> None:
    """Fetch what is new since the account's last complete fetch, page by page, resuming where the job stopped."""
    job = run.job
    if job.fetch_done:
        return
    limit = current_app.config["TWEET_LIMIT"]
    if job.fetched == 0 and job.next_token is None:
        run.checkpoint(since_id=account.since_id, total=None if account.since_id else min(limit, user.tweet_count))
    pages = iter_timeline(
        client, user, limit=limit - job.fetched, since_id=job.since_id, pagination_token=job.next_token
    )
    photos = PhotoReader(current_app.config) if current_app.config["READ_PHOTOS"] else None
    try:
        _walk(run, account, pages, photos)
    finally:
        if photos is not None:
            photos.close()
    with run.phase("persist"):
        # Only a complete walk moves since_id: an interrupted one resumes from next_token instead.
        if job.newest_id and int(job.newest_id) > int(account.since_id or 0):
            account.since_id = job.newest_id
        run.checkpoint(fetch_done=True, next_token=None)


def _walk(run: JobRun, account: Account, pages, photos: PhotoReader | None) -> None:
    job = run.job
    while True:
        with run.phase("fetch"):
            page = next(pages, None)
        if page is None:
            break
        faces = {}
        if photos is not None:
            with run.phase("photos"):
                faces = photos.faces(page.tweets)
        with run.phase("persist"):
            store_tweets(account, page.tweets, faces)
            newest = max((int(t.id) for t in page.tweets), default=0)
            newest_id = str(newest) if newest > int(job.newest_id or 0) else job.newest_id
            run.checkpoint(newest_id=newest_id, fetched=job.fetched + len(page.tweets), next_token=page.next_token)


def _unclassified(account: Account, version: str):
    done = sa.select(TweetEmotion.tweet_id).where(
        TweetEmotion.tweet_id == Tweet.id, TweetEmotion.model_version == version
    )
    return sa.select(Tweet).where(Tweet.account_id == account.id, ~sa.exists(done))


def classify_tweets(run: JobRun, account: Account, classifier) -> None:
    """Classify the account's tweets that have no probabilities for the classifier's version yet.

    Tweets go to the model shortest first, in chunks committed one by one: each chunk then pads as little as
    one call over everything would, and a crash loses at most the chunk in flight.
    """
    version, job = classifier.version, run.job
    with run.phase("persist"):
        # (id, text) pairs read before any commit, which would expire the ORM objects.
        pending = [(t.id, t.classifier_text) for t in db.session.scalars(_unclassified(account, version))]
        run.checkpoint(total=job.classified + len(pending))
    pending.sort(key=lambda item: len(item[1]))
    for start in range(0, len(pending), CLASSIFY_CHUNK):
        chunk = pending[start : start + CLASSIFY_CHUNK]
        with run.phase("classify"):
            probabilities = classifier.predict([text for _, text in chunk])
        with run.phase("persist"):
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
            run.checkpoint(classified=job.classified + len(rows))


class Scored(NamedTuple):
    """An account's scored tweets: with their photos' faces soft-voted in, without, and how many had faces."""

    tweets: list[ScoredTweet]
    text_only: list[ScoredTweet]
    face_tweets: int


def scored_tweets(account: Account, version: str, limit: int) -> Scored:
    """The account's newest ``limit`` classified tweets as ``ml.mood.weights.ScoredTweet``, with their language.

    A tweet whose photos showed faces has its text's probabilities soft-voted with theirs (``ml.fusion``).
    """
    rows = db.session.execute(
        sa.select(Tweet, TweetEmotion)
        .join(TweetEmotion, sa.and_(TweetEmotion.tweet_id == Tweet.id, TweetEmotion.model_version == version))
        .where(Tweet.account_id == account.id)
        .order_by(Tweet.created_at.desc())
        .limit(limit)
    )
    tweets, text_only, face_tweets = [], [], 0
    for tweet, emotion in rows:
        scored = ScoredTweet(
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
        text_only.append(scored)
        if tweet.face_emotions:
            face_tweets += 1
            scored = replace(scored, probs=soft_vote(emotion.probs, tweet.face_emotions))
        tweets.append(scored)
    return Scored(tweets, text_only, face_tweets)


def build_analysis(
    job: Job,
    account: Account,
    result: MoodResult,
    tweets: list[ScoredTweet],
    version: str,
    text_only: MoodResult | None = None,
    face_tweets: int = 0,
):
    """The Analysis row for a mood result (``text_only``: the same tweets without their faces)."""
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
        face_tweet_count=face_tweets,
        text_breakdown=text_only.breakdown if text_only is not None else result.breakdown,
        happiest=result.happiest,
        saddest=result.saddest,
    )


def assess_account(run: JobRun, account: Account, version: str) -> Analysis:
    """Weigh the account's classified tweets into a mood and add it as an Analysis row (flushed, not committed)."""
    config = current_app.config
    with run.phase("persist"):
        scored = scored_tweets(account, version, config["TWEET_LIMIT"])
    with run.phase("score"):
        now = utcnow()
        result = assess(scored.tweets, now, scoring_config(config))
        text_only = assess(scored.text_only, now, scoring_config(config)) if scored.face_tweets else result
    with run.phase("persist"):
        analysis = build_analysis(run.job, account, result, scored.tweets, version, text_only, scored.face_tweets)
        db.session.add(analysis)
        db.session.flush()
    return analysis


def analyse_tweets(
    run: JobRun, account: Account, client: tweepy.Client, user: TwitterUser, load_classifier: Callable
) -> Analysis:
    """Fetch, classify and assess the account's tweets for a claimed job; the caller commits the new Analysis."""
    fetch_tweets(run, account, client, user)
    with run.phase("model_load"):
        classifier = load_classifier()
    classify_tweets(run, account, classifier)
    return assess_account(run, account, classifier.version)


def fetch_job_account(run: JobRun, client: tweepy.Client, owner_id: str | None = None) -> tuple[TwitterUser, Account]:
    """Re-check consent (it may have been withdrawn since), look the account up and tie it to the job.

    ``owner_id``: ``client`` acts as that account, which may read itself even when protected.
    """
    require_consent(run.job.username, current_app.config["REQUIRE_CONSENT"])
    with run.phase("fetch"):
        user = lookup_user(client, run.job.username, owner_id)
    with run.phase("persist"):
        account = store_account(user)
        run.checkpoint(account_id=account.id)
    return user, account


def owner_client(username: str) -> tuple[tweepy.Client | None, str | None]:
    """A client acting as the account itself, and its id, when its owner signed in with X (we hold a live token).

    With it a protected account reads its own tweets, and its requests count against the owner's rate limits.
    """
    consent = find_consent(username)
    owner_id = consent.twitter_id if consent is not None else None
    client = user_client(current_app.config, owner_id)
    return client, owner_id if client is not None else None


def execute(run: JobRun, resources: Resources) -> Analysis:
    """Every step of an analysis job; returns the new Analysis, which the runner commits with the job's success."""
    own, owner_id = owner_client(run.job.username)
    client = own or resources.twitter
    user, account = fetch_job_account(run, client, owner_id)
    return analyse_tweets(run, account, client, user, resources.load_classifier)
