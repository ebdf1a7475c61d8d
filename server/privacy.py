"""Consent, deletion and retention of what is stored about an account.

An account is analysed only after it opted in, can have every row about it removed ("forget me"), and old tweet
text is blanked after ``TWEET_RETENTION_DAYS``.

Consent is keyed by the lower-cased username, because it can come (a mention, a client's declared sign-in) before
the account was ever looked up; ``Consent.twitter_id`` ties it to the account once known, so a renamed account
keeps its consent and an account that took over a released username does not inherit it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from server.db import write
from server.extensions import db
from server.models import (
    AccessGrant,
    Account,
    Analysis,
    Consent,
    EmotionReading,
    Follow,
    FollowWalk,
    GraphAccount,
    GraphHashtag,
    HandledMention,
    Job,
    Recommendation,
    Tweet,
    TweetEmotion,
    TweetHashtag,
    UserSession,
    UserToken,
    account_named,
    utcnow,
)

logger = logging.getLogger(__name__)

CONSENT_SOURCES = ("oauth", "mention", "sign_in", "demo")
CONSENT_HOWTO = (
    "@{username} has not agreed to be analysed. Its owner agrees by signing in with X (/auth/login) or by "
    "mentioning the bot with a command."
)
RECOMMENDATION_LISTS = ("friends", "big_accounts")  # the lists whose items name other accounts by id


class ConsentRequired(Exception):
    """The account has not opted in to being analysed (or withdrew): nothing about it may be fetched."""

    code = "consent_required"

    def __init__(self, username: str):
        super().__init__(CONSENT_HOWTO.format(username=username))
        self.username = username


def grant_consent(
    username: str, source: str, *, twitter_id: str | None = None, client_id: str | None = None
) -> Consent:
    """Record (or renew) the account's opt-in to being analysed, with its source; the caller commits."""
    if source not in CONSENT_SOURCES:
        raise ValueError(f"source must be one of {CONSENT_SOURCES}, got {source!r}")
    key = username.lower()
    if twitter_id is None:
        account = account_named(key)
        twitter_id = account.twitter_id if account is not None else None
    consent = db.session.get(Consent, key)
    if consent is None:
        consent = Consent(username_key=key)
        db.session.add(consent)
    consent.source, consent.client_id, consent.granted_at = source, client_id, utcnow()
    consent.twitter_id = twitter_id or consent.twitter_id
    db.session.flush()
    return consent


def find_consent(username: str) -> Consent | None:
    """The consent that holds for ``username`` now (case-insensitive), if any."""
    key = username.lower()
    account = account_named(key)
    if account is not None:
        # The account we know under this name: its consent follows it across renames, and only it.
        by_id = db.session.scalar(sa.select(Consent).where(Consent.twitter_id == account.twitter_id).limit(1))
        if by_id is not None:
            return by_id
    consent = db.session.get(Consent, key)
    if consent is None:
        return None
    if account is not None and consent.twitter_id not in (None, account.twitter_id):
        return None  # given by the account that held this username before
    return consent


def has_consent(username: str) -> bool:
    """Whether the account opted in to being analysed (case-insensitive)."""
    return find_consent(username) is not None


def require_consent(username: str, required: bool = True) -> None:
    """Raise :class:`ConsentRequired` when consent is ``required`` and the account has none."""
    if required and not has_consent(username):
        raise ConsentRequired(username)


def revoke_consent(username: str) -> bool:
    """Withdraw the account's consent and its matching opt-in; False when it had none. The caller commits."""
    key = username.lower()
    consent = find_consent(username)
    removed = 0
    for row in {consent, db.session.get(Consent, key)} - {None}:
        db.session.delete(row)
        removed += 1
    account = account_named(key)
    if account is not None and account.match_opt_in:
        account.match_opt_in, account.match_opt_in_at = False, utcnow()
    db.session.flush()
    return removed > 0


def _delete(model, *where) -> int:
    return write(sa.delete(model).where(*where))


def _scrub_recommendations(twitter_id: str) -> int:
    """Remove the account from other accounts' stored friend and big-account lists; the number of lists changed."""
    changed = 0
    # A text pre-filter on the JSON keeps this from reading every stored result; the exact test is in Python.
    mentions = [sa.cast(getattr(Recommendation, name), sa.Text).contains(twitter_id) for name in RECOMMENDATION_LISTS]
    candidates = db.session.scalars(sa.select(Recommendation).where(sa.or_(*mentions)))
    for recommendation in candidates:
        for name in RECOMMENDATION_LISTS:
            items = getattr(recommendation, name) or []
            kept = [item for item in items if str(item.get("id")) != twitter_id]
            if len(kept) != len(items):
                setattr(recommendation, name, kept)  # a new list: SQLAlchemy sees the JSON change
                changed += 1
    return changed


