"""Registration of volunteers and social workers, and the profile they can look at and change."""

from __future__ import annotations

from typing import Any

from handlers import engine, labels
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Event, Kind, Reply, Request
from handlers.i18n import N_
from handlers.start import language
from models import Role
from services import organisations, people, validation
from services.errors import InputError, Problem
from services.reference import AVAILABILITY, SKILLS

router = Router()
flow = router.flow("register")


def is_social_worker(ctx: Ctx) -> bool:
    return bool(ctx.data.get("role") == Role.SOCIAL_WORKER.value)


async def start_registration(ctx: Ctx) -> None:
    """Begin registration, unless the person is registered already or busy with another form."""
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    profile = await ctx.profile()
    if profile is not None:
        ctx.say(ctx.t("You are already registered. Send /profile to see or change your details."))
        return
    await engine.begin(ctx, flow, "role")


@router.command("register", N_("Register as a volunteer or social worker"))
async def register(ctx: Ctx) -> None:
    """Start registration."""
    await start_registration(ctx)


@router.action("reg")
async def register_button(ctx: Ctx, args: list[str]) -> None:
    """Start registration from the greeting's button."""
    await start_registration(ctx)


# ---- role ---------------------------------------------------------------------------------


@flow.prompt("role")
async def ask_role(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.render("registration/role.html"),
        buttons=[labels.choices(ctx, labels.ROLES, [role.value for role in Role])],
    )


@flow.answer("role", Kind.BUTTON)
async def take_role(ctx: Ctx, event: Event) -> str:
    ctx.data["role"] = Role(validation.pick(event.action, tuple(role.value for role in Role))).value
    return "consent"


# ---- consent (before anything personal is collected) ------------------------------------


@flow.prompt("consent")
async def ask_consent(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.render("registration/privacy.html", social_worker=is_social_worker(ctx), changed=False),
        buttons=[[ctx.button(ctx.t("I agree"), "yes"), ctx.button(ctx.t("I do not agree"), "no")]],
    )


@flow.answer("consent", Kind.BUTTON)
async def take_consent(ctx: Ctx, event: Event) -> str | None:
    if validation.pick(event.action, ("yes", "no")) == "no":
        ctx.say(
            Reply(
                text=ctx.t("Understood. Nothing about you was stored. You can register any time with /register."),
                replace=True,
            )
        )
        return None
    return "name"


# ---- name, phone, district, street ------------------------------------------------------


@flow.prompt("name")
async def ask_name(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("What is your name? Please use your real name: it appears on your service records."))


@flow.answer("name", Kind.TEXT)
async def take_name(ctx: Ctx, event: Event) -> str:
    ctx.data["name"] = validation.clean_name(event.text)
    return engine.after(ctx, "phone")


@flow.prompt("phone")
async def ask_phone(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Your mobile number? Press the button below to share it, or type it."),
        request=Request.CONTACT,
        request_label=ctx.t("Share my number"),
    )


