"""The API contract: every request and response of ``/api/v1`` as a pydantic model.

One source for three things: the routes validate their input with these models (``server.api.contract`` turns a
failure into our 400 shape), build their output with them (``Model.of(row)``), and the OpenAPI 3.1 document is
generated from them. A test validates real responses against the served document.
"""

# Long module: the whole contract in one place, request models first, then each resource's response.

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import url_for
from flask_openapi3 import FileStorage
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StrictBool, field_validator, model_validator
from werkzeug.datastructures import FileStorage as UploadedFile

from ml.labels import EMOTIONS
from ml.mood.status import STATUSES
from server import models
from server.db import MAX_INTEGER_ID
from server.jobs.kinds import KIND_NAMES, kind_of
from server.pipelines.reanalysis import run_progress

USERNAME_PATTERN = r"^[A-Za-z0-9_]{1,15}$"
HISTORY_DEFAULT, HISTORY_MAX = 50, 500
TEXT_MAX_CHARS = 5000  # a caption or a long post; a tweet is 280
MAX_DAYS = 36500  # a century: further back than any tweet, and within what dates can express
JOB_STATES = ("pending", "running", "retrying", "succeeded", "failed")
JOB_ERRORS = (
    "user_not_found",
    "user_suspended",
    "user_protected",
    "twitter_unauthorized",
    "twitter_forbidden",
    "twitter_bad_request",
    "twitter_unavailable",
    "queue_unavailable",
    "job_timeout",
    "consent_required",
    "internal_error",
    # Archive imports (server.archives): the upload turned out unusable, or went with its account.
    "archive_too_large",
    "archive_not_zip",
    "archive_too_many_files",
    "archive_zip_bomb",
    "archive_no_tweets",
    "archive_malformed",
    "archive_not_yours",
    "archive_missing",
    "account_forgotten",
)

TWEETS_PER_PAGE_DEFAULT, TWEETS_PER_PAGE_MAX = 50, 200

Username = Annotated[
    str,
    Field(
        pattern=USERNAME_PATTERN,
        description="1 to 15 letters, digits or underscores, without '@'",
        json_schema_extra={"example": "sunny_sam"},
    ),
]
# Timestamps as Python writes them (``2026-12-04T01:40:08.123456+00:00``), as the API always has.
Timestamp = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]
Probability = Annotated[float, Field(ge=0, le=1)]
# Integer row ids: what the INTEGER primary keys hold; a larger number is refused, not looked up.
RowId = Annotated[int, Field(ge=1, le=MAX_INTEGER_ID, json_schema_extra={"example": 1})]
Count = Annotated[int, Field(ge=0)]


def _enum(values: tuple[str, ...]) -> Any:
    """``Literal`` of the values: an enum in the document, checked on validation."""
    return Literal[values]


class Schema(BaseModel):
    """A contract model: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# -- requests ------------------------------------------------------------------------------------------------
class UsernameBody(Schema):
    """The account to start a job for."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"username": "sunny_sam"}]})
    username: Username


class MatchingBody(Schema):
    """Whether the account may be suggested to others as a friend."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"opt_in": True}]})
    opt_in: StrictBool


class ConsentBody(Schema):
    """The client's declaration that the person signed in as the account on its side."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"signed_in": True}]})
    signed_in: Literal[True]


class ReanalysisBody(Schema):
    """Which consented accounts to re-analyse: those not analysed for ``older_than_days`` (null: every one)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"older_than_days": 7}]})
    older_than_days: Annotated[float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False, strict=True)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_body_means_defaults(cls, data: object) -> object:
        return {} if data is None else data


class UsernamePath(Schema):
    """An account, by username."""

    username: Username


class LegacyUsernamePath(Schema):
    """An account, by username (the hackathon frontend's routes)."""

    user_name: Username


class JobPath(Schema):
    """A job, by id (32 hex digits)."""

    job_id: Annotated[str, Field(json_schema_extra={"example": "3f2b9c0d4e5a46b7a8c9d0e1f2a3b4c5"})]


class AnalysisPath(Schema):
    """An analysis, by id."""

    analysis_id: RowId


class RecommendationPath(Schema):
    """A recommendation, by id."""

    recommendation_id: RowId


class RunPath(Schema):
    """An admin run, by id (32 hex digits)."""

    run_id: Annotated[str, Field(json_schema_extra={"example": "3f2b9c0d4e5a46b7a8c9d0e1f2a3b4c5"})]


class HistoryQuery(Schema):
    """How many analyses to list, newest first."""

    model_config = ConfigDict(extra="ignore")
    limit: Annotated[int, Field(ge=1, le=HISTORY_MAX)] = HISTORY_DEFAULT


class TweetsQuery(Schema):
    """Which page of an account's tweets, newest first."""

    model_config = ConfigDict(extra="ignore")
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=TWEETS_PER_PAGE_MAX)] = TWEETS_PER_PAGE_DEFAULT


