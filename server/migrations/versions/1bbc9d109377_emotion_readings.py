"""Emotion readings: a text's and a photo's faces' probabilities, soft-voted; the text only until it is read.

Revision ID: 1bbc9d109377
Revises: b4da153056c0
Create Date: 2026-12-04 11:28:29
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1bbc9d109377"
down_revision = "b4da153056c0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "emotion_readings",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("face_emotions", sa.JSON(), nullable=True),
        sa.Column("text_emotions", sa.JSON(), nullable=True),
        sa.Column("emotions", sa.JSON(), nullable=True),
        sa.Column("text_skipped", sa.String(length=32), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("face_model_version", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emotion_readings_created_by", "emotion_readings", ["created_by"])


def downgrade():
    op.drop_index("ix_emotion_readings_created_by", table_name="emotion_readings")
    op.drop_table("emotion_readings")
