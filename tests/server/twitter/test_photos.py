"""Downloading a tweet's photo over real HTTP: from the local API's /media/, and every limit that refuses one."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from server.twitter.photos import PhotoUnavailable, allowed_hosts, download_photo

MB = 2**20


@pytest.fixture
def fetch(local_twitter):
    hosts = allowed_hosts({"TWITTER_API_BASE": local_twitter.url})
    with requests.Session() as session:

        def fetch(url: str, max_bytes: int = MB, timeout: float = 2.0) -> bytes:
            return download_photo(session, url, hosts=hosts, max_bytes=max_bytes, timeout=timeout)

        yield fetch


def refused(fetch, url: str, code: str, **limits) -> str:
    with pytest.raises(PhotoUnavailable) as caught:
        fetch(url, **limits)
    assert caught.value.code == code
    return str(caught.value)


def test_a_photo_of_the_local_api_is_read_in_memory(fetch, local_twitter):
    photo = fetch(f"{local_twitter.url}/media/astronaut.jpg")
    assert photo[:2] == b"\xff\xd8" and len(photo) > 10_000


def test_only_the_photo_hosts_are_asked(fetch, local_twitter):
    assert allowed_hosts({}) == {"pbs.twimg.com": "https"}
    message = refused(fetch, "http://169.254.169.254/latest/meta-data", "photo_host")
    assert "pbs.twimg.com" in message
    refused(fetch, "http://pbs.twimg.com/media/x.jpg", "photo_host")  # Twitter's photos come over https only


def test_what_is_not_a_photo_missing_or_too_large_is_refused(fetch, local_twitter):
    refused(fetch, f"{local_twitter.url}/media/README.md", "photo_type")
    refused(fetch, f"{local_twitter.url}/media/missing.jpg", "photo_status")
    refused(fetch, f"{local_twitter.url}/media/astronaut.jpg", "photo_too_large", max_bytes=10_000)


class Dribble(BaseHTTPRequestHandler):
    """A photo host that sends a JPEG's bytes slowly and without a length, or not at all."""

    def do_GET(self):  # noqa: N802  # http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b"\xff" * CHUNK_OF_DRIBBLE)
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass

    def log_message(self, *args):
        pass


CHUNK_OF_DRIBBLE = 64 * 1024


def test_a_slow_or_unreachable_host_is_cut_off(local_twitter):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Dribble)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hosts = {"127.0.0.1": "http"}
    try:
        with requests.Session() as session:
            url = f"http://127.0.0.1:{server.server_port}/media/slow.jpg"
            started = time.monotonic()
            with pytest.raises(PhotoUnavailable) as caught:
                download_photo(session, url, hosts=hosts, max_bytes=100 * MB, timeout=0.5)
            assert caught.value.code == "photo_timeout" and time.monotonic() - started < 2
            with pytest.raises(PhotoUnavailable) as caught:
                download_photo(session, "http://127.0.0.1:1/x.jpg", hosts=hosts, max_bytes=MB, timeout=0.5)
            assert caught.value.code == "photo_unreachable"
    finally:
        server.shutdown()
        server.server_close()
