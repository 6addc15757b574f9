"""The one place rows are inserted "unless already there" (INSERT ... ON CONFLICT DO NOTHING).

`insert_ignoring_duplicates` goes through SQLAlchemy and takes any column type; `insert_new`
is the fast path for the hot loops (planning obligations, writing reminders).

SQLAlchemy's executemany processes every bound value in Python; at a million obligations
that is a third of planning. Here the driver gets plain tuples: SQLite `executemany`
(whose row count is exact for ON CONFLICT DO NOTHING) and PostgreSQL
`INSERT ... SELECT FROM unnest(arrays)`, one statement per batch. Values are written in
exactly the formats SQLAlchemy itself uses, so reads and comparisons are unchanged.
Only tables with plain columns (integers, text, dates, UTC instants) take this path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from tracker.models import UTCDateTime

Convert = Callable[[Any], Any]


def _utc_naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing a naive datetime: instants must be timezone-aware")
    return value.astimezone(UTC).replace(tzinfo=None)


def driver_instant(value: datetime, *, dialect: str) -> datetime | str:
    """An aware instant as `UTCDateTime` hands it to the driver: naive UTC, and on SQLite
    the text SQLAlchemy writes (so comparisons with its own rows hold)."""
    naive = _utc_naive(value)
    assert naive is not None
    return naive if dialect == "postgresql" else naive.isoformat(sep=" ", timespec="microseconds")


def _kind(column: sa.Column[Any]) -> Any:
    """The column's type, looking through decorators such as SQLModel's AutoString."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator) and not isinstance(kind, UTCDateTime):
        return kind.impl
    return kind


def _same(value: Any) -> Any:
    return value


def _converted(convert: Convert, values: list[Any]) -> list[Any]:
    """`convert` applied to every value, once per distinct value: a batch's instants and
    dates repeat (`created_at` is one instant, due dates cluster), and formatting an
    instant costs far more than a dictionary lookup. Only for hashable values whose equal
    values convert alike (instants are compared as instants and stored in UTC)."""
    memo: dict[Any, Any] = {}
    out = []
    try:
        for value in values:
            try:
                out.append(memo[value])
            except KeyError:
                out.append(memo.setdefault(value, convert(value)))
    except TypeError:  # an unhashable value (JSON): convert them all
        return [convert(value) for value in values]
    return out


def _sqlite_converter(column: sa.Column[Any]) -> Convert:
    kind = _kind(column)
    if isinstance(kind, UTCDateTime):
        return lambda v: (
            None
            if v is None
            else _utc_naive(v).isoformat(  # type: ignore[union-attr]
                sep=" ", timespec="microseconds"
            )
        )
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(kind, sa.Integer | sa.String | sa.LargeBinary):
        return _same
    if isinstance(kind, sa.JSON):
        return lambda v: None if v is None else json.dumps(v)
    raise TypeError(f"{column.name}: {kind!r} is not supported by the fast insert")


_PG_ARRAY = (
    (UTCDateTime, "timestamp"),
    (sa.Date, "date"),
    (sa.Boolean, "bool"),
    (sa.BigInteger, "int8"),
    (sa.Integer, "int4"),
    (sa.String, "text"),
)


def _pg_array_type(column: sa.Column[Any]) -> str:
    for kind, name in _PG_ARRAY:
        if isinstance(_kind(column), kind):
            return name
    raise TypeError(f"{column.name}: {column.type!r} is not supported by the fast insert")


def _pg_array(column: sa.Column[Any], values: list[Any]) -> tuple[list[Any], str, str]:
    """(values as the driver gets them, the array's type, the cast back to the column:
    JSON travels as text, serialised as SQLAlchemy does)."""
    kind = _kind(column)
    if isinstance(kind, sa.JSON):
        return [None if v is None else json.dumps(v) for v in values], "text", "::json"
    if isinstance(kind, sa.LargeBinary):
        return values, "bytea", ""  # sent in binary (see `_placeholder`)
    if isinstance(kind, UTCDateTime):
        values = [_utc_naive(v) for v in values]
    return values, _pg_array_type(column), ""


