"""An account's tweets with their emotions, its mood over time, and the resources shown with a mood."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa

from ml.mood.trend import trend
from ml.mood.weights import ScoredTweet
from server.api.access import ACCOUNT_ERRORS, account_of, bp
from server.api.contract import errors
from server.api.schemas import (
    AnalysisPoint,
    Resources,
    ResourcesQuery,
    Trend,
    TrendBucket,
    TrendQuery,
    TweetEmotions,
    TweetPage,
    TweetsQuery,
    UsernamePath,
)
from server.extensions import db
from server.links import support_for
from server.models import Account, Analysis, Tweet, TweetEmotion, latest_result

READ_ERRORS = {**ACCOUNT_ERRORS, **errors(e404="No analysis yet (or not reachable)")}
TREND_HISTORY = 100  # analyses on the timeline


def _model_version(account: Account) -> str | None:
    """The model the account's latest analysis read its tweets with: the emotions shown are the mood's."""
    analysis = latest_result(Analysis, account.id)
    return analysis.model_version if analysis is not None else None


def _with_emotions(account: Account, version: str | None):
    return (
        sa.select(Tweet, TweetEmotion)
        .outerjoin(TweetEmotion, sa.and_(TweetEmotion.tweet_id == Tweet.id, TweetEmotion.model_version == version))
        .where(Tweet.account_id == account.id)
    )


def tweet_page(account: Account, page: int, per_page: int) -> TweetPage:
    """A page of the account's stored tweets, newest first, with the emotions its latest analysis's model read."""
    version = _model_version(account)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Tweet).where(Tweet.account_id == account.id))
    rows = db.session.execute(
        _with_emotions(account, version)
        .order_by(Tweet.created_at.desc(), Tweet.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    tweets = []
    for tweet, emotion in rows:
        probs = {label: round(p, 4) for label, p in emotion.probs.items()} if emotion is not None else None
        tweets.append(
            TweetEmotions(
                id=tweet.id,
                created_at=tweet.created_at,
                kind=tweet.kind,
                text=tweet.text,
                url=f"https://x.com/{account.username}/status/{tweet.id}",
                emotions=probs,
                top=max(probs, key=probs.__getitem__) if probs else None,
            )
        )
    return TweetPage(
        username=account.username, model_version=version, page=page, per_page=per_page, total=total or 0,
        tweets=tweets,
    )  # fmt: skip


def account_trend(account: Account, bucket: Literal["day", "week"]) -> Trend:
    """The account's classified tweets in ``bucket`` ("day", "week") buckets of their own dates, and its analyses."""
    version = _model_version(account)
    scored = [
        ScoredTweet(tweet.id, tweet.created_at, tweet.kind, emotion.probs)
        for tweet, emotion in db.session.execute(
            _with_emotions(account, version).where(TweetEmotion.tweet_id.is_not(None))
        )
    ]
    series = [
        TrendBucket(
            start=point.start.isoformat(),
            tweets=point.tweets,
            emotional_weight=point.emotional_weight,
            breakdown=point.breakdown,
            status=point.status,
            positivity=point.positivity,
            negativity=point.negativity,
        )  # fmt: skip
        for point in trend(scored, bucket)
    ]
    history = db.session.scalars(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(TREND_HISTORY)
    )
    analyses = [
        AnalysisPoint(
            id=a.id,
            created_at=a.created_at,
            status=a.status,
            confidence=a.confidence,
            positivity=a.positivity,
            negativity=a.negativity,
            window_end=a.window_end,
        )  # fmt: skip
        for a in reversed(list(history))
    ]
    return Trend(username=account.username, bucket=bucket, model_version=version, series=series, analyses=analyses)


@bp.get("/accounts/<username>/tweets", responses={200: TweetPage, **READ_ERRORS})
def list_tweets(path: UsernamePath, query: TweetsQuery):
    """The account's stored tweets, newest first, each with the emotions the classifier read in it."""
    return tweet_page(account_of(path.username), query.page, query.per_page).model_dump(mode="json")


@bp.get("/accounts/<username>/trend", responses={200: Trend, **READ_ERRORS})
def get_trend(path: UsernamePath, query: TrendQuery):
    """The mood over time: the account's tweets in day or week buckets of their own dates, and its analyses."""
    return account_trend(account_of(path.username), query.bucket).model_dump(mode="json")


@bp.get("/resources", responses={200: Resources, **errors(e400="Unknown status or malformed language")})
def get_resources(query: ResourcesQuery):
    """Resources for a mood: sourced ideas for each state, helplines (by language) for Stressed and Depressed.

    Public: it says nothing about anyone.
    """
    return Resources.model_validate(support_for(query.status, query.language)).model_dump(mode="json")
