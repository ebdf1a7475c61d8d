"""Topics and their daily aggregates (no tweet, text, id or author is stored).

Revision ID: 8c41c3af75cf
Revises: b7e3c9a1d455
Create Date: 2026-12-04 06:56:24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c41c3af75cf"
down_revision = "b7e3c9a1d455"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "topics",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("query", sa.String(length=512), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=True),
        sa.Column("watch", sa.Boolean(), nullable=False),
        sa.Column("newest_id", sa.String(length=20), nullable=True),
        sa.Column("tweets", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "topic_days",
        sa.Column("topic_id", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tweets", sa.Integer(), nullable=False),
        sa.Column("top", sa.JSON(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic_id", "day"),
    )


def downgrade():
    op.drop_table("topic_days")
    op.drop_table("topics")
