"""identity: server-judged selfies, identity failures and lockouts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_TOWER_COLUMNS = (("selfie_challenges", 2), ("selfie_s", 60), ("lockout_failures", 5),
                  ("lockout_window_s", 180), ("lockout_s", 1800))


def upgrade() -> None:
    with op.batch_alter_table('towers', schema=None) as batch_op:
        for name, default in _TOWER_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=str(default)))
    op.create_table('selfies',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=40), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('challenges', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=True),
    sa.Column('face_match', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('judged_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('selfies', schema=None) as batch_op:
        batch_op.create_index('ix_selfies_session', ['session_id'], unique=False)
    op.create_table('identity_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identity_failures', schema=None) as batch_op:
        batch_op.create_index('ix_identity_failures_member', ['member_id', 'at'], unique=False)
    op.create_table('identity_locks',
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('until', sa.Float(), nullable=False),
    sa.Column('since', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('member_id')
    )


def downgrade() -> None:
    op.drop_table('identity_locks')
    with op.batch_alter_table('identity_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_failures_member')
    op.drop_table('identity_failures')
    with op.batch_alter_table('selfies', schema=None) as batch_op:
        batch_op.drop_index('ix_selfies_session')
    op.drop_table('selfies')
    with op.batch_alter_table('towers', schema=None) as batch_op:
        for name, _ in reversed(_TOWER_COLUMNS):
            batch_op.drop_column(name)
