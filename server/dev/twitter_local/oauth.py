"""OAuth 2.0 Authorization Code with PKCE, as Twitter serves it: the consent page, the token endpoint.

``GET /i/oauth2/authorize`` shows a small page to pick the demo account to sign in as (the real one asks the
signed-in person to authorise the app); its form answers with a redirect to ``redirect_uri`` carrying ``code``
and ``state`` (or ``error=access_denied``). ``POST /2/oauth2/token`` trades the code and its PKCE verifier for
an access token (2 hours) and, with ``offline.access``, a refresh token that is rotated on every refresh.
Access tokens are then accepted as ``Authorization: Bearer`` in user context (``/2/users/me``, a protected
account's own timeline).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, redirect, request

bp = Blueprint("twitter_oauth2", __name__)

DEMO_CLIENT_ID = "local-demo-client"
SCOPES = frozenset({"tweet.read", "tweet.write", "users.read", "follows.read", "offline.access", "like.read"})
CODE_SECONDS = 30  # the real API's authorization codes are valid for 30 seconds
ACCESS_SECONDS = 7200
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method")  # fmt: skip
LISTED_ACCOUNTS = 40  # the page lists this many accounts; any other username can be typed in


@dataclass
class Grant:
    """What a code or token stands for: a user who authorised a client for some scopes."""

    client_id: str
    user_id: str
    scope: str
    expires_at: float
    redirect_uri: str = ""
    code_challenge: str = ""
    code_challenge_method: str = "S256"


class OAuthState:
    """Issued codes, access tokens and refresh tokens of one local API (thread-safe)."""

    def __init__(self, clock, client_ids: frozenset[str], access_seconds: int = ACCESS_SECONDS) -> None:
        self.clock = clock
        self.client_ids = client_ids
        self.access_seconds = access_seconds
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    def issue_code(self, grant: Grant) -> str:
        """A one-time authorization code for ``grant``."""
        code = secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = grant
        return code

    def take_code(self, code: str) -> Grant | None:
        """The code's grant, once; None when unknown, used or expired."""
        with self._lock:
            grant = self._codes.pop(code, None)
        return grant if grant is not None and grant.expires_at > self.clock() else None

    def issue_tokens(self, grant: Grant) -> dict:
        """The token response for ``grant`` (a refresh token with ``offline.access``)."""
        access = secrets.token_urlsafe(64)
        now = self.clock()
        body = {"token_type": "bearer", "expires_in": self.access_seconds, "access_token": access, "scope": grant.scope}
        with self._lock:
            self._access[access] = Grant(grant.client_id, grant.user_id, grant.scope, now + self.access_seconds)
            if "offline.access" in grant.scope.split():
                refresh = secrets.token_urlsafe(64)
                self._refresh[refresh] = Grant(grant.client_id, grant.user_id, grant.scope, float("inf"))
                body["refresh_token"] = refresh
        return body

    def take_refresh(self, token: str, client_id: str) -> Grant | None:
        """The refresh token's grant, once (refresh tokens rotate); None when unknown or another client's."""
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.client_id != client_id:
                return None
            del self._refresh[token]
        return grant

    def user_of(self, access_token: str) -> str | None:
        """The user an unexpired access token acts as."""
        with self._lock:
            grant = self._access.get(access_token)
        return grant.user_id if grant is not None and grant.expires_at > self.clock() else None

    def revoke(self, token: str) -> None:
        """Forget an access or refresh token."""
        with self._lock:
            self._access.pop(token, None)
            self._refresh.pop(token, None)


def _oauth() -> OAuthState:
    return current_app.extensions["twitter_local"].oauth


def _page(title: str, body: str, status: int = 200):
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.4rem 1rem;margin:.5rem .5rem 0 0}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return html, status, {"Content-Type": "text/html; charset=utf-8"}


def _authorize_problem(params) -> str | None:
    """Why the authorize request is refused (the real page shows an error rather than redirecting)."""
    if params.get("response_type") != "code":
        return "response_type must be code."
    if params.get("client_id") not in _oauth().client_ids:
        return "Unknown client_id."
    redirect_uri = urlsplit(params.get("redirect_uri", ""))
    if redirect_uri.scheme not in ("http", "https") or not redirect_uri.netloc:
        return "redirect_uri must be an absolute http(s) URL."
    scopes = params.get("scope", "").split()
    if not scopes or not set(scopes) <= SCOPES:
        return "scope must name known scopes."
    if not params.get("state") or not params.get("code_challenge"):
        return "state and code_challenge are required."
    if params.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return "code_challenge_method must be S256 or plain."
    return None


