"""The mention bot end to end against the local Twitter API: one reply per mention, in its thread, ever."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa

from config import TestConfig
from server import create_app
from server.bot import poll as bot
from server.bot.replies import FORBIDDEN_WORDS
from server.dev.twitter_local import DEMO_CONSUMER_KEY
from server.extensions import db
from server.models import Account, BotState, Consent, HandledMention, Job, utcnow
from tests.server.conftest import make_user_client
from tests.server.fixtures_app import app_settings, new_account


def bot_settings(bot_user: dict) -> dict:
    """The bot's user-context credentials on the local API (access tokens start with the account's id)."""
    return {
        "BOT_USERNAME": bot_user["username"],
        "TWITTER_CONSUMER_KEY": DEMO_CONSUMER_KEY,
        "TWITTER_CONSUMER_SECRET": "local-secret",
        "TWITTER_ACCESS_TOKEN": f"{bot_user['id']}-bottoken",
        "TWITTER_ACCESS_TOKEN_SECRET": "local-access-secret",
        "BOT_LEASE_SECONDS": 60,
    }


@pytest.fixture
def bot_user(local_twitter):
    """A bot account of its own for each test, so no other test's mentions reach it."""
    return new_account(local_twitter, "bot")


@pytest.fixture
def bot_app(tmp_path, migrated_sqlite, local_twitter, bot_user):
    """The app with the bot's credentials, on a fresh database."""
    shutil.copy(migrated_sqlite, tmp_path / "mood.db")
    settings = app_settings(
        f"sqlite:///{tmp_path / 'mood.db'}",
        f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        local_twitter.url,
        **bot_settings(bot_user),
    )
    app = create_app(TestConfig, settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def poll(app) -> dict:
    """One poll, as the task runs it."""
    return bot.poll_mentions(app.extensions["bot_twitter"])


def mention(api, bot_user: dict, text: str, author: dict | None = None) -> tuple[dict, dict]:
    """A new account (unless given) mentioning the bot with ``text``; (author, tweet)."""
    author = author or new_account(api, "fan")
    tweet = api.add_tweet({"author_id": author["id"], "text": f"@{bot_user['username']} {text}"})
    return author, tweet


def replies(api, bot_user: dict) -> list[dict]:
    """The tweets the bot posted."""
    return [t for t in api.posted_tweets() if t["author_id"] == bot_user["id"]]


def replied_to(tweet: dict) -> str:
    return next(ref["id"] for ref in tweet["referenced_tweets"] if ref["type"] == "replied_to")


def row(mention_id: str) -> HandledMention | None:
    db.session.expire_all()
    return db.session.get(HandledMention, mention_id)


def test_each_mention_gets_exactly_one_reply_in_its_thread(bot_app, local_twitter, bot_user):
    _, first = mention(local_twitter, bot_user, "please ANALYSE me!!")
    _, second = mention(local_twitter, bot_user, "what do you do?")
    _, third = mention(local_twitter, bot_user, "recommend me some friends")
    assert poll(bot_app) == {"enabled": True, "mentions": 3, "replies": 3}

    posted = replies(local_twitter, bot_user)
    assert sorted(replied_to(t) for t in posted) == sorted([first["id"], second["id"], third["id"]])
    assert len({t["text"] for t in posted}) == 3
    for tweet in posted:
        assert not [word for word in FORBIDDEN_WORDS if word in tweet["text"].split("https://")[0].lower()]
    by_mention = {replied_to(t): t for t in posted}
    assert "https://mood.test/r/" in by_mention[first["id"]]["text"]
    assert "https://mood.test/r/" not in by_mention[second["id"]]["text"]
    assert row(first["id"]).reply_id == by_mention[first["id"]]["id"]
    assert db.session.get(BotState, bot.STATE_ID).mentions_since_id == third["id"]

    assert poll(bot_app) == {"enabled": True, "mentions": 0, "replies": 0}
    assert len(replies(local_twitter, bot_user)) == 3


def test_a_restart_with_a_fresh_since_id_replies_nothing_new(bot_app, local_twitter, bot_user):
    mention(local_twitter, bot_user, "analyse me")
    poll(bot_app)
    db.session.execute(sa.update(BotState).values(mentions_since_id=None))  # as if the state were lost
    db.session.commit()
    assert poll(bot_app)["replies"] == 0
    assert len(replies(local_twitter, bot_user)) == 1


def test_many_mentions_are_paged_and_all_answered(bot_app, local_twitter, bot_user):
    fan = new_account(local_twitter, "chatty")
    for number in range(103):
        mention(local_twitter, bot_user, f"help {number}", author=fan)
    assert poll(bot_app)["replies"] == 103
    assert len(replies(local_twitter, bot_user)) == 103


def test_an_interrupted_mention_whose_reply_was_posted_is_not_answered_again(bot_app, local_twitter, bot_user):
    _, tweet = mention(local_twitter, bot_user, "analyse me")
    expired = utcnow() - timedelta(seconds=5)
    db.session.add(HandledMention(mention_id=tweet["id"], author_id=tweet["author_id"], command="analyse",
                                  lease_until=expired))  # fmt: skip
    db.session.commit()
    bot_client = make_user_client(local_twitter.url, bot_user["id"])
    earlier = bot_client.create_tweet(text="an earlier reply", in_reply_to_tweet_id=tweet["id"], user_auth=True)

    poll(bot_app)
    assert len(replies(local_twitter, bot_user)) == 1
    assert row(tweet["id"]).reply_id == str(earlier.data["id"])


def test_an_interrupted_mention_without_a_reply_is_answered_once(bot_app, local_twitter, bot_user):
    _, tweet = mention(local_twitter, bot_user, "help")
    db.session.add(HandledMention(mention_id=tweet["id"], author_id=tweet["author_id"], command="help",
                                  lease_until=utcnow() - timedelta(seconds=5)))  # fmt: skip
    db.session.commit()
    poll(bot_app)
    poll(bot_app)
    posted = replies(local_twitter, bot_user)
    assert [replied_to(t) for t in posted] == [tweet["id"]]


def test_a_mention_another_poll_holds_is_left_alone(bot_app, local_twitter, bot_user):
    _, tweet = mention(local_twitter, bot_user, "help")
    db.session.add(HandledMention(mention_id=tweet["id"], author_id=tweet["author_id"], command="help",
                                  lease_until=utcnow() + timedelta(seconds=60)))  # fmt: skip
    db.session.commit()
    assert poll(bot_app)["replies"] == 0
    assert replies(local_twitter, bot_user) == []


def test_analyse_me_consents_and_starts_a_job_for_the_author_only(bot_app, local_twitter, bot_user):
    other = new_account(local_twitter, "bystander")
    author, tweet = mention(local_twitter, bot_user, f"analyse me, not @{other['username']}")
    poll(bot_app)
    key = author["username"].lower()
    consent = db.session.get(Consent, key)
    assert consent is not None and consent.source == "mention" and consent.twitter_id == author["id"]
    job = db.session.scalar(sa.select(Job).where(Job.username_key == key))
    assert job.kind == "analysis" and row(tweet["id"]).job_id == job.id
    assert db.session.get(Consent, other["username"].lower()) is None
    assert db.session.scalar(sa.select(Job).where(Job.username_key == other["username"].lower())) is None

    # The reply's private link shows the job without an API key.
    link = replies(local_twitter, bot_user)[0]["text"].split("https://mood.test")[1].split()[0]
    page = bot_app.test_client().get(link)
    assert page.status_code == 200 and page.get_json()["job"]["state"] == "pending"


def test_recommend_starts_a_recommendations_job(bot_app, local_twitter, bot_user):
    author, _ = mention(local_twitter, bot_user, "Recommend!")
    poll(bot_app)
    job = db.session.scalar(sa.select(Job).where(Job.username_key == author["username"].lower()))
    assert job.kind == "recommendations"
    assert db.session.get(Consent, author["username"].lower()) is not None


def test_stop_revokes_consent(bot_app, local_twitter, bot_user):
    author, _ = mention(local_twitter, bot_user, "analyse me")
    poll(bot_app)
    assert db.session.get(Consent, author["username"].lower()) is not None
    mention(local_twitter, bot_user, "opt out", author=author)
    poll(bot_app)
    db.session.expire_all()
    assert db.session.get(Consent, author["username"].lower()) is None
    assert len(replies(local_twitter, bot_user)) == 2


def test_forget_me_deletes_everything_and_still_replies_once(bot_app, local_twitter, bot_user):
    author, first = mention(local_twitter, bot_user, "analyse me")
    poll(bot_app)
    key = author["username"].lower()
    db.session.add(Account(twitter_id=author["id"], username=author["username"], username_key=key))
    db.session.commit()
    _, forget = mention(local_twitter, bot_user, "forget me!", author=author)
    poll(bot_app)
    db.session.expire_all()
    assert db.session.get(Consent, key) is None
    assert db.session.scalar(sa.select(Job).where(Job.username_key == key)) is None
    assert db.session.scalar(sa.select(Account).where(Account.username_key == key)) is None
    kept = row(forget["id"])
    assert kept.reply_id and kept.author_id == ""  # the reply is remembered, the author is not
    assert db.session.scalar(sa.select(HandledMention).where(HandledMention.author_id == author["id"])) is None
    assert sorted(replied_to(t) for t in replies(local_twitter, bot_user)) == sorted([first["id"], forget["id"]])
    poll(bot_app)
    assert len(replies(local_twitter, bot_user)) == 2


def test_forget_me_in_the_same_poll_as_other_mentions_leaves_none_unanswered(bot_app, local_twitter, bot_user):
    author, forget = mention(local_twitter, bot_user, "forget me")
    _, help_ = mention(local_twitter, bot_user, "help", author=author)  # newer than the forget, same poll
    poll(bot_app)
    assert sorted(replied_to(t) for t in replies(local_twitter, bot_user)) == sorted([forget["id"], help_["id"]])
    db.session.expire_all()
    assert db.session.scalar(sa.select(HandledMention).where(HandledMention.author_id == author["id"])) is None
    poll(bot_app)
    assert len(replies(local_twitter, bot_user)) == 2


def test_the_bot_is_off_without_credentials(app, local_twitter):
    assert app.extensions["bot_twitter"] is None
    with app.app_context():
        assert poll(app) == {"enabled": False, "mentions": 0, "replies": 0}
    assert local_twitter.request_log() == []


def test_a_mention_deleted_before_its_reply_is_closed_without_a_reply(bot_app, local_twitter, bot_user):
    author, tweet = mention(local_twitter, bot_user, "help")
    poll_state = db.session.get(BotState, bot.STATE_ID) or BotState(id=bot.STATE_ID)
    poll_state.mentions_since_id = tweet["id"]  # recorded by an earlier poll that stopped before replying
    db.session.merge(poll_state)
    db.session.add(HandledMention(mention_id=tweet["id"], author_id=author["id"], command="help"))
    db.session.commit()
    make_user_client(local_twitter.url, author["id"]).delete_tweet(tweet["id"], user_auth=True)

    poll(bot_app)
    assert replies(local_twitter, bot_user) == []
    assert row(tweet["id"]).reply_id == bot.NO_REPLY
    poll(bot_app)  # closed: not tried again
    attempts = [r for r in local_twitter.request_log() if r["endpoint"] == "create_tweet"]
    assert len([r for r in attempts if r["user_id"] == bot_user["id"]]) == 1
