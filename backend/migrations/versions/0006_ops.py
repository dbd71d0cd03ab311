"""ops: operator accounts, console sessions, the ops audit, kiosks out of service

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_KIOSK_COLUMNS = (('out_of_service_at', sa.Float()), ('out_of_service_by', sa.String(length=64)),
                  ('out_of_service_note', sa.String(length=200)))


def upgrade() -> None:
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        for name, kind in _KIOSK_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    op.create_table('operators',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('lock_level', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('operator_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('ended_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['operator'], ['operators.name'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('ops_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=True),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('result', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ops_audit', schema=None) as batch_op:
        batch_op.create_index('ix_ops_audit_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ops_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_ops_audit_at')
    op.drop_table('ops_audit')
    op.drop_table('operator_sessions')
    op.drop_table('operators')
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        for name, _kind in reversed(_KIOSK_COLUMNS):
            batch_op.drop_column(name)
