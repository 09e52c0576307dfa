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
    BIRTH_YEAR_INVALID = "birth_year_invalid"
    NO_SHIFT_NOW = "no_shift_now"
    FEEDBACK_CLOSED = "feedback_closed"
    NOT_ATTENDED = "not_attended"
    EVALUATED_BY_OTHER = "evaluated_by_other"
    CHECKIN_NOT_YET = "checkin_not_yet"
    TOO_FAR = "too_far"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_CHECKED_IN = "not_checked_in"
    ALREADY_CHECKED_OUT = "already_checked_out"
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    CODE_NOT_FOR_YOU = "code_not_for_you"
    NOT_SUPERVISOR = "not_supervisor"
    HOURS_INVALID = "hours_invalid"
    NO_HOURS_THERE = "no_hours_there"
    PERIOD_INVALID = "period_invalid"
    DATE_INVALID = "date_invalid"
    DATE_IN_PAST = "date_in_past"
    DATE_TOO_FAR = "date_too_far"
    TIME_INVALID = "time_invalid"
    SHIFT_TOO_LONG = "shift_too_long"
    NUMBER_INVALID = "number_invalid"
    NOT_SOCIAL_WORKER = "not_social_worker"
    SOCIAL_WORKER_PENDING = "social_worker_pending"
    NO_ORGANISATION = "no_organisation"
    NOT_YOUR_PROJECT = "not_your_project"
    NOT_A_VOLUNTEER = "not_a_volunteer"
    VOLUNTEERS_ONLY = "volunteers_only"
    SHIFT_NOT_OPEN = "shift_not_open"
    SHIFT_IN_PAST = "shift_in_past"
    SHIFT_FULL = "shift_full"
    SHIFT_NOT_FULL = "shift_not_full"
    ALREADY_SIGNED_UP = "already_signed_up"
    SHIFT_CLASH = "shift_clash"
    TOO_YOUNG = "too_young"
    AGE_UNKNOWN = "age_unknown"
    NOT_YOUR_SIGNUP = "not_your_signup"
    SIGNUP_NOT_ACTIVE = "signup_not_active"
    OFFER_EXPIRED = "offer_expired"
    CAPACITY_BELOW_TAKEN = "capacity_below_taken"
    PROJECT_HAS_NO_SHIFTS = "project_has_no_shifts"
    STATION_NOT_IN_DISTRICT = "station_not_in_district"
    ORGANISATION_KIND_NOT_FOR_ROLE = "organisation_kind_not_for_role"
    ORGANISATION_NAME_TAKEN = "organisation_name_taken"
    ALREADY_IN_SOCIAL_WORK_ORGANISATION = "already_in_social_work_organisation"
    ALREADY_MEMBER = "already_member"
    NOT_MEMBER = "not_member"
    NOT_ORGANISATION_ADMIN = "not_organisation_admin"
    ORGANISATION_NOT_VERIFIED = "organisation_not_verified"
    LAST_ADMIN = "last_admin"
    STATION_TAKEN = "station_taken"
    STATION_OUTSIDE_DISTRICT = "station_outside_district"
    STATION_NOT_YOURS = "station_not_yours"
    SUPPORT_ALREADY_PENDING = "support_already_pending"
    ERASURE_BLOCKED = "erasure_blocked"


class InputError(Exception):
    """An answer that cannot be accepted; the person is asked again with a hint."""

    def __init__(self, problem: Problem, **params: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.params = params


class NotAllowedError(InputError):
    """An action the person may not take, or one whose object is gone."""
