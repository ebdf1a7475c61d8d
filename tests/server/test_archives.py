"""Reading an X/Twitter data export: the ZIP or a bare tweets.js, and every way an upload can be unusable."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from server.archives.reader import MAX_RATIO, ArchiveError, read_archive

MB = 2**20


def tweets_js(records: list, part: int = 0) -> bytes:
    return f"window.YTD.tweets.part{part} = {json.dumps(records, indent=2)}".encode()


def tweet(tweet_id: str, text: str, when: str = "Wed Oct 10 20:19:24 +0000 2018", **fields) -> dict:
    record = {"id_str": tweet_id, "full_text": text, "created_at": when, "favorite_count": "3", "retweet_count": "1"}
    return {"tweet": {**record, "lang": "en", "entities": {"hashtags": [{"text": "Joy"}]}, **fields}}


ACCOUNT = b'window.YTD.account.part0 = [{"account": {"accountId": "126042901", "username": "sunny_sam"}}]'


def export(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def test_a_real_shaped_export_gives_the_account_and_its_tweets_newest_first():
    records = [
        tweet("100", "what a lovely morning #Joy"),
        tweet("101", "RT @someone: big news", "Thu Oct 11 08:00:00 +0000 2018"),
        tweet("102", "@friend congrats!", "Fri Oct 12 09:30:00 +0200 2018", in_reply_to_status_id_str="99"),
    ]
    more = [tweet("103", "another part", "Sat Oct 13 10:00:00 +0000 2018"), tweet("100", "duplicate")]
    archive = read_archive(
        export(
            {
                "data/tweets.js": tweets_js(records),
                "data/tweets-part1.js": tweets_js(more, 1),
                "data/account.js": ACCOUNT,
                "data/tweets_media/x.jpg": b"\xff\xd8",
            }
        ),  # fmt: skip
        max_bytes=10 * MB,
    )
    assert (archive.account_id, archive.username) == ("126042901", "sunny_sam")
    assert [t.id for t in archive.tweets] == ["103", "102", "101", "100"]
    kinds = {t.id: t.kind for t in archive.tweets}
    assert kinds == {"103": "own", "102": "reply", "101": "retweet", "100": "own"}
    first = archive.tweets[-1]
    assert (first.likes, first.retweets, first.hashtags, first.lang) == (3, 1, ("Joy",), "en")
    assert archive.tweets[1].created_at.isoformat() == "2018-10-12T07:30:00+00:00"  # to UTC


def test_a_bare_tweets_js_is_read_without_an_account():
    archive = read_archive(tweets_js([tweet("7", "hello")]), max_bytes=MB)
    assert archive.account_id is None and [t.text for t in archive.tweets] == ["hello"]


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"x" * (MB + 1), "archive_too_large", "1 MB"),
        (b"PK\x03\x04 not really a zip", "archive_not_zip", "not a readable ZIP"),
        (export({"data/like.js": b"window.YTD.like.part0 = []"}), "archive_no_tweets", "data/tweets.js"),
        (export({"data/tweets.js": b"var tweets = []"}), "archive_malformed", "window.YTD.tweets.part0"),
        (export({"data/tweets.js": b"window.YTD.tweets.part0 = [{"}), "archive_malformed", "line 1, column"),
        (export({"data/tweets.js": b"window.YTD.tweets.part0 = {}"}), "archive_malformed", "list of tweets"),
        (export({"data/tweets.js": tweets_js([{"tweet": {"full_text": "x"}}])}), "archive_malformed", "record 1"),
        (export({"data/tweets.js": tweets_js([tweet("1", "x", when="yesterday")])}), "archive_malformed", "created_at"),
        (export({"data/tweets.js": b"\xff\xfe"}), "archive_malformed", "UTF-8"),
        (export({"data/tweets.js": tweets_js([]), "data/account.js": b"window.YTD.account.part0 = [{}]"}),
         "archive_malformed", "account id"),
    ],
)  # fmt: skip
def test_unusable_uploads_are_clear_errors(data, code, says):
    with pytest.raises(ArchiveError) as raised:
        read_archive(data, max_bytes=MB)
    assert raised.value.code == code and says in str(raised.value)


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = export({"data/tweets.js": b"window.YTD.tweets.part0 = [" + b" " * (50 * MB) + b"]"})
    assert len(bomb) < MB  # 50 MB of spaces deflate to a few dozen KB
    with pytest.raises(ArchiveError) as raised:
        read_archive(bomb, max_bytes=MB)
    assert raised.value.code == "archive_zip_bomb" and f"{MAX_RATIO}" not in str(raised.value)


def test_too_many_entries_are_refused(monkeypatch):
    monkeypatch.setattr("server.archives.reader.MAX_ENTRIES", 3)
    files = {f"data/f{i}.js": b"" for i in range(4)}
    with pytest.raises(ArchiveError) as raised:
        read_archive(export(files), max_bytes=MB)
    assert raised.value.code == "archive_too_many_files"
