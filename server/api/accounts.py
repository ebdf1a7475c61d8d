"""An account's settings and data: the matching opt-in, consent to be analysed, and deleting everything."""

from __future__ import annotations

from flask import g, url_for
from flask_openapi3.types import ResponseDict

from server import privacy
from server.api import schemas
from server.api.access import ACCOUNT_ERRORS, NOT_REACHABLE, bp, reachable, require_consent
from server.api.contract import errors
from server.api.errors import ApiError
from server.api.schemas import (
    ConsentBody,
    ConsentEnvelope,
    Deleted,
    MatchingBody,
    MatchingEnvelope,
    UsernamePath,
)
from server.auth.principals import authorise
from server.extensions import db
from server.models import Account, account_named, utcnow


def _matching_account(username: str) -> Account:
    account = account_named(reachable(username))
    if account is None:
        raise ApiError(
            404, "account_not_found", f"No account @{username} yet; analyse it first: POST /api/v1/analyses."
        )
    return account


MATCHING_ERRORS: ResponseDict = {**ACCOUNT_ERRORS, **errors(e404="Account not stored yet (or not reachable)")}


@bp.get("/accounts/<username>/matching", responses={200: MatchingEnvelope, **MATCHING_ERRORS})
def get_matching(path: UsernamePath):
    """Whether the account may be suggested to others as a friend."""
    return MatchingEnvelope(matching=schemas.Matching.of(_matching_account(path.username))).model_dump(mode="json")


@bp.put(
    "/accounts/<username>/matching",
    responses={
        200: MatchingEnvelope,
        **MATCHING_ERRORS,
        **errors(e403="consent_required: opting in needs the account's consent", e415="Body is not JSON"),
    },
)
def set_matching(path: UsernamePath, body: MatchingBody):
    """Opt the account in to, or out of, being suggested to others as a friend.

    A friend suggestion tells its reader that the suggested account's mood is the opposite of theirs, so only
    accounts that opted in are suggested.
    """
    account = _matching_account(path.username)
    if body.opt_in:  # opting out needs no consent: it only ever reduces what is done with the account
        require_consent(account.username)
    account.match_opt_in, account.match_opt_in_at = body.opt_in, utcnow()
    db.session.commit()
    return MatchingEnvelope(matching=schemas.Matching.of(account)).model_dump(mode="json")


def _consent(username: str, given: bool = True) -> dict:
    consent = privacy.find_consent(username) if given else None
    return ConsentEnvelope(consent=schemas.Consent.of(username, consent)).model_dump(mode="json")


MANAGED_ERRORS: ResponseDict = {**ACCOUNT_ERRORS, **errors(e404=NOT_REACHABLE)}


@bp.put(
    "/accounts/<username>/consent",
    responses={
        200: ConsentEnvelope,
        **ACCOUNT_ERRORS,
        **errors(
            e403="untrusted_client: only clients in TRUSTED_CLIENT_KEYS may declare a sign-in",
            e404=NOT_REACHABLE,
            e415="Body is not JSON",
        ),
    },
)
def give_consent(path: UsernamePath, body: ConsentBody):
    """Record the account's consent to be analysed. Idempotent.

    From the account's own signed-in session: its consent again (after a withdrawal). From a trusted client (a
    trust decision: ``TRUSTED_CLIENT_KEYS``): its declaration that the person signed in as the account on its side,
    which also authorises it for the account. Other clients send the person through "Sign in with X":
    ``/auth/login?client=<client id>``.
    """
    principal = g.principal
    if principal.kind == "session":
        reachable(path.username)
        privacy.grant_consent(path.username, "oauth", twitter_id=principal.twitter_id)
    elif principal.kind == "client" and principal.trusted:
        privacy.grant_consent(path.username, "sign_in", client_id=principal.client_id)
        authorise(principal.client_id, path.username, "sign_in")
    else:
        sign_in = url_for("auth.login", client=principal.client_id) if principal.client_id else "/auth/login"
        raise ApiError(
            403,
            "untrusted_client",
            f"This caller may not declare sign-ins; the person signs in with X to consent: {sign_in}",
        )
    db.session.commit()
    return _consent(path.username)


@bp.get("/accounts/<username>/consent", responses={200: ConsentEnvelope, **MANAGED_ERRORS})
def get_consent(path: UsernamePath):
    """Whether the account agreed to be analysed, how and when."""
    reachable(path.username)
    return _consent(path.username)


@bp.delete("/accounts/<username>/consent", responses={200: ConsentEnvelope, **MANAGED_ERRORS})
def withdraw_consent(path: UsernamePath):
    """Withdraw the consent (and the matching opt-in); stored data stays until deleted."""
    reachable(path.username)
    privacy.revoke_consent(path.username)
    db.session.commit()
    return _consent(path.username, given=False)


@bp.delete("/accounts/<username>", responses={200: Deleted, **MANAGED_ERRORS})
def delete_account(path: UsernamePath):
    """Delete every row about the account (forget me).

    Its tweets, emotions, analyses, recommendations, jobs, grants, consent, sessions, tokens, handled mentions,
    follow edges and graph rows, and its place in other accounts' recommendation lists; the number of rows removed
    per table.
    """
    reachable(path.username)
    deleted = Deleted(username=path.username, deleted=privacy.forget_account(path.username))
    return deleted.model_dump(mode="json")
