"""Read an X/Twitter data export: the ZIP (or its ``data/tweets.js`` alone) into the account and its own tweets.

The export holds JavaScript files such as ``data/tweets.js`` (``window.YTD.tweets.part0 = [{"tweet": {...}}]``,
more parts in ``tweets-part1.js``...) and ``data/account.js`` (``window.YTD.account.part0 = [{"account":
{"accountId", "username"}}]``). An upload is untrusted: its size, its number of ZIP entries, the bytes they
inflate to and their compression ratio are bounded before anything is read (zip bombs), and any malformed part is
an :class:`ArchiveError` naming the file and what is wrong. Nothing is stored here.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

from server.twitter.timeline import TimelineTweet

MAX_ENTRIES = 10_000  # a real export holds a few thousand files (media included)
MAX_RATIO = 100  # inflated / compressed bytes of one entry: JSON compresses ~10x, a bomb ~1000x
MAX_INFLATED = 512 * 1024 * 1024  # bytes the tweet and account files may inflate to, in all
ASSIGNMENT = re.compile(r"^\s*window\.YTD\.(?P<name>\w+)\.part(?P<part>\d+)\s*=\s*", re.ASCII)
TWEETS_FILE = re.compile(r"^(?:.*/)?data/tweets(?:-part\d+)?\.js$|^tweets(?:-part\d+)?\.js$")
ACCOUNT_FILE = re.compile(r"^(?:.*/)?data/account\.js$|^account\.js$")
ARCHIVE_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Wed Oct 10 20:19:24 +0000 2018"


class ArchiveError(Exception):
    """The upload is not a usable export: ``code`` for programs, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Archive:
    """What an export says: whose it is (when ``account.js`` was in it) and its own tweets, newest first."""

    account_id: str | None
    username: str | None
    tweets: list[TimelineTweet]


def read_archive(data: bytes, max_bytes: int) -> Archive:
    """Read an uploaded export (a ZIP, or a bare ``tweets.js``); :class:`ArchiveError` when it is not usable."""
    if len(data) > max_bytes:
        raise ArchiveError("archive_too_large", f"The file is over the limit of {max_bytes / 2**20:g} MB.")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return _read_zip(data)
    return Archive(None, None, _tweets(_records(data, "tweets.js", "tweets"), "tweets.js"))


def _read_zip(data: bytes) -> Archive:
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        entries = bundle.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise ArchiveError("archive_not_zip", f"The file is not a readable ZIP archive ({error}).") from None
    if len(entries) > MAX_ENTRIES:
        raise ArchiveError("archive_too_many_files", f"The archive holds {len(entries)} files (at most {MAX_ENTRIES}).")
    tweet_files = sorted(
        (e for e in entries if TWEETS_FILE.match(e.filename) and not e.is_dir()), key=lambda e: e.filename
    )
    account_files = [e for e in entries if ACCOUNT_FILE.match(e.filename) and not e.is_dir()]
    if not tweet_files:
        raise ArchiveError("archive_no_tweets", "The archive has no data/tweets.js: is it an X/Twitter data export?")
    wanted = tweet_files + account_files[:1]
    inflated = sum(entry.file_size for entry in wanted)
    if inflated > MAX_INFLATED:
        raise ArchiveError("archive_zip_bomb", "The archive's tweet files inflate to more than we read.")
    for entry in wanted:
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > 2**20:
            raise ArchiveError(
                "archive_zip_bomb",
                f"{entry.filename} inflates {entry.file_size // max(entry.compress_size, 1)}x: refused.",
            )
    tweets: list[TimelineTweet] = []
    for entry in tweet_files:
        tweets += _tweets(_records(_inflate(bundle, entry), entry.filename, "tweets"), entry.filename)
    account_id = username = None
    if account_files:
        account_id, username = _account(
            _records(_inflate(bundle, account_files[0]), account_files[0].filename, "account")
        )
    unique = list({tweet.id: tweet for tweet in tweets}.values())  # parts may overlap
    return Archive(account_id, username, sorted(unique, key=lambda t: (t.created_at, int(t.id)), reverse=True))


def _inflate(bundle: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, read no further than its declared size (a lying header cannot inflate more)."""
    try:
        with bundle.open(entry) as stream:
            content = stream.read(entry.file_size + 1)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as error:
        raise ArchiveError("archive_not_zip", f"{entry.filename} cannot be read ({error}).") from None
    if len(content) > entry.file_size:
        raise ArchiveError("archive_zip_bomb", f"{entry.filename} inflates beyond its declared size.")
    return content


def _records(content: bytes, filename: str, name: str) -> list:
    """The JSON array a ``window.YTD.<name>.partN = [...]`` file assigns."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiveError("archive_malformed", f"{filename} is not UTF-8 text.") from None
    match = ASSIGNMENT.match(text)
    if match is None or match["name"] != name:
        raise ArchiveError("archive_malformed", f"{filename} does not start with 'window.YTD.{name}.part0 = '.")
    try:
        records = json.loads(text[match.end() :].rstrip().rstrip(";"))
    except json.JSONDecodeError as error:
        raise ArchiveError(
            "archive_malformed", f"{filename}: malformed JSON at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(records, list):
        raise ArchiveError("archive_malformed", f"{filename}: expected a list of {name} records.")
    return records


def _account(records: list) -> tuple[str | None, str | None]:
    for record in records:
        account = record.get("account") if isinstance(record, dict) else None
        if isinstance(account, dict) and str(account.get("accountId", "")).isdigit():
            return str(account["accountId"]), account.get("username")
    raise ArchiveError("archive_malformed", "data/account.js names no account id.")


def _count(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


def _tweets(records: list, filename: str) -> list[TimelineTweet]:
    tweets = []
    for index, record in enumerate(records):
        tweet = record.get("tweet", record) if isinstance(record, dict) else None
        if not isinstance(tweet, dict):
            raise ArchiveError("archive_malformed", f"{filename}: record {index + 1} is not a tweet object.")
        tweet_id, text = str(tweet.get("id_str") or tweet.get("id") or ""), tweet.get("full_text", tweet.get("text"))
        if not tweet_id.isdigit() or not isinstance(text, str):
            raise ArchiveError("archive_malformed", f"{filename}: record {index + 1} has no id_str or full_text.")
        try:
            created = datetime.strptime(str(tweet.get("created_at")), ARCHIVE_TIME).astimezone(UTC)
        except ValueError:
            raise ArchiveError(
                "archive_malformed",
                f"{filename}: record {index + 1} has no created_at like 'Wed Oct 10 20:19:24 +0000 2018'.",
            ) from None
        retweet = text.startswith("RT @")
        reply = bool(tweet.get("in_reply_to_status_id_str")) and not retweet
        hashtags = tuple(
            str(tag.get("text")) for tag in (tweet.get("entities") or {}).get("hashtags") or [] if isinstance(tag, dict)
        )
        tweets.append(
            TimelineTweet(
                id=tweet_id,
                created_at=created,
                text=text,
                kind="retweet" if retweet else "reply" if reply else "own",
                likes=_count(tweet.get("favorite_count")),
                retweets=_count(tweet.get("retweet_count")),
                replies=0,
                quotes=0,
                hashtags=hashtags,
                lang=tweet.get("lang") if isinstance(tweet.get("lang"), str) else None,
            )  # fmt: skip
        )
    return tweets
