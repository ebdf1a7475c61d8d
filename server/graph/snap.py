"""``import_snap`` loads the SNAP ego-Twitter files: it validates the whole input before it writes anything."""

from __future__ import annotations

import gzip
import itertools
import logging
import time
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike

from ml.text.preprocess import normalise_tag
from server.extensions import db
from server.graph import store
from server.graph.store import FOLLOW_COLUMNS, insert_rows

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # BIGINT
MAX_TAG_LENGTH = 140


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
        edges_new = insert_rows("follows", FOLLOW_COLUMNS, edges)
        hashtags_new = insert_rows("graph_hashtags", ("twitter_id", "tag"), hashtags)
        if edges_new or hashtags_new:
            store.bump_graph_version()
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
    tag = normalise_tag(token)  # SNAP tokens keep what followed the tag: "#ted." "#sopa:"
    return tag if 0 < len(tag) <= MAX_TAG_LENGTH else None


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
