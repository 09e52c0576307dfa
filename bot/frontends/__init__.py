"""Messaging front ends: each turns platform updates into events and replies into platform calls."""

from __future__ import annotations

from bot.frontends.base import Frontend, UpdateDone
from handlers import Dispatcher


def make_frontend(
    name: str, dispatcher: Dispatcher, token: str, api_url: str, *, on_update_done: UpdateDone | None = None
) -> Frontend:
    """Build the front end chosen by ``BOT_FRONTEND``."""
    if name == "ptb":
        from bot.frontends.ptb import PtbFrontend

        return PtbFrontend(dispatcher, token, api_url, on_update_done=on_update_done)
    if name == "aiogram":
        from bot.frontends.aiogram import AiogramFrontend

        return AiogramFrontend(dispatcher, token, api_url, on_update_done=on_update_done)
    raise ValueError(f"unknown front end {name!r}")
