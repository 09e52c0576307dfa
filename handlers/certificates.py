"""Proof of service (/certificate, /checkcert), exports of service records (/export) and check-in posters (/poster)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from handlers import engine, formatting
from handlers.engine import Ctx, Router, button_rows
from handlers.events import Button, Event, Kind, Media, Reply
from handlers.i18n import N_, Texts
from models import Account, Organisation, OrganisationKind, Profile
from services import attendance, audit, certificates, exports, linkage, organisations, projects, validation
from services.errors import InputError, NotAllowedError, Problem
from services.hours import as_hours
from services.signups import volunteer
from services.timeparse import parse_period

router = Router()
asking = router.flow("certificate")
exporting = router.flow("export")

PERIODS = {"this_year": N_("This year"), "last_year": N_("Last year"), "all": N_("All my service")}
EXPORT_PERIODS = {"this_month": N_("This month"), "last_month": N_("Last month"), "this_year": N_("This year")}
EXPORT_HEADERS = {
    "record": N_("Record no."),
    "volunteer_number": N_("Volunteer no."),
    "name": N_("Name"),
    "phone": N_("Mobile"),
    "content": N_("Service content"),
    "place": N_("Place"),
    "date": N_("Date"),
    "start": N_("Start"),
    "end": N_("End"),
    "hours": N_("Hours"),
    "organisation": N_("Recording organisation"),
    "checkin_method": N_("Check-in"),
    "checkout_method": N_("Check-out"),
    "confirmed": N_("Confirmed"),
}


def _today(ctx: Ctx) -> date:
    return ctx.event.at.astimezone(formatting.zone(ctx.settings.timezone)).date()


def named_period(code: str, today: date) -> tuple[date, date]:
    """The dates a period button means."""
    first_of_month = today.replace(day=1)
    if code == "this_year":
        return today.replace(month=1, day=1), today
    if code == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if code == "this_month":
        return first_of_month, today
    if code == "last_month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    return date(2000, 1, 1), today


# ---- /certificate ---------------------------------------------------------------------------------


@router.command("certificate", N_("Ask for proof of your service"))
async def ask_certificate(ctx: Ctx) -> None:
    """Start a request for proof of service from an organisation that recorded the person's service."""
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    profile = volunteer(await ctx.profile())
    if not await certificates.organisations_served(ctx.session, profile):
        raise InputError(Problem.NO_HOURS_THERE)
    await engine.begin(ctx, asking, "organisation")


@asking.prompt("organisation")
async def ask_organisation(ctx: Ctx) -> Reply:
    served = await certificates.organisations_served(ctx.session, volunteer(await ctx.profile()))
    buttons = [[ctx.button(o.name, str(o.id))] for o in served]
    return Reply(text=ctx.t("Which organisation should certify your service?"), buttons=buttons)


@asking.answer("organisation", Kind.BUTTON)
async def take_organisation(ctx: Ctx, event: Event) -> str:
    served = await certificates.organisations_served(ctx.session, volunteer(await ctx.profile()))
    ctx.data["organisation_id"] = int(validation.pick(event.action, {str(o.id) for o in served}))
    return "period"


@asking.prompt("period")
async def ask_period(ctx: Ctx) -> Reply:
    buttons = [ctx.button(ctx.t(label), code) for code, label in PERIODS.items()]
    return Reply(
        text=ctx.t("For which period? Choose, or type two dates like 2026-01-01 2026-06-30."),
        buttons=button_rows(buttons, 3),
    )


@asking.answer("period", Kind.BUTTON, Kind.TEXT)
async def take_period(ctx: Ctx, event: Event) -> str:
    today = _today(ctx)
    if event.kind is Kind.BUTTON:
        start, end = named_period(validation.pick(event.action, PERIODS), today)
    else:
        start, end = parse_period(event.text, today)
    lines = await certificates.services_with(
        ctx.session, volunteer(await ctx.profile()), int(ctx.data["organisation_id"]), start, end, ctx.settings.timezone
    )
    if not lines:
        raise InputError(Problem.NO_HOURS_THERE)
    ctx.data.update(start=start.isoformat(), end=end.isoformat(), minutes=sum(line.minutes for line in lines))
    return "confirm"


@asking.prompt("confirm")
async def show_request(ctx: Ctx) -> Reply:
    organisation = await ctx.session.get(Organisation, int(ctx.data["organisation_id"]))
    assert organisation is not None
    return Reply(
        text=ctx.t(
            "Ask %(organisation)s for proof of %(hours)s hours of service from %(start)s to %(end)s? "
            "Its administrator approves the request; the certificate is free.",
            organisation=organisation.name,
            hours=as_hours(int(ctx.data["minutes"])),
            start=ctx.data["start"],
            end=ctx.data["end"],
        ),
        buttons=[[ctx.button(ctx.t("Send the request"), "ok"), ctx.button(ctx.t("Cancel"), "cancel")]],
    )


