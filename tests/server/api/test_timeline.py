"""An account's tweets with their emotions, its trend, and the resources for a mood, through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.server.fixtures_app import AUTH, new_account, run_in_process, twitter_time

TEXTS = ["what a wonderful day with friends", "so happy about the news", "I feel so alone and sad", "ok", "lunch"]


@pytest.fixture
def analysed(app, client, classifier, local_twitter):
    """An account with five tweets over three weeks, analysed by the real model (as the worker does it)."""
    now = local_twitter.state.world_now()
    records = [
        {"text": text, "created_at": twitter_time(now - timedelta(days=20 - 5 * i))} for i, text in enumerate(TEXTS)
    ]
    user = new_account(local_twitter, "timeline", records)
    job_id = client.post("/api/v1/analyses", json={"username": user["username"]}, headers=AUTH).get_json()["job"]["id"]
    assert run_in_process(app, job_id, classifier).state == "succeeded"
    return user


def test_tweets_come_newest_first_with_their_emotions_in_pages(client, analysed):
    url = f"/api/v1/accounts/{analysed['username']}/tweets"
    first = client.get(f"{url}?per_page=2", headers=AUTH).get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["tweets"])) == (5, 1, 2, 2)
    assert [t["text"] for t in first["tweets"]] == ["lunch", "ok"]
    assert first["model_version"] and all(t["url"].endswith(f"/status/{t['id']}") for t in first["tweets"])
    for tweet in first["tweets"]:
        assert sum(tweet["emotions"].values()) == pytest.approx(1, abs=1e-3) and tweet["top"] in tweet["emotions"]
    last = client.get(f"{url}?per_page=2&page=3", headers=AUTH).get_json()["tweets"]
    assert [t["text"] for t in last] == ["what a wonderful day with friends"] and last[0]["top"] == "joy"
    assert client.get(f"{url}?per_page=2&page=4", headers=AUTH).get_json()["tweets"] == []


@pytest.mark.parametrize("query", ["per_page=0", "per_page=201", "page=0", "page=x"])
def test_bad_paging_is_a_400(client, analysed, query):
    response = client.get(f"/api/v1/accounts/{analysed['username']}/tweets?{query}", headers=AUTH)
    assert response.status_code == 400 and response.get_json()["error"]["code"].startswith("invalid_")


def test_the_trend_buckets_tweets_by_their_own_dates(client, analysed):
    url = f"/api/v1/accounts/{analysed['username']}/trend"
    weekly = client.get(url, headers=AUTH).get_json()
    assert weekly["bucket"] == "week" and sum(b["tweets"] for b in weekly["series"]) == 5
    assert len(weekly["series"]) in (3, 4)  # 20 days of tweets span three or four Monday-weeks
    first = weekly["series"][0]  # the first week holds the happy tweet(s) of day -20 (and -15)
    assert first["positivity"] > first["negativity"] and first["breakdown"]["joy"] > 0.5
    assert [a["status"] for a in weekly["analyses"]] and len(weekly["analyses"]) == 1
    daily = client.get(f"{url}?bucket=day", headers=AUTH).get_json()["series"]
    assert len(daily) == 21 and sum(b["tweets"] for b in daily) == 5 and daily[1]["tweets"] == 0
    bad = client.get(f"{url}?bucket=month", headers=AUTH)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_bucket"


def test_no_tweets_yet_is_the_analysis_404(client):
    client.post("/api/v1/analyses", json={"username": "sunny_sam"}, headers=AUTH)
    response = client.get("/api/v1/accounts/sunny_sam/trend", headers=AUTH)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "analysis_not_found"


def test_resources_per_state_with_helplines_by_language_and_no_credential(client):
    depressed = client.get("/api/v1/resources?status=Depressed&language=es").get_json()
    assert depressed["status"] == "Depressed" and depressed["language"] == "es"
    assert depressed["helplines"] and "es" in depressed["helplines"][0]["languages"]
    assert all(idea["url"].startswith("https://") and idea["source"] for idea in depressed["ideas"])
    cheerful = client.get("/api/v1/resources?status=Cheerful").get_json()
    assert cheerful["helplines"] == [] and len(cheerful["ideas"]) >= 2
    stressed = client.get("/api/v1/resources?status=Stressed").get_json()
    assert stressed["helplines"] and {i["title"] for i in stressed["ideas"]} != {i["title"] for i in cheerful["ideas"]}
    for query in ("status=Happy", "", "status=Stressed&language=english"):
        response = client.get(f"/api/v1/resources?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["code"].startswith("invalid_")
