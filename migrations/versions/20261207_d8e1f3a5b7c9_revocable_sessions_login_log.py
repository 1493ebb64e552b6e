"""revocable sessions (users.session_version, ended_sessions) and the login log's result

Revision ID: d8e1f3a5b7c9
Revises: c7d2e4f6a8b0
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.core.types


revision = 'd8e1f3a5b7c9'
down_revision = 'c7d2e4f6a8b0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    # Every session cookie issued before this revision carries no generation (generation 0):
    # moving existing users to generation 1 ends them all (portal/auth/sessions.py).
    op.execute("UPDATE users SET session_version = 1")
    op.create_table('ended_sessions',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', portal.core.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ended_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_ended_sessions'))
    )
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_sessions_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ended_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.String(length=20), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_login_attempts_ip'), ['ip'], unique=False)
    # Earlier failures did not record why; they keep an empty result (shown as 失败).
    op.execute("UPDATE login_attempts SET result = 'ok' WHERE success")


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_ip'))
        batch_op.drop_column('result')
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ended_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_ended_sessions_ended_at'))
    op.drop_table('ended_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