def forget_account(username: str, twitter_id: str | None = None) -> dict[str, int]:
    """Delete every row about the account and scrub it from others' recommendations; per-table counts. Commits.

    ``twitter_id`` (the bot knows a mention's author id) reaches rows keyed by id even when the account was
    never looked up.
    """
    from server.graph.store import bump_graph_version  # imported here: only deletions need it

    key = username.lower()
    account = account_named(key)
    consent = find_consent(username)
    if twitter_id is None:
        twitter_id = account.twitter_id if account is not None else (consent.twitter_id if consent else None)
    if account is None and twitter_id is not None:
        account = db.session.scalar(sa.select(Account).where(Account.twitter_id == twitter_id))
    counts: dict[str, int] = {}
    account_id = account.id if account is not None else None

    job_filter = [Job.username_key == key] + ([Job.account_id == account_id] if account_id is not None else [])
    job_ids = sa.select(Job.id).where(sa.or_(*job_filter)).scalar_subquery()
    if account_id is not None:
        tweet_ids = sa.select(Tweet.id).where(Tweet.account_id == account_id).scalar_subquery()
        counts["tweet_emotions"] = _delete(TweetEmotion, TweetEmotion.tweet_id.in_(tweet_ids))
        counts["tweet_hashtags"] = _delete(TweetHashtag, TweetHashtag.tweet_id.in_(tweet_ids))
        counts["tweets"] = _delete(Tweet, Tweet.account_id == account_id)
        counts["recommendations"] = _delete(Recommendation, Recommendation.account_id == account_id)
        counts["analyses"] = _delete(Analysis, Analysis.account_id == account_id)
    # Rows of other accounts that only point at its jobs lose the pointer, as the foreign keys' SET NULL does.
    db.session.execute(sa.update(HandledMention).where(HandledMention.job_id.in_(job_ids)).values(job_id=None))
    counts["follow_walks"] = _delete(FollowWalk, FollowWalk.job_id.in_(job_ids))
    counts["jobs"] = _delete(Job, Job.id.in_(job_ids))
    grant_filter = [AccessGrant.username_key == key] + ([AccessGrant.twitter_id == twitter_id] if twitter_id else [])
    counts["access_grants"] = _delete(AccessGrant, sa.or_(*grant_filter))
    consent_filter = [Consent.username_key == key] + ([Consent.twitter_id == twitter_id] if twitter_id else [])
    counts["consents"] = _delete(Consent, sa.or_(*consent_filter))
    if twitter_id is not None:
        node = int(twitter_id)
        counts["handled_mentions"] = _delete(HandledMention, HandledMention.author_id == twitter_id)
        counts["user_sessions"] = _delete(UserSession, UserSession.twitter_id == twitter_id)
        counts["user_tokens"] = _delete(UserToken, UserToken.twitter_id == twitter_id)
        counts["follows"] = _delete(Follow, sa.or_(Follow.follower_id == node, Follow.followee_id == node))
        if counts["follows"]:
            # No edge list in the change log: it would keep the id; the bare bump makes workers reload instead.
            bump_graph_version()
        changes = db.metadata.tables.get("graph_changes")  # the edge change log workers replay, where present
        if changes is not None:
            touching = sa.or_(changes.c.follower_id == node, changes.c.followee_id == node)
            counts["graph_changes"] = write(sa.delete(changes).where(touching))
        counts["graph_accounts"] = _delete(GraphAccount, GraphAccount.twitter_id == node)
        counts["graph_hashtags"] = _delete(GraphHashtag, GraphHashtag.twitter_id == node)
        counts["scrubbed_recommendations"] = _scrub_recommendations(twitter_id)
    counts["accounts"] = _delete(Account, Account.id == account_id) if account_id is not None else 0
    db.session.commit()
    db.session.expire_all()
    logger.info("forgot an account: %s", counts)  # counts only: the username itself is what was forgotten
    return counts


def drop_old_readings(days: float, now: datetime | None = None) -> int:
    """Delete the emotion readings (``POST /api/v1/emotions``) older than ``days``; commits; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = write(sa.delete(EmotionReading).where(EmotionReading.created_at < cutoff))
    db.session.commit()
    logger.info("retention: deleted %d emotion readings older than %s days", deleted, days)
    return deleted


def drop_old_tweet_text(days: float, now: datetime | None = None) -> int:
    """Blank the text of tweets older than ``days`` and of the analyses' extremes quoting them; commits.

    Returns the number of tweets blanked. Emotions, scores and analyses stay.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = sa.and_(Tweet.created_at < cutoff, sa.or_(Tweet.text != "", Tweet.referenced_text.is_not(None)))
    blanked = write(sa.update(Tweet).where(old).values(text="", referenced_text=None))
    # Analyses whose window reaches back before the cutoff may quote an old tweet in their extremes.
    for analysis in db.session.scalars(sa.select(Analysis).where(Analysis.window_start < cutoff)):
        for name in ("happiest", "saddest"):
            extreme = getattr(analysis, name)
            if not extreme or not extreme.get("text"):
                continue
            tweet = db.session.get(Tweet, str(extreme.get("id")))
            if tweet is None or tweet.created_at < cutoff:
                setattr(analysis, name, {**extreme, "text": ""})  # a new dict: SQLAlchemy sees the JSON change
    db.session.commit()
    logger.info("retention: blanked the text of %d tweets older than %s days", blanked, days)
    return blanked
