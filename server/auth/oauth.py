"""'Sign in with X': OAuth 2.0 Authorization Code with PKCE through tweepy's ``OAuth2UserHandler``.

The person is sent to Twitter's authorize page with a PKCE challenge and a random ``state``; Twitter sends them
back to ``/auth/callback`` with a code, which we trade (with the verifier) for their tokens, then ask
``/2/users/me`` who they are. With ``TWITTER_API_BASE`` set, every URL goes to that stand-in instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import tweepy
from oauthlib.oauth2 import OAuth2Error

from server.twitter import build_token_client
from server.twitter.http import HostRewritingSession

AUTHORIZE_URL = "https://twitter.com/i/oauth2/authorize"
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"
SIGN_IN_HOSTS = frozenset({"twitter.com", "x.com", "api.twitter.com", "api.x.com"})
SCOPES = ["tweet.read", "users.read", "offline.access"]  # read the timeline, know who signed in, refresh


class SignInFailed(Exception):
    """Twitter did not complete the sign-in (refused code, unreachable, unexpected answer)."""


@dataclass(frozen=True)
class SignedInUser:
    """Who signed in: the account and its tokens (``access_token``, ``refresh_token``, ``expires_at``...)."""

    twitter_id: str
    username: str
    token: dict


def enabled(config: Mapping) -> bool:
    """Whether "Sign in with X" is set up (``TWITTER_CLIENT_ID``)."""
    return bool(config.get("TWITTER_CLIENT_ID"))


def redirect_uri(config: Mapping) -> str:
    """Where Twitter sends the person back: ``OAUTH_REDIRECT_URI``, else ``PUBLIC_BASE_URL/auth/callback``."""
    return config.get("OAUTH_REDIRECT_URI") or config["PUBLIC_BASE_URL"].rstrip("/") + "/auth/callback"


class TwitterOAuth(tweepy.OAuth2UserHandler):
    """tweepy's handler, with the authorize and token URLs on ``TWITTER_API_BASE`` when set, and a timeout."""

    def __init__(self, config: Mapping) -> None:
        super().__init__(
            client_id=config["TWITTER_CLIENT_ID"],
            redirect_uri=redirect_uri(config),
            scope=SCOPES,
            client_secret=config.get("TWITTER_CLIENT_SECRET"),
        )
        base = config.get("TWITTER_API_BASE")
        # The authorize page is on twitter.com, the token endpoint on api.twitter.com: one stand-in serves both.
        self.rewriter = (
            HostRewritingSession(base, frozenset({"twitter.com", "x.com", "api.twitter.com"})) if base else None
        )
        self.timeout = float(config.get("TWITTER_TIMEOUT") or 10.0)
        self.config = config

    def _url(self, url: str) -> str:
        return self.rewriter.rewrite_url(url) if self.rewriter else url

    def send(self, request, **kwargs):
        """Send a prepared request, to the stand-in when configured.

        Rewritten here, after requests-oauthlib checked that the URL is https (a stand-in may be plain http).
        """
        request.url = self._url(str(request.url))
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)

    def start(self) -> tuple[str, str, str]:
        """The authorize URL to send the person to, its ``state`` and the PKCE verifier to keep until the callback."""
        verifier = self._client.create_code_verifier(128)
        challenge = self._client.create_code_challenge(verifier, "S256")
        url, state = self.authorization_url(AUTHORIZE_URL, code_challenge=challenge, code_challenge_method="S256")
        return self._url(url), state, verifier

    def finish(self, code: str, verifier: str) -> SignedInUser:
        """Trade the callback's code for tokens and ask who signed in; :class:`SignInFailed` when Twitter says no."""
        try:
            # The code goes in directly: oauthlib refuses to parse a callback URL on plain http (the demo's).
            token = self.fetch_token_for_code(code, verifier)
            client = build_token_client(self.config, token["access_token"])
            me = client.get_me(user_auth=False, user_fields=["username"])
        except (OAuth2Error, tweepy.TweepyException, OSError, ValueError, KeyError) as error:
            raise SignInFailed(str(error) or type(error).__name__) from error
        if me.data is None:
            raise SignInFailed("Twitter did not say who signed in.")
        return SignedInUser(str(me.data.id), me.data.username, token)

    def fetch_token_for_code(self, code: str, verifier: str) -> dict:
        """``POST /2/oauth2/token`` with the code and verifier (tweepy's ``fetch_token`` wants the callback URL)."""
        token = super(tweepy.OAuth2UserHandler, self).fetch_token(
            TOKEN_URL, code=code, auth=self.auth, include_client_id=True, code_verifier=verifier
        )
        return dict(token)

    def refresh(self, refresh_token: str) -> dict:
        """New tokens for a refresh token (Twitter rotates it: store the new one)."""
        # Public clients name themselves in the body (requests-oauthlib's refresh has no include_client_id).
        token = self.refresh_token(TOKEN_URL, refresh_token=refresh_token, auth=self.auth, client_id=self.client_id)
        return dict(token)
