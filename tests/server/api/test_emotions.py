"""POST /api/v1/emotions: a photo read at once, a text read by a job (real model), both soft-voted; who may read it."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from ml.fusion import DEFAULT_WEIGHTS
from ml.labels import LABELS
from server.extensions import db
from server.models import EmotionReading, Job
from tests.server.api.test_images import data, jpeg
from tests.server.fixtures_app import AUTH, OTHER_KEY
from tests.server.fixtures_app import run_in_process as run
from tests.server.test_privacy import assert_error

SAD = "I feel so sad and lonely tonight, I cried for hours and nothing helps anymore."
STRANGER = {"X-API-Key": OTHER_KEY}


def post(client, text: str | None = None, photo: bytes | None = None, headers=AUTH, **fields):
    form = dict(fields)
    if text is not None:
        form["text"] = text
    if photo is not None:
        form["file"] = (io.BytesIO(photo), "photo.jpg")
    return client.post("/api/v1/emotions", data=form, headers=headers, content_type="multipart/form-data")


def read(app, client, response, classifier) -> dict:
    """Run the reading's job as a worker would and fetch the reading through the job's result link."""
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job"]
    assert job["kind"] == "emotions" and response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    done = run(app, job["id"], classifier)
    assert done.state == "succeeded", (done.error_code, done.error_message)
    shown = client.get(f"/api/v1/jobs/{job['id']}", headers=AUTH).get_json()["job"]
    assert shown["links"]["result"] == f"/api/v1/emotions/{job['username']}"
    reading = client.get(shown["links"]["result"], headers=AUTH)
    assert reading.status_code == 200, reading.get_json()
    return reading.get_json()["reading"]


def stored(app, reading_id: str) -> EmotionReading:
    with app.app_context():
        return db.session.get(EmotionReading, reading_id)


def test_a_photo_alone_is_read_at_once_and_nothing_is_stored(app, client):
    response = post(client, photo=jpeg(data.astronaut()))
    assert response.status_code == 200, response.get_json()
    reading = response.get_json()["reading"]
    assert reading["id"] is None and reading["text"] is None and reading["model_version"] is None
    assert reading["faces"]["count"] == 1 and reading["face_model_version"].startswith("mood-fer-")
    assert reading["emotions"] == pytest.approx(reading["faces"]["emotions"], abs=1e-5)
    assert reading["emotion"] == "joy" and reading["status"] == "Cheerful"
    assert reading["resources"]["status"] == "Cheerful" and reading["resources"]["ideas"]
    assert reading["resources"]["helplines"] == []  # helplines go with Stressed and Depressed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EmotionReading)) == 0


def test_a_sad_text_is_read_by_its_job_and_gets_helplines_and_the_text_is_not_kept(app, client, classifier):
    response = post(client, SAD, language="de")
    reading = read(app, client, response, classifier)
    assert reading["text"]["skipped"] is None and reading["model_version"] == classifier.version
    assert reading["emotions"] == pytest.approx(reading["text"]["emotions"], abs=1e-5)
    assert reading["emotion"] == "sadness" and reading["status"] == "Depressed"
    assert reading["faces"] == {"count": 0, "emotions": None} and reading["face_model_version"] is None
    support = reading["resources"]
    assert support["helplines"] and support["language"] == "de"  # the language asked for
    row = stored(app, reading["id"])
    assert row.text is None and row.finished_at is not None


def test_a_sad_text_with_a_smiling_face_is_the_weighted_mean_of_both(app, client, classifier):
    reading = read(app, client, post(client, SAD, photo=jpeg(data.astronaut())), classifier)
    text, faces = reading["text"]["emotions"], reading["faces"]["emotions"]
    assert reading["faces"]["count"] == 1 and faces["joy"] > 0.5 and text["sadness"] > 0.5
    w_text, w_faces = DEFAULT_WEIGHTS
    for label in LABELS:
        expected = (w_text * text[label] + w_faces * faces[label]) / (w_text + w_faces)
        assert reading["emotions"][label] == pytest.approx(expected, abs=1e-5)
    assert reading["weights"] == {"text": w_text, "faces": w_faces}
    assert reading["emotions"]["joy"] > text["joy"] and reading["emotions"]["sadness"] < text["sadness"]


def test_a_photo_without_a_face_adds_nothing_to_its_text(app, client, classifier):
    reading = read(app, client, post(client, SAD, photo=jpeg(data.coffee())), classifier)
    assert reading["faces"] == {"count": 0, "emotions": None}
    assert reading["emotions"] == pytest.approx(reading["text"]["emotions"], abs=1e-5)


def test_a_text_in_a_language_the_model_does_not_read(app, client, classifier):
    spanish = "Estoy muy triste, no puedo más con esta vida, lloro todas las noches"
    alone = post(client, spanish).get_json()["job"]
    failed = run(app, alone["id"], classifier)
    assert (failed.state, failed.error_code) == ("failed", "unsupported_language")
    assert stored(app, alone["username"]).text is None  # nor is a failed reading's text kept
    assert_error(client.get(f"/api/v1/emotions/{alone['username']}", headers=AUTH), 404, "reading_not_found")

    with_face = read(app, client, post(client, spanish, photo=jpeg(data.astronaut())), classifier)
    assert with_face["text"] == {"emotions": None, "skipped": "unsupported_language"}
    assert with_face["emotion"] == "joy" and with_face["resources"]["language"] == "en"


def test_a_reading_is_its_callers_alone_and_can_be_deleted(app, client, classifier):
    response = post(client, SAD)
    job = response.get_json()["job"]
    url = f"/api/v1/emotions/{job['username']}"
    message = assert_error(client.get(url, headers=AUTH), 404, "reading_not_found")
    assert "not read yet" in message
    run(app, job["id"], classifier)
    for path in (url, f"/api/v1/jobs/{job['id']}"):
        assert client.get(path, headers=AUTH).status_code == 200
        assert client.get(path, headers=STRANGER).status_code == 404
    assert_error(client.delete(url, headers=STRANGER), 404, "reading_not_found")
    assert client.delete(url, headers=AUTH).status_code == 204
    assert_error(client.get(url, headers=AUTH), 404, "reading_not_found")
    assert stored(app, job["username"]) is None
    with app.app_context():  # the job's record stays, without its result
        assert db.session.get(Job, job["id"]).finished_reading is None


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({}, 400, "invalid_body"),
        ({"text": "x" * 5001}, 400, "invalid_text"),
        ({"text": ""}, 400, "invalid_text"),
        ({"text": SAD, "language": "english"}, 400, "invalid_language"),
        ({"photo": b"not an image"}, 422, "image_unreadable"),
        ({"photo": jpeg(data.coffee())}, 422, "no_face_found"),
        ({"text": SAD, "photo": b"not an image"}, 422, "image_unreadable"),
    ],
)
def test_bad_requests_are_clear_errors_and_store_nothing(app, client, fields, status, code):
    assert_error(post(client, **fields), status, code)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EmotionReading)) == 0


def test_other_refusals(app, client):
    assert_error(client.post("/api/v1/emotions", json={"text": SAD}, headers=AUTH), 415, "unsupported_media_type")
    assert client.post("/api/v1/emotions", data={"text": SAD}).status_code == 401
    plain_field = client.post("/api/v1/emotions", data={"text": SAD, "file": "photo.jpg"}, headers=AUTH)
    assert_error(plain_field, 400, "invalid_file")
    assert client.get("/api/v1/emotions/not-an-id", headers=AUTH).status_code == 400
    assert_error(client.get("/api/v1/emotions/0123456789ab", headers=AUTH), 404, "reading_not_found")
    app.config["IMAGE_MAX_MB"] = 0.25
    assert_error(post(client, SAD, photo=b"\xff\xd8" + b"\x00" * 300_000), 413, "image_too_large")


def test_queue_down_answers_503_and_keeps_no_text(app, client):
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    app.extensions["celery"].conf.broker_transport_options = {"max_retries": 0}
    assert_error(post(client, SAD), 503, "queue_unavailable")
    with app.app_context():
        (reading,) = db.session.scalars(sa.select(EmotionReading))
        assert reading.text is None and reading.emotions is None