@bp.get("/i/oauth2/authorize")
def authorize_page():
    """The consent page: which demo account signs in, authorise or cancel."""
    problem = _authorize_problem(request.args)
    if problem:
        return _page("Something went wrong", f"<p>{escape(problem)}</p>", 400)
    world = current_app.extensions["twitter_local"].world
    hidden = "".join(
        f"<input type=hidden name={name} value='{escape(request.args.get(name, ''))}'>" for name in AUTHORIZE_PARAMS
    )
    active = [user for user in world.users.values() if not user.get("suspended")]
    # The busiest accounts first (the demo's persona accounts among them); any other can be typed in.
    users = sorted(active, key=lambda user: -len(world.timeline_ids(user["id"])))[:LISTED_ACCOUNTS]
    options = "".join(f"<option value='{escape(u['username'])}'>@{escape(u['username'])}</option>" for u in users)
    body = (
        f"<p>An app wants to sign you in and read: <b>{escape(request.args['scope'])}</b>.</p>"
        "<form method=post action='/i/oauth2/authorize'>" + hidden + "<label>Sign in as "
        f"<input name=username list=accounts required autofocus></label><datalist id=accounts>{options}</datalist>"
        "<br><button name=decision value=allow>Authorize app</button>"
        "<button name=decision value=deny formnovalidate>Cancel</button></form>"
    )
    return _page("Authorize app (local Twitter)", body)


@bp.post("/i/oauth2/authorize")
def authorize_decision():
    """Redirect back to the app with a code (authorised) or ``error=access_denied`` (cancelled)."""
    params = request.form
    problem = _authorize_problem(params)
    if problem:
        return _page("Something went wrong", f"<p>{escape(problem)}</p>", 400)
    redirect_uri, state = params["redirect_uri"], params["state"]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    if params.get("decision") != "allow":
        return redirect(f"{redirect_uri}{separator}{urlencode({'error': 'access_denied', 'state': state})}")
    user = current_app.extensions["twitter_local"].world.user_by_username(params.get("username", "").lstrip("@"))
    if user is None or user.get("suspended"):
        return _page("Something went wrong", "<p>No such account here.</p>", 400)
    grant = Grant(
        params["client_id"], user["id"], params["scope"], _oauth().clock() + CODE_SECONDS, redirect_uri,
        params["code_challenge"], params.get("code_challenge_method", "plain"),
    )  # fmt: skip
    code = _oauth().issue_code(grant)
    return redirect(f"{redirect_uri}{separator}{urlencode({'state': state, 'code': code})}")


def _token_error(description: str, error: str = "invalid_request"):
    return {"error": error, "error_description": description}, 400


def _client_id() -> str | None:
    """The client: HTTP Basic (confidential clients) or the ``client_id`` form field (public clients)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().partition(":")[0]
        except ValueError:
            return None
    return request.form.get("client_id")


def _challenge_of(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@bp.post("/2/oauth2/token", endpoint="oauth2_token")
def token():
    """Trade an authorization code (with its PKCE verifier) or a refresh token for tokens."""
    oauth, form = _oauth(), request.form
    client_id = _client_id()
    if client_id not in oauth.client_ids:
        return {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}, 401
    if form.get("grant_type") == "authorization_code":
        grant = oauth.take_code(form.get("code", ""))
        if grant is None or grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
            return _token_error("Value passed for the authorization code was invalid.")
        expected = _challenge_of(form.get("code_verifier", ""), grant.code_challenge_method)
        if not hmac.compare_digest(expected, grant.code_challenge):
            return _token_error("Value passed for the authorization code was invalid.")
        return oauth.issue_tokens(grant)
    if form.get("grant_type") == "refresh_token":
        grant = oauth.take_refresh(form.get("refresh_token", ""), client_id)
        if grant is None:
            return _token_error("Value passed for the token was invalid.")
        return oauth.issue_tokens(grant)
    return _token_error("Value passed for the grant_type was invalid.", "unsupported_grant_type")


@bp.post("/2/oauth2/revoke", endpoint="oauth2_revoke")
def revoke():
    """Revoke an access or refresh token."""
    if _client_id() not in _oauth().client_ids:
        return {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}, 401
    _oauth().revoke(request.form.get("token", ""))
    return {"revoked": True}
