"""The mention bot in real worker processes: a worker killed mid-reply, a new one, still one reply per mention."""

from __future__ import annotations

import time

import sqlalchemy as sa

from server.dev.twitter_local import DEMO_CONSUMER_KEY
from server.extensions import db
from server.models import HandledMention
from tasks.names import POLL_MENTIONS as POLL_TASK
from tests.server.fixtures_app import new_account

LEASE_SECONDS = 3
POST_DELAY = 5  # seconds the local API sits on the first reply before posting it


def bot_env(bot_user: dict) -> dict:
    """The worker's bot settings: user-context credentials on the local API, a short lease, a patient client."""
    return {
        "BOT_USERNAME": bot_user["username"],
        "TWITTER_CONSUMER_KEY": DEMO_CONSUMER_KEY,
        "TWITTER_CONSUMER_SECRET": "local-secret",
        "TWITTER_ACCESS_TOKEN": f"{bot_user['id']}-bottoken",
        "TWITTER_ACCESS_TOKEN_SECRET": "local-access-secret",
        "SECRET_KEY": "worker-test-secret-of-24-chars-or-more",
        "BOT_LEASE_SECONDS": LEASE_SECONDS,
        "TWITTER_TIMEOUT": POST_DELAY * 4,  # the slow post is interrupted by the kill, not by a timeout
    }


def rows(stack) -> list[HandledMention]:
    """The handled-mention rows, freshly read."""
    with stack.app.app_context():
        found = list(db.session.scalars(sa.select(HandledMention)))
        db.session.expunge_all()
        return found


def wait_for(condition, timeout: float, what: str):
    """Poll ``condition`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_reply_never_makes_the_bot_reply_twice(fresh_stack, local_twitter):
    bot_user = new_account(local_twitter, "wbot")
    texts = [f"@{bot_user['username']} {text}" for text in ("help", "what is this?", "HELP me!")]
    fans = [new_account(local_twitter, "fan") for _ in texts]
    mentions = [local_twitter.add_tweet({"author_id": fan["id"], "text": t}) for fan, t in zip(fans, texts)]
    ids = sorted(m["id"] for m in mentions)

    def bot_replies() -> list[dict]:
        return [t for t in local_twitter.posted_tweets() if t["author_id"] == bot_user["id"]]

    local_twitter.add_fault("^/2/tweets$", method="POST", delay=POST_DELAY, times=1)
    first = fresh_stack.start_worker(**bot_env(bot_user))
    celery = fresh_stack.app.extensions["celery"]
    celery.send_task(POLL_TASK)
    # The handled rows are written and the first one taken before its reply is posted: kill the worker then.
    wait_for(lambda: any(r.lease_until is not None for r in rows(fresh_stack)), 120, "a leased mention")
    assert {r.mention_id for r in rows(fresh_stack)} == set(ids)
    time.sleep(1)  # the reply's POST is now sitting in the local API's delay
    first.kill()
    assert all(r.reply_id is None for r in rows(fresh_stack))
    # The local API finishes that request anyway: the reply exists, but the database never heard of it.
    wait_for(lambda: len(bot_replies()) == 1, POST_DELAY * 3, "the interrupted reply to land")

    fresh_stack.start_worker(**bot_env(bot_user))

    def all_answered() -> bool:
        celery.send_task(POLL_TASK)  # as beat would, every few seconds
        time.sleep(1)
        return all(r.reply_id for r in rows(fresh_stack))

    wait_for(all_answered, 120, "every mention answered")
    posted = bot_replies()
    threads = sorted(next(ref["id"] for ref in t["referenced_tweets"] if ref["type"] == "replied_to") for t in posted)
    assert threads == ids  # exactly one reply per mention, each in its thread
    by_id = {r.mention_id: r.reply_id for r in rows(fresh_stack)}
    assert sorted(by_id.values()) == sorted(t["id"] for t in posted)

    celery.send_task(POLL_TASK)  # one more poll changes nothing
    time.sleep(3)
    assert len(bot_replies()) == len(ids)
