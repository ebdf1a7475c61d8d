"""The mention bot's periodic task (celery beat runs it every ``BOT_POLL_SECONDS``)."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from server import bot

POLL_TASK = "mood.poll_mentions"


@shared_task(name=POLL_TASK, soft_time_limit=240, time_limit=300)
def poll_mentions() -> dict:
    """Answer the bot's new mentions, once each (safe to re-run: handled mentions are in the database)."""
    return bot.poll_mentions(current_app.extensions["bot_twitter"])
