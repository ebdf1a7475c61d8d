"""Emotion readings: ``POST /api/v1/emotions`` soft-votes a text's emotions with a photo's faces.

A photo alone is read at once by the web process (200, nothing stored). A text needs the text model: a job of
kind ``emotions`` reads it in a worker (202); its reading, probabilities only, is for its caller alone.
"""

from __future__ import annotations

from flask import current_app, g
from limits import parse

from ml.fusion import DEFAULT_WEIGHTS, face_labels, soft_vote
from ml.mood.status import mood_status
from server.api import schemas
from server.api.access import START, accepted, bp, enforce, queue_available
from server.api.contract import UPLOADS, errors
from server.api.errors import ApiError
from server.api.images import NO_FACE, faces_in
from server.api.schemas import EmotionsForm, ReadingEnvelope, ReadingPath
from server.db import utcnow
from server.extensions import db
from server.links import support_for
from server.models import EmotionReading
from server.pipelines.emotions import new_reading

UPLOADS["api.read_emotions"] = "IMAGE_MAX_MB"
READING_ERRORS = errors(e401="Missing or invalid API key", e404="No such reading (or not yours), or not read yet")


@bp.post(
    "/emotions",
    responses={
        200: ReadingEnvelope,
        **START,
        **errors(
            e400="Neither text nor file, or a malformed field",
            e413="image_too_large: over IMAGE_MAX_MB, or too many pixels (a decompression bomb)",
            e415="Body is not multipart/form-data",
            e422="image_unreadable, or no_face_found in a photo sent without text",
        ),
    },
)
def read_emotions(form: EmotionsForm):
    """The seven emotions of a text and/or a photo's faces, soft-voted, the mood they imply and resources for it.

    A photo alone: 200 with the reading. With a text: 202 with a job; its result link is the reading. A photo
    without a face adds nothing to its text (``faces.count`` 0).
    """
    if form.text is None and form.file is None:
        raise ApiError(400, "invalid_body", "Send a text, a photo (file), or both.")
    face_emotions, count, version = None, 0, None
    if form.file is not None:
        from ml.vision import expression_model

        _, found = faces_in(form.file)
        if not found and form.text is None:
            raise ApiError(422, "no_face_found", NO_FACE)
        count, version = len(found), expression_model().version
        face_emotions = face_labels([item.probabilities for item in found]) if found else None
    reading = EmotionReading(
        created_by=g.principal.rate_key,
        language=form.language,
        faces=count,
        face_emotions=face_emotions,
        face_model_version=version,
    )
    if form.text is None:
        reading.emotions, reading.created_at = soft_vote(None, face_emotions), utcnow()
        return ReadingEnvelope(reading=reading_out(reading)).model_dump(mode="json")
    enforce(parse(current_app.config["JOB_START_LIMIT"]), "job-starts", g.principal.rate_key)
    with queue_available():
        job = new_reading(reading, form.text)
    return accepted(job)


@bp.get("/emotions/<reading_id>", responses={200: ReadingEnvelope, **READING_ERRORS, **errors(e400="Malformed id")})
def get_emotions(path: ReadingPath):
    """A reading, once its job has read the text (only for the caller who asked for it)."""
    reading = _own_reading(path.reading_id)
    if reading.emotions is None:
        raise ApiError(404, "reading_not_found", f"Reading {reading.id} is not read yet; follow its job.")
    return ReadingEnvelope(reading=reading_out(reading)).model_dump(mode="json")


@bp.delete("/emotions/<reading_id>", responses={204: None, **READING_ERRORS, **errors(e400="Malformed id")})
def delete_emotions(path: ReadingPath):
    """Delete a reading (its job's record stays, without it)."""
    db.session.delete(_own_reading(path.reading_id))
    db.session.commit()
    return "", 204


def _own_reading(reading_id: str) -> EmotionReading:
    reading = db.session.get(EmotionReading, reading_id)
    if reading is None or reading.created_by != g.principal.rate_key:
        raise ApiError(404, "reading_not_found", f"No reading {reading_id}.")
    return reading


def reading_out(reading: EmotionReading) -> schemas.Reading:
    """A read reading as the API shows it, with the mood its emotions imply and the resources for that mood."""
    emotions = reading.emotions or {}
    status = mood_status(emotions)
    return schemas.Reading(
        id=reading.id,
        emotions={label: round(p, 6) for label, p in emotions.items()},
        emotion=max(emotions, key=emotions.__getitem__),
        status=status,
        text=schemas.TextEmotions(emotions=reading.text_emotions, skipped=reading.text_skipped)
        if reading.model_version
        else None,
        faces=schemas.FaceEmotions(count=reading.faces, emotions=reading.face_emotions),
        weights=dict(zip(("text", "faces"), DEFAULT_WEIGHTS, strict=True)),
        resources=schemas.Resources.model_validate(support_for(status, reading.language)),
        model_version=reading.model_version,
        face_model_version=reading.face_model_version,
        created_at=reading.created_at,
    )
