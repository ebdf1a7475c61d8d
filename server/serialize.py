"""JSON representations of jobs and analyses, as documented in ``server/openapi.py``."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from server.models import Analysis, Job


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def job_dict(job: Job) -> dict:
    """A job: state, progress, retry or error, timings and links."""
    analysis = job.analysis
    body = {
        "id": job.id,
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
            "result": url_for("api.get_analysis", analysis_id=analysis.id) if analysis is not None else None,
            "latest": url_for("api.get_latest_analysis", username=job.username),
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
        },
        "happiest": analysis.happiest,
        "saddest": analysis.saddest,
        "window": {"start": _time(analysis.window_start), "end": _time(analysis.window_end)},
        "model_version": analysis.model_version,
    }
