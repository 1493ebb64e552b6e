"""document control: revision states on the engine, required reading, periodic review, controlled copies

Unreviewed legacy imports become drafts (they were readable by everyone before).

Revision ID: c4e6a8d0f2b4
Revises: a7c9e1b3d5f7
Create Date: 2026-12-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.core.types


revision = 'c4e6a8d0f2b4'
down_revision = 'a7c9e1b3d5f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_cycle_months', sa.Integer(), nullable=False, server_default='24'))
        batch_op.add_column(sa.Column('last_reviewed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('required_departments', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('required_roles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('reading_days', sa.Integer(), nullable=False, server_default='14'))

    _sqlite_foreign_keys(False)  # SQLite rebuilds the table to add its foreign keys
    with op.batch_alter_table('procedure_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('significance', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cosign_departments', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', portal.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('issued_at', portal.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_procedure_revisions_instance_id'), ['instance_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_procedure_revisions_instance_id_workflow_instances'), 'workflow_instances', ['instance_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_procedure_revisions_approved_by_id_users'), 'users', ['approved_by_id'], ['id'])
    _sqlite_foreign_keys(True)

    op.create_table(
        'procedure_copies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('revision_id', sa.Integer(), nullable=False),
        sa.Column('copy_no', sa.Integer(), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('holder_department', sa.String(length=20), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', portal.core.types.UTCDateTime(), nullable=False),
        sa.Column('recalled_at', portal.core.types.UTCDateTime(), nullable=True),
        sa.Column('recalled_by_id', sa.Integer(), nullable=True),
        sa.Column('recall_note', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_procedure_copies_issued_by_id_users')),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_copies_procedure_id_procedures'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recalled_by_id'], ['users.id'], name=op.f('fk_procedure_copies_recalled_by_id_users')),
        sa.ForeignKeyConstraint(['revision_id'], ['procedure_revisions.id'], name=op.f('fk_procedure_copies_revision_id_procedure_revisions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_copies')),
        sa.UniqueConstraint('procedure_id', 'copy_no', name=op.f('uq_procedure_copies_procedure_id'))
    )
    with op.batch_alter_table('procedure_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_copies_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_copies_revision_id'), ['revision_id'], unique=False)

    op.create_table(
        'procedure_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('revision_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('at', portal.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_reviews_procedure_id_procedures'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_procedure_reviews_reviewed_by_id_users')),
        sa.ForeignKeyConstraint(['revision_id'], ['procedure_revisions.id'], name=op.f('fk_procedure_reviews_revision_id_procedure_revisions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_reviews'))
    )
    with op.batch_alter_table('procedure_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_reviews_procedure_id'), ['procedure_id'], unique=False)

    # Unreviewed legacy imports were readable by everyone; under document control they are drafts.
    op.execute(
        "UPDATE procedure_revisions SET status = 'draft' WHERE status = 'current' AND procedure_id IN "
        "(SELECT id FROM procedures WHERE reviewed = false)"
    )
    op.execute(
        "DELETE FROM search_clauses WHERE procedure_id IN (SELECT id FROM procedures WHERE reviewed = false)"
    )
    op.execute(
        "DELETE FROM search_documents WHERE procedure_id IN (SELECT id FROM procedures WHERE reviewed = false)"
    )
    op.execute("UPDATE procedure_revisions SET issued_at = created_at WHERE status IN ('current', 'superseded')")


def downgrade():
    op.execute("UPDATE procedure_revisions SET status = 'current' WHERE status IN ('review', 'approved')")
    op.execute("UPDATE procedure_revisions SET status = 'superseded' WHERE status = 'withdrawn'")
    with op.batch_alter_table('procedure_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_reviews_procedure_id'))
    op.drop_table('procedure_reviews')
    with op.batch_alter_table('procedure_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_copies_revision_id'))
        batch_op.drop_index(batch_op.f('ix_procedure_copies_procedure_id'))
    op.drop_table('procedure_copies')
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('procedure_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_procedure_revisions_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_procedure_revisions_instance_id_workflow_instances'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_procedure_revisions_instance_id'))
        for column in ('withdrawn_reason', 'issued_at', 'approved_at', 'approved_by_id', 'significance', 'cosign_departments', 'instance_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        for column in ('reading_days', 'required_roles', 'required_departments', 'last_reviewed_on', 'review_cycle_months'):
            batch_op.drop_column(column)
    _sqlite_foreign_keys(True)


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds procedure_revisions to drop its columns; with foreign keys on, dropping the
    old table first deletes (cascades to) every clause pointing at it and fails with "database
    table is locked". The PRAGMA is ignored inside a transaction, so the one the UPDATEs above
    opened is committed first (SQLite runs this migration's DDL outside transactions anyway)."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
