"""Analyse my archive: an upload is checked at once, kept for a worker, then imported and analysed as one job.

Checking at upload answers a malformed file, a zip bomb or someone else's export while the person still looks at
the form; the job (``server.pipelines.archive``) reads the kept bytes again, stores the tweets in one commit and
deletes the upload with it. A failed job deletes its upload too (``server.jobs.lifecycle.finish_failed``), so
nothing partial of an import survives it.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from server import jobs
from server.archives.reader import Archive, ArchiveError, read_archive
from server.extensions import db
from server.jobs.kinds import ARCHIVE
from server.models import ArchiveUpload, Job, account_named

# HTTP status of each refusal at upload; the others are 422 (the file is not a usable export).
STATUS = {"archive_too_large": 413, "archive_import_running": 409}


LIMIT = "ARCHIVE_MAX_MB"  # the setting that bounds an uploaded export


def max_bytes() -> int:
    """The largest upload, from ``ARCHIVE_MAX_MB``."""
    return int(float(current_app.config[LIMIT]) * 2**20)


def check_owner(archive: Archive, owner_id: str | None, username: str) -> None:
    """ArchiveError ``archive_not_yours`` when the export's account is not the one it is imported for."""
    if archive.account_id and owner_id and archive.account_id != owner_id:
        whose = f"@{archive.username}" if archive.username else f"account {archive.account_id}"
        raise ArchiveError(
            "archive_not_yours",
            f"This export belongs to {whose}, not to @{username}: only an account's own archive can be analysed.",
        )


def start_import(username: str, owner_id: str | None, data: bytes, filename: str) -> Job:
    """Check an upload for ``username`` (Twitter id ``owner_id`` where known) and queue its import job.

    Raises ArchiveError (see ``STATUS``) when it is refused, ``jobs.QueueUnavailable`` when the job cannot be sent
    (the job is then failed and the upload deleted).
    """
    archive = read_archive(data, max_bytes())
    if not archive.tweets:
        raise ArchiveError("archive_no_tweets", "The export holds no tweets to analyse.")
    account = account_named(username)
    owner_id = owner_id or (account.twitter_id if account is not None else None)
    check_owner(archive, owner_id, username)
    key = username.lower()
    running = jobs.active_job(key, ARCHIVE.name)
    if running is not None:
        raise _running(username, running)
    job = jobs.new_job(username, ARCHIVE.name)
    job.total = len(archive.tweets)
    db.session.add(job)
    db.session.flush()
    db.session.add(ArchiveUpload(job_id=job.id, owner_id=owner_id, filename=filename[:255], size=len(data), data=data))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent upload for the account started first
        db.session.rollback()
        running = jobs.active_job(key, ARCHIVE.name)
        if running is None:
            raise
        raise _running(username, running) from None
    jobs.enqueue(job)
    return job


def _running(username: str, job: Job) -> ArchiveError:
    return ArchiveError(
        "archive_import_running",
        f"An archive of @{username} is being imported ({job.state}, job {job.id}); wait for it to finish.",
    )
