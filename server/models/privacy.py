"""Consent to be analysed, and which API client may read which account."""

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
    source: Mapped[str] = mapped_column(sa.String(16))  # "mention", "sign_in" or "demo"
    client_id: Mapped[str | None] = mapped_column(sa.String(64))  # the API client that declared the sign-in
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessGrant(Model):
    """An API client may read an account's moods and recommendations only after it asked for one of them."""

    __tablename__ = "access_grants"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
