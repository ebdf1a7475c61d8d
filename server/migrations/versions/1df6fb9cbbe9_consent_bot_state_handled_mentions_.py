"""consent, bot state, handled mentions, admin runs, graph changes

Revision ID: 1df6fb9cbbe9
Revises: 55b560efa487
Create Date: 2026-11-22 18:07:21.198217

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1df6fb9cbbe9"
down_revision = "55b560efa487"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "graph_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.BigInteger(), nullable=True),
        sa.Column("followee_id", sa.BigInteger(), nullable=True),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("graph_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_graph_changes_version"), ["version"], unique=False)
    op.create_table(
        "admin_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("older_than_days", sa.Double(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "bot_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mentions_since_id", sa.String(length=20), nullable=True),
        sa.Column("polled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "consents",
        sa.Column("username_key", sa.String(length=15), nullable=False),
        sa.Column("twitter_id", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username_key"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_twitter_id"), ["twitter_id"], unique=False)

    op.create_table(
        "handled_mentions",
        sa.Column("mention_id", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.String(length=20), nullable=False),
        sa.Column("command", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("reply_id", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("handled_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handled_mentions_author_id"), ["author_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_run_id"), ["run_id"], unique=False)
        batch_op.create_foreign_key("fk_jobs_run_id", "admin_runs", ["run_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("graph_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_graph_changes_version"))
    op.drop_table("graph_changes")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_jobs_run_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_jobs_run_id"))
        batch_op.drop_column("run_id")

    with op.batch_alter_table("handled_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handled_mentions_author_id"))

    op.drop_table("handled_mentions")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_twitter_id"))

    op.drop_table("consents")
    op.drop_table("bot_state")
    op.drop_table("admin_runs")
