"""attendance hours records certificates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 11:51:13.494501
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('secret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'issued', 'declined', name='certificatestatus', native_enum=False, length=24), nullable=False),
    sa.Column('requested_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_status'), ['status'], unique=False)

    op.create_table('commendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('commendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendation_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commendation_profile_id'), ['profile_id'], unique=False)

    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trainingattendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.ForeignKeyConstraint(['training_id'], ['training.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('training_id', 'profile_id', name='uq_training_attendee')
    )
    with op.batch_alter_table('trainingattendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainingattendee_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trainingattendee_training_id'), ['training_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checkin_method', sa.Enum('location', 'code', 'confirmed', 'auto', name='method', native_enum=False, length=24), nullable=False),
    sa.Column('checked_out_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checkout_method', sa.Enum('location', 'code', 'confirmed', 'auto', name='method', native_enum=False, length=24), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('needs_confirmation', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('signup_id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_checked_out_at'), ['checked_out_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_needs_confirmation'), ['needs_confirmation'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_profile_id'), ['profile_id'], unique=False)

    op.create_table('hourscorrection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('old_minutes', sa.Integer(), nullable=True),
    sa.Column('new_minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('corrected_by', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendance.id'], ),
    sa.ForeignKeyConstraint(['corrected_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hourscorrection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hourscorrection_attendance_id'), ['attendance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hourscorrection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hourscorrection_attendance_id'))

    op.drop_table('hourscorrection')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_profile_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_needs_confirmation'))
        batch_op.drop_index(batch_op.f('ix_attendance_checked_out_at'))

    op.drop_table('attendance')
    with op.batch_alter_table('trainingattendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainingattendee_training_id'))
        batch_op.drop_index(batch_op.f('ix_trainingattendee_profile_id'))

    op.drop_table('trainingattendee')
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_organisation_id'))

    op.drop_table('training')
    with op.batch_alter_table('commendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commendation_profile_id'))
        batch_op.drop_index(batch_op.f('ix_commendation_organisation_id'))

    op.drop_table('commendation')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_status'))
        batch_op.drop_index(batch_op.f('ix_certificate_profile_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_organisation_id'))

    op.drop_table('certificate')
    op.drop_table('secret')
