"""The signed-in browser's session: a random token in Flask's signed session cookie, a row per token in SQL.

The row (``user_sessions``) is what counts: signing out, "forget me" or expiry deletes it, and a copied cookie
then opens nothing. The table keeps the token's SHA-256 only.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, session

from server.db import utcnow, write
from server.extensions import db
from server.models import UserSession

TOKEN_KEY = "sid"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(twitter_id: str, username: str) -> UserSession:
    """Sign this browser in as the account: a fresh token (never one the browser brought), a new row; commits."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=current_app.config["SESSION_DAYS"])
    row = UserSession(id=_digest(token), twitter_id=twitter_id, username=username, expires_at=utcnow() + lifetime)
    db.session.add(row)
    db.session.commit()
    session.clear()  # whatever the cookie held before the sign-in (its pending state) goes
    session[TOKEN_KEY] = token
    session.permanent = True
    return row


def current() -> UserSession | None:
    """The signed-in session of this request, if its cookie names a live row (cached on ``g``)."""
    if "user_session" in g:
        return g.user_session
    token = session.get(TOKEN_KEY)
    row = db.session.get(UserSession, _digest(token)) if isinstance(token, str) else None
    if row is not None and row.expires_at <= utcnow():
        row = None
    g.user_session = row
    return row


def end() -> bool:
    """Sign this browser out (the row is deleted, the cookie emptied); False when it was not signed in. Commits."""
    row = current()
    session.clear()
    g.user_session = None
    if row is None:
        return False
    write(sa.delete(UserSession).where(UserSession.id == row.id))
    db.session.commit()
    return True
