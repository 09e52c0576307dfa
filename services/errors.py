"""Typed errors that carry a message key; the conversation engine turns them into localised hints."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Problem(StrEnum):
    """Why an answer or an action was refused. Every member has a hint in ``handlers.hints``."""

    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    NAME_NO_LETTERS = "name_no_letters"
    PHONE_INVALID = "phone_invalid"
    PHONE_NOT_MAINLAND_MOBILE = "phone_not_mainland_mobile"
    CONTACT_NOT_OWN = "contact_not_own"
    TEXT_TOO_LONG = "text_too_long"
    TEXT_EMPTY = "text_empty"
    CERTIFICATE_NUMBER_INVALID = "certificate_number_invalid"
    CHOOSE_AT_LEAST_ONE = "choose_at_least_one"
    UNKNOWN_CHOICE = "unknown_choice"
    NOT_COORDINATOR = "not_coordinator"
    NOT_REGISTERED = "not_registered"
    ALREADY_DECIDED = "already_decided"
    NOT_FOUND = "not_found"


class InputError(Exception):
    """An answer that cannot be accepted; the person is asked again with a hint."""

    def __init__(self, problem: Problem, **params: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.params = params


class NotAllowedError(InputError):
    """An action the person may not take, or one whose object is gone."""
