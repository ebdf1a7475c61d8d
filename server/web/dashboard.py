"""What the dashboard shows for an account, in the API's shapes, and the words it says them in.

One builder for ``/me`` (the signed-in account) and ``/r/<token>`` (the bot's private link), so both show the same.
Words stay kind and plain: a mood is what the tweets sound like, not a diagnosis of the person.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa

from server import jobs, privacy
from server.api import schemas
from server.api.timeline import account_trend, tweet_page
from server.extensions import db
from server.jobs.kinds import ANALYSIS, ARCHIVE, RECOMMENDATIONS, JobKind
from server.links import support_for
from server.models import Account, Analysis, Job, Recommendation, latest_result

TWEETS_PER_PAGE = 20
MOOD_WORDS = {
    "Cheerful": "Your tweets lately sound cheerful: plenty of joy and warmth in them.",
    "Satisfied": "Your tweets lately sound mostly content: more good moments than hard ones.",
    "Stressed": "Your tweets lately sound under pressure: more frustration and worry than joy.",
    "Depressed": "Your tweets lately sound heavy: more sadness than joy. That can be a lot to carry.",
}
REASON_WORDS = {
    "no_tweets": "There are no tweets to read yet.",
    "too_few_emotional_tweets": "Too few of the tweets show an emotion to tell a mood from them.",
    "unsupported_language": "The tweets are in a language our model does not read yet.",
}
EMOTION_WORDS = {
    "joy": "Joy",
    "love": "Love",
    "surprise": "Surprise",
    "sadness": "Sadness",
    "anger": "Anger",
    "fear": "Fear",
    "neutral": "Neutral",
}
KIND_WORDS = {"own": "own tweets", "reply": "replies", "quote": "quotes", "retweet": "retweets"}


def confidence_words(confidence: float, low: bool) -> str:
    """How sure the reading is, in words rather than a number with 16 digits."""
    if low or confidence < 0.4:
        return "Not very sure: few of the tweets carry a clear emotion."
    if confidence < 0.7:
        return "Fairly sure."
    return "Quite sure: many tweets point the same way."


def progress_words(job: Any) -> str:
    """What an active job is doing, for people."""
    if job.state == "pending":
        return "Waiting for a worker…"
    if job.state == "retrying":
        return "Twitter asked us to wait; trying again shortly…"
    if job.total and job.classified:
        return f"Reading emotions: {job.classified} of {job.total} tweets"
    if job.fetched:
        return f"Collecting tweets: {job.fetched} so far"
    return "Starting…"


def active_jobs(subject: str, kinds: tuple[JobKind, ...] = (ARCHIVE, ANALYSIS, RECOMMENDATIONS)) -> list:
    """The running jobs of ``kinds`` for an account (or a topic's id), in that order, with their progress."""
    found = []
    for kind in kinds:
        job = jobs.active_job(subject.lower(), kind.name)
        if job is not None:
            done = job.classified if job.total else job.fetched
            found.append(
                {
                    "id": job.id,
                    "kind": kind.name,
                    "words": progress_words(job),
                    "done": done,
                    "total": job.total,
                }
            )
    return found


def last_failure(username: str, analysis: Analysis | None) -> dict | None:
    """The account's newest failed job when it failed after the mood shown: what went wrong, for the page."""
    query = sa.select(Job).where(Job.username_key == username.lower(), Job.state == "failed")
    if analysis is not None:
        query = query.where(Job.finished_at > analysis.created_at)
    job = db.session.scalars(query.order_by(Job.finished_at.desc()).limit(1)).first()
    if job is None:
        return None
    return {"kind": job.kind, "code": job.error_code, "message": job.error_message}


def view(
    account: Account | None, username: str, page: int = 1, bucket: Literal["day", "week"] = "week"
) -> dict[str, Any]:
    """Everything the dashboard shows for ``username`` (``account`` when stored)."""
    analysis = latest_result(Analysis, account.id) if account is not None else None
    shown = schemas.Analysis.of(analysis).model_dump(mode="json") if analysis is not None else None
    recommendation = latest_result(Recommendation, account.id) if account is not None else None
    status = analysis.status if analysis is not None else None
    consent = privacy.find_consent(username)
    result: dict[str, Any] = {
        "username": account.username if account is not None else username,
        "name": account.name if account is not None else None,
        "analysis": shown,
        "mood_words": MOOD_WORDS.get(status or "", REASON_WORDS.get(analysis.reason or "", "") if analysis else ""),
        "confidence_words": confidence_words(analysis.confidence, analysis.low_confidence) if analysis else "",
        "breakdown": _breakdown(shown),
        "trend": account_trend(account, bucket).model_dump(mode="json") if account and analysis else None,
        "tweets": tweet_page(account, page, TWEETS_PER_PAGE).model_dump(mode="json") if account else None,
        "recommendation": schemas.Recommendation.of(recommendation).model_dump(mode="json")
        if recommendation is not None
        else None,
        "resources": support_for(status, analysis.language) if analysis and status else None,
        "jobs": active_jobs(username),
        "failure": last_failure(username, analysis),
        "consent": schemas.Consent.of(username, consent).model_dump(mode="json"),
        "matching": bool(account.match_opt_in) if account is not None else False,
        "bucket": bucket,
        "emotion_words": EMOTION_WORDS,
        "kind_words": KIND_WORDS,
    }
    if result["tweets"] is not None:
        pages = -(-result["tweets"]["total"] // TWEETS_PER_PAGE)
        result["tweets"]["pages"] = max(pages, 1)
    return result


def _breakdown(analysis: dict | None) -> list[dict]:
    """The emotions of the mood, largest first, as shares in percent."""
    if analysis is None:
        return []
    shares = sorted(analysis["breakdown"].items(), key=lambda item: item[1], reverse=True)
    return [{"emotion": name, "label": EMOTION_WORDS[name], "percent": round(100 * share)} for name, share in shares]
