"""Supplier-facing words through gettext catalogues (`tracker/locale/<lang>/LC_MESSAGES/`:
`portal.po` for the portal's pages, `mail.po` for the emails suppliers get), read with Babel
when first needed: no compile step, so `pip install -e .` and a checkout work as they are.
English is the source language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "portal"
DOMAINS = (DOMAIN, "mail")
DEFAULT = "en"
LANGUAGES = {"en": "English", "sv": "Svenska"}

Translate = Callable[..., str]


def catalogue_path(language: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


@lru_cache(maxsize=8)
def messages(language: str) -> dict[str, str]:
    """msgid -> translation of a language's catalogues (empty translations left out)."""
    from babel.messages.pofile import read_po

    table: dict[str, str] = {}
    for domain in DOMAINS:
        path = catalogue_path(language, domain)
        if not path.is_file():
            continue
        with path.open("rb") as file:
            catalogue = read_po(file, locale=language, domain=domain)
        table.update({str(m.id): str(m.string) for m in catalogue if m.id and m.string})
    return table


def choose(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT


@lru_cache(maxsize=16)
def translator(language: str | None) -> Translate:
    """`_("Due on %(date)s", date=...)`: the text in the contact's language (English
    when there is no translation), with named values filled in after translating."""
    table = messages(choose(language))

    def gettext(text: str, **values: object) -> str:
        found = table.get(text, text)
        return found % values if values else found

    return gettext


@lru_cache(maxsize=4096)  # a sweep writes the same few dates thousands of times
def long_date(value: date, language: str | None) -> str:
    """A date as the reader's language writes it in full ("April 10, 2027", "10 april 2027")."""
    from babel.dates import format_date

    return str(format_date(value, format="long", locale=choose(language)))


def long_moment(at: datetime, timezone: str, language: str | None) -> str:
    """A point in time as the contract's clock showed it, in the reader's words, with the
    zone named so nobody has to guess."""
    from babel.dates import format_time

    local = at.astimezone(ZoneInfo(timezone))
    clock = format_time(local, format="short", locale=choose(language))
    return f"{long_date(local.date(), language)} {clock} ({timezone})"
