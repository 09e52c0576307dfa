"""Webhook mode: updates arrive as HTTPS POSTs from the Bot API server, each checked for the shared secret."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.frontends.base import Frontend, read_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# Updates are small; anything larger is not from the Bot API server.
MAX_BODY = 1024 * 1024


def webhook_app(frontend: Frontend, secret: str, path: str = "/telegram") -> web.Application:
    """An aiohttp application that hands each authentic update to the front end and answers when it is done."""

    async def receive(request: web.Request) -> web.Response:
        offered = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), secret.encode()):
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.json_response({"ok": False, "description": "forbidden"}, status=401)
        try:
            update = json.loads(await request.read())
            incoming = read_update(update)
        except (ValueError, KeyError, TypeError, AttributeError):
            return web.json_response({"ok": False, "description": "not an update"}, status=400)
        await frontend.handle(incoming)
        return web.json_response({"ok": True})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    app.router.add_get("/health", health)
    return app