class TrendQuery(Schema):
    """How to bucket the tweets' dates."""

    model_config = ConfigDict(extra="ignore")
    bucket: Literal["day", "week"] = "week"


class ResourcesQuery(Schema):
    """For which mood, and in which language where helplines answer in it."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"status": "Stressed"}]})
    status: Literal["Cheerful", "Satisfied", "Stressed", "Depressed"]
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] | None = None


class TopicBody(Schema):
    """A topic to watch: a query in Twitter's search syntax over a period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"query": "#PfizerBioNTech lang:en -is:retweet", "start": "2026-12-01T00:00:00Z"}]
        },
    )
    query: Annotated[str, Field(min_length=1, max_length=512, description="Twitter search syntax")]
    start: datetime = Field(description="from when (UTC); recent search reaches back 7 days")
    end: datetime | None = Field(None, description="until when; null: up to now")
    watch: StrictBool = Field(False, description="refresh periodically (beat), adding new tweets")

    @model_validator(mode="after")
    def _period(self) -> TopicBody:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone, e.g. 2026-12-01T00:00:00Z")
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class TopicPath(Schema):
    """A topic, by id."""

    topic_id: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]


class TopicQuery(Schema):
    """How to answer: JSON, or the daily (``bucket=hour``: hourly) series as CSV."""

    model_config = ConfigDict(extra="ignore")
    format: Literal["json", "csv"] = "json"
    bucket: Literal["day", "hour"] = "day"


class ImageQuery(Schema):
    """Which image format."""

    model_config = ConfigDict(extra="ignore")
    format: Literal["svg", "png"] = "svg"


# -- errors --------------------------------------------------------------------------------------------------
class ErrorDetail(Schema):
    """A stable snake_case code and a message for people."""

    code: Annotated[str, Field(json_schema_extra={"example": "invalid_username"})]
    message: str


class Error(Schema):
    """Every error, whatever its status."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "job_not_found", "message": "No job 'abc'."}}]}
    )
    error: ErrorDetail


# -- jobs ----------------------------------------------------------------------------------------------------
class Progress(Schema):
    """Tweets fetched and classified so far."""

    fetched: Count
    classified: Count
    total: Count | None = Field(
        description="tweets to classify (estimate while fetching); a recommendation job fetches and classifies "
        "only when the account has no analysis yet"
    )


class JobError(Schema):
    """Why a job failed."""

    code: _enum(JOB_ERRORS) | None  # type: ignore[valid-type]
    message: str | None


class Retry(Schema):
    """When a parked job runs again, and why it waits (a rate limit or a Twitter outage)."""

    at: Timestamp | None
    reason: Literal["rate_limited", "twitter_unavailable"] | None
    message: str | None


class JobLinks(Schema):
    """Where to follow the job and find its result."""

    self: str
    result: str | None = Field(description="the analysis (or, for a recommendations job, the recommendation)")
    latest: str = Field(description="the account's latest result of the job's kind")


class Job(Schema):
    """A job: kind, state, progress, retry or error, timings and links."""

    id: str
    kind: _enum(KIND_NAMES)  # type: ignore[valid-type]
    username: Username
    state: _enum(JOB_STATES)  # type: ignore[valid-type]
    progress: Progress
    error: JobError | None = Field(description="set when state is failed")
    retry: Retry | None = Field(description="set when state is retrying")
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    timings: dict[str, float] = Field(
        description="seconds per phase: fetch, classify, score, persist (database), model_load, recommend"
    )
    links: JobLinks

    @classmethod
    def of(cls, job: models.Job) -> Job:
        """The job as the API shows it."""
        kind = kind_of(job.kind)
        # A recommendation job may analyse too (job.analysis), but its result is the recommendation.
        result = getattr(job, kind.result_attr)
        subject: dict[str, Any] = {kind.subject_param: job.username}
        result_param = kind.result_param or f"{kind.result_attr}_id"
        result_url = url_for(kind.result_endpoint, **{result_param: result.id}) if result else None
        failed, retrying = job.state == "failed", job.state == "retrying"
        return cls.model_validate(
            dict(
                id=job.id,
                kind=job.kind,
                username=job.username,
                state=job.state,
                progress=Progress(fetched=job.fetched, classified=job.classified, total=job.total),
                error={"code": job.error_code, "message": job.error_message} if failed else None,
                retry={"at": job.retry_at, "reason": job.error_code, "message": job.error_message}
                if retrying
                else None,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
                timings=job.timings or {},
                links=JobLinks(
                    self=url_for("api.get_job", job_id=job.id),
                    result=result_url,
                    latest=url_for(kind.latest_endpoint, **subject),
                ),
            )
        )


class ArchiveForm(Schema):
    """An uploaded X/Twitter data export (multipart/form-data)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    file: FileStorage = Field(description="The export's ZIP, or its data/tweets.js alone")
    username: Username | None = Field(
        None, description="The account it is for; a signed-in session's own account when left out"
    )


