"""Produce one report on demand and record its run: the use case behind `tracker report`,
the web's Reports page and `POST /api/v1/reports`. The bytes are kept with the run, so every
door downloads them the same way (`run_file`), byte for byte."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.clock import utc_now
from tracker.context import Context
from tracker.db import write_session
from tracker.reports import produce
from tracker.reports.periods import parse_period
from tracker.reports.runs import record_run, sha256
from tracker.reports.scope import parse_scope


@dataclass(frozen=True)
class ProducedReport:
    run_id: int
    scope: str
    period: str
    period_start: date
    period_end: date
    as_of: datetime
    format: str
    filename: str
    size_bytes: int
    sha256: str
    obligations: int
    on_time_rate: float | None


def produce_report(ctx: Context, *, scope: str, period: str, fmt: str) -> ProducedReport:
    """Compute the figures for `scope` and `period` as of `ctx.now`, render one format and
    record the run with its bytes. Raises BadInput naming the field."""
    parsed_scope = parse_scope(scope)
    parsed_period = parse_period(period)
    fmt = produce.check_format(fmt)
    figures = produce.compute_figures(ctx, parsed_scope, parsed_period, as_of=ctx.now)
    data = produce.render(figures, fmt)
    with write_session(ctx.engine) as session:
        run = record_run(
            session,
            scope=parsed_scope,
            period=parsed_period,
            as_of=ctx.now,
            files={fmt: data},
            recipients=[],
            status="produced",
            actor=ctx.actor,
            # The record says when the report was really produced, whatever it is "as of".
            now=utc_now(),
        )
        assert run.id is not None
        run_id = run.id
    return ProducedReport(
        run_id=run_id,
        scope=str(parsed_scope),
        period=parsed_period.label,
        period_start=parsed_period.start,
        period_end=parsed_period.end,
        as_of=ctx.now,
        format=fmt,
        filename=produce.filename(parsed_scope, parsed_period, fmt),
        size_bytes=len(data),
        sha256=sha256(data),
        obligations=figures.outcomes.total,
        on_time_rate=figures.on_time_rate,
    )
