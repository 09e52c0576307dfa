"""Texts in the person's language: gettext catalogs read straight from the .po files, and Jinja2 templates."""

from __future__ import annotations

import gettext
import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from models import Account

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
TEMPLATES_DIR = ROOT / "templates"
DOMAIN = "messages"
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    """Load one locale's catalog from its .po file, so no compile step is needed."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def available_locales() -> list[str]:
    """Return the locales that have a catalog."""
    return sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def resolve_locale(chosen: str | None, platform_language: str | None, default: str) -> str:
    """Pick the language to speak: the person's choice, else their app's language, else the default."""
    if chosen is not None and chosen in available_locales():
        return chosen
    code = (platform_language or "").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


class Texts:
    """Everything a person reads, in one language, as Telegram-style HTML."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._translations = translations(locale)
        self._env = _environment(locale)

    def t(self, message: str, **params: Any) -> str:
        """Translate a message and fill in its ``%(name)s`` placeholders, escaping the values."""
        text = self._translations.gettext(message)
        if params:
            text = text % {key: escape(value) for key, value in params.items()}
        return text

    def nt(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """Translate a message whose form depends on a count ``n``."""
        text = self._translations.ngettext(singular, plural, n)
        values = {key: escape(value) for key, value in params.items()}
        values.setdefault("num", escape(n))
        return text % values

    def render(self, template: str, **params: Any) -> str:
        """Render a message template in this language."""
        # Templates stay readable with blank lines around blocks; a message never needs two in a row.
        return _BLANK_LINES.sub("\n\n", self._env.get_template(template).render(**params)).strip()


@cache
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


@cache
def texts(locale: str) -> Texts:
    """Return the shared ``Texts`` for a locale."""
    return Texts(locale)


def account_texts(account: Account, default_locale: str) -> Texts:
    """The texts in a person's language: the one they chose, else their app's, else the deployment's."""
    return texts(resolve_locale(account.locale, account.platform_language, default_locale))
