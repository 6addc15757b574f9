"""Peak memory of `tracker obligations --limit 0` in each format as the portfolio grows:
lists stream, so it must stay flat.

    python -m bench.lists [--contracts 1000,10000] [--formats json,csv,table]
        [--clauses-per-contract 10] [--database-url URL] [--seed 42] [--now ISO] [--json PATH]

For each size: a fresh database, `bench.generate` (suppliers = contracts / 5) and `plan`
at --now, then each format run as its own `python -m tracker` process writing to a file;
its peak RSS comes from `wait4`, its CPU and wall time beside it.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.catchup import DEFAULT_NOW, _sizes
from bench.databases import OUT, fresh_database, named, parse_now, sqlite_url
from bench.materialise import _generate, _revision, _server
from bench.measure import run_tracker
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine
from tracker.obligations.listing import plan

PG_DATABASE = "bench_lists"
FORMATS = ("json", "csv", "table")


def list_once(url: str, fmt: str, out: Path) -> dict[str, Any]:
    """One `tracker obligations --limit 0 --format fmt` process, measured."""
    return {"format": fmt} | run_tracker(url, ["obligations", "--limit", "0", "--format", fmt], out)


def one_size(args: argparse.Namespace, contracts: int) -> dict[str, Any]:
    url = fresh_database(args.database_url, name=PG_DATABASE)
    sized = argparse.Namespace(
        suppliers=max(20, contracts // 5),
        contracts=contracts,
        clauses_per_contract=args.clauses_per_contract,
        seed=args.seed,
    )
    _generate(sized, url, args.now)
    engine = make_engine(url)
    ctx = Context(settings=Settings(database_url=url), engine=engine, now=args.now, actor="bench")
    obligations = plan(ctx).as_dict()["obligations_planned"]
    engine.dispose()
    runs = []
    for fmt in args.formats:
        out = OUT / f"{named('lists')}-{contracts}.{fmt}"
        runs.append(list_once(url, fmt, out))
        if args.smoke and fmt == "json":
            listed = json.loads(out.read_text(encoding="utf-8"))
            check(len(listed) == obligations, f"the JSON lists all {obligations} obligations")
        out.unlink()
    return {"contracts": contracts, "obligations": obligations, "formats": runs}


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['engine']}, revision {result['revision']}",
        "contracts  obligations  format  peak MB   CPU s  wall s       bytes",
    ]
    for size in result["sizes"]:
        for r in size["formats"]:
            lines.append(
                f"{size['contracts']:>9,}  {size['obligations']:>11,}  {r['format']:<6}  "
                f"{r['peak_mb']:>7.0f}  {r['cpu_seconds']:>6.1f}  {r['wall_seconds']:>6.1f}  "
                f"{r['bytes']:>10,}"
            )
    return "\n".join(lines)


def _formats(value: str) -> list[str]:
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"--formats: {value!r}: choose from {', '.join(FORMATS)}")
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__.split("\n")[0])
    p.add_argument("--contracts", type=_sizes, default=[1000, 10000])
    p.add_argument("--formats", type=_formats, default=list(FORMATS))
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/lists.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=parse_now(DEFAULT_NOW))
    p.add_argument("--json", type=Path, default=None)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, contracts=[100], clauses_per_contract=4)
    args.database_url = args.database_url or sqlite_url("lists.db")
    engine_name = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    args.json = args.json or OUT / f"{named('lists')}-{engine_name}.json"
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [one_size(args, n) for n in args.contracts]
    engine = make_engine(args.database_url)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": _server(engine),
        "revision": _revision(),
        "sizes": sizes,
    }
    engine.dispose()
    print(table(result))
    if args.smoke:
        for r in sizes[0]["formats"]:
            check(r["bytes"] > 0, f"{r['format']} wrote the list")
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
