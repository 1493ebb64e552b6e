"""designed forms: form types, their immutable versions, and records submitted under a version

Revision ID: 7b5cd728d3b0
Revises: f1a3c5e7b9d2
Create Date: 2026-12-11 11:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.core.types


revision = '7b5cd728d3b0'
down_revision = 'f1a3c5e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_types',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=24), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('draft', sa.JSON(), nullable=False),
        sa.Column('created_at', portal.core.types.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('owner_department_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_form_types_created_by_id_users')),
        sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_form_types_owner_department_id_departments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_types')),
        sa.UniqueConstraint('key', name=op.f('uq_form_types_key')),
    )
    op.create_table(
        'form_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('form_type_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('published_at', portal.core.types.UTCDateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['form_type_id'], ['form_types.id'], name=op.f('fk_form_versions_form_type_id_form_types')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_form_versions_published_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_versions')),
        sa.UniqueConstraint('form_type_id', 'number', name=op.f('uq_form_versions_form_type_id')),
    )
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_versions_form_type_id'), ['form_type_id'], unique=False)
    op.create_table(
        'designed_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('form_type_id', sa.Integer(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['form_type_id'], ['form_types.id'], name=op.f('fk_designed_records_form_type_id_form_types')),
        sa.ForeignKeyConstraint(['instance_id'], ['workflow_instances.id'], name=op.f('fk_designed_records_instance_id_workflow_instances')),
        sa.ForeignKeyConstraint(['version_id'], ['form_versions.id'], name=op.f('fk_designed_records_version_id_form_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_designed_records')),
    )
    with op.batch_alter_table('designed_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designed_records_form_type_id'), ['form_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_designed_records_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('designed_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designed_records_version_id'))
        batch_op.drop_index(batch_op.f('ix_designed_records_form_type_id'))
    op.drop_table('designed_records')
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_versions_form_type_id'))
    op.drop_table('form_versions')
    op.drop_table('form_types')
