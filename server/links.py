"""Private result links: a signed, expiring token in ``/r/<token>`` that shows a bot job and its result.

The bot replies in public; the result never is. The token (itsdangerous, signed with ``SECRET_KEY``) names a
job and its account, expires after ``RESULT_LINK_MAX_AGE`` seconds, and needs no API key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.api.errors import ApiError
from server.api.serialize import analysis_dict, recommendation_dict
from server.extensions import db
from server.models import Account, Analysis, Job, Recommendation

bp = Blueprint("links", __name__)
SALT = "result-link"
CRISIS_RESOURCES = Path(__file__).resolve().parent / "data" / "crisis_resources.json"
SUPPORT_STATUSES = ("Stressed", "Depressed")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(job_id: str, username: str) -> str:
    """A signed token for ``job_id`` of ``username`` (its age is checked when read)."""
    return _serializer().dumps({"job": job_id, "user": username.lower()})


def read_token(token: str) -> dict:
    """The token's ``{"job", "user"}``; ApiError 403 when expired, 404 when tampered with or malformed."""
    try:
        return _serializer().loads(token, max_age=current_app.config["RESULT_LINK_MAX_AGE"])
    except SignatureExpired as error:
        raise ApiError(403, "link_expired", "This link has expired; mention the bot again for a new one.") from error
    except BadSignature as error:
        raise ApiError(404, "invalid_link", "This link is not valid.") from error


def result_url(job_id: str, username: str) -> str:
    """The absolute private link to a job's result (``PUBLIC_BASE_URL`` + ``/r/<token>``)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/r/{make_token(job_id, username)}"


@cache
def _crisis_data() -> dict:
    return json.loads(CRISIS_RESOURCES.read_text(encoding="utf-8"))


def crisis_resources(language: str | None = None) -> dict:
    """The curated supportive line and helplines (``server/data/crisis_resources.json``) for a language.

    With a language some resource answers in, the line is in that language (English where none is
    written) and the resources are those answering in it, the ones whose first language it is first,
    then Find A Helpline (every country); otherwise every resource, in the file's order.
    """
    data = _crisis_data()
    resources = data["resources"]
    fallback = [r for r in resources if not r["languages"]]
    matched = [r for r in resources if language in r["languages"]]
    if matched:
        resources = sorted(matched, key=lambda r: r["languages"].index(language)) + fallback
    lines = data["supportive_lines"]
    chosen = language if matched and language in lines else "en"
    return {"message": lines[chosen], "language": chosen, "resources": resources}


def _latest(model, account: Account | None):
    if account is None:
        return None
    return db.session.scalar(sa.select(model).where(model.account_id == account.id).order_by(model.id.desc()).limit(1))


@bp.get("/r/<token>")
def show_result(token: str):
    """The job's progress, then the account's latest result; support resources with a worrying status."""
    claims = read_token(token)
    job = db.session.get(Job, claims.get("job"))
    account = db.session.scalar(sa.select(Account).where(Account.username_key == claims.get("user")))
    if job is None and account is None:  # forgotten since, or never existed
        raise ApiError(404, "nothing_here", "There is nothing stored for this link (the data may have been deleted).")
    body = {"job": None, "analysis": None}
    if job is not None:
        body["job"] = {
            "kind": job.kind,
            "state": job.state,
            "progress": {"fetched": job.fetched, "classified": job.classified, "total": job.total},
            "error": job.error_message if job.state == "failed" else None,
        }
    analysis = _latest(Analysis, account)
    if analysis is not None:
        body["analysis"] = analysis_dict(analysis)
        if analysis.status in SUPPORT_STATUSES:
            body["support"] = crisis_resources(analysis.language)
    if job is not None and job.kind == "recommendations":
        recommendation = _latest(Recommendation, account)
        body["recommendations"] = recommendation_dict(recommendation) if recommendation is not None else None
    return body
