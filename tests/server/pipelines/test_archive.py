"""Analyse my archive: the upload's checks (API and CLI), then the import job in-process with the real model."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from server.dev.archive import ARCHIVE_ACCOUNT_ID, TWEETS, demo_archive
from server.extensions import db
from server.models import Account, Analysis, ArchiveUpload, Job, Tweet, TweetEmotion
from server.privacy import grant_consent
from tests.server.fixtures_app import OTHER_KEY, sign_in_with_x
from tests.server.fixtures_app import run_in_process as run
from tests.server.test_archives import ACCOUNT, export, tweet, tweets_js

MB = 2**20


@pytest.fixture
def quinn(app):
    """A browser signed in with X as quiet_quinn (no tweets on the Twitter API; the demo archive is Quinn's)."""
    browser = app.test_client()
    assert sign_in_with_x(browser, "quiet_quinn").status_code == 303
    return browser


def upload(browser, data: bytes, name: str = "twitter-archive.zip", **fields):
    response = browser.post("/api/v1/archives", data={"file": (io.BytesIO(data), name), **fields})
    response.get_data()
    response.close()  # closes the test client's spooled request body too
    return response


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_an_own_archive_is_imported_analysed_and_shown_as_a_trend(app, quinn, classifier):
    archive = demo_archive()
    response = upload(quinn, archive)
    assert response.status_code == 202, response.get_json()
    started = response.get_json()["job"]
    assert started["kind"] == "archive" and started["progress"]["total"] == len(TWEETS)
    assert response.headers["Location"] == f"/api/v1/jobs/{started['id']}"

    job = run(app, started["id"], classifier)
    assert job.state == "succeeded", (job.error_code, job.error_message)
    with app.app_context():
        account = db.session.scalar(sa.select(Account).where(Account.twitter_id == ARCHIVE_ACCOUNT_ID))
        assert count(Tweet, Tweet.account_id == account.id) == len(TWEETS)
        assert count(TweetEmotion) == len(TWEETS)
        assert count(ArchiveUpload) == 0  # the bytes are gone once stored
        assert db.session.scalar(sa.select(Analysis).where(Analysis.job_id == job.id)).tweet_count == len(TWEETS)

    analysis = quinn.get("/api/v1/accounts/quiet_quinn/analysis").get_json()["analysis"]
    assert analysis["status"] in ("Cheerful", "Satisfied")  # the export's last weeks are happy ones
    trend = quinn.get("/api/v1/accounts/quiet_quinn/trend?bucket=week").get_json()
    weeks = [bucket for bucket in trend["series"] if bucket["tweets"]]
    assert len(weeks) >= 10 and sum(bucket["tweets"] for bucket in weeks) == len(TWEETS)
    # Its first weeks are hard ones: the trend shows the change the export was written to show.
    first, last = weeks[0], weeks[-1]
    assert first["negativity"] > first["positivity"] and last["positivity"] > last["negativity"]
    (point,) = trend["analyses"]
    assert point["status"] == analysis["status"] and point["positivity"] == analysis["positivity"]
    assert point["negativity"] == analysis["negativity"]

    # The same export again: tweets are upserted by id, none twice.
    again = upload(quinn, archive)
    assert run(app, again.get_json()["job"]["id"], classifier).state == "succeeded"
    with app.app_context():
        assert count(Tweet) == len(TWEETS)


def test_someone_elses_export_is_refused_and_nothing_is_kept(app, quinn):
    response = upload(quinn, export({"data/tweets.js": tweets_js([tweet("1", "hi")]), "data/account.js": ACCOUNT}))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "archive_not_yours" and "@sunny_sam" in error["message"]
    with app.app_context():
        assert count(Job) == count(ArchiveUpload) == count(Tweet) == 0


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"PK\x03\x04 not really a zip", "archive_not_zip", "not a readable ZIP"),
        (export({"data/like.js": b"window.YTD.like.part0 = []"}), "archive_no_tweets", "no data/tweets.js"),
        (export({"data/tweets.js": b"window.YTD.tweets.part0 = [{"}), "archive_malformed", "malformed JSON at line"),
        (b"window.YTD.tweets.part0 = []", "archive_no_tweets", "no tweets"),
    ],
)
def test_unusable_uploads_are_clear_422s(app, quinn, data, code, says):
    response = upload(quinn, data)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code
    assert says in response.get_json()["error"]["message"]
    with app.app_context():
        assert count(Job) == count(ArchiveUpload) == 0