class ImageForm(Schema):
    """A photo to read faces in (multipart/form-data)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    file: FileStorage = Field(description="JPEG, PNG, GIF, WebP, BMP or TIFF, up to IMAGE_MAX_MB")


class FacesQuery(Schema):
    """JSON, or with ``overlay=1`` the photo as PNG with each face's box and expression drawn on it."""

    model_config = ConfigDict(extra="ignore")
    overlay: bool = False


class FaceBox(Schema):
    """Where a face is, in the photo's pixels (upright, as its EXIF orientation says)."""

    x: Count
    y: Count
    width: Count
    height: Count


class FaceOut(Schema):
    """A face: its box, the detector's confidence, its expression (FER2013's seven) and those as our emotions."""

    box: FaceBox
    score: float = Field(description="the detector's confidence, 0-1")
    expression: str = Field(description="the most likely of the seven expressions")
    expressions: dict[str, float] = Field(description="angry, disgust, fear, happy, sad, surprise, neutral")
    emotions: dict[str, float] = Field(description="the expressions on our labels (disgust is anger; no love)")


class FacesOut(Schema):
    """The faces found in a photo, largest first. Nothing of the photo is kept."""

    width: Count
    height: Count
    faces: list[FaceOut]
    model_version: str


class EmotionsForm(Schema):
    """A text, a photo, or both (multipart/form-data): the photo's faces are soft-voted with the text."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    text: Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS)] | None = Field(
        None, description="A tweet or a caption, up to 5,000 characters"
    )
    file: FileStorage | None = Field(None, description="A photo: JPEG, PNG, GIF, WebP, BMP or TIFF, up to IMAGE_MAX_MB")
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] | None = Field(
        None, description="The language helplines should answer in (else the text's, where it is detected)"
    )

    @field_validator("file", mode="before")
    @classmethod
    def _a_file(cls, value: Any) -> Any:
        # An optional file field also takes a plain form value of that name: it must be an uploaded file.
        if value is not None and not isinstance(value, UploadedFile):
            raise ValueError("must be an uploaded file (a multipart part with a filename)")
        return value


class ReadingPath(Schema):
    """An emotion reading, by id."""

    reading_id: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]


class TextEmotions(Schema):
    """The text's side of a reading."""

    emotions: dict[str, float] | None = Field(description="null when the text was not read (see skipped)")
    skipped: str | None = Field(description="why the text was not read: unsupported_language")


class FaceEmotions(Schema):
    """The photo's side of a reading: how many faces, and their mean on our labels."""

    count: Count
    emotions: dict[str, float] | None = Field(description="null without a face")


class Reading(Schema):
    """Seven emotions soft-voted from a text and a photo's faces, the mood they imply, and resources for it.

    Neither the photo nor the text is kept: a reading stores the probabilities only.
    """

    id: str | None = Field(description="null for a photo read at once (nothing is stored)")
    emotions: dict[str, float] = Field(description="the soft vote over our seven labels")
    emotion: str = Field(description="the most likely of them")
    status: _enum(STATUSES)  # type: ignore[valid-type]
    text: TextEmotions | None = Field(description="null for a photo alone")
    faces: FaceEmotions
    weights: dict[str, float] = Field(description="the soft vote's weights: text, faces")
    resources: Resources
    model_version: str | None = Field(description="the text model's; null without a text")
    face_model_version: str | None = Field(description="the expression model's; null without a photo")
    created_at: Timestamp


