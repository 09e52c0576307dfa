"""What a person is told when an answer or a press cannot be accepted."""

from __future__ import annotations

from collections.abc import Iterable

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
}


def hint_for(texts: Texts, error: InputError) -> str:
    """Return the localised hint for a refused answer."""
    return texts.t(HINTS[error.problem], **error.params)


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
