"""rules: a different model next time, paid drives, the models' key facts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('towers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_model_days', sa.Integer(), nullable=False,
                                      server_default='60'))
        batch_op.add_column(sa.Column('paid_drive_fee', sa.Float(), nullable=False,
                                      server_default='99.0'))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False,
                                      server_default='CNY'))
    with op.batch_alter_table('car_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('range_km', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seats', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accel_s', sa.Float(), nullable=True))
    op.create_table('payments',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('paid_at', sa.Float(), nullable=True),
    sa.Column('ended_at', sa.Float(), nullable=True),
    sa.Column('job_id', sa.String(length=40), nullable=True),
    sa.Column('refunded_at', sa.Float(), nullable=True),
    sa.Column('refund_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_session', ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_session')
    op.drop_table('payments')
    with op.batch_alter_table('car_models', schema=None) as batch_op:
        for name in ('accel_s', 'seats', 'range_km'):
            batch_op.drop_column(name)
    with op.batch_alter_table('towers', schema=None) as batch_op:
        for name in ('currency', 'paid_drive_fee', 'repeat_model_days'):
            batch_op.drop_column(name)
