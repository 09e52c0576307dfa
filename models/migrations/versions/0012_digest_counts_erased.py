"""the digest's count of people reads whether they were erased from its index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 21:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_profile_role_district_registered', table_name='profile')
    op.create_index(
        'ix_profile_role_district_registered_erased',
        'profile',
        ['role', 'district', 'registered_at', 'erased_at'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_profile_role_district_registered_erased', table_name='profile')
    op.create_index('ix_profile_role_district_registered', 'profile', ['role', 'district', 'registered_at'], unique=False)
