"""Webhook mode: updates posted to the bot are answered; posts without the right secret change nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.config import Settings
from bot.runtime import BotProcess
from bot.webhook import SECRET_HEADER, webhook_app
from emulator import Emulator, EmulatorClient
from models import Account

SECRET = "s3cr3t-webhook-token-for-tests"


@pytest.fixture(params=["ptb", "aiogram"])
async def hooked(
    request: pytest.FixtureRequest, emulator: Emulator, database_url: str
) -> AsyncIterator[tuple[str, BotProcess]]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_frontend=request.param,
        database_url=database_url,
        telegram_api_url=emulator.url,
        bot_token=emulator.token,
    )
    process = BotProcess(settings, emulator.token, scheduler=False, polling=False)
    await process.start()
    assert process.frontend is not None
    runner = web.AppRunner(webhook_app(process.frontend, SECRET))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/telegram", process
    finally:
        await runner.cleanup()
        await process.stop()


def update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    who = {"id": user_id, "is_bot": False, "first_name": "林小雨", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1764200000,
            "chat": {"id": user_id, "type": "private", "first_name": "林小雨"},
            "from": who,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else [],
        },
    }


async def test_updates_posted_with_the_secret_are_answered_and_others_refused(
    hooked: tuple[str, BotProcess], emulator: Emulator
) -> None:
    url, process = hooked
    async with EmulatorClient(emulator.url) as client:
        lin = await client.person("林小雨")
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
                async with http.post(url, json=update(1, lin.user_id, "/start"), headers=headers) as response:
                    assert response.status == 401
            async with http.post(url, data=b"{not json", headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 400
            async with http.post(url, json={"no": "update"}, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 400
            big = io.BytesIO(b"x" * (2 * 1024 * 1024))
            async with http.post(url, data=big, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 413
            assert process.core is not None
            async with process.core.sessions() as session:
                assert (await session.exec(select(Account))).all() == []
            async with http.post(
                url, json=update(2, lin.user_id, "/start"), headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 200
        shown = await lin.screen()
        assert "林小雨，您好" in shown
        assert shown.buttons == ["注册"]
