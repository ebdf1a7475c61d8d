"""follower graph, recommendations, job kind, matching opt-in, follow walks

Revision ID: 55b560efa487
Revises: 764e375030e5
Create Date: 2026-11-22 16:56:40.585800

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "55b560efa487"
down_revision = "764e375030e5"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows: accounts are not matchable until they opt in; existing jobs are analyses.
    op.create_table(
        "follows",
        sa.Column("follower_id", sa.BigInteger(), nullable=False),
        sa.Column("followee_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("follower_id", "followee_id"),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follows_followee_id"), ["followee_id"], unique=False)

    # The ids a recommendation job saw in a follow list, so a resumed walk can still drop unfollows.
    op.create_table(
        "follow_walks",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("twitter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "direction", "twitter_id"),
    )
    op.create_table(
        "graph_accounts",
        sa.Column("twitter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=15), nullable=True),
        sa.PrimaryKeyConstraint("twitter_id"),
    )
    op.create_table(
        "graph_hashtags",
        sa.Column("twitter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.String(length=140), nullable=False),
        sa.PrimaryKeyConstraint("twitter_id", "tag"),
    )
    op.create_table(
        "graph_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("graph_version", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("degraded_reason", sa.Text(), nullable=True),
        sa.Column("friends", sa.JSON(), nullable=False),
        sa.Column("big_accounts", sa.JSON(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index("ix_recommendations_account_created", ["account_id", "created_at"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_opt_in", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("match_opt_in_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="analysis"))
        batch_op.add_column(sa.Column("follow_phase", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("follow_token", sa.String(length=256), nullable=True))
        batch_op.drop_index(
            batch_op.f("uq_jobs_active_username"), sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')")
        )
        batch_op.create_index(
            "uq_jobs_active_username",
            ["username_key", "kind"],
            unique=True,
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        )


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_active_username",
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        )
        batch_op.create_index(
            batch_op.f("uq_jobs_active_username"),
            ["username_key"],
            unique=True,
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        )
        batch_op.drop_column("follow_token")
        batch_op.drop_column("follow_phase")
        batch_op.drop_column("kind")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("match_opt_in_at")
        batch_op.drop_column("match_opt_in")

    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendations_account_created")

    op.drop_table("recommendations")
    op.drop_table("follow_walks")
    op.drop_table("graph_state")
    op.drop_table("graph_hashtags")
    op.drop_table("graph_accounts")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follows_followee_id"))

    op.drop_table("follows")
