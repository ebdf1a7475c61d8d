"""The follower graph: edges, known usernames and hashtags in the database, a versioned copy in each worker.

Every change of the edges bumps ``graph_state.version`` in the same transaction and logs the edges it added or
removed in ``graph_changes``, so a worker's :class:`GraphCache` notices a change with one cheap query and
replays the few edges a recommendation job changed instead of reloading 1.8 million (an import or a deletion
logs a marker that makes workers reload).
Writers insert with ``ON CONFLICT DO NOTHING`` through the DBAPI (``executemany`` on SQLite, ``COPY`` into a
staging table on PostgreSQL): ORM objects would make the bulk import (1.8 million SNAP edges) minutes slower,
and the row counts tell how many rows were new. The loader reads with a raw cursor for the same reason.

``import_snap`` loads the SNAP ego-Twitter files: it validates the whole input before it writes anything.
"""

from __future__ import annotations

import gc
import gzip
import itertools
import logging
import re
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike

import networkx as nx
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
VERSION_QUERY = f"SELECT version FROM graph_state WHERE id = {STATE_ID}"
EDGES_QUERY = "SELECT follower_id, followee_id FROM follows"
_TRAILING_PUNCTUATION = re.compile(r"\W+$")  # SNAP tokens keep what followed the tag: "#ted." "#sopa:"


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
    new = _insert_ignore("follows", FOLLOW_COLUMNS, rows)
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
    new = _insert_ignore("follows", FOLLOW_COLUMNS, rows)
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
        found.update((int(twitter_id), username) for twitter_id, username in rows)
        # accounts.twitter_id is a string; an account we analysed carries the freshest username.
        rows = db.session.execute(
            sa.select(Account.twitter_id, Account.username).where(Account.twitter_id.in_([str(n) for n in chunk]))
        )
        found.update((int(twitter_id), username) for twitter_id, username in rows)
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


def load_graph() -> nx.DiGraph:
    """Every committed edge as a DiGraph of int ids; ``G.graph["version"]`` is the version of exactly these edges."""
    started = time.perf_counter()
    with _edges_snapshot() as (version, cursor):
        graph = build_graph(iter(lambda: cursor.fetchmany(FETCH_CHUNK), []))
    graph.graph["version"] = version
    logger.info(
        "graph version %d loaded: %d nodes, %d edges in %.1f s",
        version,
        graph.number_of_nodes(),
        graph.number_of_edges(),
        time.perf_counter() - started,
    )
    return graph


def build_graph(batches: Iterable[Sequence[tuple[int, int]]]) -> nx.DiGraph:
    """A DiGraph of distinct ``(u, v)`` edges, filled straight into networkx's adjacency dicts.

    The same structures ``add_edges_from`` fills (one attribute dict per edge, shared by ``_succ`` and ``_pred``;
    one per node in ``_node``) at about two thirds of its cost, which keeps the 1.8-million-edge load under its
    10 s budget on a shared CPU. Edges must be distinct (they come from the primary key): a repeated edge would
    get a fresh attribute dict instead of keeping its first.
    """
    graph = nx.DiGraph()
    succ, pred, node = graph._succ, graph._pred, graph._node
    collecting = gc.isenabled()
    # Millions of new dicts would trigger full collections that find no garbage: a third of the time.
    gc.disable()
    try:
        for batch in batches:
            for u, v in batch:
                data = {}
                try:
                    succ[u][v] = data
                except KeyError:  # u is a new node
                    succ[u] = {v: data}
                    pred.setdefault(u, {})
                    node[u] = {}
                try:
                    pred[v][u] = data
                except KeyError:  # v is a new node
                    pred[v] = {u: data}
                    succ.setdefault(v, {})
                    node[v] = {}
    finally:
        if collecting:
            gc.enable()
    return graph


