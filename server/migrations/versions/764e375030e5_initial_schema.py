"""initial schema: accounts, tweets, emotions, analyses, jobs

Revision ID: 764e375030e5
Revises:
Create Date: 2026-11-22 14:28:30.279101

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "764e375030e5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_grants",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("username_key", sa.String(length=15), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "username_key"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("twitter_id", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=15), nullable=False),
        sa.Column("username_key", sa.String(length=15), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("since_id", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("twitter_id"),
        sa.UniqueConstraint("username_key"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=15), nullable=False),
        sa.Column("username_key", sa.String(length=15), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("classified", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("since_id", sa.String(length=20), nullable=True),
        sa.Column("next_token", sa.String(length=256), nullable=True),
        sa.Column("fetch_done", sa.Boolean(), nullable=False),
        sa.Column("newest_id", sa.String(length=20), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_username_key"), ["username_key"], unique=False)
        batch_op.create_index(
            "uq_jobs_active_username",
            ["username_key"],
            unique=True,
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        )

    op.create_table(
        "tweets",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("referenced_id", sa.String(length=20), nullable=True),
        sa.Column("referenced_text", sa.Text(), nullable=True),
        sa.Column("like_count", sa.Integer(), nullable=False),
        sa.Column("retweet_count", sa.Integer(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("quote_count", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tweets", schema=None) as batch_op:
        batch_op.create_index("ix_tweets_account_created", ["account_id", "created_at"], unique=False)

    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("low_confidence", sa.Boolean(), nullable=False),
        sa.Column("positivity", sa.Double(), nullable=False),
        sa.Column("negativity", sa.Double(), nullable=False),
        sa.Column("emotional_weight", sa.Double(), nullable=False),
        sa.Column("tweet_count", sa.Integer(), nullable=False),
        sa.Column("own_count", sa.Integer(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("quote_count", sa.Integer(), nullable=False),
        sa.Column("retweet_count", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("happiest", sa.JSON(), nullable=True),
        sa.Column("saddest", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.create_index("ix_analyses_account_created", ["account_id", "created_at"], unique=False)

    op.create_table(
        "tweet_emotions",
        sa.Column("tweet_id", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("sadness", sa.Double(), nullable=False),
        sa.Column("joy", sa.Double(), nullable=False),
        sa.Column("love", sa.Double(), nullable=False),
        sa.Column("anger", sa.Double(), nullable=False),
        sa.Column("fear", sa.Double(), nullable=False),
        sa.Column("surprise", sa.Double(), nullable=False),
        sa.Column("neutral", sa.Double(), nullable=False),
        sa.Column("classified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tweet_id"], ["tweets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tweet_id", "model_version"),
    )
    op.create_table(
        "tweet_hashtags",
        sa.Column("tweet_id", sa.String(length=20), nullable=False),
        sa.Column("tag", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(["tweet_id"], ["tweets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tweet_id", "tag"),
    )
    with op.batch_alter_table("tweet_hashtags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tweet_hashtags_tag"), ["tag"], unique=False)


def downgrade():
    with op.batch_alter_table("tweet_hashtags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tweet_hashtags_tag"))

    op.drop_table("tweet_hashtags")
    op.drop_table("tweet_emotions")
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_analyses_account_created")

    op.drop_table("analyses")
    with op.batch_alter_table("tweets", schema=None) as batch_op:
        batch_op.drop_index("ix_tweets_account_created")

    op.drop_table("tweets")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_active_username",
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        )
        batch_op.drop_index(batch_op.f("ix_jobs_username_key"))

    op.drop_table("jobs")
    op.drop_table("accounts")
    op.drop_table("access_grants")
