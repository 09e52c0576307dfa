"""python-telegram-bot's requests carried by aiohttp instead of httpx.

The library lets its networking backend be replaced (``telegram.request.BaseRequest``). Sending is what the
outbox does at the platform's limit, and there httpx + httpcore cost about two thirds of the processor time
per message (measured with pyinstrument, docs/BENCHMARKS.md); aiohttp, which the project already uses for
aiogram and the emulator, needs a fraction of it. Errors are mapped to the library's own, as its httpx
backend does, so the rest of the bot cannot tell the difference.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Seconds, as python-telegram-bot's own defaults.
READ_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
# Uploads (certificates, spreadsheets) may take longer to write.
MEDIA_TIMEOUT = 20.0
JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One pooled aiohttp session for all of the bot's calls, with per-call timeouts."""

    def __init__(self, connections: int = 64) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items() if request_data else ():
                form.add_field(name, value)
            for name, part in files.items():
                filename, content, mime = part if len(part) == 3 else (part[0], part[1], None)
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        elif request_data is not None:
            # A JSON body, which the Bot API accepts as well as a form: a dict given to aiohttp would be built
            # through its multipart machinery (a random boundary per request), a tenth of a message's cost.
            body, headers = request_data.json_payload, JSON
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=_seconds(connect_timeout, CONNECT_TIMEOUT),
            sock_read=_seconds(read_timeout, MEDIA_TIMEOUT if files else READ_TIMEOUT),
        )
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _seconds(value: Any, default: float) -> float | None:
    """A per-call timeout as given, or the default when the library passed its 'not given' marker."""
    if isinstance(value, int | float) or value is None:
        return value
    return default