@asking.answer("confirm", Kind.BUTTON)
async def take_request(ctx: Ctx, event: Event) -> None:
    if validation.pick(event.action, ("ok", "cancel")) == "cancel":
        ctx.say(Reply(text=ctx.t("Stopped. Nothing from this form was kept."), replace=True))
        return
    profile = await ctx.profile()
    certificate = await certificates.request(
        ctx.session,
        profile,
        int(ctx.data["organisation_id"]),
        date.fromisoformat(ctx.data["start"]),
        date.fromisoformat(ctx.data["end"]),
        event.at,
        ctx.settings.timezone,
    )
    assert profile is not None
    ctx.say(Reply(text=ctx.t("Request sent. You will receive the certificate here once it is approved."), replace=True))
    for admin in await organisations.admins_of(ctx.session, certificate.organisation_id):
        if admin.chat_id is None:
            continue
        said = ctx.texts_for(admin)
        ctx.say(
            Reply(
                text=said.t(
                    "%(name)s asks for proof of service: %(hours)s hours from %(start)s to %(end)s.",
                    name=profile.name,
                    hours=as_hours(certificate.minutes),
                    start=certificate.period_start.isoformat(),
                    end=certificate.period_end.isoformat(),
                ),
                buttons=[
                    [
                        Button(said.t("Approve"), f"ce:ok:{certificate.id}"),
                        Button(said.t("Decline"), f"ce:no:{certificate.id}"),
                    ]
                ],
                chat_id=admin.chat_id,
            )
        )


def certificate_labels(texts: Texts) -> dict[str, str]:
    """The captions printed on a certificate, in the volunteer's language."""
    return {
        "title": texts.t("Certificate of Volunteer Service"),
        "number": texts.t("Certificate no."),
        "issued_on": texts.t("Issued on"),
        "volunteer": texts.t("Volunteer"),
        "identity": texts.t("Identity"),
        "organisation": texts.t("Issuing organisation"),
        "person_in_charge": texts.t("Person in charge"),
        "contact": texts.t("Contact"),
        "period": texts.t("Period"),
        "total_hours": texts.t("Total hours"),
        "date": texts.t("Date"),
        "content": texts.t("Service content"),
        "hours": texts.t("Hours"),
        "statement": texts.t(
            "This certifies that the volunteer above took part in the volunteer service listed, as recorded by "
            "the issuing organisation under the Regulations on Volunteer Service."
        ),
    }


@router.action("ce")
async def decide_certificate(ctx: Ctx, args: list[str]) -> None:
    """Issue or decline a requested certificate; only the recording organisation's admins may."""
    from handlers import documents  # fpdf2, openpyxl and segno take most of a second to import: only when used

    if len(args) != 2 or args[0] not in {"ok", "no"} or not args[1].isdigit() or len(args[1]) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    certificate, lines = await certificates.decide(
        ctx.session, ctx.account, int(args[1]), approve=args[0] == "ok", now=ctx.event.at, zone=ctx.settings.timezone
    )
    profile = await ctx.session.get(Profile, certificate.profile_id)
    assert profile is not None
    owner = await ctx.session.get(Account, profile.account_id)
    organisation = await ctx.session.get(Organisation, certificate.organisation_id)
    assert owner is not None
    assert organisation is not None
    said = ctx.texts_for(owner)
    if args[0] == "no":
        ctx.say(Reply(text=ctx.t("Declined: the request of %(name)s.", name=profile.name), replace=True))
        message = said.t(
            "%(organisation)s could not issue the proof of service you asked for. Please contact it: %(contact)s.",
            organisation=organisation.name,
            contact=organisation.contact_phone,
        )
        if owner.chat_id is not None:
            ctx.say(Reply(text=message, chat_id=owner.chat_id))
        return
    admin = await ctx.profile()
    # Rendering takes about a second (font subsetting); keep it off the event loop.
    pdf = await asyncio.to_thread(
        documents.certificate_pdf,
        documents.CertificateData(
            number=certificate.number or "",
            issued_on=_today(ctx),
            volunteer_name=profile.name,
            identity=said.t("Volunteer no. %(number)s", number=certificates.volunteer_number(profile)),
            organisation=organisation.name,
            person_in_charge=admin.name if admin else ctx.account.display_name,
            contact=organisation.contact_phone,
            period_start=certificate.period_start,
            period_end=certificate.period_end,
            total_hours=as_hours(certificate.minutes),
            services=[
                (formatting.zone_date(line.starts_at, ctx.settings.timezone), line.title, as_hours(line.minutes))
                for line in lines
            ],
            verify_hint=said.t(
                "To check that this certificate is genuine, ask a coordinator of the program to look up its number."
            ),
        ),
        certificate_labels(said),
    )
    ctx.say(
        Reply(
            text=ctx.t("Issued: certificate %(number)s for %(name)s.", number=certificate.number, name=profile.name),
            replace=True,
        )
    )
    if owner.chat_id is not None:
        ctx.say(
            Reply(
                text="",
                media=Media(
                    kind="document",
                    filename=f"{certificate.number}.pdf",
                    content=pdf,
                    caption=said.t(
                        "Your proof of service from %(organisation)s: %(hours)s hours. Certificate no. %(number)s.",
                        organisation=organisation.name,
                        hours=as_hours(certificate.minutes),
                        number=certificate.number,
                    ),
                ),
                chat_id=owner.chat_id,
            )
        )