class GraphCache:
    """The graph of one worker process, reloaded only when the stored version changed; make one after the fork.

    It reads committed data: call ``get()`` after committing graph writes. Not thread-safe (a prefork worker
    runs one task at a time).
    """

    def __init__(self):
        self._graph: nx.DiGraph | None = None
        self.loads = self.replays = 0  # how often it loaded everything / caught up from the change log

    def get(self) -> nx.DiGraph:
        """The graph, loaded on first use, then brought up to the stored version by replaying the logged changes."""
        if self._graph is not None:
            version = graph_version()
            if self._graph.graph["version"] == version:
                return self._graph
            changes = graph_changes(self._graph.graph["version"], version)
            if changes is not None:
                for follower, followee, added in changes:
                    if added:
                        self._graph.add_edge(follower, followee)
                    elif self._graph.has_edge(follower, followee):
                        self._graph.remove_edge(follower, followee)
                self._graph.graph["version"] = version
                self.replays += 1
                return self._graph
        # Drop the old copy before building the new one: two full graphs would not fit a worker's memory budget.
        self._graph = None
        self._graph = load_graph()
        self.loads += 1
        return self._graph


# --- SNAP import ------------------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """A malformed input line: the message is ``PATH:LINE: what is wrong``."""

    def __init__(self, path: str | PathLike, lineno: int, problem: str):
        super().__init__(f"{path}:{lineno}: {problem}")
        self.path = str(path)
        self.lineno = lineno
        self.problem = problem


@dataclass
class ImportStats:
    """What an import read and how much of it was new."""

    edges_read: int
    edges_new: int
    accounts_with_hashtags: int
    hashtags_new: int
    seconds: float


def import_snap(
    edges_path: str | PathLike, hashtags_path: str | PathLike | None = None, *, source: str = "snap"
) -> ImportStats:
    """Import SNAP edges (and node features' hashtags) in one transaction; commits, or raises having written nothing."""
    started = time.perf_counter()
    followers, followees = read_snap_edges(edges_path)
    hashtags = read_snap_hashtags(hashtags_path) if hashtags_path is not None else []
    try:
        edges = zip(followers, followees, itertools.repeat(source))
        edges_new = _insert_ignore("follows", FOLLOW_COLUMNS, edges)
        hashtags_new = _insert_ignore("graph_hashtags", ("twitter_id", "tag"), hashtags)
        if edges_new or hashtags_new:
            bump_graph_version()
        db.session.commit()
    except Exception:
        # Nothing of this import stays, and nothing stored before is touched.
        db.session.rollback()
        raise
    return ImportStats(
        edges_read=len(followers),
        edges_new=edges_new,
        accounts_with_hashtags=len({twitter_id for twitter_id, _ in hashtags}),
        hashtags_new=hashtags_new,
        seconds=round(time.perf_counter() - started, 3),
    )


def read_snap_edges(path: str | PathLike) -> tuple[array, array]:
    """Follower and followee ids of a SNAP edge list (``#`` comments and blank lines skipped), validated."""
    followers, followees = array("q"), array("q")  # 16 bytes an edge, not ~150 as a list of int tuples
    for lineno, line in _numbered_lines(path):
        parts = line.split()
        if not parts or parts[0].startswith(b"#"):
            continue
        if len(parts) != 2 or not (parts[0].isdigit() and parts[1].isdigit()):
            raise ImportFileError(path, lineno, f"expected two non-negative integer ids, got {_show(line)}")
        follower, followee = int(parts[0]), int(parts[1])
        if follower > MAX_ID or followee > MAX_ID:
            raise ImportFileError(path, lineno, f"id larger than {MAX_ID}: {_show(line)}")
        followers.append(follower)
        followees.append(followee)
    return followers, followees


