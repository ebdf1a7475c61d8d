"""The follower graph in the database: edges, known usernames and hashtags, a version and a change log.

Every change of the edges bumps ``graph_state.version`` in the same transaction and logs the edges it added or
removed in ``graph_changes``, so a worker's :class:`~server.graph.cache.GraphCache` notices a change with one cheap
query and replays the few edges a recommendation job changed instead of reloading 1.8 million (an import or a
deletion logs a marker that makes workers reload).
Writers insert with ``ON CONFLICT DO NOTHING`` through the DBAPI (``executemany`` on SQLite, ``COPY`` into a
staging table on PostgreSQL): ORM objects would make the bulk import (1.8 million SNAP edges) minutes slower,
and the row counts tell how many rows were new.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.extensions import db
from server.models import Account, Follow, GraphAccount, GraphChange, GraphHashtag, GraphState, utcnow

logger = logging.getLogger(__name__)

STATE_ID = 1  # the one graph_state row
WRITE_CHUNK = 50_000  # rows per executemany: big enough to be fast, small enough to stay light on memory
FETCH_CHUNK = 100_000  # edges per fetchmany while loading
CHANGE_LOG_MAX = 10_000  # edges one version may log; a bigger change makes workers reload instead
CHANGE_LOG_KEEP = 1_000  # versions of changes kept; a worker further behind reloads
IN_CHUNK = 500  # ids per ``IN (...)`` (old SQLite builds allow at most 999 parameters)
MAX_ID = 2**63 - 1  # BIGINT
MAX_TAG_LENGTH = 140
DIRECTIONS = ("following", "followers")
FOLLOW_COLUMNS = ("follower_id", "followee_id", "source")


# --- version ----------------------------------------------------------------------------------------------


def graph_version() -> int:
    """The graph's version (``graph_state`` row 1), 0 before anything was stored."""
    return db.session.scalar(sa.select(GraphState.version).where(GraphState.id == STATE_ID)) or 0


def bump_graph_version(changes: Sequence[tuple[int, int, bool]] | None = None) -> int:
    """Add 1 to the graph's version in the caller's transaction and log ``changes``; returns the new version.

    ``changes`` are ``(follower_id, followee_id, added)``; listing an edge that was already there (or already
    gone) is harmless. None, or more than ``CHANGE_LOG_MAX`` edges, logs a marker that makes workers reload.
    """
    insert = (postgresql if _dialect() == "postgresql" else sqlite).insert(GraphState)
    # One upsert statement, not read-then-write: concurrent writers serialize on the row (PostgreSQL) or the
    # database lock (SQLite), and none of them loses an increment.
    statement = insert.values(id=STATE_ID, version=1, updated_at=utcnow()).on_conflict_do_update(
        index_elements=["id"], set_={"version": GraphState.version + 1, "updated_at": insert.excluded.updated_at}
    )
    version = db.session.execute(statement.returning(GraphState.version)).scalar_one()
    if changes is None or len(changes) > CHANGE_LOG_MAX:
        rows = [{"version": version, "follower_id": None, "followee_id": None, "added": True}]
    else:
        rows = [{"version": version, "follower_id": f, "followee_id": e, "added": bool(a)} for f, e, a in changes]
    db.session.execute(sa.insert(GraphChange), rows)
    if version % 100 == 0:  # now and then, not on every bump
        db.session.execute(sa.delete(GraphChange).where(GraphChange.version <= version - CHANGE_LOG_KEEP))
    return version


def graph_changes(after: int, upto: int) -> list[tuple[int, int, bool]] | None:
    """The edge changes of versions ``after + 1 .. upto`` in order, or None when they cannot be replayed."""
    rows = db.session.execute(
        sa.select(GraphChange.version, GraphChange.follower_id, GraphChange.followee_id, GraphChange.added)
        .where(GraphChange.version > after, GraphChange.version <= upto)
        .order_by(GraphChange.version, GraphChange.id)
    ).all()
    if {row.version for row in rows} != set(range(after + 1, upto + 1)):
        return None  # pruned, or bumped by an older writer that logged nothing
    if any(row.follower_id is None for row in rows):
        return None
    return [(row.follower_id, row.followee_id, row.added) for row in rows]


# --- writes (the caller commits) --------------------------------------------------------------------------


def store_follows(edges: Iterable[tuple[int, int]], source: str = "twitter") -> int:
    """Insert ``(follower_id, followee_id)`` edges not stored yet; returns how many were new (and bumps if any)."""
    rows = [(int(follower), int(followee), source) for follower, followee in edges]
    new = insert_rows("follows", FOLLOW_COLUMNS, rows)
    if new:
        bump_graph_version([(follower, followee, True) for follower, followee, _ in rows])
    return new


