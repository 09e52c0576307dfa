"""projects by place, for "near me"

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 20:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_project_place', 'project', ['status', 'latitude', 'longitude', 'min_age'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_project_place', table_name='project')
