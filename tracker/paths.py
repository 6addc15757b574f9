"""Where the shipped clause library and templates live (installed or in a checkout)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_library" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def shipped_clauses_dir() -> Path:
    return _data_dir("clauses")


def templates_dir() -> Path:
    return _data_dir("templates")
