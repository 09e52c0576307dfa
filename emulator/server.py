"""The HTTP face of the emulator: Bot API routes, control routes and the Emulator handle."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator.botapi import METHODS, Params, Upload
from emulator.control import ControlApi
from emulator.state import JSON, ApiError, World, bad_request

logger = logging.getLogger(__name__)

# Telegram accepts documents up to 50 MB; leave room for the rest of the form.
_MAX_REQUEST = 52 * 1024 * 1024
# The web chat: a phone-like page that acts as any user through the control API (plain files, no network).
WEB = Path(__file__).with_name("web")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return Params(values)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                values[key] = Upload(value.file.read(), value.filename, value.content_type)
            elif isinstance(value, bytes | bytearray):
                values[key] = bytes(value).decode()
            else:
                values[key] = value
    return Params(values)


class BotApiHandler:
    def __init__(self, world: World) -> None:
        self.world = world

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = Params({})
        try:
            if request.match_info["token"] != self.world.token:
                raise ApiError(401, "Unauthorized")
            handler = METHODS.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            params = await _read_params(request)
            self._injected_fault(method)
            await self.world.limits.check(method, params.get_str("chat_id"))
            body: JSON = {"ok": True, "result": await handler(self.world, params)}
            status = 200
        except ApiError as error:
            body, status = error.payload(), error.code
        entry: JSON = {
            "method": method,
            "params": params.loggable(),
            "status": status,
            "time": datetime.now(UTC).isoformat(),
        }
        if status != 200:
            entry["description"] = body["description"]
            logger.info("%s -> %s %s", method, status, body["description"])
        self.world.log.append(entry)
        return web.json_response(body, status=status, dumps=_dumps)

    def _injected_fault(self, method: str) -> None:
        for fault in self.world.faults:
            if fault["method"] == method.lower():
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self.world.faults.remove(fault)
                raise ApiError(fault["error_code"], fault["description"], fault["retry_after"])


async def _web_chat(request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})


def build_app(world: World) -> web.Application:
    app = web.Application(client_max_size=_MAX_REQUEST)
    app.router.add_route("*", "/bot{token}/{method:.*}", BotApiHandler(world).handle)
    app.add_subapp("/control", ControlApi(world).app())
    app.router.add_get("/", _web_chat)
    app.router.add_static("/web/", WEB)
    return app


class Emulator:
    """A local Telegram Bot API server plus the control API, bound to loopback."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "123456:DEMO-TOKEN",  # noqa: S107 - a fixed demo token guards nothing
        bot_username: str = "xm_volunteer_bot",
        bot_name: str = "厦门社工志愿者",
        timezone: str = "UTC",
    ) -> None:
        self.world = World(token, bot_username, bot_name, timezone)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def web_url(self) -> str:
        """The web chat: open it in a browser to be any of the users."""
        return f"{self.url}/"

    @property
    def api_url(self) -> str:
        """Base URL for Bot API clients; they call ``{api_url}/bot{token}/{method}``."""
        return self.url

    async def start(self) -> None:
        self.world.closed = False
        runner = web.AppRunner(build_app(self.world), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self.port = runner.addresses[0][1]
        self._runner = runner
        logger.debug("Telegram emulator listening on %s", self.url)

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.world.close()  # releases pending long polls so shutdown is immediate
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
