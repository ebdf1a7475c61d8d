"""The JSON API under ``/api/v1`` and the hackathon frontend's legacy routes.

The legacy routes are ``/start_analysis/<user_name>`` and ``/recommend_friends/<user_name>``.

Every route but ``/health`` and ``/openapi.json`` needs an API key (``X-API-Key`` or ``Authorization: Bearer``).
A client reads only jobs, moods and recommendations of accounts it asked about itself: moods are sensitive.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app, g, request, url_for
from flask_openapi3.types import ResponseDict

from server import jobs, privacy
from server.api import schemas
from server.api.contract import API_KEY, API_PREFIX, blueprint, document, errors
from server.api.errors import ApiError
from server.api.schemas import (
    AnalysisEnvelope,
    AnalysisPath,
    ConsentBody,
    ConsentEnvelope,
    Deleted,
    Health,
    History,
    HistoryQuery,
    JobEnvelope,
    JobPath,
    LegacyUsernamePath,
    MatchingBody,
    MatchingEnvelope,
    RecommendationEnvelope,
    RecommendationPath,
    UsernameBody,
    UsernamePath,
)
from server.db import find
from server.extensions import db
from server.jobs.kinds import kind_of
from server.models import Account, Analysis, Consent, Job, Recommendation, utcnow

bp = blueprint("api", url_prefix=API_PREFIX)
legacy = blueprint("legacy")
PUBLIC_OPERATIONS = frozenset({"health", "openapi"})  # no API key: liveness and this document
PUBLIC_ENDPOINTS = frozenset(f"api.{name}" for name in PUBLIC_OPERATIONS)
NOT_MANAGED = "Account not requested by this client, nor its sign-in declared by it"
AUTH: ResponseDict = errors(e401="Missing or invalid API key")
START: ResponseDict = {
    202: JobEnvelope,
    **errors(
        e400="Invalid username or malformed body",
        e401="Missing or invalid API key",
        e403="consent_required: the account has not agreed to be analysed (see PUT /accounts/{username}/consent)",
        e413="Body too large",
        e415="Body is not JSON",
        e503="Job queue unavailable",
    ),
}


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
    _require_consent(username)
    job, created = jobs.request_job(username, g.client_id, kind)
    if created:
        try:
            jobs.enqueue(job)
        except jobs.QueueUnavailable as error:
            message = "The job queue is unavailable; please try again later."
            raise ApiError(503, "queue_unavailable", message) from error
    location = url_for("api.get_job", job_id=job.id)
    return JobEnvelope(job=schemas.Job.of(job)).model_dump(mode="json"), 202, {"Location": location}


def _require_consent(username: str) -> None:
    """403 ``consent_required`` while ``REQUIRE_CONSENT`` is on and the account has not opted in."""
    try:
        privacy.require_consent(username, current_app.config["REQUIRE_CONSENT"])
    except privacy.ConsentRequired as error:
        raise ApiError(403, error.code, str(error)) from None


@bp.post("/analyses", responses=START)
def start_analysis(body: UsernameBody):
    """Start analysing an account; a request while its job is still active returns that job."""
    return _start(body.username)


@legacy.get("/start_analysis/<user_name>", responses=START, security=API_KEY)
def start_analysis_legacy(path: LegacyUsernamePath):
    """Start analysing an account (the hackathon frontend's route, as ``POST /api/v1/analyses``)."""
    return _start(path.user_name)


@bp.post("/recommendations", responses=START)
def start_recommendations(body: UsernameBody):
    """Start recommending friends, big accounts and hashtags for an account.

    Fetches the account's follow lists into the follower graph and analyses it first when it has no analysis yet;
    a request while its job is still active returns that job.
    """
    return _start(body.username, "recommendations")


@legacy.get("/recommend_friends/<user_name>", responses=START, security=API_KEY)
def recommend_friends_legacy(path: LegacyUsernamePath):
    """Start recommending for an account (the hackathon frontend's route, as ``POST /api/v1/recommendations``)."""
    return _start(path.user_name, "recommendations")


def _visible(username_key: str) -> bool:
    return jobs.has_access(g.client_id, username_key)


@bp.get("/jobs/<job_id>", responses={200: JobEnvelope, **AUTH, **errors(e404="No such job (or not this client's)")})
def get_job(path: JobPath):
    """Follow a job: state, progress (fetched / classified of total), retry or error, and result link."""
    job = find(Job, path.job_id)
    if job is None or not _visible(job.username_key):
        raise ApiError(404, "job_not_found", f"No job {path.job_id!r}.")
    return JobEnvelope(job=schemas.Job.of(job)).model_dump(mode="json")


@bp.get(
    "/analyses/<int:analysis_id>",
    responses={200: AnalysisEnvelope, **AUTH, **errors(e404="No such analysis (or account not this client's)")},
)
def get_analysis(path: AnalysisPath):
    """One analysis."""
    analysis = find(Analysis, path.analysis_id)
    if analysis is None or not _visible(analysis.account.username_key or ""):
        raise ApiError(404, "analysis_not_found", f"No analysis {path.analysis_id}.")
    return AnalysisEnvelope(analysis=schemas.Analysis.of(analysis)).model_dump(mode="json")


def _nothing_yet(username: str, visible: bool, kind: str = "analysis") -> ApiError:
    missing = kind_of(kind)
    job = jobs.active_job(username.lower(), kind) if visible else None
    hint = f"its job is {job.state}: GET {url_for('api.get_job', job_id=job.id)}" if job else missing.start_route
    return ApiError(404, missing.missing_code, f"No {missing.noun} of @{username} yet; {hint}.")


def _visible_account(username: str) -> tuple[Account | None, bool]:
    """The account of ``username`` when this client may see it, and whether it may."""
    key = username.lower()
    visible = _visible(key)
    account = db.session.scalar(sa.select(Account).where(Account.username_key == key)) if visible else None
    return account, visible


def _account(username: str, kind: str = "analysis") -> Account:
    account, visible = _visible_account(username)
    if account is None:
        raise _nothing_yet(username, visible, kind)
    return account


ACCOUNT_ERRORS: ResponseDict = errors(e400="Invalid username", e401="Missing or invalid API key")


@bp.get(
    "/accounts/<username>/analysis",
    responses={200: AnalysisEnvelope, **ACCOUNT_ERRORS, **errors(e404="Not analysed yet (or not this client's)")},
)
def get_latest_analysis(path: UsernamePath):
    """The latest analysis of an account."""
    account = _account(path.username)
    analysis = db.session.scalar(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(1)
    )
    if analysis is None:
        raise _nothing_yet(path.username, visible=True)
    return AnalysisEnvelope(analysis=schemas.Analysis.of(analysis)).model_dump(mode="json")


@bp.get(
    "/accounts/<username>/analyses",
    responses={200: History, **ACCOUNT_ERRORS, **errors(e404="Not analysed yet (or not this client's)")},
)
def list_analyses(path: UsernamePath, query: HistoryQuery):
    """The analyses of an account, newest first (the mood trend)."""
    account = _account(path.username)
    analyses = db.session.scalars(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(query.limit)
    )
    history = History(username=account.username, analyses=[schemas.Analysis.of(a) for a in analyses])
    return history.model_dump(mode="json")


@bp.get(
    "/recommendations/<int:recommendation_id>",
    responses={200: RecommendationEnvelope, **AUTH, **errors(e404="No such recommendation (or not this client's)")},
)
def get_recommendation(path: RecommendationPath):
    """One recommendation."""
    recommendation = find(Recommendation, path.recommendation_id)
    if recommendation is None or not _visible(recommendation.account.username_key or ""):
        raise ApiError(404, "recommendation_not_found", f"No recommendation {path.recommendation_id}.")
    return RecommendationEnvelope(recommendation=schemas.Recommendation.of(recommendation)).model_dump(mode="json")


@bp.get(
    "/accounts/<username>/recommendations",
    responses={200: RecommendationEnvelope, **ACCOUNT_ERRORS, **errors(e404="No recommendation yet")},
)
def get_latest_recommendation(path: UsernamePath):
    """The latest recommendation for an account."""
    account = _account(path.username, "recommendations")
    recommendation = db.session.scalar(
        sa.select(Recommendation)
        .where(Recommendation.account_id == account.id)
        .order_by(Recommendation.id.desc())
        .limit(1)
    )
    if recommendation is None:
        raise _nothing_yet(path.username, True, "recommendations")
    return RecommendationEnvelope(recommendation=schemas.Recommendation.of(recommendation)).model_dump(mode="json")


def _matching_account(username: str) -> Account:
    account, _ = _visible_account(username)
    if account is None:
        raise ApiError(
            404, "account_not_found", f"No account @{username} yet; analyse it first: POST /api/v1/analyses."
        )
    return account


MATCHING_ERRORS: ResponseDict = {**ACCOUNT_ERRORS, **errors(e404="Account not stored yet (or not this client's)")}


@bp.get("/accounts/<username>/matching", responses={200: MatchingEnvelope, **MATCHING_ERRORS})
def get_matching(path: UsernamePath):
    """Whether the account may be suggested to others as a friend."""
    return MatchingEnvelope(matching=schemas.Matching.of(_matching_account(path.username))).model_dump(mode="json")


@bp.put(
    "/accounts/<username>/matching",
    responses={
        200: MatchingEnvelope,
        **MATCHING_ERRORS,
        **errors(e403="consent_required: opting in needs the account's consent", e415="Body is not JSON"),
    },
)
def set_matching(path: UsernamePath, body: MatchingBody):
    """Opt the account in to, or out of, being suggested to others as a friend.

    A friend suggestion tells its reader that the suggested account's mood is the opposite of theirs, so only
    accounts that opted in are suggested.
    """
    account = _matching_account(path.username)
    if body.opt_in:  # opting out needs no consent: it only ever reduces what is done with the account
        _require_consent(account.username)
    account.match_opt_in, account.match_opt_in_at = body.opt_in, utcnow()
    db.session.commit()
    return MatchingEnvelope(matching=schemas.Matching.of(account)).model_dump(mode="json")


def _consent_account(username: str) -> str:
    """The lower-cased username when this client may manage the account's consent and data; 404 otherwise."""
    key = username.lower()
    consent = db.session.get(Consent, key)
    declared = consent is not None and consent.source == "sign_in" and consent.client_id == g.client_id
    if not (_visible(key) or declared):
        raise ApiError(404, "account_not_found", f"No account @{username} known to this client.")
    return key


def _consent(username: str, given: bool = True) -> dict:
    consent = privacy.find_consent(username) if given else None
    return ConsentEnvelope(consent=schemas.Consent.of(username, consent)).model_dump(mode="json")


MANAGED_ERRORS: ResponseDict = {**ACCOUNT_ERRORS, **errors(e404=NOT_MANAGED)}


@bp.put(
    "/accounts/<username>/consent",
    responses={200: ConsentEnvelope, **ACCOUNT_ERRORS, **errors(e415="Body is not JSON")},
)
def give_consent(path: UsernamePath, body: ConsentBody):
    """Record the account's consent to be analysed, on its sign-in at this client.

    The client declares that the person signed in as this account on its side. Also lets the client read the
    account's results. Idempotent.
    """
    privacy.grant_consent(path.username, "sign_in", client_id=g.client_id)
    jobs.grant_access(g.client_id, path.username.lower())
    db.session.commit()
    return _consent(path.username)


@bp.get("/accounts/<username>/consent", responses={200: ConsentEnvelope, **MANAGED_ERRORS})
def get_consent(path: UsernamePath):
    """Whether the account agreed to be analysed, how and when."""
    _consent_account(path.username)
    return _consent(path.username)


@bp.delete("/accounts/<username>/consent", responses={200: ConsentEnvelope, **MANAGED_ERRORS})
def withdraw_consent(path: UsernamePath):
    """Withdraw the consent (and the matching opt-in); stored data stays until deleted."""
    _consent_account(path.username)
    privacy.revoke_consent(path.username)
    db.session.commit()
    return _consent(path.username, given=False)


@bp.delete("/accounts/<username>", responses={200: Deleted, **MANAGED_ERRORS})
def delete_account(path: UsernamePath):
    """Delete every row about the account (forget me).

    Its tweets, emotions, analyses, recommendations, jobs, grants, consent, handled mentions, follow edges and
    graph rows, and its place in other accounts' recommendation lists; the number of rows removed per table.
    """
    _consent_account(path.username)
    deleted = Deleted(username=path.username, deleted=privacy.forget_account(path.username))
    return deleted.model_dump(mode="json")


@bp.get("/health", responses={200: Health})
def health():
    """Liveness: the database answers."""
    db.session.execute(sa.text("SELECT 1"))
    return Health(status="ok").model_dump(mode="json")


@bp.get("/openapi.json", responses={200: {"description": "This document"}})
def openapi():
    """This document (OpenAPI 3.1)."""
    return document(current_app, PUBLIC_OPERATIONS)
