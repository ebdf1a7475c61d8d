"""Archive uploads waiting for their import job.

Revision ID: b7e3c9a1d455
Revises: 9a4d2e6f7b81
Create Date: 2026-12-04 06:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e3c9a1d455"
down_revision = "9a4d2e6f7b81"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "archive_uploads",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=20), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )


def downgrade():
    op.drop_table("archive_uploads")
