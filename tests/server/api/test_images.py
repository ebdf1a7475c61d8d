"""POST /api/v1/images: the faces of a photo with their expressions, the overlay, and every refusal."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ml.labels import LABELS
from tests.server.fixtures_app import AUTH

data = pytest.importorskip("skimage.data", reason="scikit-image ships the public-domain test photos")
MB = 2**20


def jpeg(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def send(client, payload: bytes, query: str = "", name: str = "photo.jpg"):
    return client.post(f"/api/v1/images{query}", data={"file": (io.BytesIO(payload), name)}, headers=AUTH)


def test_the_astronauts_face_is_found_and_reads_happy(client):
    response = send(client, jpeg(data.astronaut()))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["width"], body["height"]) == (512, 512) and body["model_version"].startswith("mood-fer-")
    (face,) = body["faces"]
    assert face["expression"] == "happy" and face["score"] > 0.8
    assert 150 < face["box"]["x"] < 210 and 70 < face["box"]["width"] < 120
    assert set(face["emotions"]) == set(LABELS) and face["emotions"]["love"] == 0
    assert face["emotions"]["joy"] == pytest.approx(face["expressions"]["happy"], abs=1e-5)
    assert sum(face["expressions"].values()) == pytest.approx(1, abs=1e-4)


def test_the_overlay_is_the_photo_with_the_face_drawn(client):
    original = data.astronaut()
    response = send(client, jpeg(original), "?overlay=1")
    assert response.status_code == 200 and response.mimetype == "image/png"
    drawn = np.asarray(Image.open(io.BytesIO(response.get_data())).convert("RGB"))
    assert drawn.shape == original.shape
    box_edge = drawn[100:150, 178]  # the box's left edge, in its yellow
    assert (np.abs(box_edge.astype(int) - (255, 200, 0)).sum(axis=1) < 60).mean() > 0.8


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"not an image at all", 422, "image_unreadable"),
        (jpeg(data.astronaut())[:3000], 422, "image_unreadable"),  # truncated
        (jpeg(data.coffee()), 422, "no_face_found"),
    ],
)
def test_unreadable_photos_and_photos_without_faces_are_clear_errors(client, payload, status, code):
    response = send(client, payload)
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert response.get_json()["error"]["message"]


def test_size_limits_bombs_and_bad_requests(app, client):
    buffer = io.BytesIO()
    Image.new("1", (20_000, 3_000)).save(buffer, format="PNG")  # 60 M pixels in a few kB
    bomb = send(client, buffer.getvalue(), name="bomb.png")
    assert (bomb.status_code, bomb.get_json()["error"]["code"]) == (413, "image_too_large")
    app.config["IMAGE_MAX_MB"] = 0.25
    big = send(client, b"\xff\xd8" + b"\x00" * (MB // 4 + 10))
    assert (big.status_code, big.get_json()["error"]["code"]) == (413, "image_too_large")
    way_too_big = client.post(
        "/api/v1/images", data=b" " * MB, content_type="multipart/form-data; boundary=x", headers=AUTH
    )
    assert way_too_big.status_code == 413
    as_json = client.post("/api/v1/images", json={"file": "x"}, headers=AUTH)
    assert (as_json.status_code, as_json.get_json()["error"]["code"]) == (415, "unsupported_media_type")
    no_file = client.post("/api/v1/images", data={}, headers=AUTH, content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert client.post("/api/v1/images", data={"file": (io.BytesIO(b"x"), "a.jpg")}).status_code == 401
