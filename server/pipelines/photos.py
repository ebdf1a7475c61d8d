"""The faces in a page of tweets' photos, read while the page is fetched: counts and mean expressions, never a photo.

A photo is downloaded into memory (``server.twitter.photos``: Twitter's photo hosts only, with size and time
limits), its faces read (``ml.vision``: OpenCV and onnxruntime, loaded on the first photo), and dropped. A photo
that cannot be read is skipped and logged; a tweet none of whose photos was read keeps ``faces`` None.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import requests

from ml.fusion import face_labels
from server.twitter import TimelineTweet
from server.twitter.photos import PhotoUnavailable, allowed_hosts, download_photo

logger = logging.getLogger(__name__)

MB = 2**20
PHOTOS_PER_TWEET = 4  # a tweet carries at most four


class PhotoReader:
    """Reads the faces of up to ``PHOTO_LIMIT`` photos for one job (the newest tweets' first)."""

    def __init__(self, config: Mapping) -> None:
        self.hosts = allowed_hosts(config)
        self.max_bytes = int(config["PHOTO_MAX_MB"] * MB)
        self.timeout = float(config["PHOTO_TIMEOUT"])
        self.left = int(config["PHOTO_LIMIT"])
        self.session = requests.Session()

    def faces(self, tweets: Iterable[TimelineTweet]) -> dict[str, tuple[int, dict[str, float] | None]]:
        """Per tweet id whose photos were read: how many faces, and their mean on our labels (None without one)."""
        found: dict[str, tuple[int, dict[str, float] | None]] = {}
        for tweet in tweets:
            probabilities, read = [], False
            for url in tweet.photos[:PHOTOS_PER_TWEET]:
                if self.left <= 0:
                    break
                self.left -= 1
                faces = self._read(url)
                if faces is not None:
                    read = True
                    probabilities += faces
            if read:
                found[tweet.id] = (len(probabilities), face_labels(probabilities) if probabilities else None)
        return found

    def _read(self, url: str) -> list[dict[str, float]] | None:
        from ml.vision import ImageError, decode_image, read_faces  # the worker loads the vision models on first use

        try:
            data = download_photo(self.session, url, hosts=self.hosts, max_bytes=self.max_bytes, timeout=self.timeout)
            rgb = decode_image(data, max_bytes=self.max_bytes)
        except (PhotoUnavailable, ImageError) as error:
            logger.info("photo skipped (%s): %s", getattr(error, "code", "?"), error)
            return None
        return [face.probabilities for face in read_faces(rgb)]

    def close(self) -> None:
        """Close the download session's connections."""
        self.session.close()
