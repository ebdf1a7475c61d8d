"""Topics in-process with the real model and real HTTP search on the local API: the job, the result, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import Job, TopicDay
from tests.server.fixtures_app import AUTH, sign_in_with_x
from tests.server.fixtures_app import run_in_process as run

QUERY = "#GW2Beta -is:retweet"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_tweets(world, shift, since: datetime) -> list[dict]:
    """The demo world's tweets the query should find, counted from the world's own files."""
    found = []
    for tweet in world.tweets.values():
        tags = {tag["tag"].lower() for tag in (tweet.get("entities") or {}).get("hashtags", ())}
        retweet = any(ref["type"] == "retweeted" for ref in tweet.get("referenced_tweets") or ())
        created = world.created_at(int(tweet["id"])) + shift
        author = world.user(tweet["author_id"])
        if "gw2beta" in tags and not retweet and created >= since and not author.get("protected"):
            found.append(tweet)
    return found


@pytest.fixture
def started(app, client):
    since = datetime.now(UTC) - timedelta(days=6)
    response = client.post("/api/v1/topics", json={"query": QUERY, "start": iso(since)}, headers=AUTH)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["job"], since


def test_a_topic_job_counts_its_tweets_by_day_and_explains_nothing_it_cannot(
    app, client, started, classifier, local_twitter
):
    job, since = started
    assert job["kind"] == "topic" and job["links"]["latest"] == f"/api/v1/topics/{job['username']}"
    done = run(app, job["id"], classifier)
    assert done.state == "succeeded", (done.error_code, done.error_message)
    expected = expected_tweets(local_twitter.world, local_twitter.state.shift, since)
    assert len(expected) > 10 and done.fetched == len(expected)

    shown = client.get(f"/api/v1/jobs/{job['id']}", headers=AUTH).get_json()["job"]
    topic = client.get(shown["links"]["result"], headers=AUTH).get_json()["topic"]
    assert topic["query"] == QUERY and topic["tweets"] == len(expected) and topic["model_version"]
    assert sum(day["tweets"] for day in topic["series"]) == len(expected)
    by_day: dict[str, int] = {}
    for tweet in expected:
        day = (local_twitter.world.created_at(int(tweet["id"])) + local_twitter.state.shift).date().isoformat()
        by_day[day] = by_day.get(day, 0) + 1
    assert {day["day"]: day["tweets"] for day in topic["series"]} == by_day
    for day in topic["series"]:
        assert sum(day["top"].values()) == day["tweets"] and abs(sum(day["means"].values()) - 1) < 1e-3
    assert all(tag["tag"] != "gw2beta" or tag["count"] > 0 for tag in topic["hashtags"])
    assert topic["peaks"] == []  # a week is too short a history to call a day unusual

    csv = client.get(f"/api/v1/topics/{topic['id']}?format=csv", headers=AUTH)
    lines = csv.get_data(as_text=True).splitlines()
    assert csv.mimetype == "text/csv" and lines[0].startswith("day,tweets,positivity,negativity,mean_sadness")
    assert len(lines) == 1 + len(topic["series"])

    # The whole period is within the last seven days: every tweet is in its hour too.
    by_hour: dict[str, int] = {}
    for tweet in expected:
        hour = (local_twitter.world.created_at(int(tweet["id"])) + local_twitter.state.shift).strftime("%Y-%m-%dT%H")
        by_hour[hour + ":00Z"] = by_hour.get(hour + ":00Z", 0) + 1
    assert {hour["day"]: hour["tweets"] for hour in topic["hours"]} == by_hour
    assert isinstance(topic["hour_peaks"], list)
    hourly = client.get(f"/api/v1/topics/{topic['id']}?format=csv&bucket=hour", headers=AUTH)
    rows = hourly.get_data(as_text=True).splitlines()
    assert (
        rows[0].startswith("hour,tweets,") and len(rows) == 1 + len(by_hour) and rows[1].endswith(tuple("0123456789"))
    )
    assert "hours.csv" in hourly.headers["Content-Disposition"]
    assert client.get(f"/api/v1/topics/{topic['id']}?format=csv&bucket=week", headers=AUTH).status_code == 400


def test_no_table_holds_a_text_id_or_author_of_the_searched_tweets(app, started, classifier, local_twitter):
    job, since = started
    run(app, job["id"], classifier)
    found = expected_tweets(local_twitter.world, local_twitter.state.shift, since)
    secrets = {t["id"] for t in found} | {t["author_id"] for t in found} | {t["text"][:40] for t in found}
    secrets |= {local_twitter.world.user(t["author_id"])["username"] for t in found}
    with app.app_context():
        stored = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                stored += [str(value) for value in row]
    everything = "\n".join(stored)
    # The newest id is kept as the refresh's since_id: an id of the newest tweet only, on the topic row and job.
    leaked = [secret for secret in secrets if secret in everything]
    with app.app_context():
        newest = db.session.get(Job, job["id"]).newest_id
    assert leaked in ([], [newest]), leaked


def test_a_refresh_counts_only_new_tweets(app, client, started, classifier, local_twitter):
    job, _ = started
    run(app, job["id"], classifier)
    topic_id = job["username"]
    with app.app_context():
        before = sum(row.tweets for row in db.session.scalars(sa.select(TopicDay)))
    gamer = local_twitter.world.user_by_username("sunny_sam")
    local_twitter.add_tweet({"author_id": gamer["id"], "text": "so happy with the new beta!! #GW2Beta"})
    with app.app_context():
        from server import jobs

        refresh = jobs.new_job(topic_id, "topic")
        db.session.add(refresh)
        db.session.commit()
        refresh_id = refresh.id
    assert run(app, refresh_id, classifier).fetched == 1
    with app.app_context():
        assert sum(row.tweets for row in db.session.scalars(sa.select(TopicDay))) == before + 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"start": "2026-12-01T00:00:00Z"}, "invalid_query"),
        ({"query": "", "start": "2026-12-01T00:00:00Z"}, "invalid_query"),
        ({"query": "x" * 513, "start": "2026-12-01T00:00:00Z"}, "invalid_query"),
        ({"query": "vaccine"}, "invalid_start"),
        ({"query": "vaccine", "start": "yesterday"}, "invalid_start"),
        ({"query": "vaccine", "start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}, "invalid_body"),
        ({"query": "vaccine", "start": "2026-12-02T00:00:00"}, "invalid_body"),  # no time zone
        ({"query": "vaccine", "start": "2026-12-02T00:00:00Z", "author": "x"}, "invalid_author"),
    ],
)
def test_bad_topic_requests_are_clear_400s(client, body, code):
    response = client.post("/api/v1/topics", json=body, headers=AUTH)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code, response.get_json()


def test_unknown_and_malformed_topics(client):
    assert client.get("/api/v1/topics/0123456789ab", headers=AUTH).get_json()["error"]["code"] == "topic_not_found"
    assert client.get("/api/v1/topics/nope", headers=AUTH).status_code == 400
    assert client.get("/api/v1/topics/0123456789ab").status_code == 401


def test_beat_refreshes_watched_topics_in_their_period_once(app, client):
    now = datetime.now(UTC)
    bodies = [
        {"query": "#GW2Beta", "start": iso(now - timedelta(days=2)), "watch": True},
        {"query": "#travel", "start": iso(now - timedelta(days=2))},  # not watched
        {"query": "#avgeek", "start": iso(now - timedelta(days=3)), "end": iso(now - timedelta(days=1)), "watch": True},
    ]
    created = [client.post("/api/v1/topics", json=body, headers=AUTH).get_json()["job"] for body in bodies]
    with app.app_context():
        for job in db.session.scalars(sa.select(Job)):
            job.state = "succeeded"  # as if the first runs were done
        db.session.commit()
        from tasks.periodic import refresh_topics

        started = refresh_topics.run()
        assert [db.session.get(Job, job_id).username for job_id in started] == [created[0]["username"]]
        assert refresh_topics.run() == []  # its refresh is still active: joined, not doubled


def test_the_cli_watches_a_topic_and_shows_its_days(app, classifier):
    runner = app.test_cli_runner()
    start = (datetime.now(UTC) - timedelta(days=6)).strftime("%Y-%m-%d")
    watched = runner.invoke(args=["topics", "watch", "#GW2Beta -is:retweet", "--start", start])
    assert watched.exit_code == 0, watched.output
    topic_id = watched.output.split()[1].rstrip(":")
    with app.app_context():
        job = db.session.scalars(sa.select(Job).where(Job.username == topic_id)).one()
    assert run(app, job.id, classifier).state == "succeeded"
    shown = runner.invoke(args=["topics", "show", topic_id])
    assert shown.exit_code == 0 and "#GW2Beta -is:retweet" in shown.output and "peaks: 0" in shown.output
    rows = [line for line in shown.output.splitlines() if line[:4].isdigit()]
    assert rows and all(len(line.split()) == 5 for line in rows)
    hours = runner.invoke(args=["topics", "show", topic_id, "--hours"])
    hour_rows = [line for line in hours.output.splitlines() if line[:4].isdigit()]
    assert hours.exit_code == 0 and len(hour_rows) > len(rows) and all(len(r.split()) == 6 for r in hour_rows)
    assert runner.invoke(args=["topics", "show", "0123456789ab"]).exit_code == 1
    backwards = runner.invoke(args=["topics", "watch", "x", "--start", "2026-12-02", "--end", "2026-12-01"])
    assert backwards.exit_code == 1 and "--end must be after --start" in backwards.output


def test_the_timeline_image_and_the_topic_page(app, client, started, classifier):
    job, _ = started
    reader = app.test_client()
    sign_in_with_x(reader, "quiet_quinn")
    waiting = reader.get(f"/topics/{job['username']}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Reading tweets" in waiting and "<progress" in waiting  # the job is still pending
    run(app, job["id"], classifier)
    topic_id = job["username"]
    svg = client.get(f"/api/v1/topics/{topic_id}/timeline.svg", headers=AUTH)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "tweets by top emotion" in text
    png = client.get(f"/api/v1/topics/{topic_id}/timeline.svg?format=png", headers=AUTH)
    assert png.mimetype == "image/png" and png.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/api/v1/topics/0123456789ab/timeline.svg", headers=AUTH).status_code == 404

    browser = app.test_client()
    html = {"Accept": "text/html"}
    assert browser.get(f"/topics/{topic_id}", headers=html).status_code == 401  # pages are for signed-in people
    sign_in_with_x(browser, "quiet_quinn")
    page = browser.get(f"/topics/{topic_id}", headers=html).get_data(as_text=True)
    assert "Public emotion: #GW2Beta -is:retweet" in page and f"/api/v1/topics/{topic_id}/timeline.svg" in page
    assert "Days that stood out" in page and "no tweet, text or author" in page
    assert browser.get(f"/api/v1/topics/{topic_id}/timeline.svg").status_code == 200  # the page's own image
    missing = browser.get("/topics/0123456789ab", headers=html)
    assert missing.status_code == 404 and missing.mimetype == "text/html"


def test_hours_are_kept_for_the_last_seven_days_of_the_period_only(app):
    from server.models import Topic, TopicHour
    from server.pipelines.topic import add_to_days, hour_horizon
    from server.twitter.search import SearchedTweet

    end = datetime(2021, 3, 16, tzinfo=UTC)
    probs = {"sadness": 0.1, "joy": 0.5, "love": 0.1, "anger": 0.1, "fear": 0.1, "surprise": 0.05, "neutral": 0.05}
    with app.app_context():
        topic = Topic(id="0123456789ab", query="#x", start=end - timedelta(days=30), end=end, created_by="t")
        db.session.add(topic)
        now = datetime.now(UTC)
        horizon = hour_horizon(topic, now)
        assert horizon == end - timedelta(days=7)  # a past period: its own last week, not the last seven days
        assert hour_horizon(Topic(start=now - timedelta(days=30), end=None), now) <= now - timedelta(days=7)
        moments = [end - timedelta(days=20), end - timedelta(days=3, minutes=30), end - timedelta(days=3, minutes=10)]
        tweets = [SearchedTweet(moment, "text", ("x",), "en") for moment in moments]
        add_to_days(topic, tweets, [probs] * 3, horizon)
        db.session.commit()
        hours = db.session.scalars(sa.select(TopicHour).where(TopicHour.topic_id == topic.id)).all()
        assert [(row.hour, row.tweets) for row in hours] == [(end - timedelta(days=3, hours=1), 2)]
        assert sum(row.tweets for row in db.session.scalars(sa.select(TopicDay))) == 3
