"""The mention bot: poll the bot account's mentions, act on each command, and reply exactly once in its thread.

Exactly once, across restarts, re-deliveries and killed workers (STYLE habit 11):

1. every mention of a page is recorded as a ``HandledMention`` row (unique ``mention_id``) before ``since_id``
   moves past it, so a mention is never skipped;
2. a poll takes a row by setting its lease (a conditional update: only one poll holds it), acts, posts the reply,
   and stores ``reply_id``;
3. a row without ``reply_id`` whose lease ran out was interrupted, maybe after posting: the bot first looks for
   its own reply to that mention and records it instead of posting a second one.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import sqlalchemy as sa
import tweepy
from flask import current_app

from server import jobs, privacy, twitter
from server.bot.replies import compose_reply, parse_command
from server.db import write
from server.extensions import db
from server.jobs.kinds import ANALYSIS, RECOMMENDATIONS
from server.links import result_url
from server.models import BotState, HandledMention, Job, insert_ignore, utcnow
from server.twitter import Mention, TwitterError, TwitterRejected

logger = logging.getLogger(__name__)

STATE_ID = 1
NO_REPLY = ""  # reply_id of a mention that cannot be answered (deleted, or its author is gone)
JOB_KINDS = {"analyse": ANALYSIS.name, "recommend": RECOMMENDATIONS.name}  # bot command -> job kind


def is_enabled(client: tweepy.Client | None) -> bool:
    """Whether the bot can run: user-context credentials and a key to sign result links."""
    return client is not None and bool(current_app.config.get("SECRET_KEY"))


def _state() -> BotState:
    state = db.session.get(BotState, STATE_ID)
    if state is None:
        insert_ignore(BotState, [{"id": STATE_ID}])
        db.session.commit()
        state = db.session.get_one(BotState, STATE_ID)
    return state


def record_mentions(mentions: list[Mention]) -> None:
    """Record mentions as unanswered rows (no lease yet); ones already recorded are left as they are."""
    rows = [{"mention_id": m.id, "author_id": m.author_id, "command": parse_command(m.text)} for m in mentions]
    insert_ignore(HandledMention, [{**row, "created_at": utcnow()} for row in rows])
    db.session.commit()


def _pending() -> list[HandledMention]:
    """Unanswered rows that no poll holds: never taken (no lease) or interrupted (lease ran out), oldest first.

    "forget me" comes after everything else: it deletes its author's rows, and the author's other mentions of
    the same poll must be answered first.
    """
    free = sa.or_(HandledMention.lease_until.is_(None), HandledMention.lease_until < utcnow())
    query = sa.select(HandledMention).where(HandledMention.reply_id.is_(None), free)
    return sorted(db.session.scalars(query), key=lambda row: (row.command == "forget", int(row.mention_id)))


def _take(row: HandledMention) -> bool:
    """Lease the row for this poll; False when another poll took it first."""
    previous = row.lease_until
    same = HandledMention.lease_until.is_(None) if previous is None else HandledMention.lease_until == previous
    lease = timedelta(seconds=current_app.config["BOT_LEASE_SECONDS"])
    changed = write(
        sa.update(HandledMention)
        .where(HandledMention.mention_id == row.mention_id, HandledMention.reply_id.is_(None), same)
        .values(lease_until=utcnow() + lease)
    )
    db.session.commit()
    return changed == 1


def _store_reply(mention_id: str, reply_id: str, command: str, job_id: str | None) -> None:
    """Record the reply; re-creates the row if "forget me" deleted it (its author id is not kept then)."""
    values = {"reply_id": reply_id, "replied_at": utcnow(), "lease_until": None}
    changed = write(sa.update(HandledMention).where(HandledMention.mention_id == mention_id).values(**values))
    if changed == 0:
        keep = {"mention_id": mention_id, "author_id": "", "command": command, "job_id": job_id, **values}
        insert_ignore(HandledMention, [keep])
    db.session.commit()


def _start_job(row: HandledMention, username: str, kind: str) -> str:
    """Consent from the mention, then the account's job of ``kind`` (joined if active); the job id."""
    if row.job_id is not None and db.session.get(Job, row.job_id) is not None:
        return row.job_id  # an interrupted poll started it already
    privacy.grant_consent(username, "mention", twitter_id=row.author_id)
    job, new = jobs.request_job(username, kind)  # commits the consent too
    db.session.execute(
        sa.update(HandledMention).where(HandledMention.mention_id == row.mention_id).values(job_id=job.id)
    )
    db.session.commit()
    if new:
        with contextlib.suppress(jobs.QueueUnavailable):  # the job is marked failed; the private page says so
            jobs.enqueue(job)
    return job.id


