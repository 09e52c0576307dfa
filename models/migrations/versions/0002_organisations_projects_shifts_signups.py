"""organisations projects shifts signups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:25:25.335929
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('social_work', 'volunteer', name='organisationkind', native_enum=False, length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('registration', sa.Enum('registered', 'filed', name='registration', native_enum=False, length=24), nullable=False),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('verification', sa.Enum('pending', 'verified', 'rejected', name='verification', native_enum=False, length=24), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['verified_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_verification'), ['verification'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('member', 'admin', name='memberrole', native_enum=False, length=24), nullable=False),
    sa.Column('joined_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'account_id', name='uq_membership')
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('serviceplan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('serviceplan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_serviceplan_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('paired_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('supportrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_organisation_id', sa.Integer(), nullable=False),
    sa.Column('to_organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('team_building', 'technical_guidance', name='supportkind', native_enum=False, length=24), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', name='supportstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], ),
    sa.ForeignKeyConstraint(['from_organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['to_organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supportrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supportrequest_from_organisation_id'), ['from_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supportrequest_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_supportrequest_to_organisation_id'), ['to_organisation_id'], unique=False)

    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_organisation_id', sa.Integer(), nullable=False),
    sa.Column('social_work_organisation_id', sa.Integer(), nullable=False),
    sa.Column('support_request_id', sa.Integer(), nullable=True),
    sa.Column('since', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['social_work_organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['support_request_id'], ['supportrequest.id'], ),
    sa.ForeignKeyConstraint(['volunteer_organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('volunteer_organisation_id', 'social_work_organisation_id', name='uq_pairing')
    )
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_social_work_organisation_id'), ['social_work_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairing_volunteer_organisation_id'), ['volunteer_organisation_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('target_group', sa.Enum('elderly', 'minors', 'migrant_workers', 'disabled', 'low_income', 'family_planning', 'hollow_villages', 'empty_nest', 'left_behind', name='targetgroup', native_enum=False, length=24), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('risks', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('insured', sa.Boolean(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('geofence_m', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'recruiting', 'completed', 'cancelled', name='projectstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['profile.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['profile.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_target_group'), ['target_group'], unique=False)

    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'recruiting', 'full', 'completed', 'cancelled', name='shiftstatus', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_shift_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waitlisted', 'offered', 'cancelled', 'declined', 'expired', name='signupstatus', native_enum=False, length=24), nullable=False),
    sa.Column('queued_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offered_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('timely_notice', sa.Boolean(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shift_id', 'profile_id', name='uq_signup_shift_profile')
    )
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_offered_until'), ['offered_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index('ix_signup_shift_status_queued', ['shift_id', 'status', 'queued_at'], unique=False)

    op.create_table('signupchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signupchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signupchange_signup_id'), ['signup_id'], unique=False)

    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.drop_column('birth_year')

    with op.batch_alter_table('signupchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signupchange_signup_id'))

    op.drop_table('signupchange')
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_index('ix_signup_shift_status_queued')
        batch_op.drop_index(batch_op.f('ix_signup_profile_id'))
        batch_op.drop_index(batch_op.f('ix_signup_offered_until'))

    op.drop_table('signup')
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_status_starts')
        batch_op.drop_index(batch_op.f('ix_shift_project_id'))

    op.drop_table('shift')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_target_group'))
        batch_op.drop_index(batch_op.f('ix_project_status'))
        batch_op.drop_index(batch_op.f('ix_project_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_project_district'))

    op.drop_table('project')
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_volunteer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_pairing_social_work_organisation_id'))

    op.drop_table('pairing')
    with op.batch_alter_table('supportrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supportrequest_to_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_supportrequest_status'))
        batch_op.drop_index(batch_op.f('ix_supportrequest_from_organisation_id'))

    op.drop_table('supportrequest')
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_station_district'))

    op.drop_table('station')
    with op.batch_alter_table('serviceplan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_serviceplan_organisation_id'))

    op.drop_table('serviceplan')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_membership_account_id'))

    op.drop_table('membership')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_verification'))
        batch_op.drop_index(batch_op.f('ix_organisation_kind'))
        batch_op.drop_index(batch_op.f('ix_organisation_district'))

    op.drop_table('organisation')
