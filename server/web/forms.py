"""The pages' forms: a per-session token against cross-site posts, beside SameSite cookies and the Origin check."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

from server.api.errors import ApiError

FIELD = "csrf"


def token() -> str:
    """This browser's form token (kept in the signed session cookie), made on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(24)
    return session[FIELD]


def check() -> None:
    """403 unless a posted form carries this browser's token and, when the browser says, comes from this site."""
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        raise ApiError(403, "cross_site_request", "This form must be sent from this site.")
    sent, kept = request.form.get(FIELD, ""), session.get(FIELD, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise ApiError(403, "form_expired", "This form has expired; reload the page and try again.")
