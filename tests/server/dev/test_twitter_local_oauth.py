"""The local Twitter API's OAuth 2.0 with PKCE: the authorize page, the token endpoint, user access tokens."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from server.dev.twitter_local import DEMO_CLIENT_ID

VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
REDIRECT = "https://app.test/callback"


def authorize(api, username="sunny_sam", decision="allow", **overrides) -> requests.Response:
    params = {
        "response_type": "code", "client_id": DEMO_CLIENT_ID, "redirect_uri": REDIRECT, "state": "s1",
        "scope": "tweet.read users.read offline.access", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    }  # fmt: skip
    params.update(overrides)
    form = {**params, "username": username, "decision": decision}
    return requests.post(f"{api.url}/i/oauth2/authorize", data=form, allow_redirects=False, timeout=5)


def code_of(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def token(api, **form) -> requests.Response:
    return requests.post(f"{api.url}/2/oauth2/token", data={"client_id": DEMO_CLIENT_ID, **form}, timeout=5)


def exchange(api, code: str, verifier: str = VERIFIER) -> requests.Response:
    return token(api, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)


def test_the_authorize_page_lists_accounts_and_refuses_bad_requests(local_twitter):
    query = urlencode({"response_type": "code", "client_id": DEMO_CLIENT_ID, "redirect_uri": REDIRECT,
                       "scope": "tweet.read", "state": "s", "code_challenge": CHALLENGE})  # fmt: skip
    page = requests.get(f"{local_twitter.url}/i/oauth2/authorize?{query}", timeout=5)
    assert page.status_code == 200 and "sunny_sam" in page.text and "Authorize app" in page.text
    for bad in ("client_id=someone", "scope=everything", "response_type=token", "redirect_uri=ftp://x"):
        name, value = bad.split("=")
        wrong = urlencode({**parse_qs(query), name: value}, doseq=True)
        assert requests.get(f"{local_twitter.url}/i/oauth2/authorize?{wrong}", timeout=5).status_code == 400


def test_a_code_and_its_verifier_give_tokens_that_act_as_the_user(local_twitter):
    tokens = exchange(local_twitter, code_of(authorize(local_twitter)))
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 7200 and body["refresh_token"]
    assert body["scope"] == "tweet.read users.read offline.access"
    me = requests.get(
        f"{local_twitter.url}/2/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5
    )
    assert me.json()["data"]["username"] == "sunny_sam"


def test_a_wrong_verifier_a_reused_code_and_an_unknown_client_are_refused(local_twitter):
    code = code_of(authorize(local_twitter))
    refused = exchange(local_twitter, code, verifier="w" * 64)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    code = code_of(authorize(local_twitter))
    assert exchange(local_twitter, code).status_code == 200
    assert exchange(local_twitter, code).status_code == 400  # one use only
    assert token(local_twitter, client_id="someone", grant_type="refresh_token").status_code == 401
    assert token(local_twitter, grant_type="password").json()["error"] == "unsupported_grant_type"


def test_refresh_tokens_rotate(local_twitter):
    first = exchange(local_twitter, code_of(authorize(local_twitter))).json()
    second = token(local_twitter, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    again = token(local_twitter, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 400


def test_cancel_redirects_with_access_denied(local_twitter):
    response = authorize(local_twitter, decision="deny")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"error": ["access_denied"], "state": ["s1"]}


def test_an_unknown_bearer_token_is_401(local_twitter):
    response = requests.get(f"{local_twitter.url}/2/users/me", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert response.status_code == 401
