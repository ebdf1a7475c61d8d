"""The database tables, by area; ``from server.models import Job`` reaches every one.

Schema changes go through Alembic (``server/migrations``): edit a model, then ``flask --app server db migrate``.
"""

from server.db import TWEET_ID_LENGTH, USERNAME_LENGTH, UTCDateTime, insert_ignore, upsert, utcnow
from server.models.accounts import Account, Tweet, TweetEmotion, TweetHashtag, account_named
from server.models.bot import BotState, HandledMention
from server.models.graph import Follow, FollowWalk, GraphAccount, GraphChange, GraphHashtag, GraphState
from server.models.jobs import ACTIVE_STATES, FINAL_STATES, AdminRun, ArchiveUpload, Job
from server.models.privacy import AccessGrant, Consent, UserSession, UserToken
from server.models.results import READING_ID_LENGTH, Analysis, EmotionReading, Recommendation, latest_result
from server.models.topics import Topic, TopicDay, TopicHour

__all__ = [
    "ACTIVE_STATES",
    "AccessGrant",
    "Account",
    "AdminRun",
    "ArchiveUpload",
    "Analysis",
    "BotState",
    "Consent",
    "EmotionReading",
    "FINAL_STATES",
    "Follow",
    "FollowWalk",
    "GraphAccount",
    "GraphChange",
    "GraphHashtag",
    "GraphState",
    "HandledMention",
    "Job",
    "READING_ID_LENGTH",
    "Recommendation",
    "TWEET_ID_LENGTH",
    "Topic",
    "TopicDay",
    "TopicHour",
    "Tweet",
    "TweetEmotion",
    "TweetHashtag",
    "USERNAME_LENGTH",
    "UTCDateTime",
    "UserSession",
    "UserToken",
    "account_named",
    "insert_ignore",
    "latest_result",
    "upsert",
    "utcnow",
]
