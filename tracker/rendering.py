"""The one Jinja2 environment for every template: autoescape for HTML, StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from types import BuiltinFunctionType, FunctionType
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.runtime import Context

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


class _Context(Context):
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # A plain function (`_`, the translator every email calls some thirty times) or a
        # builtin method (`.ljust`) is called at once: Jinja first probes it and its
        # `__call__` for pass_context and friends, which costs more than the call itself.
        # Anything else as Jinja does it.
        kind = type(__obj)
        if kind is BuiltinFunctionType or (
            kind is FunctionType and "jinja_pass_arg" not in __obj.__dict__
        ):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__obj, *args, **kwargs)


class _Environment(Environment):
    context_class = _Context

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[str, Template] = {}

    def _load_template(self, name: str, globals: Any) -> Template:
        # Without auto_reload a template, once loaded, is kept: found by its name in a
        # plain dict, instead of Jinja's locked LRU cache keyed by a new weak reference
        # on every render, extends and include.
        if not globals and not self.auto_reload:
            found = self._loaded.get(name)
            if found is not None:
                return found
        template = super()._load_template(name, globals)
        if not globals and not self.auto_reload:
            self._loaded[name] = template
        return template

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
