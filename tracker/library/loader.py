"""Load clause files, with every problem reported as `file:line: field: what is wrong`.

YAML is composed into nodes first so each value keeps its line; pydantic's error paths are
then mapped back to those lines. A file with any problem contributes nothing to the library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tracker.errors import BadInput
from tracker.library.checks import Issue, check_clause
from tracker.library.schema import SEMVER, SLUG, ClauseFile

YamlPath = tuple[str | int, ...]

# A clause file is a few kilobytes. The limits keep a hostile or broken file from hanging the
# tracker (a "billion laughs" of aliases expands to gigabytes) or crashing it (nesting
# deeper than Python's recursion limit).
MAX_CLAUSE_BYTES = 1024 * 1024
MAX_YAML_DEPTH = 40


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a clause file may not use."""


class _GuardedLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases and nesting deeper than MAX_YAML_DEPTH."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                problem="aliases (*name) are not allowed in clause files; write the value out",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise _Refused(
                problem=f"is nested more than {MAX_YAML_DEPTH} levels deep",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ClauseFileError(BadInput):
    """One or more clause files are invalid; `problems` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Composer:
    """Turn a composed YAML node tree into plain data plus a path → line map."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[YamlPath, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader(stream="")

    def build(self, node: yaml.Node, path: YamlPath = ()) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = str(key)
                if key in result:
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            format_path((*path, key)),
                            "appears twice in the same mapping",
                        )
                    )
                result[key] = self.build(value_node, (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def line_of(self, path: YamlPath) -> int:
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1


def parse_clause_text(text: str, file: str) -> ClauseFile:
    """Validate one clause file's text; raises ClauseFileError listing every problem."""
    if len(text) > MAX_CLAUSE_BYTES:
        raise ClauseFileError([Problem(file, 1, "", _too_large(len(text)))])
    try:
        node = yaml.compose(text, Loader=_GuardedLoader)
    except _Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ClauseFileError([Problem(file, line, "", str(exc.problem))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"not valid YAML: {exc.problem}"
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise ClauseFileError([Problem(file, line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise ClauseFileError([Problem(file, 1, "", f"not valid YAML: {exc}")]) from None
    if node is None:
        raise ClauseFileError([Problem(file, 1, "", "the file is empty")])
    composer = _Composer(file)
    data = composer.build(node)
    if composer.problems:
        raise ClauseFileError(composer.problems)
    if not isinstance(data, dict):
        raise ClauseFileError([Problem(file, 1, "", "a clause file is a mapping of fields")])
    try:
        clause = ClauseFile.model_validate(data)
    except ValidationError as exc:
        raise ClauseFileError(_problems_from(exc, composer)) from None
    issues = check_clause(clause)
    if issues:
        raise ClauseFileError([_problem_from_issue(i, composer) for i in issues])
    return clause


def _problems_from(exc: ValidationError, composer: _Composer) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for err in exc.errors():
        # Pydantic adds union-member and validator tags ("constrained-str", "list[...]") to
        # the location; field names in clause files never contain "-" or "[".
        path = tuple(
            p
            for p in err["loc"]
            if isinstance(p, int) or not ("-" in p or "[" in p or p in _TYPE_TAGS)
        )
        where = format_path(path)
        if where in seen:  # one problem per field: the first alternative of a union
            continue
        seen.add(where)
        problems.append(Problem(composer.file, composer.line_of(path), where, _humanise(err)))
    return problems


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "date"})


def _humanise(err: Any) -> str:
    kind, given = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern == SLUG:
            return f"{given!r} is not an id of lowercase letters, digits and hyphens"
        if pattern == SEMVER:
            return f"{given!r} is not a version such as 1.0.0"
        return f"{given!r} does not have the expected form ({pattern})"
    if kind in ("enum", "literal_error"):
        return f"{given!r} is not allowed; {err['msg'].removeprefix('Input should be ')}"
    message = str(err["msg"]).removeprefix("Value error, ")
    return (
        f"{given!r}: {message}" if kind.endswith("_type") or kind.endswith("_parsing") else message
    )


def _problem_from_issue(issue: Issue, composer: _Composer) -> Problem:
    return Problem(
        composer.file, composer.line_of(issue.path), format_path(issue.path), issue.message
    )


def _too_large(size: int) -> str:
    return f"is {size:,} bytes; a clause file may be at most {MAX_CLAUSE_BYTES:,} bytes"


def load_clause_file(path: Path) -> ClauseFile:
    try:
        size = path.stat().st_size
        if size > MAX_CLAUSE_BYTES:  # checked before reading: the file may be huge
            raise ClauseFileError([Problem(str(path), 1, "", _too_large(size))])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClauseFileError([Problem(str(path), 1, "", f"cannot be read: {exc}")]) from None
    clause = parse_clause_text(text, str(path))
    if path.stem != clause.id:
        raise ClauseFileError(
            [
                Problem(
                    str(path),
                    composer_line(text, "id"),
                    "id",
                    f"{clause.id!r} does not match the file name {path.name!r}",
                )
            ]
        )
    return clause


def composer_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


@dataclass
class Library:
    """Every clause by id; custom clauses may override shipped ones when they say so."""

    clauses: dict[str, ClauseFile] = field(default_factory=dict)
    origins: dict[str, Path] = field(default_factory=dict)

    def get(self, clause_id: str) -> ClauseFile:
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise BadInput(
                f"no clause {clause_id!r} in the library; `tracker clauses list` shows them",
                field="clause_id",
            ) from None

    def __iter__(self) -> Iterator[ClauseFile]:
        return iter(sorted(self.clauses.values(), key=lambda c: (c.category, c.id)))

    def __len__(self) -> int:
        return len(self.clauses)


def clause_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_library(shipped: Path | None, custom: Iterable[Path] = ()) -> Library:
    """Load the shipped directory then each custom one; raise listing every problem."""
    library = Library()
    problems: list[Problem] = []
    directories = [(shipped, False)] if shipped else []
    directories += [(d, True) for d in custom]
    for directory, is_custom in directories:
        if not directory.is_dir():
            problems.append(Problem(str(directory), 1, "", "is not a directory of clause files"))
            continue
        for path in clause_files(directory):
            try:
                clause = load_clause_file(path)
            except ClauseFileError as exc:
                problems.extend(exc.problems)
                continue
            if clause.id in library.clauses:
                earlier = library.origins[clause.id]
                if not (is_custom and clause.overrides):
                    problems.append(
                        Problem(
                            str(path),
                            composer_line(path.read_text(encoding="utf-8"), "id"),
                            "id",
                            f"{clause.id!r} is already defined in {earlier}"
                            + ("; set `overrides: true` to replace it" if is_custom else ""),
                        )
                    )
                    continue
            library.clauses[clause.id] = clause
            library.origins[clause.id] = path
    if problems:
        raise ClauseFileError(problems)
    return library
