"""Extract user-visible text and keep the gettext catalogs in step with the code.

    python -m scripts.catalogs          # add new messages, drop ones no longer used
    python -m scripts.catalogs --check  # exit 1 if a catalog is out of date

English messages are the source text, so the ``en`` catalog is filled from it;
every other catalog is translated by hand (the test suite fails on gaps).
"""

from __future__ import annotations

import argparse
import copy
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
SOURCE_LOCALE = "en"
PROJECT = "xiamen-volunteer-bot"
KEYWORDS = {"N_": None, "t": None, "nt": (1, 2), "_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("bot/**.py", "python"),
    ("handlers/**.py", "python"),
    ("services/**.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}


def extract() -> Catalog:
    """Collect every translatable message from the code and the templates."""
    template = Catalog(project="xiamen-volunteer-bot", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,  # type: ignore[arg-type]
    ):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return template


def catalog_path(locale: str) -> Path:
    return LOCALES / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as po:
        return read_po(po, locale=locale)


def updated(locale: str, template: Catalog) -> Catalog:
    """Return ``locale``'s catalog with the template's messages, dropping unused ones."""
    path = catalog_path(locale)
    catalog = load(locale) if path.exists() else Catalog(locale=locale, charset="utf-8")
    created = catalog.creation_date
    # update() adopts the template's message objects, so give each locale its own copy.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    # Keep the header stable, so that an unchanged catalog is byte-for-byte unchanged.
    catalog.creation_date = created
    catalog.revision_date = created
    catalog.project, catalog.version = PROJECT, "1"
    catalog.copyright_holder = catalog.msgid_bugs_address = catalog.last_translator = PROJECT
    catalog.language_team = f"{locale} <{PROJECT}>"
    catalog.fuzzy = False
    if locale == SOURCE_LOCALE:
        for message in catalog:
            if message.id and not message.string:
                message.string = message.id
    return catalog


def render(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, omit_header=False, no_location=True, sort_output=True, width=100)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report out-of-date catalogs instead of writing")
    args = parser.parse_args()
    template = extract()
    stale = []
    for path in sorted(LOCALES.glob("*/LC_MESSAGES")):
        locale = path.parent.name
        content = render(updated(locale, template))
        target = catalog_path(locale)
        if target.exists() and target.read_bytes() == content:
            continue
        stale.append(locale)
        if not args.check:
            target.write_bytes(content)
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + " (run: python -m scripts.catalogs)")
        return 1
    missing = [
        f"{locale}: {message.id!r}"
        for locale in ("zh_CN", "en")
        for message in load(locale)
        if message.id and not (message.string if isinstance(message.string, str) else all(message.string))
    ]
    if missing:
        print(f"{len(missing)} messages still need a translation:")
        print("\n".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
