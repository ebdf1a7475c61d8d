"""Consent to be analysed, which API client the owner authorised, and signed-in sessions with their tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import TWEET_ID_LENGTH, USERNAME_LENGTH, UTCDateTime, utcnow
from server.extensions import Model


class Consent(Model):
    """An account's opt-in to being analysed: by mentioning the bot with a command, or a client's declared sign-in.

    Keyed by the lower-cased username (consent can come before we ever looked the account up); ``twitter_id``
    ties it to the account once known, so a renamed account keeps its consent and a reused name does not.
    Opting out (or "forget me") deletes the row.
    """

    __tablename__ = "consents"

    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), primary_key=True)
    twitter_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    source: Mapped[str] = mapped_column(sa.String(16))  # "oauth", "mention", "sign_in" or "demo"
    client_id: Mapped[str | None] = mapped_column(sa.String(64))  # the API client that declared the sign-in
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessGrant(Model):
    """An API client the account's owner authorised: it may reach the account's moods, jobs, consent and data.

    ``source``: ``oauth`` (the owner signed in with X through a flow the client started), ``sign_in`` (a trusted
    client declared the sign-in, ``TRUSTED_CLIENT_KEYS``) or ``demo``. ``twitter_id`` ties an OAuth grant to the
    account across renames. Asking for an analysis grants nothing.
    """

    __tablename__ = "access_grants"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), primary_key=True)
    twitter_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    source: Mapped[str] = mapped_column(sa.String(16), default="oauth", server_default="oauth")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Model):
    """A browser signed in with X, bound to the Twitter user id; signing out or "forget me" deletes it.

    The cookie holds a random token, this row its SHA-256 (a leaked table opens no session).
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # hex SHA-256 of the cookie's token
    twitter_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserToken(Model):
    """The account's OAuth 2.0 user tokens, encrypted with a key derived from ``SECRET_KEY``.

    Its analyses read its own timeline with them, so a protected account can be analysed by its owner.
    """

    __tablename__ = "user_tokens"

    twitter_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), primary_key=True)
    access_token: Mapped[str] = mapped_column(sa.Text)
    refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
