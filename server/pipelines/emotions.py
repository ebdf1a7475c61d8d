"""Emotion readings: a text and/or a photo's faces -> the seven emotions soft-voted, and the mood they imply.

The web process reads the photo itself (``ml.vision`` needs no torch) and keeps only the faces' mean
probabilities; the text needs the text model, so a job of kind ``emotions`` reads it in a worker, soft-votes it
with the faces (``ml.fusion``) and clears it.
"""

from __future__ import annotations

from ml.fusion import soft_vote
from ml.text.language import detect_language, is_scored
from server.db import new_id, utcnow
from server.extensions import db
from server.jobs.runner import JobFailed, JobRun, Resources
from server.models import READING_ID_LENGTH, EmotionReading, Job


def new_reading(reading: EmotionReading, text: str) -> Job:
    """Store ``reading`` of ``text`` and its job, committed, then send the job.

    ``jobs.QueueUnavailable`` when the queue refuses it (the job is then failed and the text cleared).
    """
    from server import jobs  # imported here: the pipeline itself never starts jobs

    reading.id, reading.text = new_id()[:READING_ID_LENGTH], text
    return jobs.start_for(reading, "emotions")


def execute(run: JobRun, resources: Resources) -> EmotionReading:
    """Read the text, soft-vote it with the faces; the runner commits the reading with the job's success."""
    reading = db.session.get(EmotionReading, run.job.username)
    if reading is None or reading.text is None:
        raise JobFailed("reading_not_found", "The reading was deleted before its text was read.")
    with run.phase("model_load"):
        classifier = resources.load_classifier()
    language = detect_language(reading.text)
    text_emotions = None
    if is_scored(language):
        with run.phase("classify"):
            (text_emotions,) = classifier.predict([reading.text])
    elif not reading.faces:
        raise JobFailed("unsupported_language", f"The text is in a language the model does not read ({language}).")
    else:
        reading.text_skipped = "unsupported_language"
    run.checkpoint(classified=1, total=1)
    reading.language = reading.language or language
    reading.text_emotions = text_emotions
    reading.emotions = soft_vote(text_emotions, reading.face_emotions)
    reading.model_version = classifier.version
    reading.text, reading.finished_at = None, utcnow()
    return reading
