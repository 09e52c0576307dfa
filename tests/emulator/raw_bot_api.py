"""Raw HTTP access to the emulated Bot API, shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import aiohttp

JSON = dict[str, Any]


class BotApi:
    """Raw HTTP access to the Bot API, for checking status codes and JSON shapes."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def __call__(self, method: str, **params: Any) -> tuple[int, JSON]:
        async with self.session.post(f"{self.base}/{method}", json=params) as response:
            return response.status, await response.json()

    async def upload(self, method: str, field: str, data: bytes, file_name: str, **params: Any) -> tuple[int, JSON]:
        """Send ``data`` as a multipart file part, the way libraries upload new files."""
        form = aiohttp.FormData({k: str(v) for k, v in params.items()})
        form.add_field(field, data, filename=file_name)
        return await self.post_form(method, form)

    async def post_form(self, method: str, form: aiohttp.FormData) -> tuple[int, JSON]:
        async with self.session.post(f"{self.base}/{method}", data=form) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self(method, **params)
        assert body["ok"] is False, body
        assert body["error_code"] == status, body
        return status, body["description"]
