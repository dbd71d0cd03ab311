"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('car_models',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('colours',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('idempotency',
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id', 'key')
    )
    with op.batch_alter_table('idempotency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_created_at'), ['created_at'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('credit_score', sa.Integer(), nullable=False),
    sa.Column('template', sa.JSON(), nullable=True),
    sa.Column('preselected_model', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('towers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('levels', sa.Integer(), nullable=False),
    sa.Column('bays_per_level', sa.Integer(), nullable=False),
    sa.Column('delivery_bays', sa.JSON(), nullable=False),
    sa.Column('credit_min', sa.Integer(), nullable=False),
    sa.Column('quota_drives', sa.Integer(), nullable=False),
    sa.Column('quota_window_days', sa.Integer(), nullable=False),
    sa.Column('drive_max_h', sa.Integer(), nullable=False),
    sa.Column('face_max_distance', sa.Float(), nullable=False),
    sa.Column('reservation_s', sa.Integer(), nullable=False),
    sa.Column('pass_lifetime_s', sa.Integer(), nullable=False),
    sa.Column('session_s', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('bays',
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('bay', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('maintenance', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('tower_id', 'bay')
    )
    op.create_table('cars',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('model_id', sa.String(length=32), nullable=False),
    sa.Column('colour_id', sa.String(length=32), nullable=False),
    sa.Column('bay', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['colour_id'], ['colours.id'], ),
    sa.ForeignKeyConstraint(['model_id'], ['car_models.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tower_id', 'bay', name='uq_cars_tower_bay')
    )
    with op.batch_alter_table('cars', schema=None) as batch_op:
        batch_op.create_index('ix_cars_pick', ['tower_id', 'model_id', 'colour_id', 'state'], unique=False)

    op.create_table('kiosks',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('last_seen_at', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('health', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('offerings',
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('model_id', sa.String(length=32), nullable=False),
    sa.Column('colour_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['colour_id'], ['colours.id'], ),
    sa.ForeignKeyConstraint(['model_id'], ['car_models.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('tower_id', 'model_id', 'colour_id')
    )
    op.create_table('passes',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=1024), nullable=False),
    sa.Column('issued_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('redeemed_at', sa.Float(), nullable=True),
    sa.Column('redeemed_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('passes', schema=None) as batch_op:
        batch_op.create_index('ix_passes_member', ['member_id', 'tower_id', 'expires_at'], unique=False)

    op.create_table('drives',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('car_id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.Float(), nullable=False),
    sa.Column('due_at', sa.Float(), nullable=False),
    sa.Column('returned_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['car_id'], ['cars.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drives', schema=None) as batch_op:
        batch_op.create_index('ix_drives_member', ['member_id', 'started_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('car_id', sa.String(length=32), nullable=False),
    sa.Column('reservation_id', sa.String(length=40), nullable=True),
    sa.Column('drive_id', sa.String(length=40), nullable=True),
    sa.Column('from_bay', sa.Integer(), nullable=False),
    sa.Column('to_bay', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('reported_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['car_id'], ['cars.id'], ),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_member', ['member_id', 'state'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('model_id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['model_id'], ['car_models.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sessions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.String(length=32), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('reservations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('tower_id', sa.String(length=32), nullable=False),
    sa.Column('car_id', sa.String(length=32), nullable=False),
    sa.Column('bay', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['car_id'], ['cars.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.ForeignKeyConstraint(['tower_id'], ['towers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_state', ['state', 'expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_state')

    op.drop_table('reservations')
    op.drop_table('sessions')
    op.drop_table('orders')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_member')

    op.drop_table('jobs')
    with op.batch_alter_table('drives', schema=None) as batch_op:
        batch_op.drop_index('ix_drives_member')

    op.drop_table('drives')
    with op.batch_alter_table('passes', schema=None) as batch_op:
        batch_op.drop_index('ix_passes_member')

    op.drop_table('passes')
    op.drop_table('offerings')
    op.drop_table('kiosks')
    with op.batch_alter_table('cars', schema=None) as batch_op:
        batch_op.drop_index('ix_cars_pick')

    op.drop_table('cars')
    op.drop_table('bays')
    op.drop_table('towers')
    op.drop_table('settings')
    op.drop_table('members')
    with op.batch_alter_table('idempotency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_created_at'))

    op.drop_table('idempotency')
    op.drop_table('colours')
    op.drop_table('car_models')
