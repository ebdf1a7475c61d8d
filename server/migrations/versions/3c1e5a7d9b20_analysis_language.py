"""analyses: tweets left out for their language, the account's main language

Revision ID: 3c1e5a7d9b20
Revises: 1df6fb9cbbe9
Create Date: 2026-12-03 22:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c1e5a7d9b20"
down_revision = "1df6fb9cbbe9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_language_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("skipped_language_count")
