"""A tweet's photo, downloaded to read its faces: in memory only, never stored, within host, type, size and time limits.

Photo URLs come from the API's answers, so they are fetched only from the hosts that serve tweets' photos
(``pbs.twimg.com``, or the local Twitter API when ``TWITTER_API_BASE`` points at it): a URL elsewhere is refused
rather than fetched, so a forged answer cannot make the worker call into its own network.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

PHOTO_HOSTS = frozenset({"pbs.twimg.com"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
CHUNK = 64 * 1024


class PhotoUnavailable(Exception):
    """A photo that was not read: ``code`` says why (photo_host, photo_status, photo_type, photo_too_large, …)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def allowed_hosts(config: Mapping) -> dict[str, str]:
    """The hosts photos may come from, each with its scheme: Twitter's (https), and a configured local API's own."""
    hosts = dict.fromkeys(PHOTO_HOSTS, "https")
    base = urlsplit(config.get("TWITTER_API_BASE") or "")
    if base.hostname:
        hosts[base.hostname] = base.scheme
    return hosts


def download_photo(
    session: requests.Session, url: str, *, hosts: Mapping[str, str], max_bytes: int, timeout: float
) -> bytes:
    """The photo's bytes; :class:`PhotoUnavailable` past a limit or when it cannot be fetched.

    ``timeout`` bounds the whole download, not each read: a server dribbling bytes is cut off too.
    """
    parts = urlsplit(url)
    if hosts.get(parts.hostname or "") != parts.scheme:
        raise PhotoUnavailable("photo_host", f"Photos are read from {', '.join(sorted(hosts))} only.")
    deadline = time.monotonic() + timeout
    try:
        with session.get(url, stream=True, timeout=timeout, allow_redirects=False) as response:
            if response.status_code != 200:
                raise PhotoUnavailable("photo_status", f"The photo's host answered {response.status_code}.")
            kind = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
            if kind not in IMAGE_TYPES:
                raise PhotoUnavailable("photo_type", f"Not a photo: {kind or 'no content type'}.")
            if int(response.headers.get("Content-Length") or 0) > max_bytes:
                raise PhotoUnavailable("photo_too_large", f"The photo is over {max_bytes} bytes.")
            chunks, size = [], 0
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PhotoUnavailable("photo_too_large", f"The photo is over {max_bytes} bytes.")
                if time.monotonic() > deadline:
                    raise PhotoUnavailable("photo_timeout", f"The photo took over {timeout:g} s.")
                chunks.append(chunk)
    except requests.RequestException as error:
        raise PhotoUnavailable(
            "photo_unreachable", f"The photo could not be fetched ({type(error).__name__})."
        ) from None
    return b"".join(chunks)
