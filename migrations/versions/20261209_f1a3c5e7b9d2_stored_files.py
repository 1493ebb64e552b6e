"""stored files: attachment bytes in the database (FILE_STORAGE=database)

Revision ID: f1a3c5e7b9d2
Revises: e5f7a9b1c3d5
Create Date: 2026-12-09 11:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.core.types


revision = 'f1a3c5e7b9d2'
down_revision = 'e5f7a9b1c3d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_files')),
    )


def downgrade():
    op.drop_table('stored_files')
