"""Trust: OAuth grants and sessions, user tokens; job re-sends and worker.

Revision ID: 9a4d2e6f7b81
Revises: 3c1e5a7d9b20
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a4d2e6f7b81"
down_revision = "3c1e5a7d9b20"
branch_labels = None
depends_on = None


def upgrade():
    # Grants used to be given to any client that asked for an analysis: none of them was authorised by the
    # account's owner, so none survives (clients get them again through "Sign in with X").
    op.execute("DELETE FROM access_grants")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("twitter_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="oauth"))
        batch_op.create_index(batch_op.f("ix_access_grants_twitter_id"), ["twitter_id"], unique=False)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("twitter_id", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=15), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_twitter_id"), ["twitter_id"], unique=False)
    op.create_table(
        "user_tokens",
        sa.Column("twitter_id", sa.String(length=20), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("twitter_id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resends", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("worker", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("worker")
        batch_op.drop_column("resends")
    op.drop_table("user_tokens")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_twitter_id"))
    op.drop_table("user_sessions")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_twitter_id"))
        batch_op.drop_column("source")
        batch_op.drop_column("twitter_id")
