"""JSON representations of jobs, analyses, recommendations and matching, as documented in ``server/api/openapi.py``."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from server.jobs.kinds import kind_of
from server.models import Account, Analysis, Consent, Job, Recommendation


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _result_links(job: Job) -> tuple[str | None, str]:
    """The job's result (once stored) and the account's latest result of the job's kind."""
    kind = kind_of(job.kind)
    # A recommendation job may analyse too (job.analysis), but its result is the recommendation.
    result = getattr(job, kind.result_attr)
    url = url_for(kind.result_endpoint, **{f"{kind.result_attr}_id": result.id}) if result is not None else None
    return url, url_for(kind.latest_endpoint, username=job.username)


def job_dict(job: Job) -> dict:
    """A job: kind, state, progress, retry or error, timings and links."""
    result, latest = _result_links(job)
    body = {
        "id": job.id,
        "kind": job.kind,
        "username": job.username,
        "state": job.state,
        "progress": {"fetched": job.fetched, "classified": job.classified, "total": job.total},
        "error": None,
        "retry": None,
        "created_at": _time(job.created_at),
        "started_at": _time(job.started_at),
        "finished_at": _time(job.finished_at),
        "timings": job.timings or {},
        "links": {
            "self": url_for("api.get_job", job_id=job.id),
            "result": result,
            "latest": latest,
        },
    }
    if job.state == "failed":
        body["error"] = {"code": job.error_code, "message": job.error_message}
    elif job.state == "retrying":
        body["retry"] = {"at": _time(job.retry_at), "reason": job.error_code, "message": job.error_message}
    return body


def analysis_dict(analysis: Analysis) -> dict:
    """An analysis: status, confidence, breakdown, extremes, tweet counts, time window, model version."""
    return {
        "id": analysis.id,
        "username": analysis.account.username,
        "job_id": analysis.job_id,
        "created_at": _time(analysis.created_at),
        "status": analysis.status,
        "reason": analysis.reason,
        "confidence": analysis.confidence,
        "low_confidence": analysis.low_confidence,
        "breakdown": analysis.breakdown,
        "positivity": analysis.positivity,
        "negativity": analysis.negativity,
        "emotional_weight": analysis.emotional_weight,
        "tweet_count": analysis.tweet_count,
        "tweet_counts": {
            "own": analysis.own_count,
            "reply": analysis.reply_count,
            "quote": analysis.quote_count,
            "retweet": analysis.retweet_count,
            "skipped_language": analysis.skipped_language_count,
        },
        "language": analysis.language,
        "happiest": analysis.happiest,
        "saddest": analysis.saddest,
        "window": {"start": _time(analysis.window_start), "end": _time(analysis.window_end)},
        "model_version": analysis.model_version,
    }


def recommendation_dict(recommendation: Recommendation) -> dict:
    """A recommendation: friends, big accounts and hashtags (ids, usernames, scores, reasons), degraded or not."""
    analysis_id = recommendation.analysis_id
    return {
        "id": recommendation.id,
        "username": recommendation.account.username,
        "job_id": recommendation.job_id,
        "created_at": _time(recommendation.created_at),
        "degraded": recommendation.degraded,
        "degraded_reason": recommendation.degraded_reason,
        "graph_version": recommendation.graph_version,
        "friends": recommendation.friends,
        "big_accounts": recommendation.big_accounts,
        "hashtags": recommendation.hashtags,
        "links": {
            "self": url_for("api.get_recommendation", recommendation_id=recommendation.id),
            "analysis": url_for("api.get_analysis", analysis_id=analysis_id) if analysis_id is not None else None,
        },
    }


def matching_dict(account: Account) -> dict:
    """Whether the account agreed to be suggested to others as a friend, and when it last said so."""
    return {"username": account.username, "opt_in": account.match_opt_in, "opt_in_at": _time(account.match_opt_in_at)}


def consent_dict(username: str, consent: Consent | None) -> dict:
    """Whether the account agreed to be analysed, how (``mention``, ``sign_in``, ``demo``) and when."""
    return {
        "username": username,
        "given": consent is not None,
        "source": consent.source if consent is not None else None,
        "granted_at": _time(consent.granted_at) if consent is not None else None,
    }