class ReadingEnvelope(Schema):
    """One emotion reading."""

    reading: Reading


class TopicDayOut(Schema):
    """One day (or hour) of a topic: how many tweets, which emotion was on top how often, the mean of each emotion."""

    day: str = Field(description="YYYY-MM-DD (UTC); an hour: YYYY-MM-DDTHH:00Z, the hour's start")
    tweets: Count
    top: dict[str, int]
    means: dict[str, float]
    positivity: float
    negativity: float


class HashtagLift(Schema):
    """A hashtag of a peak's day: how much more often than on the other days."""

    tag: str
    lift: float
    count: Count


class TopicPeakOut(Schema):
    """An unusual day of one series (positivity or an emotion's mean), with the hashtags that explain it."""

    series: str
    day: str = Field(description="YYYY-MM-DD; an hour's peak: YYYY-MM-DDTHH:00Z")
    direction: Literal["up", "down"]
    score: float = Field(description="robust z-score against the trailing weeks (days) or days (hours); ml.timeline")
    value: float
    baseline: float
    hashtags: list[HashtagLift]


class TopicOut(Schema):
    """A topic: its query and period, its daily series, its peaks and its most used hashtags. Aggregates only."""

    id: str
    query: str
    start: Timestamp
    end: Timestamp | None
    watch: bool
    tweets: Count
    model_version: str | None
    refreshed_at: Timestamp | None
    series: list[TopicDayOut]
    peaks: list[TopicPeakOut]
    hours: list[TopicDayOut] = Field(description="hour by hour, over the last seven days of the period")
    hour_peaks: list[TopicPeakOut] = Field(description="unusual hours, against the three days before each")
    hashtags: list[HashtagLift] = Field(description="the most used hashtags over the whole period (lift 1)")


class TopicEnvelope(Schema):
    """One topic."""

    topic: TopicOut


class JobEnvelope(Schema):
    """One job."""

    job: Job


# -- analyses ------------------------------------------------------------------------------------------------
class Extreme(Schema):
    """An own tweet with at least half its probability on the emotion; null when there is none."""

    id: str
    text: str
    score: Probability


class TweetCounts(Schema):
    """Tweets the mood was read from, by kind, and those left out for their language."""

    own: Count
    reply: Count
    quote: Count
    retweet: Count
    skipped_language: Count = Field(description="tweets left out: a language the model does not read (English only)")


class Window(Schema):
    """The time span of the tweets read."""

    start: Timestamp | None
    end: Timestamp | None


class AnalysisFaces(Schema):
    """The tweets whose photos showed faces (soft-voted into the breakdown) and the breakdown without their faces."""

    tweets: Count
    text_breakdown: dict[_enum(EMOTIONS), Probability]  # type: ignore[valid-type]


class Analysis(Schema):
    """An analysis: status, confidence, breakdown, extremes, tweet counts, time window, model version."""

    id: int
    username: Username
    job_id: str | None
    created_at: Timestamp
    status: _enum(STATUSES) | None  # type: ignore[valid-type]
    reason: Literal["no_tweets", "too_few_emotional_tweets", "unsupported_language"] | None = Field(
        description="why status is null"
    )
    confidence: Probability
    low_confidence: bool
    breakdown: dict[_enum(EMOTIONS), Probability]  # type: ignore[valid-type]
    positivity: float
    negativity: float
    emotional_weight: Annotated[float, Field(ge=0)]
    tweet_count: Count
    tweet_counts: TweetCounts
    faces: AnalysisFaces
    language: str | None = Field(description="the account's main tweet language (ISO 639-1); picks support lines")
    happiest: Extreme | None
    saddest: Extreme | None
    window: Window
    model_version: str

    @classmethod
    def of(cls, analysis: models.Analysis) -> Analysis:
        """The analysis as the API shows it."""
        return cls.model_validate(
            dict(
                id=analysis.id,
                username=analysis.account.username,
                job_id=analysis.job_id,
                created_at=analysis.created_at,
                status=analysis.status,
                reason=analysis.reason,
                confidence=analysis.confidence,
                low_confidence=analysis.low_confidence,
                breakdown=analysis.breakdown,
                positivity=analysis.positivity,
                negativity=analysis.negativity,
                emotional_weight=analysis.emotional_weight,
                tweet_count=analysis.tweet_count,
                faces=AnalysisFaces(
                    tweets=analysis.face_tweet_count, text_breakdown=analysis.text_breakdown or analysis.breakdown
                ),
                tweet_counts=TweetCounts(
                    own=analysis.own_count,
                    reply=analysis.reply_count,
                    quote=analysis.quote_count,
                    retweet=analysis.retweet_count,
                    skipped_language=analysis.skipped_language_count,
                ),
                language=analysis.language,
                happiest=analysis.happiest,
                saddest=analysis.saddest,
                window=Window(start=analysis.window_start, end=analysis.window_end),
                model_version=analysis.model_version,
            )
        )


