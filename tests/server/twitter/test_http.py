"""HostRewritingSession: an unchanged tweepy.Client reaches the local API through it."""

from __future__ import annotations

import inspect

import pytest
import requests
import tweepy

from server.twitter.http import HostRewritingSession


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.twitter.com/2/users/me?x=1", "http://127.0.0.1:8123/2/users/me?x=1"),
        ("https://api.x.com/2/tweets", "http://127.0.0.1:8123/2/tweets"),
        ("https://API.Twitter.com/2/tweets", "http://127.0.0.1:8123/2/tweets"),
        ("https://upload.twitter.com/1.1/media/upload.json", "https://upload.twitter.com/1.1/media/upload.json"),
        ("https://example.org/2/users/me", "https://example.org/2/users/me"),
        ("http://127.0.0.1:8123/_control/health", "http://127.0.0.1:8123/_control/health"),
    ],
)
def test_rewrite_url_moves_only_twitter_api_hosts(url, expected):
    assert HostRewritingSession("http://127.0.0.1:8123").rewrite_url(url) == expected


def test_rewrite_url_keeps_a_base_path_prefix():
    session = HostRewritingSession("http://gateway:9000/twitter/")
    assert session.rewrite_url("https://api.twitter.com/2/users/me") == "http://gateway:9000/twitter/2/users/me"


def test_base_url_must_be_absolute():
    with pytest.raises(ValueError):
        HostRewritingSession("127.0.0.1:8123")


def test_tweepy_sends_everything_through_client_session():
    # The hook this module relies on: BaseClient.request builds the URL on api.twitter.com and calls
    # self.session.request. If a tweepy upgrade changes that, this fails before the gateway silently does.
    source = inspect.getsource(tweepy.client.BaseClient.request)
    assert 'host = "https://api.twitter.com"' in source
    assert "self.session.request(" in source
    assert isinstance(tweepy.Client().session, requests.Session)


def test_unchanged_tweepy_client_reaches_the_local_api(tiny_api):
    client = tweepy.Client(bearer_token="local-demo-token")
    client.session = HostRewritingSession(tiny_api.url)
    tiny_api.clear_request_log()

    response = client.get_user(username="alice")

    assert response.data.username == "alice"
    [entry] = tiny_api.request_log()
    assert (entry["method"], entry["path"], entry["auth"]) == ("GET", "/2/users/by/username/alice", "app")


def test_other_urls_pass_through_unchanged(tiny_api):
    session = HostRewritingSession("http://127.0.0.1:9")  # nothing listens there: a rewrite would fail
    assert session.get(f"{tiny_api.url}/_control/health", timeout=5).json()["status"] == "ok"
