"""The one rule for an account's data: who may reach its moods, jobs, results, consent and deletion.

Only (a) the account's own signed-in session, (b) an API client the owner authorised ("Sign in with X" started by
that client, or a sign-in declared by a trusted client), (c) the bot's private link for that account
(``server.links``, checked there) and (d) an admin. Asking for an analysis grants nothing. Anyone else gets the
same 404 as for an account that does not exist, so existence does not leak.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from server.db import utcnow
from server.extensions import db
from server.models import AccessGrant, Consent, account_named, upsert

GRANT_SOURCES = ("oauth", "sign_in", "demo")


def client_id(key: str) -> str:
    """A stable, non-secret id for an API key (grants and limits store this, never the key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Principal:
    """Who is asking: an API client (by its non-secret id), a signed-in account, or an admin."""

    kind: Literal["client", "session", "admin"]
    client_id: str | None = None  # clients
    twitter_id: str | None = None  # sessions
    username: str | None = None  # sessions
    trusted: bool = False  # clients whose sign-in declarations are accepted (TRUSTED_CLIENT_KEYS)

    @property
    def rate_key(self) -> str:
        """Whom the per-caller limits count."""
        return f"{self.kind}:{self.client_id or self.twitter_id or 'admin'}"


def twitter_id_of(username_key: str) -> str | None:
    """The Twitter id behind a (lower-cased) username as far as we know it: the account, else its consent."""
    account = account_named(username_key)
    twitter_id = account.twitter_id if account is not None else None
    if twitter_id is None:
        consent = db.session.get(Consent, username_key)
        twitter_id = consent.twitter_id if consent is not None else None
    return twitter_id


def may_reach(principal: Principal, username_key: str, twitter_id: str | None = None) -> bool:
    """Whether ``principal`` may reach the account known as ``username_key`` (``twitter_id`` when known)."""
    if principal.kind == "admin":
        return True
    twitter_id = twitter_id or twitter_id_of(username_key)
    if principal.kind == "session":
        return twitter_id is not None and twitter_id == principal.twitter_id
    same_account = sa.or_(AccessGrant.twitter_id.is_(None), AccessGrant.twitter_id == twitter_id)
    by_name = sa.and_(AccessGrant.username_key == username_key, same_account if twitter_id else sa.true())
    match = sa.or_(AccessGrant.twitter_id == twitter_id, by_name) if twitter_id else by_name
    grant = sa.select(AccessGrant.client_id).where(AccessGrant.client_id == principal.client_id, match).limit(1)
    return db.session.scalar(grant) is not None


def authorise(client_id: str, username: str, source: str, twitter_id: str | None = None) -> None:
    """Record that the account's owner authorised ``client_id`` (idempotent); the caller commits."""
    if source not in GRANT_SOURCES:
        raise ValueError(f"source must be one of {GRANT_SOURCES}, got {source!r}")
    row = {"client_id": client_id, "username_key": username.lower(), "twitter_id": twitter_id, "source": source}
    upsert(AccessGrant, [{**row, "created_at": utcnow()}], ["source"] + (["twitter_id"] if twitter_id else []))


def authorised_accounts(client_id: str) -> list[str]:
    """The usernames (lower-cased, as authorised) whose owners authorised ``client_id``."""
    query = sa.select(AccessGrant.username_key).where(AccessGrant.client_id == client_id)
    return sorted(db.session.scalars(query.order_by(AccessGrant.username_key)))
