"""The retention task: blank the text of tweets older than ``TWEET_RETENTION_DAYS`` (run daily by beat)."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from server.privacy import drop_old_tweet_text

DROP_OLD_TWEET_TEXT_TASK = "mood.drop_old_tweet_text"


@shared_task(name=DROP_OLD_TWEET_TEXT_TASK, soft_time_limit=600, time_limit=660)
def drop_old_tweet_text_task() -> int:
    """Blank old tweet text (idempotent: a re-run finds nothing left to blank); 0 days keeps text forever."""
    days = current_app.config["TWEET_RETENTION_DAYS"]
    if days <= 0:
        return 0
    return drop_old_tweet_text(days)
