"""The JSON API under ``/api/v1`` and the hackathon frontend's legacy routes.

The legacy routes are ``/start_analysis/<user_name>`` and ``/recommend_friends/<user_name>``.

Every route but ``/health`` and ``/openapi.json`` needs an API key (``X-API-Key`` or ``Authorization: Bearer``).
A client reads only jobs, moods and recommendations of accounts it asked about itself: moods are sensitive.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import Blueprint, current_app, g, request, url_for

from server import jobs, privacy
from server.api.errors import ApiError
from server.api.openapi import openapi_document
from server.api.serialize import analysis_dict, consent_dict, job_dict, matching_dict, recommendation_dict
from server.api.validation import json_object, validate_username
from server.db import find
from server.extensions import db
from server.jobs.kinds import kind_of
from server.models import Account, Analysis, Consent, Job, Recommendation, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
legacy = Blueprint("legacy", __name__)
PUBLIC_ENDPOINTS = frozenset({"api.health", "api.openapi"})
HISTORY_DEFAULT, HISTORY_MAX = 50, 500


def client_id(key: str) -> str:
    """A stable, non-secret id for an API key (jobs and grants store this, never the key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _supplied_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


@bp.before_request
@legacy.before_request
def authenticate():
    """401 unless the request carries one of ``API_KEYS``; sets ``g.client_id``."""
    if request.method == "OPTIONS" or request.endpoint in PUBLIC_ENDPOINTS:
        return  # CORS preflights and the public documents carry no key
    supplied = _supplied_key()
    if supplied:
        for key in current_app.config["API_KEYS"]:
            if hmac.compare_digest(supplied.encode(), key.encode()):
                g.client_id = client_id(key)
                return
    message = "A valid API key is required (header 'X-API-Key: <key>')." if not supplied else "The API key is invalid."
    raise ApiError(401, "unauthorized", message, {"WWW-Authenticate": 'Bearer realm="mood-analytics"'})


def _start(username: str, kind: str = "analysis"):
    """Start (or join) the job of this kind for ``username``: 202 with the job and its ``Location``."""
    username = validate_username(username)
    _require_consent(username)
    job, created = jobs.request_job(username, g.client_id, kind)
    if created:
        try:
            jobs.enqueue(job)
        except jobs.QueueUnavailable as error:
            message = "The job queue is unavailable; please try again later."
            raise ApiError(503, "queue_unavailable", message) from error
    location = url_for("api.get_job", job_id=job.id)
    return {"job": job_dict(job)}, 202, {"Location": location}


def _require_consent(username: str) -> None:
    """403 ``consent_required`` while ``REQUIRE_CONSENT`` is on and the account has not opted in."""
    try:
        privacy.require_consent(username, current_app.config["REQUIRE_CONSENT"])
    except privacy.ConsentRequired as error:
        raise ApiError(403, error.code, str(error)) from None


def _body_username() -> object:
    body = json_object()
    if "username" not in body:
        raise ApiError(400, "invalid_username", 'The body needs a \'username\', e.g. {"username": "jack"}.')
    return body["username"]


@bp.post("/analyses")
def start_analysis():
    """Start analysing ``{"username": ...}``; a request while its job is still active returns that job."""
    return _start(_body_username())


@legacy.get("/start_analysis/<user_name>")
def start_analysis_legacy(user_name: str):
    """The hackathon frontend's route: starts the same job as ``POST /api/v1/analyses``."""
    return _start(user_name)


@bp.post("/recommendations")
def start_recommendations():
    """Start recommending for ``{"username": ...}``; a request while its job is still active returns that job."""
    return _start(_body_username(), "recommendations")


@legacy.get("/recommend_friends/<user_name>")
def recommend_friends_legacy(user_name: str):
    """The hackathon frontend's route: starts the same job as ``POST /api/v1/recommendations``."""
    return _start(user_name, "recommendations")


def _visible(username_key: str) -> bool:
    return jobs.has_access(g.client_id, username_key)


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    """A job's state, progress (fetched / classified of total), retry or error, and result link."""
    job = find(Job, job_id)
    if job is None or not _visible(job.username_key):
        raise ApiError(404, "job_not_found", f"No job {job_id!r}.")
    return {"job": job_dict(job)}


@bp.get("/analyses/<int:analysis_id>")
def get_analysis(analysis_id: int):
    """One stored analysis."""
    analysis = find(Analysis, analysis_id)
    if analysis is None or not _visible(analysis.account.username_key or ""):
        raise ApiError(404, "analysis_not_found", f"No analysis {analysis_id}.")
    return {"analysis": analysis_dict(analysis)}


def _nothing_yet(username: str, visible: bool, kind: str = "analysis") -> ApiError:
    missing = kind_of(kind)
    job = jobs.active_job(username.lower(), kind) if visible else None
    hint = f"its job is {job.state}: GET {url_for('api.get_job', job_id=job.id)}" if job else missing.start_route
    return ApiError(404, missing.missing_code, f"No {missing.noun} of @{username} yet; {hint}.")


def _visible_account(username: str) -> tuple[Account | None, bool]:
    """The account of ``username`` when this client may see it, and whether it may."""
    key = validate_username(username).lower()
    visible = _visible(key)
    account = db.session.scalar(sa.select(Account).where(Account.username_key == key)) if visible else None
    return account, visible


def _account(username: str, kind: str = "analysis") -> Account:
    account, visible = _visible_account(username)
    if account is None:
        raise _nothing_yet(username, visible, kind)
    return account


@bp.get("/accounts/<username>/analysis")
def get_latest_analysis(username: str):
    """The account's latest analysis."""
    account = _account(username)
    analysis = db.session.scalar(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(1)
    )
    if analysis is None:
        raise _nothing_yet(username, visible=True)
    return {"analysis": analysis_dict(analysis)}


@bp.get("/accounts/<username>/analyses")
def list_analyses(username: str):
    """The account's analyses, newest first (the mood trend); ``?limit=`` up to 500."""
    account = _account(username)
    limit = request.args.get("limit", HISTORY_DEFAULT)
    try:
        limit = int(limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= HISTORY_MAX:
        raise ApiError(400, "invalid_limit", f"limit must be an integer from 1 to {HISTORY_MAX}.")
    analyses = db.session.scalars(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(limit)
    )
    return {"username": account.username, "analyses": [analysis_dict(a) for a in analyses]}


@bp.get("/recommendations/<int:recommendation_id>")
def get_recommendation(recommendation_id: int):
    """One stored recommendation."""
    recommendation = find(Recommendation, recommendation_id)
    if recommendation is None or not _visible(recommendation.account.username_key or ""):
        raise ApiError(404, "recommendation_not_found", f"No recommendation {recommendation_id}.")
    return {"recommendation": recommendation_dict(recommendation)}


@bp.get("/accounts/<username>/recommendations")
def get_latest_recommendation(username: str):
    """The account's latest recommendation."""
    account = _account(username, "recommendations")
    recommendation = db.session.scalar(
        sa.select(Recommendation)
        .where(Recommendation.account_id == account.id)
        .order_by(Recommendation.id.desc())
        .limit(1)
    )
    if recommendation is None:
        raise _nothing_yet(username, True, "recommendations")
    return {"recommendation": recommendation_dict(recommendation)}


def _matching_account(username: str) -> Account:
    account, _ = _visible_account(username)
    if account is None:
        raise ApiError(
            404, "account_not_found", f"No account @{username} yet; analyse it first: POST /api/v1/analyses."
        )
    return account


@bp.get("/accounts/<username>/matching")
def get_matching(username: str):
    """Whether the account may be suggested to others as a friend."""
    return {"matching": matching_dict(_matching_account(username))}


@bp.put("/accounts/<username>/matching")
def set_matching(username: str):
    """Opt the account in to (or out of) being suggested as a friend: ``{"opt_in": true}``."""
    account = _matching_account(username)
    opt_in = json_object().get("opt_in")
    if not isinstance(opt_in, bool):
        raise ApiError(400, "invalid_opt_in", "The body needs a boolean 'opt_in', e.g. {\"opt_in\": true}.")
    if opt_in:  # opting out needs no consent: it only ever reduces what is done with the account
        _require_consent(account.username)
    account.match_opt_in, account.match_opt_in_at = opt_in, utcnow()
    db.session.commit()
    return {"matching": matching_dict(account)}


def _consent_account(username: str) -> str:
    """The lower-cased username when this client may manage the account's consent and data; 404 otherwise."""
    key = validate_username(username).lower()
    consent = db.session.get(Consent, key)
    declared = consent is not None and consent.source == "sign_in" and consent.client_id == g.client_id
    if not (_visible(key) or declared):
        raise ApiError(404, "account_not_found", f"No account @{username} known to this client.")
    return key


@bp.put("/accounts/<username>/consent")
def give_consent(username: str):
    """Record that the person signed in as the account on the client's side agrees to be analysed."""
    username = validate_username(username)
    if json_object().get("signed_in") is not True:
        message = 'Consent needs the account\'s own sign-in: {"signed_in": true}.'
        raise ApiError(400, "invalid_signed_in", message)
    privacy.grant_consent(username, "sign_in", client_id=g.client_id)
    jobs.grant_access(g.client_id, username.lower())
    db.session.commit()
    return {"consent": consent_dict(username, privacy.find_consent(username))}


@bp.get("/accounts/<username>/consent")
def get_consent(username: str):
    """Whether the account agreed to be analysed, how and when."""
    _consent_account(username)
    return {"consent": consent_dict(username, privacy.find_consent(username))}


@bp.delete("/accounts/<username>/consent")
def withdraw_consent(username: str):
    """Withdraw the account's consent (and its matching opt-in); its data stays until deleted."""
    _consent_account(username)
    privacy.revoke_consent(username)
    db.session.commit()
    return {"consent": consent_dict(username, None)}


@bp.delete("/accounts/<username>")
def delete_account(username: str):
    """Delete every row about the account ("forget me"); the number of rows removed per table."""
    _consent_account(username)
    return {"username": username, "deleted": privacy.forget_account(username)}


@bp.get("/health")
def health():
    """Liveness: the database answers."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return openapi_document()
