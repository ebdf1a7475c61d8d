"""Runs one delivery of a job: claim it, run its kind's pipeline, turn the outcome into the job's state.

A pipeline sees the engine only through :class:`JobRun`: ``run.phase(name)`` times a step and
``run.checkpoint(**progress)`` stores progress, renews the lease and commits. The runner ends the job: success
(committed together with the result row the pipeline added), a retry at a time (rate limit, Twitter outage, with
jittered exponential backoff) or a failure with a readable code.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from server.db import utcnow
from server.extensions import db
from server.jobs import lifecycle
from server.jobs.kinds import kind_of
from server.models import Job
from server.privacy import ConsentRequired
from server.twitter.errors import RateLimited, TwitterError, TwitterUnavailable

logger = logging.getLogger(__name__)

# "recommend": recommendation jobs; "photos": reading the faces in fetched tweets' photos.
PHASES = ("fetch", "classify", "score", "persist", "model_load", "recommend", "photos")


class JobFailed(Exception):
    """A pipeline's failure that retrying cannot fix (a malformed upload): ``code`` for programs, text for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class PhaseTimer:
    """Adds up wall time per phase (one of ``PHASES``) into a dict."""

    def __init__(self, totals: Mapping[str, float] | None = None):
        self.totals: dict[str, float] = defaultdict(float, totals or {})

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block under ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - start

    def as_dict(self) -> dict[str, float]:
        """Rounded seconds per phase."""
        return {name: round(seconds, 4) for name, seconds in self.totals.items()}


@dataclass
class Resources:
    """What a worker process lends a pipeline: the Twitter client, and its model and graph, loaded on first use."""

    twitter: Any  # tweepy.Client
    load_classifier: Callable[[], Any]
    load_graph: Callable[[], Any] = lambda: None


class JobRun:
    """A claimed job as its pipeline sees it: the row (read it; write progress through ``checkpoint``) and a timer."""

    def __init__(self, job: Job, timer: PhaseTimer | None = None):
        self.job = job
        self.timer = timer or PhaseTimer(job.timings)

    def phase(self, name: str):
        """Time a step under ``name`` (one of ``PHASES``)."""
        return self.timer.phase(name)

    def checkpoint(self, **progress: Any) -> None:
        """Store ``progress`` (job columns such as ``fetched=``) with the timings, renew the lease and commit.

        Raises :class:`lifecycle.LeaseLost` (nothing committed) when another delivery took the job over.
        """
        for name, value in progress.items():
            setattr(self.job, name, value)
        self.job.timings = self.timer.as_dict()
        lifecycle.renew(self.job)
        db.session.commit()


def backoff(job: Job, error: TwitterError, rng: random.Random | None = None) -> datetime | None:
    """Retry time after a transient failure, or None when the retries are used up.

    A rate limit waits for its reset; an outage waits ``base * 2**attempt`` seconds (at most the maximum), times a
    random factor in [0.5, 1] so that jobs failed by one outage do not all come back in the same second.
    """
    config = current_app.config
    if isinstance(error, RateLimited):
        return max(error.reset_at, utcnow() + timedelta(seconds=1))
    if job.attempts >= config["TWITTER_MAX_RETRIES"]:
        return None
    delay = min(config["TWITTER_BACKOFF_MAX"], config["TWITTER_BACKOFF_BASE"] * 2**job.attempts)
    delay *= (rng or random).uniform(0.5, 1.0)
    job.attempts += 1
    return utcnow() + timedelta(seconds=delay)


def run_job(job_id: str, task_id: str, resources: Resources, worker: str | None = None) -> datetime | None:
    """Claim job ``job_id`` for delivery ``task_id`` (on ``worker``) and run its kind's pipeline.

    Failures become job states. Returns when to retry the job (rate limit, outage), or None when it is done or
    held by another delivery.
    """
    job = lifecycle.claim(job_id, task_id, worker)
    if job is None:
        logger.info("job %s is finished or held by another task; delivery %s skipped", job_id, task_id)
        return None
    kind = kind_of(job.kind)
    run = JobRun(job)
    try:
        result = kind.load_pipeline()(run, resources)
        with run.phase("persist"):
            lifecycle.finish_succeeded(job, run.timer.as_dict())  # one commit with the result row
        # Ids only: moods stay out of the logs.
        logger.info("job %s succeeded: %s %s", job.id, type(result).__name__.lower(), result.id)
        return None
    except lifecycle.LeaseLost:
        db.session.rollback()
        logger.warning("job %s was taken over by another delivery; %s stops", job_id, task_id)
        return None
    except (ConsentRequired, JobFailed) as error:
        db.session.rollback()
        if lifecycle.holds(job):
            lifecycle.finish_failed(job, error.code, str(error))
    except TwitterUnavailable as error:
        db.session.rollback()
        if lifecycle.holds(job):
            job.timings = run.timer.as_dict()
            retry_at = backoff(job, error)
            if retry_at is not None:
                return lifecycle.schedule_retry(job, retry_at, error.code, str(error))
            lifecycle.finish_failed(job, "twitter_unavailable", f"{error} (gave up after {job.attempts} retries)")
    except TwitterError as error:  # unknown, suspended or protected account; refused credentials
        db.session.rollback()
        if lifecycle.holds(job):
            job.timings = run.timer.as_dict()
            lifecycle.finish_failed(job, error.code, str(error))
    except SoftTimeLimitExceeded:
        db.session.rollback()
        if lifecycle.holds(job):
            message = f"{kind.work} took too long; what was fetched is kept, retry later."
            lifecycle.finish_failed(job, "job_timeout", message)
    except Exception:
        logger.exception("job %s failed", job_id)
        db.session.rollback()
        if lifecycle.holds(job):
            message = f"{kind.work} failed unexpectedly; what was fetched is kept."
            lifecycle.finish_failed(job, "internal_error", message)
    return None
