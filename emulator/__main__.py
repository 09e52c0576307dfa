"""Serve the emulator until Ctrl-C: ``python -m emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
from collections.abc import Sequence

from emulator.server import Emulator

logger = logging.getLogger("emulator")


def _no_collector_pauses() -> None:
    """Keep the emulator's own garbage collection from delaying requests in bursts.

    Its state only grows (every chat, message and call is kept), and each full collection walks all of it:
    pauses of 100-160 ms after 10,000 messages. Requests that waited through one are then handled together,
    which bunches them in its flood control's one-second window and answers 429 to a client that sent at a
    steady rate. What is alive after a full collection is therefore moved out of later scans.
    """

    def freeze_survivors(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    gc.callbacks.append(freeze_survivors)


async def _serve(emulator: Emulator) -> None:
    async with emulator:
        gc.collect()
        gc.freeze()
        logger.info(
            "Telegram Bot API emulator at %s (token %s); control API under %s/control/; web chat at %s; "
            "Ctrl-C stops it",
            emulator.url,
            emulator.token,
            emulator.url,
            emulator.web_url,
        )
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:DEMO-TOKEN")
    parser.add_argument("--bot-username", default="xm_volunteer_bot")
    parser.add_argument("--bot-name", default="厦门社工志愿者")
    parser.add_argument("--timezone", default="UTC", help="the zone the web chat shows times in")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _no_collector_pauses()
    emulator = Emulator(args.host, args.port, args.token, args.bot_username, args.bot_name, args.timezone)
    try:
        asyncio.run(_serve(emulator))
    except KeyboardInterrupt:
        logger.info("stopped")


if __name__ == "__main__":
    main()
