"""Who may call the API and see what: API keys, the blueprints, and the checks every resource shares.

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
from server.api.contract import API_PREFIX, blueprint, errors
from server.api.errors import ApiError
from server.api.schemas import (
    JobEnvelope,
)
from server.extensions import db
from server.jobs.kinds import kind_of
from server.models import Account

bp = blueprint("api", url_prefix=API_PREFIX)


legacy = blueprint("legacy")


PUBLIC_OPERATIONS = frozenset({"health", "openapi"})  # no API key: liveness and this document


PUBLIC_ENDPOINTS = frozenset(f"api.{name}" for name in PUBLIC_OPERATIONS)


NOT_MANAGED = "Account not requested by this client, nor its sign-in declared by it"


AUTH: ResponseDict = errors(e401="Missing or invalid API key")


ACCOUNT_ERRORS: ResponseDict = errors(e400="Invalid username", e401="Missing or invalid API key")


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


def start_job(username: str, kind: str = "analysis"):
    """Start (or join) the job of this kind for ``username``: 202 with the job and its ``Location``."""
    require_consent(username)
    job, created = jobs.request_job(username, g.client_id, kind)
    if created:
        try:
            jobs.enqueue(job)
        except jobs.QueueUnavailable as error:
            message = "The job queue is unavailable; please try again later."
            raise ApiError(503, "queue_unavailable", message) from error
    location = url_for("api.get_job", job_id=job.id)
    return JobEnvelope(job=schemas.Job.of(job)).model_dump(mode="json"), 202, {"Location": location}


def require_consent(username: str) -> None:
    """403 ``consent_required`` while ``REQUIRE_CONSENT`` is on and the account has not opted in."""
    try:
        privacy.require_consent(username, current_app.config["REQUIRE_CONSENT"])
    except privacy.ConsentRequired as error:
        raise ApiError(403, error.code, str(error)) from None


def may_see(username_key: str) -> bool:
    """Whether this client asked for the account (``g.client_id`` holds a grant for it)."""
    return jobs.has_access(g.client_id, username_key)


def nothing_yet(username: str, visible: bool, kind: str = "analysis") -> ApiError:
    """The 404 of an account with no result of this kind yet: it points at the active job when there is one."""
    missing = kind_of(kind)
    job = jobs.active_job(username.lower(), kind) if visible else None
    hint = f"its job is {job.state}: GET {url_for('api.get_job', job_id=job.id)}" if job else missing.start_route
    return ApiError(404, missing.missing_code, f"No {missing.noun} of @{username} yet; {hint}.")


def visible_account(username: str) -> tuple[Account | None, bool]:
    """The account of ``username`` when this client may see it, and whether it may."""
    key = username.lower()
    visible = may_see(key)
    account = db.session.scalar(sa.select(Account).where(Account.username_key == key)) if visible else None
    return account, visible


def account_of(username: str, kind: str = "analysis") -> Account:
    """The account when this client may see it; the kind's 404 otherwise."""
    account, visible = visible_account(username)
    if account is None:
        raise nothing_yet(username, visible, kind)
    return account