class AnalysisEnvelope(Schema):
    """One analysis."""

    analysis: Analysis


class History(Schema):
    """An account's analyses, newest first (the mood trend)."""

    username: Username
    analyses: list[Analysis]


class TweetEmotions(Schema):
    """One stored tweet with the classifier's reading of it (null: not classified, e.g. another language)."""

    id: str
    created_at: Timestamp
    kind: Literal["own", "reply", "quote", "retweet"]
    text: str = Field(description="empty once older than the retention period")
    url: str
    emotions: dict[str, float] | None
    top: str | None = Field(description="the most likely label")


class TweetPage(Schema):
    """A page of an account's stored tweets, newest first, read with its latest analysis's model."""

    username: Username
    model_version: str | None
    page: int
    per_page: int
    total: int
    tweets: list[TweetEmotions]


class TrendBucket(Schema):
    """One day or week of tweets (by their own dates): how many, how emotional, and the mood they show."""

    start: str = Field(description="first day of the bucket (a Monday for weeks), YYYY-MM-DD")
    tweets: int
    emotional_weight: float = Field(description="effective number of emotional tweets")
    breakdown: dict[str, float] | None
    status: str | None = Field(description="null with too little emotion to tell")
    positivity: float | None
    negativity: float | None


class AnalysisPoint(Schema):
    """An analysis on the timeline."""

    id: int
    created_at: Timestamp
    status: str | None
    confidence: float
    positivity: float = Field(description="joy + love + surprise in the analysis's weighted breakdown")
    negativity: float = Field(description="anger + fear + sadness in the analysis's weighted breakdown")
    window_end: Timestamp | None


class Trend(Schema):
    """The mood over time: the tweets in buckets, and the history of analyses."""

    username: Username
    bucket: Literal["day", "week"]
    model_version: str | None
    series: list[TrendBucket]
    analyses: list[AnalysisPoint]


class Idea(Schema):
    """A sourced suggestion."""

    title: str
    detail: str
    source: str
    url: str


class Helpline(Schema):
    """A helpline or directory of helplines."""

    model_config = ConfigDict(extra="allow")
    name: str
    url: str


class Resources(Schema):
    """Resources for a mood: a kind line, sourced ideas, and helplines for Stressed and Depressed."""

    status: str
    message: str
    ideas: list[Idea]
    helplines: list[Helpline]
    helpline_message: str | None
    language: str


# -- recommendations -----------------------------------------------------------------------------------------
class AccountSuggestion(Schema):
    """An account to follow; never its mood."""

    id: str = Field(description="Twitter user id")
    username: str | None = Field(description="null when the graph does not know it")
    score: float = Field(description="higher is better")
    reason: str = Field(examples=["followed by 3 accounts you follow"])


class HashtagSuggestion(Schema):
    """A hashtag to follow."""

    tag: str = Field(description="without #, lower-case")
    score: float = Field(description="relative to the best (1.0)")
    reason: str = Field(examples=["used by 4 accounts near you"])


class RecommendationLinks(Schema):
    """Where the recommendation and the analysis it was based on live."""

    self: str
    analysis: str | None = Field(description="the user's analysis it was based on")


