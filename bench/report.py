"""Time a quarterly portfolio report on the generated 50,000-contract portfolio.

    python -m bench.report [--database-url URL] [--now 2026-05-01T09:00:00Z]
        [--period 2026-Q1] [--scope portfolio] [--runs 3] [--formats html,pdf,csv,xlsx]
        [--suppliers 10000] [--contracts 50000] [--clauses-per-contract 10] [--seed 42]
        [--rebuild] [--json PATH]

A child process prepares the database once: a copy of bench/out/materialise.db when that
was made at the same --now and scale (SQLite), otherwise generate and plan; then it adds
evidence, reviews and findings, set-based, so the report has something to count. Later
runs reuse it (`--rebuild` starts again). This process then times `compute_figures` and
each format's rendering, and records its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.databases import (
    OUT,
    beside,
    clone_database,
    database_exists,
    fresh_database,
    named,
    parse_now,
    sqlite_url,
)
from bench.materialise import _generate, _revision, _server, peak_mb
from bench.probe import dialect_sql, explain, summary
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine
from tracker.migrate import upgrade
from tracker.models import Evidence, Finding, Obligation, table_of
from tracker.obligations.listing import plan
from tracker.reports.figures import ReportFigures
from tracker.reports.periods import parse_period
from tracker.reports.produce import FORMATS, compute_figures, render
from tracker.reports.scope import parse_scope

TARGET_FIGURES_SECONDS = 5.0
TARGET_HTML_SECONDS = 10.0
TARGET_PEAK_MB = 500.0
DEFAULT_NOW = "2026-05-01T09:00:00+00:00"
PG_DATABASE = "bench_report"
BUYER_TIMEZONE = "Europe/Berlin"


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def target_url(url: str) -> str:
    return url if _is_sqlite(url) else beside(url, PG_DATABASE)


def _sidecar(url: str) -> Path:
    if _is_sqlite(url):
        return Path(str(make_url(url).database)).with_suffix(".json")
    return OUT / f"{named(PG_DATABASE)}.json"


def _scale(args: argparse.Namespace) -> dict[str, int]:
    return {
        "suppliers": args.suppliers,
        "contracts": args.contracts,
        "clauses_per_contract": args.clauses_per_contract,
        "seed": args.seed,
    }


def _context(engine: Engine, url: str, now: datetime) -> Context:
    return Context(
        settings=Settings(database_url=url, timezone=BUYER_TIMEZONE),
        engine=engine,
        now=now,
        actor="bench",
    )


# Preparation (child process) ------------------------------------------------------------


def _materialised(args: argparse.Namespace) -> Path | None:
    """bench/out/materialise.db, if it holds the same portfolio planned at the same --now."""
    db, info = OUT / f"{named('materialise')}.db", OUT / f"{named('materialise')}.json"
    if not (db.exists() and info.exists()):
        return None
    made = json.loads(info.read_text(encoding="utf-8"))
    scale = made.get("scale", {})
    same = (
        made.get("now") == args.now.isoformat()
        and scale.get("suppliers") == args.suppliers
        and scale.get("contracts") == args.contracts
        and scale.get("clauses_per_contract") == args.clauses_per_contract
        and made.get("obligations_in_table", 0) > 0
    )
    return db if same else None


def _shift(engine: Engine, column: str, days: int) -> str:
    """`column` moved by whole days, in the engine's SQL."""
    if engine.dialect.name == "sqlite":
        return f"date({column}, '{days:+d} days')"
    return f"({column} + {days})"


def _instant(engine: Engine, day: str, hours: int) -> str:
    """Midnight UTC of the date `day` plus `hours`, as the stored (naive UTC) timestamp."""
    if engine.dialect.name == "sqlite":
        return f"(datetime({day}, '{hours:+d} hours') || '.000000')"
    return f"(({day})::timestamp + interval '{hours} hours')"


