"""city scale indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 14:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_chat_id'), ['chat_id'], unique=False)

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_status')
        batch_op.create_index('ix_project_open', ['status', 'district', 'target_group', 'min_age'], unique=False)

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_status_starts')
        batch_op.create_index('ix_shift_open', ['status', 'starts_at', 'project_id', 'ends_at', 'taken'], unique=False)
        batch_op.drop_index('ix_shift_project_id')
        batch_op.create_index(
            'ix_shift_project_open', ['project_id', 'status', 'starts_at', 'ends_at', 'taken'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_shift_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_ends_at'), ['ends_at'], unique=False)

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_checked_in_at'), ['checked_in_at'], unique=False)

    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.create_index('ix_profile_role_district_registered', ['role', 'district', 'registered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_role_district_registered')

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_checked_in_at'))

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_ends_at'))
        batch_op.drop_index(batch_op.f('ix_shift_starts_at'))
        batch_op.drop_index('ix_shift_project_open')
        batch_op.create_index('ix_shift_project_id', ['project_id'], unique=False)
        batch_op.drop_index('ix_shift_open')
        batch_op.create_index('ix_shift_status_starts', ['status', 'starts_at'], unique=False)

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_open')
        batch_op.create_index('ix_project_status', ['status'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_chat_id'))