def replace_follows(node: int, direction: str, current: Iterable[int]) -> None:
    """Make ``node``'s stored ``following`` (or ``followers``) list equal to ``current``, a complete Twitter list."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    node = int(node)
    following = direction == "following"
    mine, other = (Follow.follower_id, Follow.followee_id) if following else (Follow.followee_id, Follow.follower_id)
    stored = set(db.session.scalars(sa.select(other).where(mine == node)))
    current = {int(other_id) for other_id in current}
    gone = sorted(stored - current)
    # Whatever their source: Twitter's complete list is the truth, also about edges an old import brought in.
    for chunk in _chunks(gone, IN_CHUNK):
        db.session.execute(sa.delete(Follow).where(mine == node, other.in_(chunk)))
    added = sorted(current - stored)
    rows = [(node, other_id, "twitter") if following else (other_id, node, "twitter") for other_id in added]
    new = insert_rows("follows", FOLLOW_COLUMNS, rows)
    if gone or new:
        removed = [(node, other_id, False) if following else (other_id, node, False) for other_id in gone]
        bump_graph_version(removed + [(follower, followee, True) for follower, followee, _ in rows])


def store_graph_accounts(rows: Iterable[tuple[int, str | None]]) -> None:
    """Remember the usernames of graph nodes; ``None`` never overwrites a username we know."""
    latest: dict[int, str | None] = {}
    for twitter_id, username in rows:
        if username is not None or int(twitter_id) not in latest:
            latest[int(twitter_id)] = username
    if not latest:
        return
    marks = _marks(2)
    statement = (
        f"INSERT INTO graph_accounts (twitter_id, username) VALUES ({marks}) ON CONFLICT (twitter_id) "
        "DO UPDATE SET username = COALESCE(excluded.username, graph_accounts.username)"
    )
    connection = db.session.connection()
    for chunk in _chunks(sorted(latest.items()), WRITE_CHUNK):
        connection.exec_driver_sql(statement, chunk)


# --- reads ------------------------------------------------------------------------------------------------


def usernames(nodes: Iterable[int]) -> dict[int, str]:
    """Known usernames of ``nodes``: from ``graph_accounts``, overridden by ``accounts`` (analysed accounts)."""
    nodes = sorted({int(node) for node in nodes})
    found: dict[int, str] = {}
    for chunk in _chunks(nodes, IN_CHUNK):
        rows = db.session.execute(
            sa.select(GraphAccount.twitter_id, GraphAccount.username).where(
                GraphAccount.twitter_id.in_(chunk), GraphAccount.username.is_not(None)
            )
        )
        found.update((int(twitter_id), username) for twitter_id, username in rows if username is not None)
        # accounts.twitter_id is a string; an account we analysed carries the freshest username.
        analysed = db.session.execute(
            sa.select(Account.twitter_id, Account.username).where(Account.twitter_id.in_([str(n) for n in chunk]))
        )
        found.update((int(twitter_id), username) for twitter_id, username in analysed)
    return found


def account_hashtags(nodes: Iterable[int]) -> dict[int, list[str]]:
    """The hashtags each of ``nodes`` used (sorted); nodes without any are left out."""
    nodes = sorted({int(node) for node in nodes})
    tags: dict[int, list[str]] = {}
    for chunk in _chunks(nodes, IN_CHUNK):
        rows = db.session.execute(
            sa.select(GraphHashtag.twitter_id, GraphHashtag.tag)
            .where(GraphHashtag.twitter_id.in_(chunk))
            .order_by(GraphHashtag.twitter_id, GraphHashtag.tag)
        )
        for twitter_id, tag in rows:
            tags.setdefault(int(twitter_id), []).append(tag)
    return tags


# --- helpers ----------------------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _marks(count: int) -> str:
    """DBAPI placeholders: sqlite3 takes ``?``, psycopg ``%s``."""
    return ", ".join(["?" if _dialect() == "sqlite" else "%s"] * count)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert rows in the session's transaction, skipping existing keys; returns how many were inserted."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copyinsert_rows(connection, table, columns, rows)
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))}) ON CONFLICT DO NOTHING"
    inserted = 0
    for chunk in _chunks(rows, WRITE_CHUNK):
        # sqlite3 sums executemany's row counts, and a skipped row counts 0.
        inserted += connection.exec_driver_sql(statement, chunk).rowcount
    return inserted


def _copyinsert_rows(connection: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """PostgreSQL: COPY into a temporary table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

    More than twice as fast as ``executemany`` on the SNAP import. The staging table lives until the transaction
    ends and is emptied before each use, so two calls in one transaction do not see each other's rows.
    """
    names = ", ".join(columns)
    staging = f"staging_{table}"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {staging}")
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ON CONFLICT DO NOTHING")
        return cursor.rowcount
    finally:
        cursor.close()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
