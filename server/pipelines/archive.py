"""The archive pipeline: read the upload -> store its tweets (one commit, upload deleted) -> classify -> score.

Storing is all or nothing: the tweets, the account and the upload's deletion commit together with the job's
``fetch_done``, so a job interrupted before that stores nothing and one interrupted after resumes at classifying.
Tweets are upserted by id, as fetched ones are, so an archive and the timeline overlap without duplicates.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from server.archives.imports import check_owner, max_bytes
from server.archives.reader import Archive, ArchiveError, read_archive
from server.extensions import db
from server.jobs.runner import JobFailed, JobRun, Resources
from server.models import Account, Analysis, ArchiveUpload
from server.pipelines.analysis import assess_account, classify_tweets, store_account, store_tweets
from server.privacy import require_consent
from server.twitter import TwitterUser, lookup_user

STORE_CHUNK = 1000  # tweets per upsert statement


def execute(run: JobRun, resources: Resources) -> Analysis:
    """Every step of an archive job; returns the new Analysis, which the runner commits with the job's success."""
    job = run.job
    require_consent(job.username, current_app.config["REQUIRE_CONSENT"])
    if not job.fetch_done:
        import_tweets(run, resources)
    account = db.session.get(Account, job.account_id)
    if account is None:  # forgotten while the job ran
        raise JobFailed("account_forgotten", "The account's data was deleted while its archive was imported.")
    with run.phase("model_load"):
        classifier = resources.load_classifier()
    classify_tweets(run, account, classifier)
    return assess_account(run, account, classifier.version)


def import_tweets(run: JobRun, resources: Resources) -> None:
    """Store the upload's newest ``TWEET_LIMIT`` tweets for the job's account and delete the upload, in one commit."""
    job = run.job
    upload = db.session.get(ArchiveUpload, job.id)
    if upload is None:
        raise JobFailed("archive_missing", "The uploaded archive is gone (deleted with the account); upload it again.")
    try:
        with run.phase("fetch"):
            archive = read_archive(upload.data, max_bytes())
            check_owner(archive, upload.owner_id, job.username)
    except ArchiveError as error:
        raise JobFailed(error.code, str(error)) from None
    tweets = archive.tweets[: current_app.config["TWEET_LIMIT"]]  # newest first, as a timeline fetch stops
    with run.phase("persist"):
        account = _account(job.username, archive.account_id or upload.owner_id, archive, resources)
        for start in range(0, len(tweets), STORE_CHUNK):
            store_tweets(account, tweets[start : start + STORE_CHUNK])
        db.session.delete(upload)
        run.checkpoint(account_id=account.id, fetched=len(tweets), total=len(tweets), fetch_done=True)


def _account(username: str, owner_id: str | None, archive: Archive, resources: Resources) -> Account:
    """The account the tweets belong to: known by its Twitter id, else made from the export, else looked up."""
    if owner_id is None:  # a bare tweets.js for an account never looked up: Twitter says who it is
        return store_account(lookup_user(resources.twitter, username))
    account = db.session.scalar(sa.select(Account).where(Account.twitter_id == owner_id))
    if account is not None:
        return account
    return store_account(TwitterUser(owner_id, username, username, False, len(archive.tweets)))
