"""Supplier-facing words through gettext catalogues (`tracker/locale/<lang>/LC_MESSAGES/
portal.po`), read with Babel when first needed: no compile step, so `pip install -e .`
and a checkout work as they are. English is the source language."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "portal"
DEFAULT = "en"
LANGUAGES = {"en": "English", "sv": "Svenska"}

Translate = Callable[..., str]


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def messages(language: str) -> dict[str, str]:
    """msgid -> translation of one catalogue (empty translations left out)."""
    from babel.messages.pofile import read_po

    path = catalogue_path(language)
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        catalogue = read_po(file, locale=language, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalogue if m.id and m.string}


def choose(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT


def translator(language: str | None) -> Translate:
    """`_("Due on %(date)s", date=...)`: the text in the contact's language (English
    when there is no translation), with named values filled in after translating."""
    table = messages(choose(language))

    def gettext(text: str, **values: object) -> str:
        found = table.get(text, text)
        return found % values if values else found

    return gettext
