"""'Sign in with X' for people in a browser: ``/auth/login`` -> Twitter -> ``/auth/callback``, ``/auth/logout``.

A sign-in proves the person owns the account: it records their consent (source ``oauth``, tied to the Twitter id),
stores their user token (their analyses then read their own timeline, protected or not) and starts a server-side
session. Started by an API client (``/auth/login?client=<client id>``), it also authorises that client for the
account. Errors answer in the API's JSON shape.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session

from server import privacy
from server.api.errors import ApiError
from server.auth import oauth, principals, sessions, tokens
from server.auth.principals import client_id
from server.extensions import db

bp = Blueprint("auth", __name__, url_prefix="/auth")
PENDING_KEY = "sign_in"  # the flow in progress, in the signed session cookie until the callback


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, or an allowed frontend origin (never anywhere else)."""
    if not target:
        return "/me"  # the dashboard
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    if f"{parts.scheme}://{parts.netloc}" in current_app.config["CORS_ORIGINS"]:
        return target
    raise ApiError(400, "invalid_next", "next must be a path on this site or an allowed frontend origin.")


@bp.get("/login")
def login():
    """Send the person to Twitter to sign in; ``client`` names an API client to authorise, ``next`` where to return."""
    config = current_app.config
    if not oauth.enabled(config):
        raise ApiError(503, "sign_in_disabled", "Sign in with X is not set up here (TWITTER_CLIENT_ID).")
    client = request.args.get("client")
    if client is not None and client not in {client_id(key) for key in config["API_KEYS"]}:
        raise ApiError(400, "unknown_client", "client must be the id of an API client of this server.")
    target = _safe_next(request.args.get("next"))
    url, state, verifier = oauth.TwitterOAuth(config).start()
    session[PENDING_KEY] = {"state": state, "verifier": verifier, "client": client, "next": target}
    return redirect(url, 302)


@bp.get("/callback")
def callback():
    """Where Twitter sends the person back: check the state, trade the code, sign in, then go ``next``."""
    pending = session.pop(PENDING_KEY, None)
    state = request.args.get("state", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(str(pending.get("state", "")), state):
        raise ApiError(400, "invalid_state", "This sign-in was not started here, or was already used; start again.")
    if request.args.get("error"):
        raise ApiError(403, "sign_in_cancelled", "The sign-in was cancelled on Twitter; nothing was recorded.")
    code = request.args.get("code")
    if not code:
        raise ApiError(400, "invalid_callback", "Twitter sent no authorization code.")
    config = current_app.config
    try:
        user = oauth.TwitterOAuth(config).finish(code, str(pending.get("verifier", "")))
    except oauth.SignInFailed as error:
        raise ApiError(502, "sign_in_failed", f"Twitter did not complete the sign-in: {error}") from None
    privacy.grant_consent(user.username, "oauth", twitter_id=user.twitter_id)
    tokens.save(config, user.twitter_id, user.token)
    if pending.get("client"):
        principals.authorise(pending["client"], user.username, "oauth", user.twitter_id)
    db.session.commit()
    sessions.start(user.twitter_id, user.username)
    return redirect(str(pending.get("next") or "/me"), 303)


@bp.post("/logout")
def logout():
    """Sign this browser out; a form post returns home, anything else gets JSON."""
    signed_out = sessions.end()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return redirect("/", 303)
    return {"signed_out": signed_out}


@bp.get("/me")
def me():
    """Who this browser is signed in as (no mood: that is under /api/v1 for the owner)."""
    row = sessions.current()
    if row is None:
        return {"signed_in": False, "user": None}
    return {"signed_in": True, "user": {"id": row.twitter_id, "username": row.username}}
