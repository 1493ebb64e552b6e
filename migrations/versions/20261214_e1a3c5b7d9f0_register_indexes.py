"""register indexes: each register's default order (key, then id) read from one index

The registers page by keyset (after the previous page's last key and id), so their indexes end
in the tiebreak id: on PostgreSQL an index on the key alone leaves the id to a sort; SQLite has
the rowid in every index, so there the change is the order of the columns.

Revision ID: e1a3c5b7d9f0
Revises: d8f0a2c4e6b8
Create Date: 2026-12-14 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e1a3c5b7d9f0'
down_revision = 'd8f0a2c4e6b8'
branch_labels = None
depends_on = None

# (table, name, columns before or None, columns after or None)
CHANGES = (
    ('seal_request_items', 'ix_seal_request_items_stamped_at', ['stamped_at'], None),
    ('seal_request_items', 'ix_seal_request_items_stamped', None, ['stamped_at', 'id']),
    ('workflow_instances', 'ix_workflow_instances_register',
     ['form_type', 'submitted_at', 'status', 'department_id'],
     ['form_type', 'submitted_at', 'id', 'status', 'department_id']),
    ('workflow_instances', 'ix_workflow_instances_status_date',
     ['form_type', 'status', 'submitted_at'], ['form_type', 'status', 'submitted_at', 'id']),
    ('workflow_instances', 'ix_workflow_instances_department',
     ['form_type', 'department_id', 'submitted_at'],
     ['form_type', 'department_id', 'submitted_at', 'id']),
    ('supply_ledger', 'ix_supply_ledger_at', ['at'], ['at', 'id']),
    ('archive_items', 'ix_archive_items_number', None, ['number', 'id']),
    ('archive_items', 'ix_archive_items_destroyed', None, ['status', 'destroyed_at', 'id']),
)


def upgrade():
    for table, name, before, after in CHANGES:
        if before:
            op.drop_index(name, table_name=table)
        if after:
            op.create_index(name, table, after, unique=False)


def downgrade():
    for table, name, before, after in reversed(CHANGES):
        if after:
            op.drop_index(name, table_name=table)
        if before:
            op.create_index(name, table, before, unique=False)