@flow.answer("phone", Kind.TEXT, Kind.CONTACT)
async def take_phone(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.CONTACT:
        assert event.contact is not None
        if event.contact.user_id != event.user_id:
            raise InputError(Problem.CONTACT_NOT_OWN)
        phone = validation.normalise_mobile(event.contact.phone)
    else:
        phone = validation.normalise_mobile(event.text)
    ctx.data["phone"] = phone
    ctx.say(Reply(text=ctx.t("Thank you, %(phone)s noted.", phone=labels.phone(phone)), remove_keyboard=True))
    return engine.after(ctx, "district")


flow.choice(
    "district",
    question=N_("Which district of Xiamen do you live or want to serve in?"),
    field="district",
    table=labels.DISTRICTS,
    following="street",
)


@flow.prompt("street")
async def ask_street(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Which street or community? For example: 莲前街道 or 鼓浪屿. This helps us find projects near you."),
        buttons=[[ctx.button(ctx.t("Skip"), "skip")]],
    )


@flow.answer("street", Kind.TEXT, Kind.BUTTON)
async def take_street(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.BUTTON:
        validation.pick(event.action, ("skip",))
        ctx.data["street"] = None
    else:
        ctx.data["street"] = validation.clean_free_text(event.text, validation.STREET_MAX)
    return engine.after(ctx, "level" if is_social_worker(ctx) else "birth_year")


@flow.prompt("birth_year")
async def ask_birth_year(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("Your year of birth? Some projects have a minimum age. (Only the year is kept.)"),
        buttons=[[ctx.button(ctx.t("Skip"), "skip")]],
    )


@flow.answer("birth_year", Kind.TEXT, Kind.BUTTON)
async def take_birth_year(ctx: Ctx, event: Event) -> str:
    if event.kind is Kind.BUTTON:
        validation.pick(event.action, ("skip",))
        ctx.data["birth_year"] = None
    else:
        ctx.data["birth_year"] = validation.clean_birth_year(event.text, event.at.year)
    return engine.after(ctx, "skills")


# ---- volunteers: skills and free time -----------------------------------------------------


def checklist(ctx: Ctx, table: dict[str, str], codes: tuple[str, ...], chosen: list[str]) -> list[list[Button]]:
    """A multi-select list of the program's codes, labelled in the person's language."""
    return engine.checklist(ctx, [(code, labels.label(ctx.texts, table, code)) for code in codes], chosen)


def toggle_or_finish(ctx: Ctx, field: str, codes: tuple[str, ...], value: str, following: str) -> str:
    """Handle a press on a multi-select list: tick or untick, or move on when Done."""
    chosen: list[str] = ctx.data.get(field) or []
    if value == engine.DONE:
        validation.require_some(chosen)
        return engine.after(ctx, following)
    ctx.data[field] = validation.toggle(chosen, value, codes)
    return ctx.conversation.step if ctx.conversation else field


@flow.prompt("skills")
async def ask_skills(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("What can you help with? Choose all that apply, then press Done."),
        buttons=checklist(ctx, labels.SKILLS, SKILLS, ctx.data.get("skills") or []),
    )


@flow.answer("skills", Kind.BUTTON)
async def take_skill(ctx: Ctx, event: Event) -> str:
    return toggle_or_finish(ctx, "skills", SKILLS, event.action, "availability")


@flow.prompt("availability")
async def ask_availability(ctx: Ctx) -> Reply:
    return Reply(
        text=ctx.t("When are you usually free? Choose all that apply, then press Done."),
        buttons=checklist(ctx, labels.AVAILABILITY, AVAILABILITY, ctx.data.get("availability") or []),
    )


@flow.answer("availability", Kind.BUTTON)
async def take_availability(ctx: Ctx, event: Event) -> str:
    return toggle_or_finish(ctx, "availability", AVAILABILITY, event.action, "summary")


# ---- social workers: certificate and organisation ----------------------------------------


flow.choice(
    "level",
    question=N_("Which social-work certificate do you hold?"),
    field="certificate_level",
    table=labels.CERTIFICATE_LEVELS,
    following="certificate",
    per_row=1,
)


@flow.prompt("certificate")
async def ask_certificate(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("Please type your certificate number, as printed on the certificate."))


@flow.answer("certificate", Kind.TEXT)
async def take_certificate(ctx: Ctx, event: Event) -> str:
    ctx.data["certificate_number"] = validation.clean_certificate_number(event.text)
    return engine.after(ctx, "organisation")


@flow.prompt("organisation")
async def ask_organisation(ctx: Ctx) -> Reply:
    return Reply(text=ctx.t("Which social-work organisation do you work for? Please type its full name."))


@flow.answer("organisation", Kind.TEXT)
async def take_organisation(ctx: Ctx, event: Event) -> str:
    ctx.data["organisation_name"] = validation.clean_free_text(event.text, validation.ORGANISATION_MAX)
    return engine.after(ctx, "summary")


# ---- summary: confirm, or correct one answer ----------------------------------------------

EDITABLE_VOLUNTEER = ("name", "phone", "district", "street", "birth_year", "skills", "availability")
EDITABLE_SOCIAL_WORKER = ("name", "phone", "district", "street", "level", "certificate", "organisation")
EDIT_LABELS = {
    "name": N_("Name"),
    "phone": N_("Mobile"),
    "district": N_("District"),
    "street": N_("Street"),
    "birth_year": N_("Year of birth"),
    "skills": N_("Skills"),
    "availability": N_("Free time"),
    "level": N_("Certificate"),
    "certificate": N_("Certificate number"),
    "organisation": N_("Organisation"),
}


def editable(ctx: Ctx) -> tuple[str, ...]:
    return EDITABLE_SOCIAL_WORKER if is_social_worker(ctx) else EDITABLE_VOLUNTEER


def describe(ctx: Ctx, data: dict[str, Any]) -> dict[str, str]:
    """Turn collected answers into the labelled values a summary or profile shows."""
    texts = ctx.texts
    return {
        "role": labels.label(texts, labels.ROLES, str(data["role"])),
        "name": str(data.get("name") or ""),
        "phone": labels.phone(str(data.get("phone") or "")),
        "district": labels.label(texts, labels.DISTRICTS, str(data.get("district") or "")),
        "street": str(data.get("street") or ""),
        "birth_year": str(data.get("birth_year") or ""),
        "skills": labels.labels(texts, labels.SKILLS, list(data.get("skills") or [])),
        "availability": labels.labels(texts, labels.AVAILABILITY, list(data.get("availability") or [])),
        "level": labels.label(texts, labels.CERTIFICATE_LEVELS, data.get("certificate_level")),
        "certificate": str(data.get("certificate_number") or ""),
        "organisation": str(data.get("organisation_name") or ""),
    }


@flow.prompt("summary")
async def show_summary(ctx: Ctx) -> Reply:
    edits = [ctx.button("✏️ " + ctx.t(EDIT_LABELS[field]), f"edit_{field}") for field in editable(ctx)]
    return Reply(
        text=ctx.render(
            "registration/summary.html",
            fields=describe(ctx, ctx.data),
            social_worker=is_social_worker(ctx),
            existing=bool(ctx.data.get("_existing")),
        ),
        buttons=[[ctx.button(ctx.t("Confirm"), "ok")], *button_rows(edits, 3), [ctx.button(ctx.t("Cancel"), "cancel")]],
    )


@flow.answer("summary", Kind.BUTTON)
async def take_summary(ctx: Ctx, event: Event) -> str | None:
    choice = event.action
    if choice == "cancel":
        ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), replace=True))
        return None
    if choice.startswith("edit_"):
        field = validation.pick(choice.removeprefix("edit_"), editable(ctx))
        ctx.data["_editing"] = True
        return field
    validation.pick(choice, ("ok",))
    existing = bool(ctx.data.get("_existing"))
    profile = await people.save_registration(ctx.session, ctx.account, ctx.data)
    if profile.role is Role.SOCIAL_WORKER and profile.organisation_name:
        await organisations.join_by_name(ctx.session, ctx.account, profile.organisation_name)
    if existing:
        ctx.say(Reply(text=ctx.t("Saved. Your details are up to date."), replace=True))
    elif profile.role is Role.SOCIAL_WORKER:
        ctx.say(Reply(text=ctx.render("registration/done_social_worker.html", name=profile.name), replace=True))
    else:
        ctx.say(Reply(text=ctx.render("registration/done_volunteer.html", name=profile.name), replace=True))
    if profile.verification is not None and profile.verification.value == "pending":
        for coordinator in await people.coordinators(ctx.session):
            if coordinator.chat_id is not None:
                texts = ctx.texts_for(coordinator)
                ctx.say(
                    Reply(
                        text=texts.t(
                            "A social worker is waiting for verification: %(name)s, %(organisation)s. Send /verify.",
                            name=profile.name,
                            organisation=profile.organisation_name or "",
                        ),
                        chat_id=coordinator.chat_id,
                    )
                )
    return None


# ---- profile ----------------------------------------------------------------------------------


@router.command("profile", N_("See or change your details"))
async def profile(ctx: Ctx) -> None:
    """Show the person's registered details with a button to change them."""
    registered = await ctx.profile()
    if registered is None:
        raise InputError(Problem.NOT_REGISTERED)
    status = registered.verification.value if registered.verification else None
    ctx.say(
        Reply(
            text=ctx.render(
                "registration/profile.html",
                fields=describe(ctx, registered.fields()),
                social_worker=registered.role is Role.SOCIAL_WORKER,
                status=labels.label(ctx.texts, labels.VERIFICATION, status),
            ),
            buttons=[[Button(ctx.t("Change my details"), "pf:edit")], [Button(ctx.t("Language"), "pf:lang")]],
        )
    )


@router.action("pf")
async def profile_button(ctx: Ctx, args: list[str]) -> None:
    """Start changing one's details from the profile screen, or pick a language."""
    choice = validation.pick(args[0] if args else "", ("edit", "lang"))
    if choice == "lang":
        await language(ctx)
        return
    registered = await ctx.profile()
    if registered is None:
        raise InputError(Problem.NOT_REGISTERED)
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    await engine.begin(ctx, flow, "summary", {**registered.fields(), "_existing": True})
