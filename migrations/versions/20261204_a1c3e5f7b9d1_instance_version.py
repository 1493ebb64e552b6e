"""workflow instances: a version bumped by every transition under the row lock

Revision ID: a1c3e5f7b9d1
Revises: 5e4c1a7b9d20
Create Date: 2026-12-04 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1c3e5f7b9d1'
down_revision = '5e4c1a7b9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('workflow_instances', schema=None) as batch_op:
        batch_op.drop_column('version')
