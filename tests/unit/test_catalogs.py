"""Every user-visible text exists in Chinese and English, with matching placeholders."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message

from handlers.i18n import texts
from handlers.labels import AVAILABILITY, CERTIFICATE_LEVELS, DISTRICTS, ROLES, SKILLS
from scripts import catalogs
from services import reference
from services.errors import Problem

LOCALES = ("zh_CN", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?([a-z-]+)")


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogs.extract()


def _strings(message: Message) -> list[str]:
    value = message.string
    return list(value) if isinstance(value, tuple) else [value]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_message_of_the_code(locale: str, template: Catalog) -> None:
    catalog = catalogs.load(locale)
    missing = [m.id for m in template if m.id and (catalog.get(m.id) is None or not all(_strings(catalog[m.id])))]
    assert missing == [], f"{locale} lacks translations (run python3.11 tasks.py i18n, then translate)"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_holds_no_fuzzy_or_unused_messages(locale: str, template: Catalog) -> None:
    catalog = catalogs.load(locale)
    used = {m.id for m in template}
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
    assert [m.id for m in catalog if m.id and m.id not in used] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    for message in catalogs.load(locale):
        if not message.id:
            continue
        source = _ids(message)[0]
        for translated in _strings(message):
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), message.id
            assert TAG.findall(translated) == TAG.findall(source), message.id


def test_chinese_catalog_is_really_chinese() -> None:
    untranslated = [
        m.id
        for m in catalogs.load("zh_CN")
        if m.id
        and _strings(m)[0] == _ids(m)[0]
        and re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", _ids(m)[0]))
        and not re.search(r"[\u4e00-\u9fff]", _ids(m)[0])  # already bilingual, like "中文 / English"
    ]
    assert untranslated == []


def test_every_refusal_has_a_hint() -> None:
    from handlers.hints import HINTS

    assert set(HINTS) == set(Problem)


def test_every_code_of_the_programs_lists_has_a_label() -> None:
    assert set(DISTRICTS) == set(reference.DISTRICTS)
    assert set(SKILLS) == set(reference.SKILLS)
    assert set(AVAILABILITY) == set(reference.AVAILABILITY)
    assert set(CERTIFICATE_LEVELS) == set(reference.CERTIFICATE_LEVELS)
    assert set(ROLES) == {"volunteer", "social_worker"}


def test_labels_read_naturally_in_each_language() -> None:
    assert texts("zh_CN").t(DISTRICTS["siming"]) == "思明区"
    assert texts("en").t(DISTRICTS["siming"]) == "Siming"
    assert texts("zh_CN").t(CERTIFICATE_LEVELS["assistant"]) == "助理社会工作师"


def test_placeholders_are_escaped_as_html() -> None:
    shown = texts("en").t("Approved: %(name)s.", name="<b>Mallory</b> & co")
    assert shown == "Approved: &lt;b&gt;Mallory&lt;/b&gt; &amp; co."
