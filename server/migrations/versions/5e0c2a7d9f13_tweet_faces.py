"""The faces of a tweet's photos (count and mean expression; never the photo) and an analysis's figures of them.

Revision ID: 5e0c2a7d9f13
Revises: 1bbc9d109377
Create Date: 2026-12-04 13:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e0c2a7d9f13"
down_revision = "1bbc9d109377"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tweets") as batch:
        batch.add_column(sa.Column("faces", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("face_emotions", sa.JSON(), nullable=True))
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("face_tweet_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("text_breakdown", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("text_breakdown")
        batch.drop_column("face_tweet_count")
    with op.batch_alter_table("tweets") as batch:
        batch.drop_column("face_emotions")
        batch.drop_column("faces")
