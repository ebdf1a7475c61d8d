"""The schema: migrations match the models, idempotent writes, one active job per username, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.models import Account, Job, Tweet, insert_ignore, upsert


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def tweet_row(tweet_id: str, account_id: int, likes: int = 0) -> dict:
    moment = datetime(2026, 11, 20, 12, tzinfo=UTC)
    return {
        "id": tweet_id,
        "account_id": account_id,
        "created_at": moment,
        "text": "hi",
        "kind": "own",
        "like_count": likes,
    }


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_upsert_updates_and_insert_ignore_skips(ctx):
    account = Account(twitter_id="1", username="a", username_key="a")
    db.session.add(account)
    db.session.flush()
    upsert(Tweet, [tweet_row("10", account.id, likes=1)], ["like_count"])
    upsert(Tweet, [tweet_row("10", account.id, likes=5), tweet_row("11", account.id)], ["like_count"])
    insert_ignore(Tweet, [tweet_row("11", account.id, likes=99)])
    db.session.commit()
    likes = dict(db.session.execute(sa.select(Tweet.id, Tweet.like_count)).all())
    assert likes == {"10": 5, "11": 0}


def test_only_one_active_job_per_username(ctx):
    db.session.add(Job(username="Jack", username_key="jack"))
    db.session.commit()
    db.session.add(Job(username="jack", username_key="jack"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.scalar(sa.select(Job)).state = "succeeded"
    db.session.add(Job(username="jack", username_key="jack"))
    db.session.commit()


def test_times_come_back_timezone_aware_utc(ctx):
    eastern = timezone(timedelta(hours=-5))
    job = Job(username="t", username_key="t", lease_until=datetime(2026, 1, 1, 7, tzinfo=eastern))
    db.session.add(job)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, job.id).lease_until == datetime(2026, 1, 1, 12, tzinfo=UTC)
