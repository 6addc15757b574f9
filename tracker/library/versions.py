"""What changed between two versions of a clause, in words a buyer can check."""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from tracker.library.schema import ClauseFile


def semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _by_id(items: list[Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def summarise(old: ClauseFile, new: ClauseFile) -> list[str]:
    """One line per change: texts, parameters, obligations, evidence, references."""
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    lines = []
    for field in ("title", "category", "status", "summary", "clause_text"):
        if a[field] != b[field]:
            lines.append(f"{field.replace('_', ' ')} changed")
    for name in sorted(a["parameters"].keys() | b["parameters"].keys()):
        before, after = a["parameters"].get(name), b["parameters"].get(name)
        if before is None:
            lines.append(f"parameter {name} added (default {after['default']})")
        elif after is None:
            lines.append(f"parameter {name} removed")
        elif before != after:
            detail = ", ".join(
                f"{k} {before.get(k)!r} -> {after.get(k)!r}" for k in _changed_fields(before, after)
            )
            lines.append(f"parameter {name}: {detail}")
    for section, noun in (
        ("obligations", "obligation"),
        ("evidence_types", "evidence type"),
        ("references", "reference"),
    ):
        before_items, after_items = _by_id(a[section]), _by_id(b[section])
        for ident in sorted(before_items.keys() | after_items.keys()):
            before, after = before_items.get(ident), after_items.get(ident)
            if before is None:
                lines.append(f"{noun} {ident} added")
            elif after is None:
                lines.append(f"{noun} {ident} removed")
            elif before != after:
                lines.append(f"{noun} {ident}: {', '.join(_changed_fields(before, after))} changed")
    return lines


def unified(old: ClauseFile, new: ClauseFile) -> str:
    def dump(clause: ClauseFile) -> list[str]:
        body = clause.model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=88).splitlines()

    return "\n".join(
        difflib.unified_diff(
            dump(old), dump(new), f"{old.id} {old.version}", f"{new.id} {new.version}", lineterm=""
        )
    )
