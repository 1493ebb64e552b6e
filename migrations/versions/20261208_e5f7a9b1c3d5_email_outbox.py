"""e-mail outbox: notifications get a due time, attempts and a sender's claim

Revision ID: e5f7a9b1c3d5
Revises: d8e1f3a5b7c9
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.core.types


revision = 'e5f7a9b1c3d5'
down_revision = 'd8e1f3a5b7c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_next_at', portal.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_claimed_at', portal.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_claimed_by', sa.String(length=80), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_notifications_email_next_at'), ['email_next_at'], unique=False)
    # What the old sender would still have sent stays due; a row it had given up on (an
    # e-mail_error such as "no address") and a row already e-mailed have no next attempt.
    op.execute(
        "UPDATE notifications SET email_next_at = created_at "
        "WHERE emailed_at IS NULL AND email_error = ''"
    )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_email_next_at'))
        batch_op.drop_column('email_claimed_by')
        batch_op.drop_column('email_claimed_at')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_next_at')
