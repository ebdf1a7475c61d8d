"""The periodic tasks celery beat runs (``config.beat_schedule``).

The bot's mention poll, the retention of tweet text, the re-analysis of stale accounts and the refresh of watched
topics; each is safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from server.bot import poll as bot
from server.pipelines import reanalysis, topic
from server.privacy import drop_old_readings, drop_old_tweet_text
from tasks.names import DROP_OLD_TWEET_TEXT, POLL_MENTIONS, REANALYSE_STALE, REFRESH_TOPICS


@shared_task(name=POLL_MENTIONS, soft_time_limit=240, time_limit=300)
def poll_mentions() -> dict:
    """Answer the bot's new mentions, once each (safe to re-run: handled mentions are in the database)."""
    return bot.poll_mentions(current_app.extensions["bot_twitter"])


@shared_task(name=DROP_OLD_TWEET_TEXT, soft_time_limit=600, time_limit=660)
def drop_old_tweet_text_task() -> int:
    """Blank old tweet text and delete old emotion readings (idempotent); 0 days keeps either forever.

    Returns the number of tweets blanked.
    """
    config = current_app.config
    if config["READING_RETENTION_DAYS"] > 0:
        drop_old_readings(config["READING_RETENTION_DAYS"])
    days = config["TWEET_RETENTION_DAYS"]
    if days <= 0:
        return 0
    return drop_old_tweet_text(days)


@shared_task(name=REANALYSE_STALE, ignore_result=True, soft_time_limit=300, time_limit=360)
def reanalyse_stale() -> str | None:
    """Start a run over accounts not analysed for ``ADMIN_REANALYSE_DAYS`` days (0: off); return its id."""
    days = current_app.config["ADMIN_REANALYSE_DAYS"]
    if days <= 0:
        return None
    # Safe to deliver twice (acks_late): a second run joins the first one's active jobs instead of doubling them.
    run = reanalysis.start_run(days, requested_by="beat")
    return run.id


@shared_task(name=REFRESH_TOPICS, ignore_result=True, soft_time_limit=120, time_limit=150)
def refresh_topics() -> list[str]:
    """Start the refresh of every watched topic (safe twice: an active job is joined, not doubled)."""
    return topic.refresh_watched()
