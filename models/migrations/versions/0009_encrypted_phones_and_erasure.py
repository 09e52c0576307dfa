"""phone numbers and conversations encrypted at rest; erased accounts and profiles

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:00:00.000000

Existing phone numbers (people's and organisations' contact numbers), half-filled forms and the outbox's
messages and files are encrypted with DATA_KEY in place; a database with such rows cannot be upgraded without the key. Nothing looked people up
by phone, so the index on it goes (it could not serve ciphertext anyway). Downgrading decrypts them again.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import models.base
from models import crypto

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, key column, encrypted column)
ENCRYPTED = (
    ('profile', 'id', 'phone'),
    ('organisation', 'id', 'contact_phone'),
    ('conversation', 'account_id', 'data'),
    ('outbox', 'id', 'text'),
    ('outbox', 'id', 'attachment'),
)


def _rewrite(table: str, key: str, column: str, change: Callable[[Any, str], Any]) -> None:
    """Pass every value of ``table.column`` through ``change(value, context)``, row by row."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f'SELECT {key}, {column} FROM {table}')).all()  # noqa: S608 - names above
    statement = sa.text(f'UPDATE {table} SET {column} = :value WHERE {key} = :key')  # noqa: S608
    for row_key, value in rows:
        if value is None:
            continue
        if not isinstance(value, str | bytes):  # a JSON column read back as data by the driver
            value = json.dumps(value, ensure_ascii=False, separators=(',', ':'))
        connection.execute(statement, {'value': change(value, f'{table}.{column}'), 'key': row_key})


def _encrypt(value: Any, context: str) -> Any:
    if isinstance(value, bytes):
        return crypto.ring().seal(value, context)
    if context == 'conversation.data':
        value = json.dumps(json.loads(value), ensure_ascii=False, separators=(',', ':'))
    return crypto.ring().encrypt(value, context)


def _decrypt(value: Any, context: str) -> Any:
    if isinstance(value, bytes):
        return crypto.ring().open(value, context)
    return crypto.ring().decrypt(value, context)


def _require_key_if_needed() -> None:
    """Refuse before changing anything when there is something to encrypt and no key to do it with."""
    connection = op.get_bind()
    for table, _, _ in ENCRYPTED:
        if connection.execute(sa.text(f'SELECT 1 FROM {table} LIMIT 1')).first() is not None:  # noqa: S608
            crypto.ring()
            return


def upgrade() -> None:
    _require_key_if_needed()
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_profile_phone'))
        batch_op.alter_column('phone', existing_type=sa.VARCHAR(length=16), type_=sa.Text(), existing_nullable=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column(
            'contact_phone', existing_type=sa.VARCHAR(length=16), type_=sa.Text(), existing_nullable=False
        )

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column(
            'data', existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=False, postgresql_using='data::text'
        )

    for table, key, column in ENCRYPTED:
        _rewrite(table, key, column, _encrypt)


def downgrade() -> None:
    _require_key_if_needed()
    for table, key, column in ENCRYPTED:
        _rewrite(table, key, column, _decrypt)

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column(
            'data', existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=False, postgresql_using='data::json'
        )

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column(
            'contact_phone', existing_type=sa.Text(), type_=sa.VARCHAR(length=16), existing_nullable=False
        )

    with op.batch_alter_table('profile', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.VARCHAR(length=16), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_profile_phone'), ['phone'], unique=False)
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
