"""Who is calling the API and what they may reach: credentials, abuse limits, and the checks every resource shares.

Every route but ``/health`` and ``/openapi.json`` needs a credential: an API key (``X-API-Key`` or
``Authorization: Bearer``), the admin token (``Authorization: Bearer``), or a signed-in browser's session cookie.
What each may reach is one rule, :func:`server.auth.principals.may_reach`; whatever it may not reach answers the
404 of something that does not exist.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, request, url_for
from flask_openapi3.types import ResponseDict
from limits import RateLimitItem, parse

from server import jobs, privacy
from server.api import schemas
from server.api.contract import API_PREFIX, blueprint, errors
from server.api.errors import ApiError
from server.api.schemas import JobEnvelope
from server.auth import sessions
from server.auth.principals import Principal, client_id, may_reach
from server.extensions import db, limiter
from server.jobs.kinds import kind_of
from server.models import Account, EmotionReading, Job, account_named

bp = blueprint("api", url_prefix=API_PREFIX)


legacy = blueprint("legacy")


PUBLIC_OPERATIONS = frozenset({"health", "openapi", "get_resources"})  # no credential: nothing about anyone


PUBLIC_ENDPOINTS = frozenset(f"api.{name}" for name in PUBLIC_OPERATIONS)


NOT_REACHABLE = "No such account here (or not reachable)"


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


AUTH: ResponseDict = errors(e401="Missing or invalid API key", e429="Too many failed authentications")


ACCOUNT_ERRORS: ResponseDict = {**AUTH, **errors(e400="Invalid username")}


START: ResponseDict = {
    202: JobEnvelope,
    **errors(
        e400="Invalid username or malformed body",
        e401="Missing or invalid API key",
        e403="consent_required: the account has not agreed to be analysed (see PUT /accounts/{username}/consent)",
        e404=NOT_REACHABLE,
        e413="Body too large",
        e415="Body is not JSON",
        e429="Too many job starts, or failed authentications",
        e503="Job queue unavailable",
    ),
}


def _supplied_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def enforce(limit: RateLimitItem, scope: str, key: str, hit: bool = True) -> None:
    """429 ``rate_limited`` with ``Retry-After`` once ``key`` used up ``limit`` in ``scope``; else count (``hit``)."""
    strategy = limiter.limiter
    allowed = strategy.hit(limit, scope, key) if hit else strategy.test(limit, scope, key)
    if not allowed:
        reset_at, _ = strategy.get_window_stats(limit, scope, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        message = f"Too many requests; try again in {retry_after} s."
        raise ApiError(429, "rate_limited", message, {"Retry-After": str(retry_after)})


def _principal_of_key(supplied: str) -> Principal | None:
    config = current_app.config
    admin_token = config.get("ADMIN_TOKEN")
    if admin_token and hmac.compare_digest(supplied.encode(), admin_token.encode()):
        return Principal("admin")
    for key in config["API_KEYS"]:
        if hmac.compare_digest(supplied.encode(), key.encode()):
            trusted = any(hmac.compare_digest(key.encode(), t.encode()) for t in config["TRUSTED_CLIENT_KEYS"])
            return Principal("client", client_id=client_id(key), trusted=trusted)
    return None


@bp.before_request
@legacy.before_request
def authenticate():
    """401 without a valid credential, 429 after too many failures from one address; sets ``g.principal``."""
    if request.method == "OPTIONS" or request.endpoint in PUBLIC_ENDPOINTS:
        return  # CORS preflights and the public documents carry no credential
    failures = parse(current_app.config["AUTH_FAILURE_LIMIT"])
    address = request.remote_addr or "unknown"
    enforce(failures, "auth-failures", address, hit=False)
    supplied = _supplied_key()
    principal = _principal_of_key(supplied) if supplied else None
    if principal is None and not supplied:
        row = sessions.current()
        if row is not None:
            principal = Principal("session", twitter_id=row.twitter_id, username=row.username)
            _same_origin_only()
    if principal is None:
        enforce(failures, "auth-failures", address)  # counts this failure (and answers 429 past the limit)
        if supplied:
            message = "The API key is invalid."
        else:
            message = "A valid API key (header 'X-API-Key: <key>') or a signed-in session is required."
        raise ApiError(401, "unauthorized", message, {"WWW-Authenticate": 'Bearer realm="mood-analytics"'})
    g.principal = principal


def _same_origin_only() -> None:
    """A cookie-authenticated change must come from this site's own pages (SameSite=Lax is the first guard)."""
    origin = request.headers.get("Origin")
    if request.method in UNSAFE_METHODS and origin and origin != request.host_url.rstrip("/"):
        raise ApiError(403, "cross_site_request", "Changes with a session cookie must come from this site.")


