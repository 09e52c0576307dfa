"""Greeting, help, language and leaving a flow: the commands that work for everyone."""

from __future__ import annotations

from handlers import checkin, discovery, engine, permissions
from handlers.engine import Ctx, Router
from handlers.events import Button, Reply
from handlers.i18n import N_
from services import people
from services.errors import InputError, Problem

router = Router()

LANGUAGES = {"zh_CN": "中文", "en": "English"}


@router.command("start", N_("Start here"))
async def start(ctx: Ctx) -> None:
    """Greet the person in their language and offer registration; open what a deep link points at."""
    payload = ctx.event.args
    if payload and (await discovery.deep_link(ctx, payload) or await checkin.deep_link(ctx, payload)):
        return
    profile = await ctx.profile()
    if profile is not None:
        ctx.say(ctx.render("start/welcome_back.html", name=profile.name))
        return
    ctx.say(
        Reply(
            text=ctx.render("start/welcome.html", name=ctx.event.name),
            buttons=[[Button(ctx.t("Register"), "reg")]],
        )
    )


@router.command("help", N_("What I can do"))
async def help_(ctx: Ctx) -> None:
    """List the commands the person can use."""
    standings = ctx.standings()
    commands = [
        (entry.command, ctx.t(entry.description))
        for entry in ctx.menu
        if standings & permissions.allowed(f"/{entry.command}")
    ]
    ctx.say(ctx.render("start/help.html", commands=commands))
    if ctx.flow is not None:
        await engine.show(ctx, ctx.flow)


@router.command("language", N_("中文 / English"))
async def language(ctx: Ctx) -> None:
    """Offer the languages the bot speaks."""
    buttons = [Button(label, f"lang:{code}") for code, label in LANGUAGES.items()]
    ctx.say(Reply(text=ctx.t("Choose your language:"), buttons=[buttons]))


@router.action("lang")
async def choose_language(ctx: Ctx, args: list[str]) -> None:
    """Remember the chosen language and carry on in it."""
    if len(args) != 1:
        raise InputError(Problem.UNKNOWN_CHOICE)
    await people.set_locale(ctx.session, ctx.account, args[0])
    done = ctx.t("I will speak %(language)s from now on.", language=LANGUAGES[args[0]])
    ctx.toast(done)
    ctx.say(Reply(text=done, replace=True))
    if ctx.flow is not None:
        await engine.show(ctx, ctx.flow)


@router.command("cancel", N_("Stop what you are doing"))
async def cancel(ctx: Ctx) -> None:
    """Leave the current flow; nothing half-collected is kept."""
    if ctx.flow is None:
        ctx.say(Reply(text=ctx.t("There is nothing to stop."), remove_keyboard=True))
        return
    engine.finish(ctx)
    ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), remove_keyboard=True))
