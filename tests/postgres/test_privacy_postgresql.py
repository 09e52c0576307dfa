"""Encryption at rest and deletion on PostgreSQL (skipped when no server is reachable)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import Account, Conversation, Outbox, Profile, make_engine, make_session_factory
from models.migrate import downgrade, upgrade
from services import privacy, signups
from tests import factories

pytestmark = pytest.mark.postgres

ROWS = [
    "INSERT INTO account (id, platform, external_id, display_name, is_coordinator, created_at)"
    " VALUES (1, 'telegram', '42', '', false, now())",
    "INSERT INTO profile (account_id, role, name, phone, district, skills, availability, consent_version, consent_at,"
    " registered_at, updated_at) VALUES (1, 'volunteer', '林小雨', '+8613800138000', 'siming', '[]', '[]',"
    " '2026-11', now(), now(), now())",
    "INSERT INTO conversation (account_id, flow, step, data, nonce, updated_at)"
    """ VALUES (1, 'register', 'summary', '{"phone": "+8613700000000"}', 'abcdef', now())""",
    "INSERT INTO outbox (key, kind, chat_id, text, buttons, attachment, priority, status, attempts, not_before,"
    " created_at) VALUES ('r:1', 'reminder', 42, '联系电话 +8613912345678', '[]', 'PDF 13912345678'::bytea, 5,"
    " 'sent', 1, now(), now())",
]
STORED = "SELECT p.phone, c.data, m.text, m.attachment FROM profile p, conversation c, outbox m"


async def test_migration_0009_encrypts_existing_rows_on_postgresql_and_0008_restores_them(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url, "0008")
    engine = make_engine(postgres_url)
    try:
        async with engine.begin() as connection:
            for row in ROWS:
                await connection.execute(text(row))
        await asyncio.to_thread(upgrade, postgres_url)
        await engine.dispose()
        async with engine.connect() as connection:
            phone, data, message, attachment = (await connection.execute(text(STORED))).one()
        assert all(value.startswith("g1.") for value in (phone, data, message))
        assert b"13912345678" not in attachment
        async with make_session_factory(engine)() as session:
            assert (await session.exec(select(Profile.phone))).one() == "+8613800138000"
            assert (await session.exec(select(Conversation))).one().data == {"phone": "+8613700000000"}
            assert (await session.exec(select(Outbox))).one().attachment == b"PDF 13912345678"
        await asyncio.to_thread(downgrade, postgres_url, "0008")
        await engine.dispose()  # its connections hold statements prepared for the encrypted schema
        async with engine.connect() as connection:
            phone, data, message, attachment = (await connection.execute(text(STORED))).one()
        assert (phone, data, message, attachment) == (
            "+8613800138000",
            {"phone": "+8613700000000"},
            "联系电话 +8613912345678",
            b"PDF 13912345678",
        )
    finally:
        await engine.dispose()


async def test_deleting_on_postgresql_cancels_frees_the_place_and_unlinks_the_account(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    engine = make_engine(postgres_url)
    now = datetime.now(UTC)
    try:
        sessions = make_session_factory(engine)
        async with sessions() as session:
            supervisor, organisation = await factories.social_worker(session)
            project = await factories.project(session, supervisor, organisation)
            lin = await factories.volunteer(session, "林小雨")
            wang = await factories.volunteer(session, "王小明")
            await factories.served(session, lin, project, now - timedelta(days=3))
            shift = await factories.shift(session, project, now + timedelta(days=2), capacity=1)
            await signups.sign_up(session, lin, shift.id or 0, now)
            await signups.join_waitlist(session, wang, shift.id or 0, now)
            await session.commit()
        async with sessions() as session:
            account = await session.get(Account, lin.account_id, with_for_update=True)
            assert account is not None
            done = await privacy.erase(session, account, now, signups.Rules())
            await session.commit()
        [(_, offer)] = done.cancelled
        assert offer is not None
        assert offer.account.id == wang.account_id
        async with sessions() as session:
            erased = await session.get(Profile, lin.id)
            assert erased is not None
            assert (erased.name, erased.phone, erased.erased_at is not None) == (privacy.ERASED_NAME, "", True)
            account = await session.get(Account, lin.account_id)
            assert account is not None
            assert account.external_id == f"erased:{account.id}"
    finally:
        await engine.dispose()