@router.command("checkcert", N_("Check that a certificate is genuine (coordinators)"), coordinators_only=True)
async def check_certificate(ctx: Ctx) -> None:
    """Look up a certificate by its number and say what it certifies."""
    if not ctx.account.is_coordinator:
        raise NotAllowedError(Problem.NOT_COORDINATOR)
    number = validation.normalise_text(ctx.event.args)[:40]
    if not number:
        ctx.say(
            ctx.t("Send /checkcert followed by the certificate number, for example /checkcert XM2026-0001-00001-ABCD.")
        )
        return
    found = await certificates.look_up(ctx.session, number)
    if found is None:
        ctx.say(ctx.t("No certificate with the number %(number)s was issued through this program.", number=number))
        return
    certificate, profile, organisation = found
    ctx.say(
        ctx.t(
            "Genuine: certificate %(number)s was issued by %(organisation)s on %(day)s to %(name)s for %(hours)s hours "
            "of service from %(start)s to %(end)s.",
            number=certificate.number,
            organisation=organisation.name,
            day=formatting.zone_date(
                certificate.decided_at or certificate.requested_at, ctx.settings.timezone
            ).isoformat(),
            name=profile.name,
            hours=as_hours(certificate.minutes),
            start=certificate.period_start.isoformat(),
            end=certificate.period_end.isoformat(),
        )
    )


# ---- /export -----------------------------------------------------------------------------------------


@router.command("export", N_("Export service records (organisation admins, coordinators)"))
async def start_export(ctx: Ctx) -> None:
    """Choose whose records to export: one's own organisations', or (coordinators) everyone's."""
    if ctx.flow is not None:
        ctx.say(ctx.t("Let us finish this first, or send /cancel to stop."))
        await engine.show(ctx, ctx.flow)
        return
    if not ctx.account.is_coordinator and not await organisations.admin_organisations(
        ctx.session, ctx.account, OrganisationKind.SOCIAL_WORK
    ):
        raise NotAllowedError(Problem.NOT_ORGANISATION_ADMIN)
    await engine.begin(ctx, exporting, "which")


@exporting.prompt("which")
async def ask_which(ctx: Ctx) -> Reply:
    buttons = [
        [ctx.button(o.name, str(o.id))]
        for o in await organisations.admin_organisations(ctx.session, ctx.account, OrganisationKind.SOCIAL_WORK)
    ]
    if ctx.account.is_coordinator:
        buttons.insert(0, [ctx.button(ctx.t("All organisations"), "all")])
    return Reply(text=ctx.t("Whose service records?"), buttons=buttons)


@exporting.answer("which", Kind.BUTTON)
async def take_which(ctx: Ctx, event: Event) -> str:
    choice = event.action
    if choice != "all" and (not choice.isdigit() or len(choice) > 12):
        raise InputError(Problem.UNKNOWN_CHOICE)
    organisation = await exports.exportable(ctx.session, ctx.account, None if choice == "all" else int(choice))
    ctx.data["organisation_id"] = organisation.id if organisation else None
    return "period"


@exporting.prompt("period")
async def ask_export_period(ctx: Ctx) -> Reply:
    buttons = [ctx.button(ctx.t(label), code) for code, label in EXPORT_PERIODS.items()]
    return Reply(
        text=ctx.t("For which period? Choose, or type two dates like 2026-01-01 2026-06-30."),
        buttons=button_rows(buttons, 3),
    )


