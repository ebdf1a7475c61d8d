"""What the bot reads and writes in public: the command parser and the reply composer.

A public reply never says anything about anyone's mood or health: the result lives behind a private, signed link
(``server.links``). Every word that must never appear in a reply is in :data:`FORBIDDEN_WORDS`, and every reply
is checked against it before it leaves.
"""

from __future__ import annotations

import re

COMMANDS = ("analyse", "recommend", "forget", "stop", "help")
MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23  # Twitter counts every link as 23 characters, whatever its length
# The mood statuses and health words a public reply must never contain (matched as lower-case substrings).
FORBIDDEN_WORDS = (
    "cheerful",
    "satisfied",
    "stressed",
    "depressed",
    "depress",
    "sad",
    "anxious",
    "anxiety",
    "stress",
    "mental",
    "suicid",
    "crisis",
    "health",
    "therap",
    "lonely",
    "unhappy",
    "mood",
)

_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+")
# Phrases, checked in this order: "stop" before anything else, so "stop analysing me" stops.
_PATTERNS = (
    ("forget", re.compile(r"\b(forget|delete|erase|remove)\b")),
    ("stop", re.compile(r"\b(stop|opt ?out|unsubscribe|cancel)\b")),
    ("help", re.compile(r"\b(help|commands|how does this work)\b")),
    ("recommend", re.compile(r"\b(recommend\w*|suggest\w*|who should i follow|friends?)\b")),
    ("analyse", re.compile(r"\b(analy[sz]\w*|check me|scan me|read me)\b")),
)


def parse_command(text: str) -> str:
    """The command in a mention's text (``analyse``, ``recommend``, ``forget``, ``stop`` or ``help``)."""
    # Mentioned handles are removed first: "@stop_bot analyse me" must not read as "stop".
    words = _MENTION.sub(" ", _URL.sub(" ", text or "")).lower()
    words = re.sub(r"[^\w\s]", " ", words.replace("-", " ")).replace("_", " ")
    words = " ".join(words.split())
    for command, pattern in _PATTERNS:
        if pattern.search(words):
            return command
    return "help"


def weighted_length(text: str) -> int:
    """Twitter's length of ``text``: links count 23, characters above U+10FF (CJK, emoji) count 2."""
    rest = _URL.sub("", text)
    links = len(_URL.findall(text))
    return links * URL_WEIGHT + sum(1 if ord(char) <= 0x10FF else 2 for char in rest)


def forbidden_words(text: str) -> list[str]:
    """The forbidden words in ``text`` (links excluded: a token is random letters)."""
    lowered = _URL.sub(" ", text).lower()
    return [word for word in FORBIDDEN_WORDS if word in lowered]


def reference(mention_id: str) -> str:
    """A short code unique to the mention, so no two replies share a text (Twitter refuses duplicates)."""
    number, digits, alphabet = int(mention_id), "", "0123456789abcdefghijklmnopqrstuvwxyz"
    while number:
        number, rest = divmod(number, 36)
        digits = alphabet[rest] + digits
    return digits or "0"


def compose_reply(command: str, mention_id: str, link: str | None = None, status=None, confidence=None) -> str:
    """The public reply to a mention: what was done, a private link when there is a result, a unique code.

    ``status`` and ``confidence`` are accepted from callers that hold an analysis and deliberately left out of
    the text: a mood never goes public.
    """
    del status, confidence
    code = f"(ref {reference(mention_id)})"
    if command == "analyse":
        body = f"On it! I'm reading your recent tweets. Your private result (only via this link, valid 7 days): {link}"
    elif command == "recommend":
        body = f"On it! I'm finding accounts and hashtags you may like. Your private list (valid 7 days): {link}"
    elif command == "forget":
        body = "Done: everything I stored about your account is deleted, and I won't read your tweets again."
    elif command == "stop":
        body = "Done: you're opted out. I won't read your tweets again unless you ask me to."
    else:
        body = (
            "Hi! I read your public tweets only when you ask, and send results privately. Mention me with: "
            "'analyse me', 'recommend', 'stop' (opt out) or 'forget me' (delete your data)."
        )
    text = f"{body} {code}"
    check_public(text)
    return text


def check_public(text: str) -> None:
    """Raise ValueError if ``text`` is too long or names a mood or a health word."""
    found = forbidden_words(text)
    if found:
        raise ValueError(f"a public reply must not contain {found}")
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        raise ValueError(f"a reply of {weighted_length(text)} characters is over {MAX_WEIGHTED_LENGTH}")
