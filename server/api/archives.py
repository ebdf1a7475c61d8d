"""Analyse my archive: ``POST /api/v1/archives`` takes an X/Twitter data export and starts its import job."""

from __future__ import annotations

from flask import current_app, g
from limits import parse

from server.api.access import START, accepted, bp, enforce, queue_available, reachable, require_consent
from server.api.contract import UPLOADS, errors, read_upload
from server.api.errors import ApiError
from server.api.schemas import ArchiveForm
from server.archives import imports
from server.archives.reader import ArchiveError
from server.auth.principals import Principal
from server.extensions import db
from server.models import AccessGrant

UPLOADS["api.upload_archive"] = imports.LIMIT


def owner_of(principal: Principal, username: str) -> str | None:
    """The Twitter id the export must belong to: the signed-in account's, or the one the client was granted."""
    if principal.kind == "session":
        return principal.twitter_id
    if principal.kind == "client":
        grant = db.session.get(AccessGrant, (principal.client_id, username.lower()))
        return grant.twitter_id if grant is not None else None
    return None


def import_for(principal: Principal, username: str, data: bytes, filename: str):
    """Check the upload and start its import for an account this caller may reach: the job, or an ApiError."""
    reachable(username)
    enforce(parse(current_app.config["JOB_START_LIMIT"]), "job-starts", principal.rate_key)
    require_consent(username)
    try:
        with queue_available():
            return imports.start_import(username, owner_of(principal, username), data, filename)
    except ArchiveError as error:
        raise ApiError(imports.STATUS.get(error.code, 422), error.code, str(error)) from None


@bp.post(
    "/archives",
    responses={
        **START,
        **errors(
            e400="No file, or an invalid username",
            e409="archive_import_running: an import of this account is running",
            e413="archive_too_large: over ARCHIVE_MAX_MB",
            e415="Body is not multipart/form-data",
            e422="The file is not a usable export (archive_not_zip, archive_no_tweets, archive_malformed, "
            "archive_zip_bomb, archive_too_many_files) or not the account's own (archive_not_yours)",
        ),
    },
)
def upload_archive(form: ArchiveForm):
    """Analyse an X/Twitter data export ("Download an archive of your data"): its ZIP, or data/tweets.js alone.

    Only the account's own export is taken: its data/account.js id must be the signed-in account's (or the one the
    client was authorised for). The upload is checked at once (size, ZIP entries and ratio, the JSON of every
    tweets part); its tweets are then stored like fetched ones and analysed by a job of kind ``archive``, which
    ends in an analysis. A signed-in session may leave ``username`` out.
    """
    principal: Principal = g.principal
    username = form.username or (principal.username if principal.kind == "session" else None)
    if username is None:
        raise ApiError(400, "invalid_username", "Say which account the archive is for: a 'username' field.")
    job = import_for(principal, username, read_upload(form.file), form.file.filename or "archive")
    return accepted(job)