def _placeholder(array: str) -> str:
    """Binary arrays go in binary (`%b`): as text, every byte would travel as two hex
    digits for the server to parse back, which cost more server CPU than the insert."""
    return f"%b::{array}[]" if array == "bytea" else f"%s::{array}[]"


def insert_new_returning(
    session: Session,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    conflict: list[str] | None,
    returning: list[str],
) -> list[tuple[Any, ...]]:
    """PostgreSQL: INSERT the rows unless they collide on `conflict` (None: on any unique
    key, so a race on a second unique column is skipped too, not an error), as one
    `INSERT ... SELECT FROM unnest(arrays) ... RETURNING` (a multi-row VALUES of large rows
    is a new, long statement on every call, which the driver parses again each time).
    Besides the fast insert's plain columns it takes JSON (serialised as SQLAlchemy does)
    and binary columns. Returns the `returning` columns of the rows that were new."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        raise ValueError("insert_new_returning is for PostgreSQL only")
    names = list(rows[0])
    arrays: list[list[Any]] = []
    casts: list[str] = []
    picks: list[str] = []
    for name in names:
        values, array, back = _pg_array(table.c[name], [row[name] for row in rows])
        arrays.append(values)
        casts.append(_placeholder(array))
        picks.append(f'u."{name}"{back}')
    quoted, back = (", ".join(f'"{n}"' for n in ns) for ns in (names, returning))
    target = "(" + ", ".join(f'"{n}"' for n in conflict) + ") " if conflict else ""
    sql = (  # only our own identifiers are interpolated
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {", ".join(picks)} '  # noqa: S608
        f"FROM unnest({', '.join(casts)}) AS u({quoted}) "
        f"ON CONFLICT {target}DO NOTHING RETURNING {back}"
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(sql, arrays)
        return [tuple(row) for row in cursor.fetchall()]


def insert_ignoring_duplicates(
    session: Session, table: Any, rows: list[dict[str, Any]], *, conflict: list[str]
) -> int:
    """Set-based INSERT ... ON CONFLICT DO NOTHING on the unique key `conflict`.

    Returns how many rows were new, counted with RETURNING (driver row counts are not
    reliable for batched inserts). Re-running with the same rows inserts nothing.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=conflict)
    else:
        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=conflict)
    key = next(iter(table.primary_key.columns))
    result = session.execute(stmt.returning(key), rows)
    return len(result.all())


def insert_new(
    session: Session, table: sa.Table, rows: list[dict[str, Any]], *, conflict: list[str]
) -> int:
    """INSERT the rows, skipping any that collide on the unique key `conflict`; returns
    how many were new. All rows must have the same keys."""
    if not rows:
        return 0
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    target = ", ".join(f'"{n}"' for n in conflict)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if session.get_bind().dialect.name == "postgresql":
        return _copy_new(raw, table, columns, rows, quoted=quoted, target=target)
    # Column by column, then zipped in C: a per-row generator of converter calls was a
    # third of this function at a million rows.
    converted = []
    for column in columns:
        values = [row[column.name] for row in rows]
        convert = _sqlite_converter(column)
        converted.append(values if convert is _same else _converted(convert, values))
    tuples = list(zip(*converted, strict=True))
    marks = ", ".join("?" for _ in names)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks}) '  # noqa: S608
        f"ON CONFLICT ({target}) DO NOTHING"
    )
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, tuples)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _copy_new(
    raw: Any,
    table: sa.Table,
    columns: list[sa.Column[Any]],
    rows: list[dict[str, Any]],
    *,
    quoted: str,
    target: str,
) -> int:
    """PostgreSQL: COPY the rows in binary into a temporary table, then
    `INSERT ... SELECT ... ON CONFLICT DO NOTHING` from it. COPY cannot skip duplicates
    itself, and the unique key must decide (two planners at once). Sending a million
    values as `unnest` arrays spent more client CPU quoting array text than the server
    spent inserting; the binary COPY rows are encoded by the driver's C code. The
    temporary table lives until the end of the transaction."""
    kinds = [_pg_array_type(c) for c in columns]
    staging = f"_new_{table.name}"  # only our own identifiers are interpolated
    definition = ", ".join(f'"{c.name}" {k}' for c, k in zip(columns, kinds, strict=True))
    values = []
    for column in columns:
        found = [row[column.name] for row in rows]
        values.append(
            _converted(_utc_naive, found) if isinstance(column.type, UTCDateTime) else found
        )
    with raw.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS pg_temp."{staging}"')
        cursor.execute(f'CREATE TEMPORARY TABLE "{staging}" ({definition}) ON COMMIT DROP')
        with cursor.copy(f'COPY "{staging}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types(kinds)
            for row in zip(*values, strict=True):
                copy.write_row(row)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{staging}" '  # noqa: S608
            f"ON CONFLICT ({target}) DO NOTHING"
        )
        return int(cursor.rowcount)


