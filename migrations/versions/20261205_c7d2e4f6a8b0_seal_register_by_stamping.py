"""seal register: one row per stamping event, listed by the items' stamping time

Revision ID: c7d2e4f6a8b0
Revises: 39e86fb8e17d
Create Date: 2026-12-05 06:00:00

"""
from alembic import op


revision = 'c7d2e4f6a8b0'
down_revision = '39e86fb8e17d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seal_request_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seal_request_items_stamped_at'), ['stamped_at'], unique=False)


def downgrade():
    with op.batch_alter_table('seal_request_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seal_request_items_stamped_at'))
