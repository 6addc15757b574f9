"""The one Jinja2 environment for every template: autoescape for HTML, StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.paths import templates_dir


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(str(value).split()).replace("|", "\\|")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mdcell"] = markdown_cell
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