def read_snap_hashtags(path: str | PathLike) -> list[tuple[int, str]]:
    """Distinct ``(node id, hashtag)`` pairs of a SNAP ``node_features.tsv``, validated; ``@`` tokens ignored."""
    pairs: set[tuple[int, str]] = set()
    for lineno, line in _numbered_lines(path):
        if not line.strip():
            continue
        node, tab, features = line.rstrip(b"\r\n").partition(b"\t")
        node = node.strip()
        if lineno == 1 and node == b"node_id":
            continue
        if not tab:
            raise ImportFileError(path, lineno, f"expected 'ID<TAB>features', got {_show(line)}")
        if not node.isdigit() or int(node) > MAX_ID:
            raise ImportFileError(path, lineno, f"expected a non-negative integer node id, got {_show(node)}")
        try:
            tokens = features.decode("utf-8").split()
        except UnicodeDecodeError:
            raise ImportFileError(path, lineno, "features are not valid UTF-8") from None
        twitter_id = int(node)
        pairs.update((twitter_id, tag) for tag in map(normalize_hashtag, tokens) if tag)
    return sorted(pairs)


def normalize_hashtag(token: str) -> str | None:
    """``"#TED."`` -> ``"ted"``: the tag of a SNAP ``#`` token, lower-case; None for other or unusable tokens."""
    if not token.startswith("#"):
        return None
    tag = _TRAILING_PUNCTUATION.sub("", token.lstrip("#")).lower()
    return tag if 0 < len(tag) <= MAX_TAG_LENGTH else None


# --- helpers ----------------------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _marks(count: int) -> str:
    """DBAPI placeholders: sqlite3 takes ``?``, psycopg ``%s``."""
    return ", ".join(["?" if _dialect() == "sqlite" else "%s"] * count)


def _insert_ignore(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert rows in the session's transaction, skipping existing keys; returns how many were inserted."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_insert_ignore(connection, table, columns, rows)
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))}) ON CONFLICT DO NOTHING"
    inserted = 0
    for chunk in _chunks(rows, WRITE_CHUNK):
        # sqlite3 sums executemany's row counts, and a skipped row counts 0.
        inserted += connection.exec_driver_sql(statement, chunk).rowcount
    return inserted


def _copy_insert_ignore(connection: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
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


@contextmanager
def _edges_snapshot() -> Iterator[tuple[int, object]]:
    """The version and a DBAPI cursor over every edge, both read from one committed snapshot."""
    engine = db.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        # An in-memory database is one connection per thread, the session's: closing a second checkout would
        # roll the session back. No other process can write to it, so its uncommitted rows are the graph.
        with _sqlite_edges(db.session.connection().connection.driver_connection) as snapshot:
            yield snapshot
        return
    # A connection of its own: the caller's session may hold uncommitted writes that could still roll back.
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Under read committed each statement would see its own snapshot; the version must match the edges.
            connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            driver = connection.connection.driver_connection
            row = driver.execute(VERSION_QUERY).fetchone()
            # A server-side cursor streams the edges instead of holding all of them in libpq memory at once.
            with driver.cursor(name="graph_edges") as cursor:
                cursor.execute(EDGES_QUERY)
                yield (row[0] if row else 0), cursor
        else:
            with _sqlite_edges(connection.connection.driver_connection) as snapshot:
                yield snapshot  # closing the connection rolls back the read transaction


@contextmanager
def _sqlite_edges(driver) -> Iterator[tuple[int, object]]:
    # sqlite3 opens no transaction for a SELECT, so without one each statement would see its own snapshot.
    if not driver.in_transaction:
        driver.execute("BEGIN")
    cursor = driver.cursor()
    try:
        row = cursor.execute(VERSION_QUERY).fetchone()
        cursor.execute(EDGES_QUERY)
        yield (row[0] if row else 0), cursor
    finally:
        cursor.close()


def _numbered_lines(path: str | PathLike) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of a plain or gzip file; read errors become :class:`ImportFileError`."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    lineno = 0
    with (gzip.open if compressed else open)(path, "rb") as file:
        try:
            for lineno, line in enumerate(file, 1):  # noqa: B007  (lineno is read after the loop)
                yield lineno, line
        except (OSError, EOFError, zlib.error) as error:
            raise ImportFileError(path, lineno + 1, f"cannot read the file: {error}") from error


def _show(text: bytes) -> str:
    shown = text.strip().decode("utf-8", "replace")
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")