@exporting.answer("period", Kind.BUTTON, Kind.TEXT)
async def take_export_period(ctx: Ctx, event: Event) -> None:
    from handlers import documents  # fpdf2, openpyxl and segno take most of a second to import: only when used

    today = _today(ctx)
    if event.kind is Kind.BUTTON:
        start, end = named_period(validation.pick(event.action, EXPORT_PERIODS), today)
    else:
        start, end = parse_period(event.text, today)
    organisation = await exports.exportable(ctx.session, ctx.account, ctx.data.get("organisation_id"))
    rows = await exports.service_rows(ctx.session, organisation, start, end, ctx.settings.timezone)
    await audit.record(
        ctx.session, ctx.account, "export.records", f"organisation:{organisation.id}" if organisation else "city",
        at=ctx.event.at, start=start.isoformat(), end=end.isoformat(), rows=len(rows),
    )  # fmt: skip
    headers = [ctx.t(EXPORT_HEADERS[field]) for field in exports.FIELDS]
    name = f"service-records-{start.isoformat()}-{end.isoformat()}"
    ctx.say(
        ctx.t(
            "%(count)s service records from %(start)s to %(end)s, as a spreadsheet and as CSV.",
            count=len(rows),
            start=start.isoformat(),
            end=end.isoformat(),
        )
    )
    ctx.say(Reply(text="", media=Media("document", f"{name}.xlsx", documents.table_xlsx(name[:31], headers, rows))))
    ctx.say(Reply(text="", media=Media("document", f"{name}.csv", documents.table_csv(headers, rows))))


# ---- /poster ------------------------------------------------------------------------------------------


@router.command("poster", N_("Today's check-in code to print (social workers)"))
async def poster(ctx: Ctx) -> None:
    """Offer the shifts and stations whose check-in code can be printed today."""
    by = await projects.leader(ctx.session, ctx.account)
    zone, locale = ctx.settings.timezone, ctx.texts.locale
    buttons = [
        [Button(f"{p.title} · {formatting.short_when(s, zone, locale)}", f"po:s:{s.id}")]
        for s, p in await projects.shifts_near(ctx.session, by.organisation, ctx.event.at)
    ]
    buttons += [
        [Button("🏠 " + st.name, f"po:t:{st.id}")] for st in await linkage.paired_stations(ctx.session, by.organisation)
    ]
    if not buttons:
        ctx.say(ctx.t("Your organisation has no shifts today or yesterday."))
        return
    ctx.say(
        Reply(
            text=ctx.t("A code for one shift, or for a station (it works for every shift there today)?"),
            buttons=buttons,
        )
    )


@router.action("po")
async def poster_button(ctx: Ctx, args: list[str]) -> None:
    """Send today's code for a shift or station as a QR image and a printable PDF."""
    from handlers import documents  # fpdf2, openpyxl and segno take most of a second to import: only when used

    if len(args) != 2 or args[0] not in {"s", "t"} or not args[1].isdigit() or len(args[1]) > 12:
        raise InputError(Problem.UNKNOWN_CHOICE)
    by = await projects.leader(ctx.session, ctx.account)
    number = int(args[1])
    if args[0] == "s":
        shift, project = await attendance.supervised_shift(ctx.session, ctx.account, number)
        title, subtitle = project.title, formatting.shift_when(shift, ctx.settings.timezone, ctx.texts.locale)
    else:
        stations = {s.id: s for s in await linkage.paired_stations(ctx.session, by.organisation)}
        if number not in stations:
            raise NotAllowedError(Problem.NOT_SUPERVISOR)
        title, subtitle = stations[number].name, stations[number].address
    today = _today(ctx)
    code = await attendance.code_for(ctx.session, f"{args[0]}{number}", today)
    link = f"https://t.me/{ctx.settings.bot_username}?start=ci_{code}"
    instructions = ctx.t(
        "Volunteers: scan this code with your phone's camera and press Start in Telegram to check in; scan it again "
        "when you leave to check out. Valid on %(day)s only.",
        day=today.isoformat(),
    )
    ctx.say(
        Reply(text="", media=Media("photo", f"checkin-{today.isoformat()}.png", documents.qr_png(link), caption=title))
    )
    ctx.say(
        Reply(
            text="",
            media=Media(
                "document",
                f"checkin-poster-{today.isoformat()}.pdf",
                await asyncio.to_thread(documents.poster_pdf, title, subtitle, link, instructions),
                caption=ctx.t("Printable poster, valid on %(day)s.", day=today.isoformat()),
            ),
        )
    )