def act(row: HandledMention, username: str) -> tuple[str | None, str | None]:
    """Carry out the mention's command for its author only; (private link or None, job id or None)."""
    command = row.command
    if command in JOB_KINDS:
        job_id = _start_job(row, username, JOB_KINDS[command])
        return result_url(job_id, username), job_id
    if command == "forget":
        privacy.forget_account(username, row.author_id)  # commits; deletes the author's handled mentions too
    elif command == "stop":
        privacy.revoke_consent(username)
        db.session.commit()
    return None, None


def handle(client: tweepy.Client, bot_id: str, row: HandledMention, usernames: dict[str, str]) -> str | None:
    """Answer one recorded mention exactly once; the reply's id (None: another poll holds it)."""
    interrupted = row.lease_until is not None
    mention_id, command, author_id, job_id = row.mention_id, row.command, row.author_id, row.job_id
    if not _take(row):
        return None
    if interrupted:
        earlier = twitter.find_reply(client, bot_id, mention_id)
        if earlier is not None:
            logger.info("mention %s was answered by %s before an interruption", mention_id, earlier)
            _store_reply(mention_id, earlier, command, job_id)
            return earlier
    username = usernames.get(author_id) or twitter.username_of(client, author_id)
    if not username:
        _store_reply(mention_id, NO_REPLY, command, None)
        return None
    link, job_id = act(row, username)
    text = compose_reply(command, mention_id, link)
    try:
        reply_id = twitter.post_reply(client, mention_id, text)
    except TwitterRejected as error:
        # A duplicate-text refusal means this very reply exists (its text is unique to the mention); otherwise
        # the mention was deleted or hidden and there is nothing to answer.
        logger.warning("reply to mention %s refused: %s", mention_id, error)
        reply_id = twitter.find_reply(client, bot_id, mention_id) or NO_REPLY
    _store_reply(mention_id, reply_id, command, job_id)
    logger.info("mention %s (%s) answered with %s", mention_id, command, reply_id or "nothing")
    return reply_id


def poll_mentions(client: tweepy.Client | None) -> dict:
    """One poll: record new mentions, advance ``since_id``, answer every unanswered one; counts of what happened."""
    if not is_enabled(client):
        logger.info("bot off: set BOT_USERNAME, the four TWITTER_* user-context credentials and SECRET_KEY")
        return {"enabled": False, "mentions": 0, "replies": 0}
    bot_id = twitter.bot_user_id(client)
    state = _state()
    usernames: dict[str, str] = {}
    newest, seen = state.mentions_since_id, 0
    for page in twitter.iter_mentions(client, bot_id, state.mentions_since_id):
        record_mentions(page)
        seen += len(page)
        usernames.update({m.author_id: m.username for m in page})
        newest = max([newest, *(m.id for m in page)], key=lambda i: int(i or 0))
    # Pages come newest first: since_id moves only once every page is recorded, so none is skipped.
    state = _state()
    state.mentions_since_id, state.polled_at = newest, utcnow()
    db.session.commit()
    replies = 0
    for mention_id in [row.mention_id for row in _pending()]:
        # Re-read: a "forget me" answered meanwhile deletes its author's other rows.
        row = db.session.scalar(sa.select(HandledMention).where(HandledMention.mention_id == mention_id))
        if row is None:
            continue
        try:
            replies += handle(client, bot_id, row, usernames) is not None
        except TwitterError as error:
            # Rows stay leased: the next poll after the lease retries them, checking for a reply first.
            logger.warning("bot poll stopped: %s", error)
            break
    return {"enabled": True, "mentions": seen, "replies": replies}
