"""Tweets' photos in an analysis: faces read over real HTTP from the local API, soft-voted with the text, never kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ml.fusion import DEFAULT_WEIGHTS
from ml.labels import LABELS
from server.api import schemas
from server.extensions import db
from server.models import Tweet, TweetEmotion
from tests.server.fixtures_app import new_account
from tests.server.pipelines.test_analysis import count, reload, run, start

SAD = "I feel so sad and lonely tonight, I cried for hours and nothing helps anymore."


def photo(key: str, file: str) -> dict:
    return {"media_key": key, "type": "photo", "file": file}


@pytest.fixture
def account(ctx, local_twitter):
    return new_account(
        local_twitter,
        "faces",
        [
            {"text": SAD, "media": [photo("3_1", "astronaut.jpg")]},  # a smiling face
            {"text": SAD, "media": [photo("3_2", "coffee.jpg")]},  # a photo, no face
            {"text": SAD, "media": [{"media_key": "7_3", "type": "video", "file": "astronaut.jpg"}]},  # not read
            SAD,
        ],
    )


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def tweets_oldest_first(account_id: str) -> list[Tweet]:
    return list(db.session.scalars(sa.select(Tweet).where(Tweet.account_id == account_id).order_by(Tweet.created_at)))


def test_faces_in_photos_are_soft_voted_with_the_text_and_both_breakdowns_are_kept(ctx, classifier, account):
    job = start(account["username"])
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded", (job.error_code, job.error_message)
    assert "photos" in job.timings
    smiling, coffee, video, plain = tweets_oldest_first(job.account_id)
    assert smiling.faces == 1 and smiling.face_emotions["joy"] > 0.5
    assert (coffee.faces, coffee.face_emotions) == (0, None)  # read, no face: the text alone
    assert (video.faces, plain.faces) == (None, None)  # nothing read

    analysis = job.analysis
    assert analysis.face_tweet_count == 1
    assert analysis.breakdown["joy"] > analysis.text_breakdown["joy"]
    assert analysis.breakdown["sadness"] < analysis.text_breakdown["sadness"]
    shown = schemas.Analysis.of(analysis)
    assert shown.faces.tweets == 1 and shown.faces.text_breakdown == analysis.text_breakdown

    # The faces' mean is what the soft vote used; the text's own probabilities stay as classified.
    text = db.session.scalar(sa.select(TweetEmotion).where(TweetEmotion.tweet_id == smiling.id)).probs
    assert text["sadness"] > 0.5
    w_text, w_faces = DEFAULT_WEIGHTS
    fused = {k: (w_text * text[k] + w_faces * smiling.face_emotions[k]) / (w_text + w_faces) for k in LABELS}
    assert fused["joy"] > text["joy"]


def test_photos_are_capped_per_job(app, ctx, classifier, account):
    app.config["PHOTO_LIMIT"] = 1  # the newest tweet's photo first: the one with no photo, then the video, coffee
    job = start(account["username"])
    run(job, classifier)
    job = reload(job)
    smiling, coffee, _, _ = tweets_oldest_first(job.account_id)
    assert coffee.faces == 0 and smiling.faces is None and job.analysis.face_tweet_count == 0
    assert job.analysis.text_breakdown == job.analysis.breakdown


def test_unreachable_photos_are_skipped_and_the_analysis_goes_on(ctx, classifier, local_twitter):
    user = new_account(local_twitter, "badphoto", [{"text": SAD, "media": [photo("3_9", "missing.jpg")]}, SAD])
    job = start(user["username"])
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded" and job.analysis.face_tweet_count == 0
    assert count(Tweet, Tweet.account_id == job.account_id, Tweet.faces.is_not(None)) == 0


def test_with_photos_turned_off_none_is_fetched(app, ctx, classifier, account, local_twitter):
    app.config["READ_PHOTOS"] = False
    job = start(account["username"])
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded" and job.analysis.face_tweet_count == 0
    assert all(tweet.faces is None for tweet in tweets_oldest_first(job.account_id))
    assert "photos" not in job.timings


def test_the_demo_worlds_cheerful_persona_posts_a_smiling_face(ctx, classifier):
    job = start("sunny_sam")
    run(job, classifier)
    job = reload(job)
    assert job.state == "succeeded" and job.analysis.face_tweet_count == 3  # build_demo.DEMO_PHOTOS
    assert job.analysis.status == "Cheerful"


def test_storing_a_tweet_again_without_its_photos_read_keeps_its_faces(ctx, classifier, account):
    from server.models import Account
    from server.pipelines.analysis import store_tweets
    from server.twitter import TimelineTweet

    job = start(account["username"])
    run(job, classifier)
    job = reload(job)
    smiling = tweets_oldest_first(job.account_id)[0]
    again = TimelineTweet(
        id=smiling.id, created_at=smiling.created_at, text=smiling.text, kind="own",
        likes=1, retweets=0, replies=0, quotes=0, hashtags=(),
    )  # fmt: skip
    # An archive import, or a later fetch past PHOTO_LIMIT, stores the tweet without reading its photos.
    store_tweets(db.session.get(Account, job.account_id), [again])
    db.session.commit()
    stored = db.session.get(Tweet, smiling.id, populate_existing=True)
    assert stored.like_count == 1 and stored.faces == 1 and stored.face_emotions["joy"] > 0.5
