"""The `volunteer-bot` command: run, demo, db upgrade, seed, admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Sequence

from pydantic import ValidationError
from sqlmodel import select

from bot.config import Settings
from bot.core import MISSING_KEY, build_core
from bot.runtime import BotProcess, keep_what_start_up_made
from models import Account, crypto
from models.migrate import upgrade
from services import demo_data, people

log = logging.getLogger("volunteer_bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="volunteer-bot",
        description="Xiamen social workers + volunteers linkage bot. Settings come from the environment and .env.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="apply migrations, then serve Telegram by long polling",
        description="Apply migrations, then "
        "serve the Bot API server at TELEGRAM_API_URL by long polling with BOT_TOKEN until interrupted.",
    )
    demo = commands.add_parser(
        "demo",
        help="chat with the bot in this terminal and a browser (local emulator, sample data; no token needed)",
        description="Start the local Bot API emulator and a fresh SQLite demo database with Xiamen sample data, "
        "run the bot against them and let you chat as any demo persona in this terminal and in the web chat "
        "the emulator serves on loopback (its address is printed at start).",
    )
    demo.add_argument("--database", default="sqlite+aiosqlite:///./demo.db", help="demo database URL (recreated)")
    shown = demo.add_mutually_exclusive_group()
    shown.add_argument("--tour", action="store_true", help="play a short scripted registration and exit")
    shown.add_argument("--web-only", action="store_true", help="serve only the web chat, until Ctrl-C")
    demo.add_argument("--port", type=int, default=0, help="port of the emulator and its web chat (default: a free one)")
    hook = commands.add_parser(
        "webhook",
        help="apply migrations, then serve updates posted by the Bot API server (WEBHOOK_URL, WEBHOOK_SECRET)",
        description="Apply migrations, register WEBHOOK_URL with the Bot API server and serve the updates it "
        "posts, each checked for WEBHOOK_SECRET. Several workers need PostgreSQL; they share the port.",
    )
    hook.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    hook.add_argument("--port", type=int, default=8443, help="port to listen on (default 8443)")
    hook.add_argument("--workers", type=int, default=1, choices=range(1, 33), metavar="N", help="worker processes")
    bench = commands.add_parser("bench", help="benchmarks (not part of the tests)", description="Benchmarks.")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="WHICH")
    broadcast = benches.add_parser(
        "broadcast",
        help="a real broadcast through the real sender; prints one JSON line",
        description="Seed N recipients, send one broadcast through the outbox sender at R messages per second "
        "against the emulator (which enforces R and 1 per chat) or another Bot API server, and print recipients, "
        "seconds, rate, limit, ratio, rejected_429, lost and duplicates as one JSON line.",
    )
    broadcast.add_argument("--recipients", type=int, default=2000, help="how many (default 2000)")
    broadcast.add_argument("--limit", type=float, default=30, help="messages per second (default 30)")
    broadcast.add_argument("--api-url", default=None, help="another Bot API server instead of the emulator")
    broadcast.add_argument("--first-chat-id", type=int, default=300000001, help="chat ids from this one upward")
    broadcast.add_argument("--faults", type=float, default=0.0, help="share of sends failing transiently (0-1)")
    city = "DATABASE_URL (or --database-url) filled by `seed --scale`; "
    found = benches.add_parser(
        "discovery",
        help="/projects' queries for volunteers of every district; prints one JSON line",
        description=f"On {city}time counting and ranking open shifts for N random volunteers of each district, "
        "then with a district filter and near me; print p50/p99 per district and overall.",
    )
    found.add_argument("--samples", type=int, default=200, help="volunteers per district (default 200)")
    daily = benches.add_parser(
        "digest",
        help="the city-wide daily digest; prints one JSON line",
        description=f"On {city}time computing the whole city's digest, and rendering its text and chart.",
    )
    daily.add_argument("--rounds", type=int, default=5, help="how many times (default 5)")
    updates = benches.add_parser(
        "updates",
        help="the bot's updates/s and latency beside a bare echo bot; prints one JSON line",
        description=f"On {city}N seeded volunteers at once find projects, open a card, sign up, check in, look at "
        "feedback and hours, through the real front end against the emulator; then a bare echo bot on the same "
        "framework and emulator takes as many updates. Prints updates/s, p50/p99 and the ratio.",
    )
    updates.add_argument("--people", type=int, default=20, help="people at once (default 20)")
    updates.add_argument("--rounds", type=int, default=5, help="rounds of the mix per person (default 5)")
    updates.add_argument(
        "--mix",
        choices=("journeys", "help"),
        default="journeys",
        help="journeys (default), or only /help: the bot's lightest update (one statement, one reply)",
    )
    updates.add_argument(
        "--core",
        choices=("real", "replay"),
        default="real",
        help="real (default), or replay: the core answers each kind of update once and its answer is given "
        "again without any work, so what is measured is the front end alone with the bot's real replies",
    )
    process = benches.add_parser(
        "process",
        help="start-up time and resident memory of `volunteer-bot run`; prints one JSON line",
        description=f"On {city}launch `volunteer-bot run` against the emulator, time it to its first answer, then "
        "run the mix and read its resident memory.",
    )
    process.add_argument("--people", type=int, default=20, help="people at once (default 20)")
    process.add_argument("--rounds", type=int, default=5, help="rounds of the mix per person (default 5)")
    wave = benches.add_parser(
        "reminders",
        help="a wave of reminders due in the same minute, swept and sent; prints one JSON line",
        description="Confirm N volunteers on shifts that all start together, run the reminder sweep when the "
        "24-hour reminder is due (twice), and send the wave through the outbox sender at R messages per second "
        "to the emulator, which enforces R and one message per second per chat. Prints queued, rate, ratio, "
        "rejected_429, lost and duplicates.",
    )
    wave.add_argument("--count", type=int, default=10_000, help="how many reminders (default 10000)")
    wave.add_argument("--limit", type=float, default=30, help="messages per second (default 30)")
    for with_frontend in (updates, process):
        with_frontend.add_argument("--frontend", choices=("ptb", "aiogram"), default=None, help="default BOT_FRONTEND")
    for city_bench in (found, daily, updates, process):
        city_bench.add_argument("--database-url", default=None, help="instead of DATABASE_URL")
    db = commands.add_parser("db", help="database tasks", description="Database tasks.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_commands.add_parser(
        "upgrade",
        help="apply all migrations to DATABASE_URL",
        description="Apply all Alembic migrations to DATABASE_URL.",
    )
    seed = commands.add_parser("seed", help="fill the database with data", description="Fill DATABASE_URL with data.")
    what = seed.add_mutually_exclusive_group(required=True)
    what.add_argument("--demo", action="store_true", help="the demo's sample people")
    what.add_argument(
        "--scale",
        metavar="SIZE",
        help="a generated city: xiamen (690,000 volunteers, 5,000,000 service records), medium, small, "
        "or a fraction such as 0.01",
    )
    seed.add_argument("--database-url", default=None, help="instead of DATABASE_URL")
    admin = commands.add_parser("admin", help="administrative tasks", description="Administrative tasks.")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="TASK")
    coordinator = admin_commands.add_parser(
        "add-coordinator",
        help="make a Telegram user a coordinator",
        description="Make the Telegram user with this "
        "numeric id a coordinator (they may not have written to the bot yet).",
    )
    coordinator.add_argument("telegram_id", type=int, help="numeric Telegram user id")
    commands.add_parser(
        "new-data-key",
        help="print a fresh random DATA_KEY",
        description="Print a fresh random key for DATA_KEY, which encrypts phone numbers at rest. To change keys, "
        "put the new one first and keep the old one after a comma: new values use the first, old ones still open.",
    )
    return parser


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so that the process finishes what it has in hand and stops."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _serve(settings: Settings) -> None:
    assert settings.bot_token is not None
    process = BotProcess(settings, settings.bot_token.get_secret_value())
    stop = _stop_on_signals()
    await process.start()
    keep_what_start_up_made()
    log.info("serving as @%s via %s", process.username, settings.telegram_api_url)
    try:
        await stop.wait()
    finally:
        await process.stop()


async def _serve_webhook(settings: Settings, host: str, port: int, *, register: bool, shared_port: bool) -> None:
    # Imported here: the HTTP server is not needed by `run`, and every import counts against the start-up time.
    from aiohttp import web

    from bot.webhook import webhook_app

    assert settings.bot_token is not None
    assert settings.webhook_secret is not None
    process = BotProcess(settings, settings.bot_token.get_secret_value(), polling=False)
    stop = _stop_on_signals()
    await process.start()
    assert process.frontend is not None
    runner = web.AppRunner(webhook_app(process.frontend, settings.webhook_secret.get_secret_value()))
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_port=shared_port).start()
    keep_what_start_up_made()
    if register:
        assert settings.webhook_url is not None
        await process.frontend.set_webhook(settings.webhook_url, settings.webhook_secret.get_secret_value())
    log.info("serving webhook updates for @%s on %s:%d", process.username, host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await process.stop()


def _webhook_worker(index: int, host: str, port: int, workers: int) -> None:
    settings = Settings()
    _configure_logging(settings.log_level, quiet=False)
    asyncio.run(_serve_webhook(settings, host, port, register=index == 0, shared_port=workers > 1))


def _webhook(settings: Settings, host: str, port: int, workers: int) -> int:
    """Serve by webhook in this process, or in several that share the port (PostgreSQL only)."""
    if settings.bot_token is None or settings.webhook_url is None or settings.webhook_secret is None:
        print("webhook needs BOT_TOKEN, WEBHOOK_URL and WEBHOOK_SECRET.", file=sys.stderr)
        return 2
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        print("several workers share one database: set DATABASE_URL to PostgreSQL.", file=sys.stderr)
        return 2
    if workers == 1:
        asyncio.run(_serve_webhook(settings, host, port, register=True, shared_port=False))
        return 0
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_webhook_worker, args=(i, host, port, workers)) for i in range(workers)]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()
    return max((child.exitcode or 0) for child in children)


async def _seed_city(database_url: str, scale: str) -> str:
    from tqdm import tqdm

    from models import make_engine, utcnow
    from services.city_data import Sizes, planned, seed_city

    try:
        sizes = Sizes.of(scale)
    except ValueError as error:
        return str(error)
    # Sign-ups are about as many as service records, and memberships a fifth of the volunteers.
    estimate = sum(planned(sizes).values()) + sizes.records + sizes.volunteers // 5
    engine = make_engine(database_url)
    started = time.monotonic()
    try:
        with tqdm(total=estimate, unit=" rows", unit_scale=True, desc="seeding", smoothing=0.1) as bar:

            def progress(table: str, rows: int) -> None:
                bar.set_postfix_str(table, refresh=False)
                bar.update(rows)

            counts = await seed_city(engine, sizes, now=utcnow(), progress=progress)
    except ValueError as error:
        return f"{error}; nothing seeded"
    finally:
        await engine.dispose()
    written = ", ".join(f"{table} {rows:,}" for table, rows in counts.items())
    return f"seeded in {time.monotonic() - started:.0f} s: {written}"


async def _seed(settings: Settings) -> str:
    core = build_core(settings)
    try:
        async with core.sessions() as session:
            if (await session.exec(select(Account).limit(1))).first() is not None:
                return "the database already has data; nothing seeded"
            made = await demo_data.seed_demo(session)
            await session.commit()
            return f"seeded {made} profiles"
    finally:
        await core.close()


async def _add_coordinator(settings: Settings, telegram_id: int) -> str:
    core = build_core(settings)
    try:
        async with core.sessions() as session:
            await people.add_coordinator(session, "telegram", str(telegram_id))
            await session.commit()
        return f"telegram user {telegram_id} is a coordinator"
    finally:
        await core.close()


def _configure_logging(level: str, *, quiet: bool) -> None:
    """Log at ``level``; the HTTP client logs every request URL, which holds the token, so it is kept quiet."""
    logging.basicConfig(
        level="WARNING" if quiet and level != "DEBUG" else level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process's exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"configuration error:\n{error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level, quiet=args.command == "demo")
    if args.command == "bench" and args.bench == "reminders":
        from bot.bench_reminders import bench_reminders

        print(json.dumps(asyncio.run(bench_reminders(args.count, args.limit))))
        return 0
    if args.command == "bench" and args.bench == "broadcast":
        from bot.bench import main as bench_main

        return bench_main(args.recipients, args.limit, args.api_url, args.first_chat_id, args.faults)
    if args.command == "bench":
        from bot import bench_city

        # The city was seeded under DATA_KEY: its phone numbers open only with the same key.
        if settings.data_key is None:
            print(MISSING_KEY, file=sys.stderr)
            return 2
        args.data_key = settings.data_key.get_secret_value()
        crypto.use_key(args.data_key)
        args.database_url = args.database_url or settings.database_url
        if args.bench in {"updates", "process"}:
            args.frontend = args.frontend or settings.bot_frontend
        return bench_city.main(args.bench, args)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(args.database, settings.bot_frontend, tour=args.tour, web_only=args.web_only, port=args.port)
    if args.command == "new-data-key":
        print(crypto.new_key())
        return 0
    if settings.data_key is None:
        print(MISSING_KEY, file=sys.stderr)
        return 2
    try:
        crypto.use_key(settings.data_key.get_secret_value())
    except crypto.DataKeyError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    database_url = getattr(args, "database_url", None) or settings.database_url
    if database_url != settings.database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    upgrade(database_url)
    if args.command == "webhook":
        return _webhook(settings, args.host, args.port, args.workers)
    if args.command == "run":
        if settings.bot_token is None:
            print("BOT_TOKEN is not set; set it, or try `volunteer-bot demo`.", file=sys.stderr)
            return 2
        asyncio.run(_serve(settings))
    elif args.command == "db":
        print(f"database at {settings.database_url.split('@')[-1]} is up to date")
    elif args.command == "seed" and args.scale:
        print(asyncio.run(_seed_city(database_url, args.scale)))
    elif args.command == "seed":
        print(asyncio.run(_seed(settings)))
    elif args.command == "admin":
        print(asyncio.run(_add_coordinator(settings, args.telegram_id)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