def decorate(engine: Engine, today: date) -> dict[str, int]:
    """Give the planned portfolio a history, by obligation id (deterministic):
    of the duties already past due, 60 % met on time, 10 % met late, 10 % rejected (a
    third of those with a resubmission deadline 30 days on), 5 % under review, 2 % waived;
    the rest stay overdue, at escalation levels 0-5. Every met, rejected or submitted duty
    gets its evidence (a seventh restricted, a quarter with a validity date); every tenth
    contract a finding, three in four still open, with a corrective action."""
    past = f"due_on < '{today.isoformat()}'"
    statements = [
        f"UPDATE obligation SET status = 'accepted', met_on = {_shift(engine, 'due_on', -2)} "
        f"WHERE status = 'overdue' AND {past} AND id % 10 < 6",
        f"UPDATE obligation SET status = 'accepted', met_on = {_shift(engine, 'due_on', 9)} "
        f"WHERE status = 'overdue' AND {past} AND id % 10 = 6",
        f"UPDATE obligation SET status = 'rejected' WHERE status = 'overdue' AND {past} "
        "AND id % 10 = 7",
        f"UPDATE obligation SET rescheduled_from = due_on, due_on = {_shift(engine, 'due_on', 30)}"
        " WHERE status = 'rejected' AND id % 3 = 0",
        f"UPDATE obligation SET status = 'submitted' WHERE status = 'overdue' AND {past} "
        "AND id % 20 = 8",
        "UPDATE obligation SET status = 'waived', decision_reason = 'bench' "
        f"WHERE status = 'overdue' AND {past} AND id % 50 = 9",
        "UPDATE obligation SET escalation_level = id % 6 WHERE status = 'overdue'",
    ]
    submitted_on = (
        "CASE WHEN met_on IS NOT NULL THEN met_on "
        f"ELSE {_shift(engine, 'COALESCE(rescheduled_from, due_on)', -1)} END"
    )
    evidence = f"""
        INSERT INTO evidence (obligation_id, contract_id, evidence_type, filename, fields,
            valid_until, confidentiality, submitted_by, submitted_at, submitted_on, status,
            reviewed_by, reviewed_at)
        SELECT id, contract_id, template_id, 'evidence-' || id || '.pdf', '{{}}',
            CASE WHEN id % 4 = 0 THEN {_shift(engine, "due_on", 365)} END,
            CASE id % 7 WHEN 0 THEN 'restricted' WHEN 1 THEN 'internal' ELSE 'public' END,
            'supplier@example.com', {_instant(engine, submitted_on, 10)}, {submitted_on},
            status,
            CASE WHEN status = 'submitted' THEN NULL ELSE 'buyer@example.com' END,
            CASE WHEN status = 'submitted' THEN NULL
                 ELSE {_instant(engine, submitted_on, 34)} END
        FROM obligation WHERE status IN ('accepted', 'rejected', 'submitted')
        ORDER BY id
    """
    findings = f"""
        INSERT INTO finding (contract_id, severity, text, status, raised_by, raised_at,
            cap_obligation_id, closed_at)
        SELECT c.id,
            CASE c.id % 3 WHEN 0 THEN 'priority' WHEN 1 THEN 'major' ELSE 'minor' END,
            'Bench finding on contract ' || c.reference,
            CASE WHEN c.id % 40 = 0 THEN 'closed' ELSE 'open' END,
            'auditor@example.com', {_instant(engine, f"'{today.isoformat()}'", -24 * 60)},
            (SELECT min(o.id) FROM obligation o
              WHERE o.contract_id = c.id AND o.status = 'overdue'),
            CASE WHEN c.id % 40 = 0 THEN {_instant(engine, f"'{today.isoformat()}'", -24)} END
        FROM contract c WHERE c.id % 10 = 0
        ORDER BY c.id
    """
    with engine.begin() as conn:
        for statement in [*statements, evidence, findings]:
            conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        # As autovacuum would soon after a bulk change (the generator does the same).
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    status = table_of(Obligation).c.status
    with engine.connect() as conn:
        statuses = {
            str(k): int(v) for k, v in conn.execute(select(status, func.count()).group_by(status))
        }
        counts = {
            name: int(conn.execute(select(func.count()).select_from(table_of(m))).scalar_one())
            for name, m in (("evidence", Evidence), ("findings", Finding))
        }
    return {**{f"obligations_{k}": int(v) for k, v in sorted(statuses.items())}, **counts}


