"""The one Jinja2 environment for every template: autoescape for HTML, StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.paths import templates_dir


def path_segment(value: object) -> str:
    """A value as one address segment: `/` and every other reserved character encoded."""
    return quote(str(value), safe="")


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(str(value).split()).replace("|", "\\|")


class Fields(dict[str, Any]):
    """A dict whose keys templates read as attributes (`item.title`) directly. Jinja
    tries the attribute first, and a plain dict answers that with an exception, for each
    of the thousands of fields a sweep's emails print. In templates a key wins over a
    dict method of the same name (`section.items` is the key)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Environment(Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        # `Fields` answer from their keys at once; anything else as Jinja always does.
        if type(obj) is Fields:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = _Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates ship with the code: a process loads each once. Checking its file's
        # time on every render (and on every include) cost a sweep writing 10,000 emails
        # some 60,000 stat calls.
        auto_reload=False,
    )
    env.filters["mdcell"] = markdown_cell
    env.filters["ref"] = path_segment
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
