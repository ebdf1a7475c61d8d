"""Private result links: signed, expiring, tamper-proof; the page shows the job, the result and support."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.extensions import db
from server.links import SALT, crisis_resources, make_token, result_url
from server.models import Account, Analysis, Job


def _job_with_analysis(status: str | None, username: str = "linked_lu", language: str | None = None) -> Job:
    account = Account(twitter_id="4242", username=username, username_key=username.lower())
    job = Job(username=username, username_key=username.lower(), kind="analysis", state="succeeded", total=3)
    db.session.add_all([account, job])
    db.session.flush()
    numbers = dict(confidence=0.8, low_confidence=False, positivity=0.2, negativity=0.7, emotional_weight=5.0)
    db.session.add(
        Analysis(
            account_id=account.id, job_id=job.id, model_version="v", status=status, tweet_count=3, breakdown={},
            language=language, **numbers,
        )
    )  # fmt: skip
    db.session.commit()
    return job


def test_a_valid_link_shows_the_job_and_the_latest_analysis(app, client):
    with app.test_request_context():
        job = _job_with_analysis("Cheerful")
        url = result_url(job.id, "Linked_Lu")
    assert url.startswith("https://mood.test/r/")
    response = client.get(url.removeprefix("https://mood.test"))  # no API key needed
    assert response.status_code == 200
    body = response.get_json()
    assert body["job"]["state"] == "succeeded" and body["analysis"]["status"] == "Cheerful"
    assert "support" not in body


@pytest.mark.parametrize("status", ["Stressed", "Depressed"])
def test_worrying_results_carry_support_and_crisis_resources(app, client, status):
    with app.test_request_context():
        token = make_token(_job_with_analysis(status).id, "linked_lu")
    body = client.get(f"/r/{token}").get_json()
    support = body["support"]
    assert support["message"]
    text = str(support["resources"])
    assert "988" in text and "findahelpline.com" in text and len(support["resources"]) >= 5


def test_a_spanish_account_gets_spanish_resources_first(app, client):
    with app.test_request_context():
        token = make_token(_job_with_analysis("Depressed", language="es").id, "linked_lu")
    support = client.get(f"/r/{token}").get_json()["support"]
    assert support["language"] == "es" and "confidencial" in support["message"]
    countries = [r["country"] for r in support["resources"]]
    assert countries[0] == "ES" and countries[-1] == "elsewhere"
    assert "GB" not in countries  # an English-only line is not offered to a Spanish speaker
    assert all("es" in r["languages"] for r in support["resources"][:-1])


@pytest.mark.parametrize("language", [None, "ja"])
def test_unknown_languages_get_every_resource_in_english(language):
    support = crisis_resources(language)
    assert support["language"] == "en"
    assert support["resources"] == crisis_resources()["resources"]
    assert {r["country"] for r in support["resources"]} >= {"US", "ES", "DE", "elsewhere"}


def test_an_english_account_gets_the_english_speaking_lines():
    countries = [r["country"] for r in crisis_resources("en")["resources"]]
    assert countries == ["US", "CA", "GB", "IE", "AU", "elsewhere"]


def test_every_resource_language_but_the_fallback_has_its_own_line():
    support = crisis_resources()
    for language in {lang for r in support["resources"] for lang in r["languages"]}:
        assert crisis_resources(language)["language"] == language


def test_resources_file_notes_its_sources():
    resources = crisis_resources()["resources"]
    assert {r["country"] for r in resources} >= {"US", "GB", "CA", "AU", "elsewhere"}
    assert all(r["url"].startswith("https://") for r in resources)


def test_an_expired_link_is_refused(app, client):
    with app.test_request_context():
        token = make_token(_job_with_analysis("Satisfied").id, "linked_lu")
    app.config["RESULT_LINK_MAX_AGE"] = -1
    response = client.get(f"/r/{token}")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "link_expired"


def test_a_tampered_or_foreign_link_is_refused(app, client):
    with app.test_request_context():
        token = make_token(_job_with_analysis("Satisfied").id, "linked_lu")
    forged = URLSafeTimedSerializer("another-key", salt=SALT).dumps({"job": "x", "user": "linked_lu"})
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "not-a-token"):
        response = client.get(f"/r/{bad}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "invalid_link"


def test_a_link_to_forgotten_data_says_so(app, client):
    with app.test_request_context():
        token = make_token("0" * 32, "nobody_here")
    response = client.get(f"/r/{token}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "nothing_here"
