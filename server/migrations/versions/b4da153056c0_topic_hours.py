"""A topic's hours over its last seven days, aggregates like its days (no tweet, text, id or author).

Revision ID: b4da153056c0
Revises: 8c41c3af75cf
Create Date: 2026-12-04 08:27:08
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4da153056c0"
down_revision = "8c41c3af75cf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "topic_hours",
        sa.Column("topic_id", sa.String(length=12), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("tweets", sa.Integer(), nullable=False),
        sa.Column("top", sa.JSON(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic_id", "hour"),
    )


def downgrade():
    op.drop_table("topic_hours")
