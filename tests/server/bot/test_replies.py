"""The bot's public words: the command parser and the reply composer (no mood or health word ever leaves)."""

from __future__ import annotations

import pytest

from ml.mood.status import STATUSES
from server.bot.replies import COMMANDS, FORBIDDEN_WORDS, check_public, compose_reply, parse_command, weighted_length
from server.dev.twitter_local.twitter_text import weighted_length as twitter_weighted_length

LINK = "https://mood.example.org/r/" + "eyJqb2IiOiIxMjM0NTY3ODkwYWJjZGVmIiwidXNlciI6InN1bm55X3NhbSJ9" * 3


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("@moodbot please ANALYSE me!!", "analyse"),
        ("@moodbot analyze me", "analyse"),
        ("@MoodBot Analysis please", "analyse"),
        ("analyse", "analyse"),
        ("hey @moodbot can you analyse me? thanks :)", "analyse"),
        ("@moodbot recommend", "recommend"),
        ("@moodbot recommend me some friends", "recommend"),
        ("@moodbot RECOMMENDATIONS?", "recommend"),
        ("@moodbot who should I follow?", "recommend"),
        ("@moodbot suggest accounts", "recommend"),
        ("@moodbot forget me", "forget"),
        ("@moodbot Forget me, please.", "forget"),
        ("@moodbot delete my data", "forget"),
        ("@moodbot stop", "stop"),
        ("@moodbot STOP!!!", "stop"),
        ("@moodbot opt out", "stop"),
        ("@moodbot opt-out", "stop"),
        ("@moodbot optout", "stop"),
        ("@moodbot stop analysing me", "stop"),
        ("@moodbot help", "help"),
        ("@moodbot HELP?", "help"),
        ("@moodbot", "help"),
        ("", "help"),
        ("@moodbot hello there", "help"),
        ("@moodbot 😂😂", "help"),
        ("@moodbot what is this", "help"),
    ],
)
def test_parse_command(text, command):
    assert parse_command(text) == command


def test_mentioned_handles_are_not_read_as_commands():
    assert parse_command("@stop_it @moodbot analyse me") == "analyse"
    assert parse_command("@forget_me_not @moodbot help") == "help"
    assert parse_command("@moodbot https://example.com/stop") == "help"


@pytest.mark.parametrize("command", [*COMMANDS, "unknown"])
@pytest.mark.parametrize("status", [*STATUSES, None])
@pytest.mark.parametrize("confidence", [0.0, 0.42, 0.99, None])
def test_replies_never_name_a_mood_and_fit_a_tweet(command, status, confidence):
    link = LINK if command in ("analyse", "recommend") else None
    text = compose_reply(command, "1859923456789012345", link, status=status, confidence=confidence)
    lowered = text.lower()
    assert not [word for word in FORBIDDEN_WORDS if word in lowered.replace(LINK.lower(), "")]
    if status is not None:
        assert status.lower() not in lowered
    assert weighted_length(text) <= 280
    assert twitter_weighted_length(text) <= 280  # the local API's twitter-text count agrees
    if link:
        assert link in text


def test_statuses_and_health_words_are_all_forbidden():
    assert {status.lower() for status in STATUSES} <= set(FORBIDDEN_WORDS)
    for word in ("sad", "depress", "anxious", "stress", "mental", "suicid", "crisis"):
        assert word in FORBIDDEN_WORDS
    with pytest.raises(ValueError):
        check_public("You look Stressed today")
    with pytest.raises(ValueError):
        check_public("x" * 281)


@pytest.mark.parametrize("command", [*COMMANDS, "unknown"])
def test_distinct_mentions_get_distinct_texts(command):
    link = LINK if command in ("analyse", "recommend") else None
    ids = ["1859923456789012345", "1859923456789012346", "1859923456789099999", "1234567890"]
    assert len({compose_reply(command, mention_id, link) for mention_id in ids}) == len(ids)