class Recommendation(Schema):
    """A recommendation: friends, big accounts and hashtags (ids, usernames, scores, reasons), degraded or not."""

    id: int
    username: Username
    job_id: str | None
    created_at: Timestamp
    degraded: bool = Field(description="Twitter refused the follow lists (403): ranked on the graph stored before")
    degraded_reason: str | None
    graph_version: int = Field(description="version of the follower graph it was ranked on")
    friends: list[AccountSuggestion] = Field(
        description="opted-in accounts of the opposite mood (Depressed <-> Cheerful, Stressed <-> Satisfied)"
    )
    big_accounts: list[AccountSuggestion] = Field(description="influential accounts near the user")
    hashtags: list[HashtagSuggestion]
    links: RecommendationLinks

    @classmethod
    def of(cls, recommendation: models.Recommendation) -> Recommendation:
        """The recommendation as the API shows it."""
        analysis_id = recommendation.analysis_id
        return cls.model_validate(
            dict(
                id=recommendation.id,
                username=recommendation.account.username,
                job_id=recommendation.job_id,
                created_at=recommendation.created_at,
                degraded=recommendation.degraded,
                degraded_reason=recommendation.degraded_reason,
                graph_version=recommendation.graph_version,
                friends=recommendation.friends,
                big_accounts=recommendation.big_accounts,
                hashtags=recommendation.hashtags,
                links=RecommendationLinks(
                    self=url_for("api.get_recommendation", recommendation_id=recommendation.id),
                    analysis=url_for("api.get_analysis", analysis_id=analysis_id) if analysis_id is not None else None,
                ),
            )
        )


class RecommendationEnvelope(Schema):
    """One recommendation."""

    recommendation: Recommendation


# -- accounts: matching, consent, deletion -------------------------------------------------------------------
class Matching(Schema):
    """Whether the account agreed to be suggested to others as a friend, and when it last said so."""

    username: Username
    opt_in: bool
    opt_in_at: Timestamp | None

    @classmethod
    def of(cls, account: models.Account) -> Matching:
        """The account's matching opt-in."""
        return cls(username=account.username, opt_in=account.match_opt_in, opt_in_at=account.match_opt_in_at)


class MatchingEnvelope(Schema):
    """The matching opt-in."""

    matching: Matching


class Consent(Schema):
    """Whether the account agreed to be analysed, how (``oauth``, ``mention``, ``sign_in``, ``demo``) and when."""

    username: Username
    given: bool
    source: Literal["oauth", "mention", "sign_in", "demo"] | None
    granted_at: Timestamp | None

    @classmethod
    def of(cls, username: str, consent: models.Consent | None) -> Consent:
        """The consent that holds for ``username`` (None: none)."""
        given = consent is not None
        return cls.model_validate(
            dict(
                username=username,
                given=given,
                source=consent.source if consent is not None else None,
                granted_at=consent.granted_at if consent is not None else None,
            )
        )


class ConsentEnvelope(Schema):
    """The account's consent."""

    consent: Consent


class Deleted(Schema):
    """Rows removed per table ("forget me")."""

    username: Username
    deleted: dict[str, Count]


class Health(Schema):
    """The database answers."""

    status: Literal["ok"]


class Caller(Schema):
    """Who is calling, and which accounts it may reach.

    A client sends people to ``sign_in_url`` to be authorised for their account ("Sign in with X").
    """

    kind: Literal["client", "session", "admin"]
    client_id: str | None = None
    trusted: bool = False
    username: str | None = None
    sign_in_url: str | None = None
    accounts: list[str] = Field(default_factory=list, description="Usernames it was authorised for (admins: all)")


# -- admin ---------------------------------------------------------------------------------------------------
class FailedAccount(Schema):
    """An account whose job failed, and why (never a mood)."""

    username: Username
    error_code: str | None


class Run(Schema):
    """An admin re-analysis run: total, jobs per state, fraction done, failed usernames with error codes."""

    id: str
    requested_by: Literal["api", "cli", "beat"]
    older_than_days: float | None
    created_at: Timestamp
    total: Count
    counts: dict[_enum(JOB_STATES), Count]  # type: ignore[valid-type]
    done: Probability
    failed: list[FailedAccount]

    @classmethod
    def of(cls, run: models.AdminRun) -> Run:
        """The run with its progress, counted over its jobs."""
        return cls.model_validate(run_progress(run))


class RunEnvelope(Schema):
    """One admin run."""

    run: Run
