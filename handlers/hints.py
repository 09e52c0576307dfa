"""What a person is told when an answer or a press cannot be accepted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers import formatting
from handlers.events import Kind
from handlers.i18n import N_, Texts
from services.errors import InputError, Problem

HINTS: dict[Problem, str] = {
    Problem.NAME_EMPTY: N_("Please type your name."),
    Problem.NAME_TOO_LONG: N_("That is too long for a name: at most %(limit)s characters, please."),
    Problem.NAME_NO_LETTERS: N_(
        "A name needs letters or characters, not only symbols or emoji. Please type your name."
    ),
    Problem.PHONE_INVALID: N_(
        "That does not look like a phone number. Type your mobile number, for example 138 0013 8000, "
        "or press the share button below."
    ),
    Problem.PHONE_NOT_MAINLAND_MOBILE: N_(
        "Please give a mainland China mobile number: 11 digits starting with 1 (for example 138 0013 8000)."
    ),
    Problem.CONTACT_NOT_OWN: N_("Please share your own number with the button below, or type it."),
    Problem.TEXT_TOO_LONG: N_("That is too long: at most %(limit)s characters, please."),
    Problem.TEXT_EMPTY: N_("Please type a few words (letters or characters)."),
    Problem.CERTIFICATE_NUMBER_INVALID: N_(
        "A certificate number has 6 to 32 letters, digits or dashes. Please type it as printed on your certificate."
    ),
    Problem.CHOOSE_AT_LEAST_ONE: N_("Please choose at least one, then press Done."),
    Problem.UNKNOWN_CHOICE: N_("That choice is not on the list. Please use the buttons."),
    Problem.NOT_COORDINATOR: N_("Only coordinators can do that."),
    Problem.NOT_REGISTERED: N_("Please register first: send /register."),
    Problem.ALREADY_DECIDED: N_("This has already been decided."),
    Problem.NOT_FOUND: N_("That no longer exists."),
    Problem.FEEDBACK_CLOSED: N_("Feedback on a shift is open for a week after it; this one is closed."),
    Problem.NOT_ATTENDED: N_("Feedback is for shifts you attended (checked in). See /myhours."),
    Problem.EVALUATED_BY_OTHER: N_("Another social worker has already evaluated this volunteer for this shift."),
    Problem.NO_SHIFT_NOW: N_("You have no shift to check in to right now. See /myshifts."),
    Problem.CHECKIN_NOT_YET: N_("Check-in for %(title)s opens at %(opens)s, half an hour before the start."),
    Problem.TOO_FAR: N_(
        "You are %(distance)s from %(place)s; check-in works within %(radius)s m. Please try again when you are there."
    ),
    Problem.ALREADY_CHECKED_IN: N_("You are already checked in (since %(since)s)."),
    Problem.NOT_CHECKED_IN: N_("You have not checked in to this shift, so there is nothing to check out of."),
    Problem.ALREADY_CHECKED_OUT: N_("You have already checked out of this shift; your hours are recorded."),
    Problem.CODE_INVALID: N_("This check-in code is not valid. Please scan the code at the station again."),
    Problem.CODE_EXPIRED: N_("This check-in code has expired; codes change every day. Please scan today's code."),
    Problem.CODE_NOT_FOR_YOU: N_(
        "This code is for a shift you are not signed up to, or its check-in window is not open. See /myshifts."
    ),
    Problem.NOT_SUPERVISOR: N_("Only the project's supervising social worker or its organisation can do that."),
    Problem.HOURS_INVALID: N_("Please type the hours as a number from 0 to %(max)s, for example 2.5."),
    Problem.NO_HOURS_THERE: N_("There are no recorded hours with that organisation in that period."),
    Problem.PERIOD_INVALID: N_("Please type a period like 2026-01-01 2026-06-30, or choose one of the buttons."),
    Problem.BIRTH_YEAR_INVALID: N_("Please type your year of birth as four digits, for example 1995."),
    Problem.DATE_INVALID: N_("Please type a date like 2026-12-05, 12-05 or 12月5日."),
    Problem.DATE_IN_PAST: N_("That date has passed. Please type a date from today on."),
    Problem.DATE_TOO_FAR: N_("Please plan at most a year ahead."),
    Problem.TIME_INVALID: N_("Please type a time like 09:30 or 14:00."),
    Problem.SHIFT_TOO_LONG: N_("A shift lasts at most %(hours)s hours. Please check the times."),
    Problem.NUMBER_INVALID: N_("Please type a whole number from %(low)s to %(high)s."),
    Problem.NOT_SOCIAL_WORKER: N_("Only registered social workers can do that."),
    Problem.SOCIAL_WORKER_PENDING: N_(
        "Your social-worker registration is still waiting for a coordinator's verification. "
        "You will get a message as soon as it is verified."
    ),
    Problem.NO_ORGANISATION: N_(
        "You are not a member of a verified social-work organisation yet. Ask its admin, or register it with /neworg."
    ),
    Problem.NOT_YOUR_PROJECT: N_("Only social workers of the project's own organisation can change it."),
    Problem.NOT_A_VOLUNTEER: N_("Sign-ups are for registered volunteers. Please register with /register."),
    Problem.VOLUNTEERS_ONLY: N_("That is for volunteers. Send /help to see what you can do."),
    Problem.SHIFT_NOT_OPEN: N_("This shift is not open for sign-up (it may have been cancelled or completed)."),
    Problem.SHIFT_IN_PAST: N_("This shift has already started."),
    Problem.SHIFT_FULL: N_("This shift is full. You can join the waitlist."),
    Problem.SHIFT_NOT_FULL: N_("This shift still has places: sign up directly."),
    Problem.ALREADY_SIGNED_UP: N_("You are already signed up for this shift. See /myshifts."),
    Problem.SHIFT_CLASH: N_("This shift overlaps with another of yours (%(other)s). See /myshifts."),
    Problem.TOO_YOUNG: N_("This project needs volunteers aged %(age)s or over."),
    Problem.AGE_UNKNOWN: N_("This project has a minimum age. Please add your year of birth with /profile."),
    Problem.NOT_YOUR_SIGNUP: N_("That sign-up is not yours."),
    Problem.SIGNUP_NOT_ACTIVE: N_("That sign-up is no longer active. See /myshifts."),
    Problem.OFFER_EXPIRED: N_("Sorry, this offer has expired and the place went to the next person."),
    Problem.CAPACITY_BELOW_TAKEN: N_("%(taken)s people already hold a place; the capacity cannot be lower."),
    Problem.PROJECT_HAS_NO_SHIFTS: N_("Add at least one shift before publishing."),
    Problem.STATION_NOT_IN_DISTRICT: N_("That station is not in the project's district."),
    Problem.ORGANISATION_KIND_NOT_FOR_ROLE: N_(
        "That is for the other kind of organisation: social workers act for social-work organisations, "
        "volunteers for volunteer-service organisations."
    ),
    Problem.ORGANISATION_NAME_TAKEN: N_(
        "An organisation with this name is already registered. To join it, volunteers send /joinorg and social "
        "workers give its name in /profile. Otherwise, please type another name."
    ),
    Problem.ALREADY_IN_SOCIAL_WORK_ORGANISATION: N_(
        "You already belong to a social-work organisation (%(name)s); a social worker belongs to one only. See /org."
    ),
    Problem.ALREADY_MEMBER: N_("You are already a member of %(name)s. See /org."),
    Problem.NOT_MEMBER: N_("You are not a member of that organisation. See /org."),
    Problem.NOT_ORGANISATION_ADMIN: N_("Only an administrator of the organisation can do that. See /org."),
    Problem.ORGANISATION_NOT_VERIFIED: N_(
        "%(name)s has not been verified by a coordinator yet; this opens once it is."
    ),
    Problem.LAST_ADMIN: N_(
        "You are the only administrator of %(name)s, so you cannot leave it. Please ask a coordinator to help "
        "hand it over first."
    ),
    Problem.STATION_TAKEN: N_("This station is already paired with %(name)s."),
    Problem.STATION_OUTSIDE_DISTRICT: N_("Your organisation can pair only stations in its own district."),
    Problem.STATION_NOT_YOURS: N_("That station is not paired with your organisation."),
    Problem.SUPPORT_ALREADY_PENDING: N_(
        "You have already asked %(name)s for this kind of support; please wait for their answer."
    ),
    Problem.ERASURE_BLOCKED: N_(
        "Your data cannot be deleted yet: others still rely on you. Send /deleteme to see what to hand over first."
    ),
}


def hint_for(texts: Texts, error: InputError, zone: str) -> str:
    """Return the localised hint for a refused answer; moments are shown in ``zone``."""
    params = {
        key: formatting.moment(value, zone, texts.locale) if isinstance(value, datetime) else value
        for key, value in error.params.items()
    }
    return texts.t(HINTS[error.problem], **params)


def wrong_kind_hint(texts: Texts, accepts: Iterable[Kind]) -> str:
    """Explain what kind of answer the current step wants (text, a button, a shared contact...)."""
    wanted = set(accepts)
    if Kind.CONTACT in wanted:
        return texts.t("Please type your mobile number, or press the share button below.")
    if Kind.LOCATION in wanted:
        return texts.t("Please share a location with the button below.")
    if Kind.TEXT in wanted and Kind.BUTTON in wanted:
        return texts.t("Please type your answer, or use the buttons above.")
    if Kind.TEXT in wanted:
        return texts.t("Please answer with text.")
    return texts.t("Please choose with the buttons above.")
