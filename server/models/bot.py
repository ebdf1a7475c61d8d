"""The mention bot's state: where it stopped reading, and each mention it handled."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import TWEET_ID_LENGTH, UTCDateTime, utcnow
from server.extensions import Model


class BotState(Model):
    """One row: where the mention poll resumes (the newest mention id already seen)."""

    __tablename__ = "bot_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mentions_since_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HandledMention(Model):
    """A mention the bot took on; the primary key makes a second reply to the same mention impossible.

    The row is written before the reply is posted; ``reply_id`` is filled once Twitter accepted the reply. A row
    without ``reply_id`` whose lease ran out was interrupted: the bot first looks for its own reply in the
    mention's thread before posting again.
    """

    __tablename__ = "handled_mentions"

    mention_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), primary_key=True)
    author_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    command: Mapped[str] = mapped_column(sa.String(16))  # analyse / recommend / forget / stop / help / unknown
    job_id: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
