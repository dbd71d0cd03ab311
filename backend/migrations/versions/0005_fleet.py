"""fleet: failed sign-ins shared by replicas, known kiosk addresses, the replica registry

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', sa.Float(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('strikes', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index('ix_auth_throttle_blocked', 'auth_throttle', ['blocked_until'], unique=False)
    op.create_table('auth_known',
    sa.Column('identity', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('identity', 'address')
    )
    op.create_table('replicas',
    sa.Column('tag', sa.String(length=16), nullable=False),
    sa.Column('peer_url', sa.String(length=256), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.Float(), nullable=False),
    sa.Column('seen_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('tag')
    )


def downgrade() -> None:
    op.drop_table('replicas')
    op.drop_table('auth_known')
    op.drop_index('ix_auth_throttle_blocked', table_name='auth_throttle')
    op.drop_table('auth_throttle')