def update_by_id(
    session: Session, table: sa.Table, column: str, values: list[tuple[int, Any]]
) -> None:
    """Set one column of many rows by primary key, in one driver call."""
    if not values:
        return
    col = table.c[column]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if session.get_bind().dialect.name == "postgresql":
        sql = (  # only our own identifiers are interpolated
            f'UPDATE "{table.name}" AS t SET "{column}" = u.v FROM unnest(%s::int8[], '  # noqa: S608
            f"%s::{_pg_array_type(col)}[]) AS u(id, v) WHERE t.id = u.id"
        )
        with raw.cursor() as cursor:
            cursor.execute(sql, ([i for i, _ in values], [v for _, v in values]))
        return
    convert = _sqlite_converter(col)
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f'UPDATE "{table.name}" SET "{column}" = ? WHERE id = ?',  # noqa: S608
            [(convert(v), i) for i, v in values],
        )
    finally:
        cursor.close()


def update_rows(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Set columns of many rows by primary key in one driver call: each row is `id` plus
    the same column names (plain, JSON or binary columns). On PostgreSQL one
    `UPDATE ... FROM unnest(arrays)` rather than one UPDATE per row; on SQLite
    `executemany` of plain tuples, without SQLAlchemy processing every value."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    columns = [table.c[name] for name in names]
    ids = [row["id"] for row in rows]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if session.get_bind().dialect.name == "postgresql":
        arrays: list[list[Any]] = [ids]
        kinds: list[str] = []
        sets_to: list[str] = []
        for column in columns:
            values, array, back = _pg_array(column, [row[column.name] for row in rows])
            arrays.append(values)
            kinds.append(_placeholder(array))
            sets_to.append(f'"{column.name}" = u."{column.name}"{back}')
        casts, sets = ", ".join(kinds), ", ".join(sets_to)
        aliases = ", ".join(f'"{n}"' for n in ["id", *names])
        sql = (  # only our own identifiers are interpolated
            f'UPDATE "{table.name}" AS t SET {sets} '  # noqa: S608
            f"FROM unnest(%s::int8[], {casts}) AS u({aliases}) WHERE t.id = u.id"
        )
        with raw.cursor() as cursor:
            cursor.execute(sql, arrays)
        return
    converters = [_sqlite_converter(c) for c in columns]
    sets = ", ".join(f'"{n}" = ?' for n in names)
    tuples = [
        (*(convert(row[name]) for convert, name in zip(converters, names, strict=True)), i)
        for row, i in zip(rows, ids, strict=True)
    ]
    cursor = raw.cursor()
    try:
        cursor.executemany(f'UPDATE "{table.name}" SET {sets} WHERE id = ?', tuples)  # noqa: S608
    finally:
        cursor.close()
