"""Produce one report on demand and keep its record: the use case behind `tracker report`
and the web's Reports page."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.clock import utc_now
from tracker.context import Context
from tracker.db import write_session
from tracker.reports.periods import parse_period
from tracker.reports.produce import check_format, compute_figures, filename, render
from tracker.reports.runs import record_run, sha256
from tracker.reports.scope import parse_scope


@dataclass(frozen=True)
class ProducedReport:
    run_id: int
    scope: str
    period: str
    format: str
    filename: str
    data: bytes
    sha256: str
    obligations: int
    on_time_rate: float | None


def produce_report(ctx: Context, *, scope: str, period: str, fmt: str) -> ProducedReport:
    """The report on `scope` for `period` as of `ctx.now`, rendered as `fmt` and recorded
    as a report run (its bytes and hash kept, so it can be shown again exactly)."""
    parsed_scope = parse_scope(scope)
    parsed_period = parse_period(period)
    fmt = check_format(fmt)
    figures = compute_figures(ctx, parsed_scope, parsed_period, as_of=ctx.now)
    data = render(figures, fmt)
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
        run_id = run.id
    assert run_id is not None
    return ProducedReport(
        run_id=run_id,
        scope=str(parsed_scope),
        period=parsed_period.label,
        format=fmt,
        filename=filename(parsed_scope, parsed_period, fmt),
        data=data,
        sha256=sha256(data),
        obligations=figures.outcomes.total,
        on_time_rate=figures.on_time_rate,
    )