def prepare(args: argparse.Namespace, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    source = _materialised(args) if _is_sqlite(url) else None
    if source is not None:
        clone_database(f"sqlite:///{source}", url)
        origin = f"copy of {source.name}"
    else:
        url = fresh_database(url, name=PG_DATABASE)
        _generate(args, url, args.now)
        engine = make_engine(url)
        plan(_context(engine, url, args.now))
        engine.dispose()
        origin = "generated and planned"
    upgrade(url)  # a copy made by an older revision gets this one's schema and indexes
    engine = make_engine(url)
    history = decorate(engine, args.now.date())
    engine.dispose()
    info = {
        "scale": _scale(args),
        "now": args.now.isoformat(),
        "origin": origin,
        "prepare_seconds": round(time.perf_counter() - started, 1),
        "history": history,
    }
    _sidecar(url).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _prepared(args: argparse.Namespace, url: str) -> dict[str, Any] | None:
    sidecar = _sidecar(url)
    if args.rebuild or not (sidecar.exists() and database_exists(url)):
        return None
    info: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
    same = info.get("scale") == _scale(args) and info.get("now") == args.now.isoformat()
    return info if same else None


# Measurement ---------------------------------------------------------------------------


@contextmanager
def statement_times(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """(seconds, SQL, parameters) of every statement sent to the driver."""
    found: list[tuple[float, str, Any]] = []
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.append((time.perf_counter() - started.pop(), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _timed(runs: int, work: Any) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def _stats(seconds: list[float]) -> dict[str, float]:
    return {
        "first": round(seconds[0], 3),
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
    }


def _shape(f: ReportFigures) -> dict[str, Any]:
    return {
        "obligations_in_period": f.outcomes.total,
        "outcomes": f.outcomes.as_dict(),
        "on_time_rate": None if f.on_time_rate is None else round(f.on_time_rate, 4),
        "suppliers": len(f.by_supplier),
        "contracts": len(f.by_contract),
        "categories": len(f.by_category),
        "overdue_listed": len(f.overdue),
        "open_findings": f.open_findings,
        "certificates_expiring": f.certificates_expiring,
        "evidence": vars(f.evidence),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = target_url(args.database_url)
    revision = _revision()
    info = _prepared(args, url)
    reused = info is not None
    if info is None:
        child = [sys.executable, "-m", "bench.report", *args.argv, "--prepare-only"]
        subprocess.run(child, check=True, cwd=Path(__file__).resolve().parent.parent)
        info = json.loads(_sidecar(url).read_text(encoding="utf-8"))
    load_before = os.getloadavg()[0]
    engine = make_engine(url)
    ctx = _context(engine, url, args.now)
    scope, period = parse_scope(args.scope), parse_period(args.period)
    baseline = peak_mb()
    try:
        with statement_times(engine) as statements:
            figure_s, figures = _timed(
                args.runs, lambda: compute_figures(ctx, scope, period, as_of=args.now)
            )
        per_run = len(statements) // args.runs
        slowest = sorted(statements[-per_run:], key=lambda s: -s[0])[:4]
        plans = [
            {
                "seconds": round(seconds, 3),
                "sql": dialect_sql(sql),
                "plan": summary(explain(engine, sql, params), sqlite=_is_sqlite(url)),
            }
            for seconds, sql, params in slowest
        ]
        after_figures = peak_mb()
        html_s, html = _timed(args.runs, lambda: render(figures, "html"))
        after_html = peak_mb()
        outputs: dict[str, Any] = {"html": {**_stats(html_s), "bytes": len(html)}}
        engine_name = "sqlite" if _is_sqlite(url) else "postgresql"
        (OUT / f"{named('report-' + engine_name)}.html").write_bytes(html)
        for fmt in args.formats:
            if fmt == "html":
                continue
            seconds, data = _timed(1, lambda fmt=fmt: render(figures, fmt))
            outputs[fmt] = {**_stats(seconds), "bytes": len(data)}
            (OUT / f"{named('report-' + engine_name)}.{fmt}").write_bytes(data)
        server = _server(engine)
    finally:
        engine.dispose()
    figures_stats, html_stats = _stats(figure_s), outputs["html"]
    peak = peak_mb()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": server,
        "revision": revision,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "prepared": {**info, "reused": reused},
        "scope": str(scope),
        "period": period.label,
        "as_of": args.now.isoformat(),
        "figures_seconds": figures_stats,
        "statements_per_report": per_run,
        "slowest_statements": plans,
        "formats": outputs,
        "shape": _shape(figures),
        "memory_mb": {
            "before": round(baseline, 1),
            "after_figures": round(after_figures, 1),
            "after_html": round(after_html, 1),
            "peak": round(peak, 1),
        },
        "meets_target": figures_stats["median"] <= TARGET_FIGURES_SECONDS
        and html_stats["median"] <= TARGET_HTML_SECONDS
        and peak <= TARGET_PEAK_MB,
    }


def table(result: dict[str, Any]) -> str:
    s, prep = result["prepared"]["scale"], result["prepared"]
    shape, mem, fig = result["shape"], result["memory_mb"], result["figures_seconds"]
    formats = ", ".join(
        f"{fmt} {v['median'] if fmt == 'html' else v['first']} s ({v['bytes']:,} B)"
        for fmt, v in result["formats"].items()
    )
    rows = [
        ("engine", result["engine"]),
        ("revision", result["revision"]),
        (
            "scale",
            f"{s['suppliers']:,} suppliers, {s['contracts']:,} contracts x "
            f"{s['clauses_per_contract']} clauses ({prep['origin']}"
            f"{', reused' if prep['reused'] else ''})",
        ),
        (
            "report",
            f"{result['scope']} {result['period']} as of {result['as_of']}: "
            f"{shape['obligations_in_period']:,} obligations, {shape['contracts']:,} contracts, "
            f"{shape['suppliers']:,} suppliers, rate {shape['on_time_rate']}",
        ),
        (
            "figures",
            f"median {fig['median']} s, first {fig['first']} s, max {fig['max']} s "
            f"(target <= {TARGET_FIGURES_SECONDS:.0f} s; {result['statements_per_report']} "
            "statements)",
        ),
        (
            "html",
            f"median {result['formats']['html']['median']} s "
            f"(target <= {TARGET_HTML_SECONDS:.0f} s)",
        ),
        ("formats", formats),
        (
            "memory",
            f"before {mem['before']} MB, after figures {mem['after_figures']} MB, after "
            f"html {mem['after_html']} MB, peak {mem['peak']} MB (target <= "
            f"{TARGET_PEAK_MB:.0f} MB)",
        ),
        ("load (1 min)", "{} before, {} after".format(*result["load_average_1min"])),
        ("target met", "yes" if result["meets_target"] else "NO"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    for found in result["slowest_statements"]:
        lines.append(f"slowest {found['seconds']} s: {found['plan']}")
    return "\n".join(lines)


def _formats(text: str) -> list[str]:
    chosen = [f.strip() for f in text.split(",") if f.strip()]
    unknown = set(chosen) - set(FORMATS)
    if unknown:
        raise argparse.ArgumentTypeError(f"--formats: unknown {sorted(unknown)}")
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n")[0])
    p.add_argument("--suppliers", type=int, default=10_000)
    p.add_argument("--contracts", type=int, default=50_000)
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/report.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=parse_now(DEFAULT_NOW))
    p.add_argument("--period", default="2026-Q1")
    p.add_argument("--scope", default="portfolio")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--formats", type=_formats, default=list(FORMATS))
    p.add_argument("--rebuild", action="store_true", help="prepare the database again")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.argv = [a for a in argv if a != "--rebuild"]
    if args.smoke:
        apply_smoke(args, suppliers=20, contracts=100, clauses_per_contract=4, runs=1)
        args.rebuild = True
    args.database_url = args.database_url or sqlite_url("report.db")
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    if args.prepare_only:
        prepare(args, target_url(args.database_url))
        return
    result = run(args)
    print(table(result))
    engine = "sqlite" if _is_sqlite(args.database_url) else "postgresql"
    path = args.json or OUT / f"{named('report-' + engine)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    if args.smoke:
        _check(result)


def _check(result: dict[str, Any]) -> None:
    shape = result["shape"]
    check(shape["obligations_in_period"] > 0, "the report counts obligations in the period")
    check(shape["contracts"] > 0 and shape["suppliers"] > 0, "it names contracts and suppliers")
    sizes = {fmt: found.get("bytes", 0) for fmt, found in result["formats"].items()}
    check(all(size > 0 for size in sizes.values()), f"every format has bytes ({sizes})")


if __name__ == "__main__":
    main()
