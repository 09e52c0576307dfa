"""PostgreSQL going away under a running bot: its connections killed and new ones refused, then back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.core import Core
from handlers import Event, Kind
from tests.conftest import POSTGRES_DSN, migrated_core

pytestmark = pytest.mark.postgres


@pytest.fixture
async def core(postgres_url: str) -> AsyncIterator[Core]:
    async with migrated_core(postgres_url) as running:
        yield running


def command(name: str, language: str) -> Event:
    return Event(platform="telegram", user_id="7", chat_id=7, kind=Kind.COMMAND, command=name, language=language)


async def test_killed_and_refused_connections_tell_people_to_retry_and_the_pool_recovers_alone(
    core: Core, postgres_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    assert "/projects" in (await core.dispatcher.handle(command("help", "en"))).replies[0].text
    admin = await asyncpg.connect(POSTGRES_DSN)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", database)

        refused = await core.dispatcher.handle(command("help", "zh-hans"))
        assert [r.text for r in refused.replies] == ["服务暂时无法使用。您已填写的内容都会保留，请过一会儿再试。"]

        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()
    back = await core.dispatcher.handle(command("help", "en"))
    assert "/projects" in back.replies[0].text, "the same process serves again, no restart"
