"""A whole scenario's log holds no token, phone number or certificate number (PIPL; the token is a secret)."""

from __future__ import annotations

import logging

import pytest

from emulator import Emulator
from tests.e2e.conftest import Chat, RunningBot
from tests.e2e.scripts import SOCIAL_WORKER, VOLUNTEER, play


async def test_the_log_of_a_full_scenario_holds_no_secrets_or_phone_numbers(
    chat: Chat, bot: RunningBot, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.restart()  # so that start-up, with every logger at its most talkative, is in the log too
    lin = await chat.person("林小雨")
    await play(lin, VOLUNTEER)
    await lin.presses("确认")
    await lin.sees()
    wu = await chat.person("吴佳怡")
    await play(wu, SOCIAL_WORKER)
    await wu.presses("确认")
    await wu.sees()
    # A refused message makes both the server and the bot log, with the person's details at hand.
    await chat.client.expect(
        "POST", "/faults", {"method": "sendMessage", "error_code": 400, "description": "Bad Request"}
    )
    await lin.says("/profile")
    await lin.sees()
    await lin.says("13800138000")
    await lin.sees()
    assert caplog.records, "the scenario logged nothing at all: the check would prove nothing"
    text = caplog.text
    assert emulator.token not in text
    assert emulator.token.split(":")[1] not in text
    for phone in ("13800138000", "13912345678", "138 0013 8000"):
        assert phone not in text
