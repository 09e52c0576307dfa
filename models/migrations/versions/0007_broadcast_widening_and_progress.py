"""broadcast widening and progress message; outbox edits; program settings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('programsetting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['account.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('widen_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('widened_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('progress_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('progress_message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('progress_shown', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_message_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('edit_message_id')

    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_column('progress_shown')
        batch_op.drop_column('progress_message_id')
        batch_op.drop_column('progress_chat_id')
        batch_op.drop_column('widened_at')
        batch_op.drop_column('widen_at')

    op.drop_table('programsetting')