def start_job(username: str, kind: str = "analysis"):
    """Start (or join) the job of this kind for ``username``: 202 with the job and its ``Location``."""
    reachable(username)
    enforce(parse(current_app.config["JOB_START_LIMIT"]), "job-starts", g.principal.rate_key)
    require_consent(username)
    job, created = jobs.request_job(username, kind)
    if created:
        with queue_available():
            jobs.enqueue(job)
    return accepted(job)


@contextmanager
def queue_available() -> Iterator[None]:
    """Around sending a job's message: the queue refusing it (``jobs.QueueUnavailable``) is a 503."""
    try:
        yield
    except jobs.QueueUnavailable as error:
        raise ApiError(503, "queue_unavailable", "The job queue is unavailable; please try again later.") from error


def accepted(job: Job):
    """The answer to a request that started (or joined) a job: 202 with the job and its ``Location``."""
    location = url_for("api.get_job", job_id=job.id)
    return JobEnvelope(job=schemas.Job.of(job)).model_dump(mode="json"), 202, {"Location": location}


def require_consent(username: str) -> None:
    """403 ``consent_required`` while ``REQUIRE_CONSENT`` is on and the account has not opted in."""
    try:
        privacy.require_consent(username, current_app.config["REQUIRE_CONSENT"])
    except privacy.ConsentRequired as error:
        raise ApiError(403, error.code, str(error)) from None


def may_see(username_key: str, twitter_id: str | None = None) -> bool:
    """Whether this caller may reach the account (the one rule: ``server.auth.principals``)."""
    return may_reach(g.principal, username_key, twitter_id)


def may_follow(job: Job) -> bool:
    """Whether this caller may follow the job and read its result (its kind's ``access``)."""
    access = kind_of(job.kind).access
    if access == "public":
        return True
    if access == "caller":
        reading = db.session.get(EmotionReading, job.username)
        return reading is not None and reading.created_by == g.principal.rate_key
    return may_see(job.username_key, job.account.twitter_id if job.account else None)


def reachable(username: str) -> str:
    """The account's lower-cased username when this caller may reach it; 404 ``account_not_found`` otherwise."""
    key = username.lower()
    if not may_see(key):
        raise ApiError(404, "account_not_found", f"No account @{username} here (or not one you may see).")
    return key


def nothing_yet(username: str, kind: str = "analysis") -> ApiError:
    """The 404 of a reachable account with no result of this kind yet: it points at the active job when there is one."""
    missing = kind_of(kind)
    job = jobs.active_job(username.lower(), kind)
    hint = f"its job is {job.state}: GET {url_for('api.get_job', job_id=job.id)}" if job else missing.start_route
    return ApiError(404, missing.missing_code, f"No {missing.noun} of @{username} yet; {hint}.")


def account_of(username: str, kind: str = "analysis") -> Account:
    """The stored account when this caller may reach it; 404 (``account_not_found`` or the kind's) otherwise."""
    account = account_named(reachable(username))
    if account is None:
        raise nothing_yet(username, kind)
    return account
