"""The job kinds: one entry each. Adding a kind is an entry here, a pipeline module and a task.

A kind names its Celery task, its pipeline (imported only by the worker that runs it, so the web process never
loads what a pipeline needs, such as networkx) and how the API speaks of its result.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobKind:
    """One kind of job: what runs it and how its result is found and named."""

    name: str  # the job's ``kind`` column and the API's ``job.kind``
    task: str  # the Celery task that runs a job of this kind (``tasks/``)
    pipeline: str  # "module:function": ``function(run, resources)`` does the work and returns the result row
    work: str  # the job, in an error message: "The analysis took too long"
    result_attr: str  # the job's relationship to its result row
    result_endpoint: str  # the API endpoint of one result, which takes ``<result_attr>_id``
    latest_endpoint: str  # the API endpoint of an account's latest result
    missing_code: str  # the 404 code when an account has no result yet
    noun: str  # the result, in a message: "No analysis of @jack yet"
    start_route: str  # the request that starts a job of this kind
    subject_param: str = "username"  # the latest endpoint's parameter naming the job's subject (Job.username)
    result_param: str | None = None  # the result endpoint's parameter (None: ``<result_attr>_id``)
    # Who may follow a job and read its result: "account", whoever may reach the account named by the subject;
    # "public", any caller with a credential (public data, no account); "caller", only the caller who asked.
    access: str = "account"

    def load_pipeline(self) -> Callable[..., Any]:
        """The pipeline function (imports its module)."""
        module, _, function = self.pipeline.partition(":")
        return getattr(importlib.import_module(module), function)


ANALYSIS = JobKind(
    name="analysis",
    task="mood.analyse_account",
    pipeline="server.pipelines.analysis:execute",
    work="The analysis",
    result_attr="analysis",
    result_endpoint="api.get_analysis",
    latest_endpoint="api.get_latest_analysis",
    missing_code="analysis_not_found",
    noun="analysis",
    start_route="POST /api/v1/analyses",
)
RECOMMENDATIONS = JobKind(
    name="recommendations",
    task="mood.recommend_account",
    pipeline="server.pipelines.recommendations:execute",
    work="The recommendation run",
    result_attr="recommendation",
    result_endpoint="api.get_recommendation",
    latest_endpoint="api.get_latest_recommendation",
    missing_code="recommendation_not_found",
    noun="recommendations",
    start_route="POST /api/v1/recommendations",
)
# An uploaded X/Twitter export: stored like fetched tweets, then analysed; its result is an analysis.
ARCHIVE = JobKind(
    name="archive",
    task="mood.import_archive",
    pipeline="server.pipelines.archive:execute",
    work="The archive import",
    result_attr="analysis",
    result_endpoint="api.get_analysis",
    latest_endpoint="api.get_latest_analysis",
    missing_code="analysis_not_found",
    noun="analysis",
    start_route="POST /api/v1/archives",
)
# Public emotion on a search query: the job's subject (Job.username) is the topic's id; its result, the topic.
TOPIC = JobKind(
    name="topic",
    task="mood.monitor_topic",
    pipeline="server.pipelines.topic:execute",
    work="The topic's search",
    result_attr="finished_topic",
    result_endpoint="api.get_topic",
    latest_endpoint="api.get_topic",
    missing_code="topic_not_found",
    noun="topic",
    start_route="POST /api/v1/topics",
    subject_param="topic_id",
    result_param="topic_id",
    access="public",
)
# The emotions of a text and/or a photo's faces: the subject is the reading's id; the text model runs in a worker.
EMOTIONS = JobKind(
    name="emotions",
    task="mood.read_emotions",
    pipeline="server.pipelines.emotions:execute",
    work="Reading the emotions",
    result_attr="finished_reading",
    result_endpoint="api.get_emotions",
    latest_endpoint="api.get_emotions",
    missing_code="reading_not_found",
    noun="reading",
    start_route="POST /api/v1/emotions",
    subject_param="reading_id",
    result_param="reading_id",
    access="caller",
)
KINDS: dict[str, JobKind] = {kind.name: kind for kind in (ANALYSIS, RECOMMENDATIONS, ARCHIVE, TOPIC, EMOTIONS)}
KIND_NAMES = tuple(KINDS)


def kind_of(name: str) -> JobKind:
    """The kind called ``name``; ValueError for an unknown one."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown job kind {name!r}") from None
