"""Database helpers every layer shares: the UTC clock, a UTC timestamp column, row ids, idempotent bulk writes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import sqlalchemy as sa

from server.extensions import db

USERNAME_LENGTH = 15
TWEET_ID_LENGTH = 20
MAX_INTEGER_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL)
ID_PATTERN = re.compile(r"[0-9a-f]{32}")  # what new_id() makes


def write(statement: sa.Update | sa.Delete) -> int:
    """Run a bulk UPDATE or DELETE in the session, loaded objects left as they are; the number of rows it changed."""
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return cast(sa.CursorResult, result).rowcount or 0


def new_id() -> str:
    """A new string row id (jobs, admin runs): 32 hex digits."""
    return uuid.uuid4().hex


def find(model, key: str):
    """The row of ``model`` whose :func:`new_id` key is ``key``, or None.

    A key :func:`new_id` cannot make (such as one with a NUL byte) is None without a query: PostgreSQL would answer
    it with an error, not with no row.
    """
    return db.session.get(model, key) if ID_PATTERN.fullmatch(key) else None


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC and read back timezone-aware, the same on SQLite and PostgreSQL."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Aware timestamps are stored as naive UTC."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        """Stored timestamps come back as aware UTC."""
        return value.replace(tzinfo=UTC) if value is not None else None


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported databases
        raise NotImplementedError(f"no upsert for {dialect}")
    return insert(model)


def insert_ignore(model, rows: list[dict]) -> None:
    """Insert rows, skipping those whose primary key already exists (idempotent writes)."""
    if rows:
        db.session.execute(_insert(model).on_conflict_do_nothing(), rows)


def upsert(model, rows: list[dict], update: list[str], fill: Sequence[str] = ()) -> None:
    """Insert rows, or update the ``update`` columns of those whose primary key already exists.

    A ``fill`` column is updated only by a value: a row bringing NULL keeps what is stored (a JSON column among
    them must store None as SQL NULL: ``sa.JSON(none_as_null=True)``).
    """
    if not rows:
        return
    statement = _insert(model)
    keys = [column.name for column in model.__table__.primary_key]
    columns = model.__table__.c
    set_ = {name: statement.excluded[name] for name in update}
    set_.update({name: sa.func.coalesce(statement.excluded[name], columns[name]) for name in fill})
    statement = statement.on_conflict_do_update(index_elements=keys, set_=set_)
    db.session.execute(statement, rows)
