"""The words of a reminder email in its reader's language.

A supplier contact reads fixed text through the gettext catalogues of their language and
dates as Babel writes them there (long dates: "10 april 2027"); contract managers read
English with ISO dates, as everywhere else in the tracker. Dates are the contract's local
dates; clause texts (titles, evidence labels) stay as written in the library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.portal.language import DEFAULT, Translate, choose, long_date, translator
from tracker.reminders.notes import word_note
from tracker.reminders.shortlist import Shortlist
from tracker.rendering import Fields

# Escalation stages as the email names them (msgids of the mail catalogue).
STAGES = {
    2: "Formal notice of non-compliance",
    3: "Escalated to senior management",
    4: "Sanctions to be decided",
    5: "Termination to be decided",
}


@dataclass(frozen=True)
class Words:
    """One reader's words: `_` translates, `day` writes a date."""

    language: str
    _: Translate
    long_dates: bool

    def day(self, value: date) -> str:
        return long_date(value, self.language) if self.long_dates else value.isoformat()

    def due(self, due_on: date, today: date) -> str:
        days = (due_on - today).days
        _ = self._
        if days == 0:
            return _("due today")
        if days == 1:
            return _("due in 1 day")
        if days > 1:
            return _("due in %(n)s days", n=days)
        if days == -1:
            return _("1 day overdue")
        return _("%(n)s days overdue", n=-days)

    def stage(self, level: int) -> str:
        return self._(STAGES[level]) if level in STAGES else ""

    def note(self, notes: list[str]) -> str:
        return " ".join(word_note(n, self._, self.day) for n in notes)

    def sections(self, sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [Fields(s, heading=self._(s["heading"]), intro=self._(s["intro"])) for s in sections]

    def subject(self, label: str, reference: str, items: list[dict[str, Any]]) -> str:
        if len(items) == 1:
            only = items[0]
            return self._(
                "[%(reference)s] %(label)s: %(title)s (%(due)s)",
                reference=reference,
                label=self._(label),
                title=only["title"],
                due=only["due_text"],
            )
        return self._(
            "[%(reference)s] %(label)s: %(n)s obligations",
            reference=reference,
            label=self._(label),
            n=len(items),
        )

    def rest(
        self, short: Shortlist[Any], *, headings: Mapping[str, str], link: str, digest: bool
    ) -> dict[str, Any] | None:
        """What an email says about the items it does not list (None: it lists them all)."""
        if not short.left_out:
            return None
        _ = self._
        return Fields(
            {
                "shown": len(short.items),
                "left_out": short.left_out,
                "by_section": [(_(headings[key]), n) for key, n in short.by_section],
                "by_contract": short.by_contract,
                "other_contracts": short.other_contracts,
                "other_items": short.other_items,
                "link": link,
                "link_text": _("Your dashboard lists them all:")
                if digest
                else _("Your page for this contract lists them all:"),
            }
        )


def words_for(language: str | None, *, supplier: bool) -> Words:
    """A supplier contact's words (their language, long dates), or a manager's."""
    if not supplier:
        return Words(DEFAULT, translator(DEFAULT), long_dates=False)
    code = choose(language)
    return Words(code, translator(code), long_dates=True)
