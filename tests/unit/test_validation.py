"""What people type, cleaned or refused with a reason."""

from __future__ import annotations

import pytest

from services import validation
from services.errors import InputError, Problem


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("＋８６ １３８ ００１３ ８０００", "+8613800138000"),
        ("86 13800138000", "+8613800138000"),
        ("(+86) 199 1234 5678", "+8619912345678"),
        ("  138 0013 8000  ", "+8613800138000"),
    ],
)
def test_mainland_mobiles_are_normalised_to_e164(typed: str, stored: str) -> None:
    assert validation.normalise_mobile(typed) == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("0592-1234567", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ("+1 415 555 0100", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ("+852 9123 4567", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ("1380013800", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ("138001380001", Problem.PHONE_NOT_MAINLAND_MOBILE),
        ("hello", Problem.PHONE_INVALID),
        ("", Problem.PHONE_INVALID),
        ("1" * 5000, Problem.PHONE_INVALID),
        ("138 0013 8000; DROP TABLE profile", Problem.PHONE_INVALID),
    ],
)
def test_anything_but_a_mainland_mobile_is_refused_with_its_reason(typed: str, problem: Problem) -> None:
    with pytest.raises(InputError) as refused:
        validation.normalise_mobile(typed)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", Problem.NAME_EMPTY),
        ("   \n\t ", Problem.NAME_EMPTY),
        ("😀😀😀", Problem.NAME_NO_LETTERS),
        ("123 !!", Problem.NAME_NO_LETTERS),
        ("林" * 41, Problem.NAME_TOO_LONG),
        ("x" * 5000, Problem.NAME_TOO_LONG),
    ],
)
def test_bad_names_are_refused(typed: str, problem: Problem) -> None:
    with pytest.raises(InputError) as refused:
        validation.clean_name(typed)
    assert refused.value.problem is problem


def test_names_keep_their_characters_but_lose_stray_whitespace_and_controls() -> None:
    assert validation.clean_name("  林\u200b小雨 \n") == "林小雨"
    assert validation.clean_name("Emily   Carter") == "Emily Carter"
    assert validation.clean_name("阿依古丽·买买提") == "阿依古丽·买买提"


def test_certificate_numbers_are_upper_cased_and_checked() -> None:
    assert validation.clean_certificate_number(" sw2019 350203 ") == "SW2019350203"
    with pytest.raises(InputError):
        validation.clean_certificate_number("12")
    with pytest.raises(InputError):
        validation.clean_certificate_number("证书号码很长很长")


def test_toggling_keeps_the_programs_order_and_refuses_unknown_codes() -> None:
    allowed = ("a", "b", "c")
    assert validation.toggle(["c"], "a", allowed) == ["a", "c"]
    assert validation.toggle(["a", "c"], "a", allowed) == ["c"]
    with pytest.raises(InputError):
        validation.toggle([], "z", allowed)
