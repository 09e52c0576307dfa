"""Emulator fixtures: a running emulator, its control client and a raw Bot API caller."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from raw_bot_api import BotApi

from emulator import Emulator, EmulatorClient


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emu.url) as control:
        yield control


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[BotApi]:
    async with aiohttp.ClientSession() as session:
        yield BotApi(session, f"{emu.url}/bot{emu.token}")
