"""Producing one report when a person asks for it (the web app's report form): figures,
rendering and the run record with its file, in one call. The CLI does the same steps itself
because it writes the file to disk before recording the run."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.clock import utc_now
from tracker.context import Context
from tracker.db import write_session
from tracker.reports.periods import parse_period
from tracker.reports.produce import check_format, compute_figures, filename, render
from tracker.reports.runs import record_run
from tracker.reports.scope import parse_scope


@dataclass(frozen=True)
class ProducedReport:
    run_id: int
    format: str
    filename: str
    size: int


def produce_report(ctx: Context, *, scope: str, period: str, fmt: str) -> ProducedReport:
    """Produce and record a report on `scope` for `period` as of `ctx.now`; its bytes are
    kept with the run (`run_file` gives them back). Raises BadInput naming the field."""
    chosen = check_format(fmt)
    parsed_scope = parse_scope(scope)
    parsed_period = parse_period(period)
    figures = compute_figures(ctx, parsed_scope, parsed_period, as_of=ctx.now)
    data = render(figures, chosen)
    with write_session(ctx.engine) as session:
        run = record_run(
            session,
            scope=parsed_scope,
            period=parsed_period,
            as_of=ctx.now,
            files={chosen: data},
            recipients=[],
            status="produced",
            actor=ctx.actor,
            now=utc_now(),  # when it was really produced, whatever it is "as of"
        )
        assert run.id is not None
        run_id = run.id
    return ProducedReport(
        run_id=run_id,
        format=chosen,
        filename=filename(parsed_scope, parsed_period, chosen),
        size=len(data),
    )
