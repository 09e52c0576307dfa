"""What a person reads for each code of the program's fixed lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from handlers.i18n import N_, Texts

if TYPE_CHECKING:
    from handlers.engine import Ctx
    from handlers.events import Button

DISTRICTS = {
    "siming": N_("Siming"),
    "huli": N_("Huli"),
    "jimei": N_("Jimei"),
    "haicang": N_("Haicang"),
    "tongan": N_("Tong'an"),
    "xiangan": N_("Xiang'an"),
}

SKILLS = {
    "elderly_care": N_("Elderly companionship"),
    "child_tutoring": N_("Tutoring children"),
    "medical_care": N_("Medical care"),
    "counselling": N_("Psychological support"),
    "legal_advice": N_("Legal advice"),
    "performing_arts": N_("Performing arts"),
    "photography": N_("Photography and publicity"),
    "driving": N_("Driving"),
    "translation": N_("Foreign-language interpreting"),
    "it_support": N_("IT support"),
}

AVAILABILITY = {
    "weekday_morning": N_("Weekday mornings"),
    "weekday_afternoon": N_("Weekday afternoons"),
    "weekday_evening": N_("Weekday evenings"),
    "weekend_morning": N_("Weekend mornings"),
    "weekend_afternoon": N_("Weekend afternoons"),
    "weekend_evening": N_("Weekend evenings"),
}

CERTIFICATE_LEVELS = {
    "assistant": N_("Assistant social worker"),
    "intermediate": N_("Social worker (intermediate)"),
    "senior": N_("Senior social worker"),
}

ROLES = {
    "volunteer": N_("Volunteer"),
    "social_worker": N_("Social worker"),
}

VERIFICATION = {
    "pending": N_("waiting for verification"),
    "verified": N_("verified"),
    "rejected": N_("not verified"),
}


def phone(e164: str) -> str:
    """Show a mainland mobile as people write it: +86 138 0013 8000."""
    if e164.startswith("+86") and len(e164) == 14:
        number = e164[3:]
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    return e164


def label(texts: Texts, table: dict[str, str], code: str | None) -> str:
    """Return the localised label for ``code``, or the code itself if it is unknown."""
    if code is None:
        return ""
    return texts.t(table[code]) if code in table else code


def labels(texts: Texts, table: dict[str, str], codes: list[str]) -> str:
    """Return localised labels joined as a list, in the person's language."""
    return texts.t(", ").join(label(texts, table, code) for code in codes)


TARGET_GROUPS = {
    "elderly": N_("Older people"),
    "minors": N_("Children and teenagers"),
    "migrant_workers": N_("Migrant workers"),
    "disabled": N_("People with disabilities"),
    "low_income": N_("Low-income families"),
    "family_planning": N_("Special family-planning families"),
    "hollow_villages": N_("Hollowed-out villages"),
    "empty_nest": N_("Empty-nest families"),
    "left_behind": N_("Left-behind people"),
}

WHEN = {
    "today": N_("Today"),
    "week": N_("This week"),
    "weekend": N_("Weekend"),
}

SIGNUP_STATUS = {
    "confirmed": N_("signed up"),
    "waitlisted": N_("on the waitlist"),
    "offered": N_("place offered: please answer"),
    "cancelled": N_("cancelled"),
    "declined": N_("offer declined"),
    "expired": N_("offer expired"),
}

ORGANISATION_KINDS = {
    "social_work": N_("Social-work organisation"),
    "volunteer": N_("Volunteer-service organisation"),
}

REGISTRATIONS = {
    "registered": N_("Registered"),
    "filed": N_("Filed"),
}

MEMBER_ROLES = {
    "admin": N_("administrator"),
    "member": N_("member"),
}

SUPPORT_KINDS = {
    "team_building": N_("Team building"),
    "technical_guidance": N_("Technical guidance"),
}


def choices(ctx: Ctx, table: dict[str, str], codes: Iterable[str] | None = None) -> list[Button]:
    """Buttons for the current step, one per code, labelled in the person's language."""
    return [ctx.button(label(ctx.texts, table, code), code) for code in (table if codes is None else codes)]
