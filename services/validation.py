"""Cleaning and checking what people type: names, phone numbers, free text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

import phonenumbers

from services.errors import InputError, Problem

NAME_MAX = 40
STREET_MAX = 60
ORGANISATION_MAX = 80

_SPACES = re.compile(r"\s+")
_CERTIFICATE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,31}$")


def normalise_text(text: str) -> str:
    """Fold full-width characters to their ordinary forms and collapse whitespace.

    People type full-width digits and punctuation (１３８, ：) as often as half-width;
    NFKC folds them without touching Chinese characters.
    """
    folded = unicodedata.normalize("NFKC", text)
    cleaned = "".join(ch for ch in folded if unicodedata.category(ch) not in {"Cc", "Cf"} or ch in "\n\t")
    return _SPACES.sub(" ", cleaned).strip()


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def clean_name(text: str) -> str:
    """Return a person's name fit to store, or refuse empty, letterless or overlong names."""
    name = normalise_text(text)
    if not name:
        raise InputError(Problem.NAME_EMPTY)
    if len(name) > NAME_MAX:
        raise InputError(Problem.NAME_TOO_LONG, limit=NAME_MAX)
    if not _has_letter(name):
        raise InputError(Problem.NAME_NO_LETTERS)
    return name


def clean_free_text(text: str, limit: int) -> str:
    """Return a short free-text answer (street, organisation) fit to store."""
    value = normalise_text(text)
    if not value or not _has_letter(value):
        raise InputError(Problem.TEXT_EMPTY)
    if len(value) > limit:
        raise InputError(Problem.TEXT_TOO_LONG, limit=limit)
    return value


def normalise_mobile(text: str) -> str:
    """Return a mainland-China mobile number in E.164 (+86 and 11 digits starting with 1)."""
    raw = normalise_text(text)
    if len(raw) > 32 or not re.fullmatch(r"[+\d\s().-]+", raw):
        raise InputError(Problem.PHONE_INVALID)
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InputError(Problem.PHONE_INVALID) from exc
    national = str(number.national_number)
    if (
        number.country_code != 86
        or len(national) != 11
        or not national.startswith("1")
        or phonenumbers.number_type(number)
        not in {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    ):
        raise InputError(Problem.PHONE_NOT_MAINLAND_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_certificate_number(text: str) -> str:
    """Return a social-work certificate number: 6–32 letters, digits or dashes."""
    value = normalise_text(text).upper().replace(" ", "")
    if not _CERTIFICATE.fullmatch(value):
        raise InputError(Problem.CERTIFICATE_NUMBER_INVALID)
    return value


def clean_birth_year(text: str, this_year: int) -> int:
    """Read a year of birth: four digits, between 100 years ago and six years ago."""
    value = normalise_text(text).removesuffix("年")
    if not value.isdigit() or len(value) != 4 or not this_year - 100 <= int(value) <= this_year - 6:
        raise InputError(Problem.BIRTH_YEAR_INVALID)
    return int(value)


def pick(value: str, allowed: Collection[str]) -> str:
    """Accept a code only if it is one of the program's known choices (buttons can be forged)."""
    if value not in allowed:
        raise InputError(Problem.UNKNOWN_CHOICE)
    return value


def toggle(chosen: list[str], value: str, allowed: tuple[str, ...]) -> list[str]:
    """Add or remove ``value`` in a multi-select answer, keeping the program's order."""
    pick(value, allowed)
    selected = set(chosen) ^ {value}
    return [code for code in allowed if code in selected]


def require_some(chosen: list[str]) -> list[str]:
    """Refuse an empty multi-select answer."""
    if not chosen:
        raise InputError(Problem.CHOOSE_AT_LEAST_ONE)
    return chosen