def test_a_zip_bomb_is_refused_before_it_is_inflated(app, quinn):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("data/tweets.js", b"window.YTD.tweets.part0 = [" + b" " * (64 * MB) + b"]")
    assert len(buffer.getvalue()) < MB
    response = upload(quinn, buffer.getvalue())
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "archive_zip_bomb")


def test_size_and_shape_limits_of_the_upload_itself(app, quinn):
    app.config["ARCHIVE_MAX_MB"] = 0.25  # small bodies: the test client keeps them in memory
    too_big = upload(quinn, b"window.YTD.tweets.part0 = [" + b" " * (MB // 4 + 10) + b"]")
    assert (too_big.status_code, too_big.get_json()["error"]["code"]) == (413, "archive_too_large")
    assert "over the limit of 0.25 MB" in too_big.get_json()["error"]["message"]
    # Past the route's body limit: refused before it is read.
    way_too_big = quinn.post("/api/v1/archives", data=b" " * MB, content_type="multipart/form-data; boundary=x")
    assert way_too_big.status_code == 413 and way_too_big.get_json()["error"]["code"] == "payload_too_large"
    as_json = quinn.post("/api/v1/archives", json={"file": "window.YTD.tweets.part0 = []"})
    assert (as_json.status_code, as_json.get_json()["error"]["code"]) == (415, "unsupported_media_type")
    no_file = quinn.post("/api/v1/archives", data={"username": "quiet_quinn"})
    assert (no_file.status_code, no_file.get_json()["error"]["code"]) == (400, "invalid_file")
    # Other routes keep the small JSON limit.
    big_json = quinn.post("/api/v1/analyses", json={"username": "quiet_quinn", "pad": "x" * 20_000})
    assert big_json.status_code == 413


def test_one_import_at_a_time_per_account(app, quinn):
    assert upload(quinn, demo_archive()).status_code == 202
    second = upload(quinn, demo_archive())
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "archive_import_running")


def test_a_client_needs_a_username_and_a_grant(app):
    stranger = app.test_client()
    nameless = stranger.post(
        "/api/v1/archives", data={"file": (io.BytesIO(demo_archive()), "a.zip")}, headers={"X-API-Key": OTHER_KEY}
    )
    assert (nameless.status_code, nameless.get_json()["error"]["code"]) == (400, "invalid_username")
    refused = stranger.post(
        "/api/v1/archives",
        data={"file": (io.BytesIO(demo_archive()), "a.zip"), "username": "quiet_quinn"},
        headers={"X-API-Key": OTHER_KEY},
    )
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (404, "account_not_found")


def test_a_failed_import_keeps_nothing(app, quinn, classifier):
    started = upload(quinn, demo_archive()).get_json()["job"]
    with app.app_context():  # the stored upload turns out unreadable by the time a worker reads it
        db.session.get(ArchiveUpload, started["id"]).data = b"window.YTD.tweets.part0 = [{"
        db.session.commit()
    job = run(app, started["id"], classifier)
    assert (job.state, job.error_code) == ("failed", "archive_malformed")
    with app.app_context():
        assert count(ArchiveUpload) == count(Tweet) == count(Analysis) == 0
    shown = quinn.get(f"/api/v1/jobs/{started['id']}").get_json()["job"]
    assert shown["error"]["code"] == "archive_malformed" and "malformed JSON" in shown["error"]["message"]


def test_forgetting_the_account_deletes_a_waiting_upload(app, quinn):
    assert upload(quinn, demo_archive()).status_code == 202
    assert quinn.delete("/api/v1/accounts/quiet_quinn").status_code == 200
    with app.app_context():
        assert count(ArchiveUpload) == count(Job) == 0


def test_the_admin_command_imports_for_an_account_that_consented(app, tmp_path):
    path = tmp_path / "tweets.js"
    path.write_bytes(
        tweets_js([tweet("5", "so happy today"), tweet("6", "what a day", "Thu Oct 11 08:00:00 +0000 2018")])
    )
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["archive", "import", str(path), "--username", "sunny_sam"])
    assert refused.exit_code == 1 and "not agreed to be analysed" in refused.output
    with app.app_context():
        grant_consent("sunny_sam", "mention")
        db.session.commit()
    done = runner.invoke(args=["archive", "import", str(path), "--username", "sunny_sam"])
    assert done.exit_code == 0 and "importing 2 tweets of @sunny_sam" in done.output, done.output
    broken = tmp_path / "broken.js"
    broken.write_bytes(b"window.YTD.tweets.part0 = [{")
    failed = runner.invoke(args=["archive", "import", str(broken), "--username", "sunny_sam"])
    assert failed.exit_code == 1 and "malformed JSON" in failed.output
