"""The account's OAuth 2.0 user tokens: stored encrypted, refreshed before they expire, used to read its timeline.

The key is derived from ``SECRET_KEY``: a copy of the database alone gives no token, and a new ``SECRET_KEY``
makes the stored tokens unreadable (they are dropped; the person signs in again).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import tweepy
from cryptography.fernet import Fernet, InvalidToken
from oauthlib.oauth2 import OAuth2Error

from server.auth.oauth import TwitterOAuth
from server.db import utcnow, write
from server.extensions import db
from server.models import UserToken
from server.twitter import build_token_client

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=2)  # refresh a token this close to its expiry rather than fail mid-job


def _fernet(config: Mapping) -> Fernet:
    digest = hashlib.sha256(b"mood-analytics user tokens\0" + str(config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def save(config: Mapping, twitter_id: str, token: Mapping) -> None:
    """Store (or replace) the account's tokens, encrypted; the caller commits."""
    fernet = _fernet(config)
    expires_at = token.get("expires_at")
    row = db.session.get(UserToken, twitter_id) or UserToken(twitter_id=twitter_id)
    row.access_token = fernet.encrypt(str(token["access_token"]).encode()).decode()
    refresh = token.get("refresh_token")
    row.refresh_token = fernet.encrypt(str(refresh).encode()).decode() if refresh else None
    row.expires_at = datetime.fromtimestamp(float(expires_at), UTC) if expires_at else None
    scope = token.get("scope", "")
    row.scope = " ".join(scope) if isinstance(scope, list) else str(scope)
    db.session.add(row)


def forget(twitter_id: str) -> int:
    """Delete the account's tokens (the caller commits); the number of rows deleted."""
    return write(sa.delete(UserToken).where(UserToken.twitter_id == twitter_id))


def _read(config: Mapping, row: UserToken) -> tuple[str, str | None] | None:
    fernet = _fernet(config)
    try:
        access = fernet.decrypt(row.access_token.encode()).decode()
        refresh = fernet.decrypt(row.refresh_token.encode()).decode() if row.refresh_token else None
    except InvalidToken:
        return None
    return access, refresh


def access_token(config: Mapping, twitter_id: str) -> str | None:
    """A live access token of the account (refreshed when about to expire), or None: none stored, or refused.

    Commits a refreshed token, or the removal of one Twitter no longer accepts.
    """
    row = db.session.get(UserToken, twitter_id)
    if row is None:
        return None
    tokens = _read(config, row)
    if tokens is None:
        logger.warning("a stored user token could not be decrypted (SECRET_KEY changed?); dropping it")
        forget(twitter_id)
        db.session.commit()
        return None
    access, refresh = tokens
    if row.expires_at is None or row.expires_at - REFRESH_MARGIN > utcnow():
        return access
    if refresh is None:
        return None
    try:
        token = TwitterOAuth(config).refresh(refresh)
    except OAuth2Error:  # revoked, or the person removed the app: the token is gone for good
        logger.info("a user token was refused on refresh; dropping it")
        forget(twitter_id)
        db.session.commit()
        return None
    except (OSError, ValueError) as error:  # Twitter unreachable now: the app's own token is used this time
        logger.warning("could not refresh a user token: %s", error)
        return None
    save(config, twitter_id, token)
    db.session.commit()
    return str(token["access_token"])


def user_client(config: Mapping, twitter_id: str | None) -> tweepy.Client | None:
    """A tweepy client acting as the account (its own token), or None when we hold no live token of it."""
    if twitter_id is None:
        return None
    token = access_token(config, twitter_id)
    return build_token_client(config, token) if token else None
