"""people and conversations

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 11:04:01.262498
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('platform_language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('is_coordinator', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'external_id', name='uq_account_platform_user')
    )
    op.create_table('conversation',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('flow', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('volunteer', 'social_worker', name='role', native_enum=False, length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('consent_version', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('consent_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('certificate_level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('certificate_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('organisation_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('verification', sa.Enum('pending', 'verified', 'rejected', name='verification', native_enum=False, length=24), nullable=True),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registered_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['verified_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_account_id'), ['account_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_profile_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_verification'), ['verification'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_verification'))
        batch_op.drop_index(batch_op.f('ix_profile_phone'))
        batch_op.drop_index(batch_op.f('ix_profile_district'))
        batch_op.drop_index(batch_op.f('ix_profile_account_id'))

    op.drop_table('profile')
    op.drop_table('conversation')
    op.drop_table('account')
