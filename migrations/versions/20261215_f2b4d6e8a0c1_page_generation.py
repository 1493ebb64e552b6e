"""page generation: one row every committed write moves, the key of the page cache

Revision ID: f2b4d6e8a0c1
Revises: e1a3c5b7d9f0
Create Date: 2026-12-15 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "f2b4d6e8a0c1"
down_revision = "e1a3c5b7d9f0"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "page_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "value": 1}])


def downgrade():
    op.drop_table("page_generation")
