"""Fill a database with a synthetic portfolio, set-based, without planning anything.

    python -m bench.generate --suppliers 10000 --contracts 50000 [--clauses-per-contract 10]
        [--database-url URL] [--seed 42] [--now 2026-05-01T09:00:00+00:00]

Every contract clause is attached as `attach_clause` would attach it, except that nothing
is planned: `next_plan_on` is the contract's start date, so `tracker plan` has it all to do.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import SQLModel

from bench.databases import fresh_database, parse_now, sqlite_url
from bench.library import loadable_clauses, store_library
from bench.portfolio import LibraryClause, contract_row, pick_clauses, supplier_rows
from bench.smoke import add_smoke, apply_smoke, check
from tracker.db import make_engine, read_session, write_session
from tracker.migrate import upgrade
from tracker.models import Contract, ContractClause, Supplier, SupplierContact, table_of

BATCH = 5000


@dataclass(frozen=True)
class Generated:
    suppliers: int
    contacts: int
    contracts: int
    attached: Counter[str]
    library_clauses: int
    seconds: float


def _insert(engine: Engine, model: type[SQLModel], rows: Iterable[dict[str, Any]]) -> int:
    """Core INSERT executemany, one transaction per batch of BATCH rows."""
    total, iterator = 0, iter(rows)
    while batch := list(islice(iterator, BATCH)):
        with write_session(engine) as session:
            session.execute(insert(table_of(model)), batch)
        total += len(batch)
    return total


def _next_id(engine: Engine, model: type[SQLModel]) -> int:
    with read_session(engine) as session:
        highest = session.execute(select(func.max(table_of(model).c.id))).scalar_one()
    return int(highest or 0) + 1


def _finish_postgres(engine: Engine, models: Iterable[type[SQLModel]]) -> None:
    """Explicit ids leave PostgreSQL's serial sequences behind: move them past the rows.
    Then ANALYZE, as autovacuum would soon after a bulk load, so plans see real sizes."""
    if engine.dialect.name != "postgresql":
        return
    with write_session(engine) as session:
        for model in models:
            name = table_of(model).name
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
            )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _contract_clauses(
    drafts: Iterator[dict[str, Any]], picks: dict[int, list[LibraryClause]], now: datetime
) -> Iterator[dict[str, Any]]:
    for contract in drafts:
        for lib in picks.pop(contract["id"]):
            yield {
                "contract_id": contract["id"],
                "clause_id": lib.clause.id,
                "clause_version": lib.clause.version,
                "clause_version_id": lib.version_id,
                "parameters": lib.parameters,
                "plan_from": None,
                "attached_at": now,
                "attached_by": "bench",
                "next_plan_on": contract["start_on"],
            }


def _insert_suppliers(
    engine: Engine, rng: random.Random, count: int, now: datetime
) -> tuple[int, int]:
    """Insert `count` suppliers with their contacts; returns (first id, contacts)."""
    first_id = _next_id(engine, Supplier)
    suppliers, contacts = [], []
    for supplier, its_contacts in supplier_rows(rng, first_id=first_id, count=count, now=now):
        suppliers.append(supplier)
        contacts.extend(its_contacts)
    _insert(engine, Supplier, suppliers)
    return first_id, _insert(engine, SupplierContact, contacts)


def _insert_contracts(
    engine: Engine,
    rng: random.Random,
    library: list[LibraryClause],
    *,
    count: int,
    clauses_per_contract: int,
    suppliers: tuple[int, int],
    now: datetime,
) -> Counter[str]:
    """Insert contracts and their clauses batch by batch; returns attachments per clause."""
    first_supplier, supplier_count = suppliers
    first_id = _next_id(engine, Contract)
    stop = first_id + count
    weights: dict[str, list[float]] = {}
    attached: Counter[str] = Counter()
    for batch_start in range(first_id, stop, BATCH):
        rows, picks = [], {}
        for cid in range(batch_start, min(batch_start + BATCH, stop)):
            draft = contract_row(
                rng,
                cid=cid,
                supplier_count=supplier_count,
                first_supplier=first_supplier,
                today=now.date(),
                now=now,
            )
            rows.append(draft.row)
            picks[cid] = pick_clauses(rng, library, draft.line, clauses_per_contract, weights)
            attached.update(lib.clause.id for lib in picks[cid])
        _insert(engine, Contract, rows)
        _insert(engine, ContractClause, _contract_clauses(iter(rows), picks, now))
    return attached


def generate(
    url: str,
    *,
    suppliers: int,
    contracts: int,
    clauses_per_contract: int,
    seed: int,
    now: datetime,
) -> Generated:
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        library = store_library(engine, loadable_clauses(), now)
        if not library:
            raise SystemExit("no clause in the library loads; nothing to attach")
        rng = random.Random(seed)
        first_supplier, contacts = _insert_suppliers(engine, rng, suppliers, now)
        attached = _insert_contracts(
            engine,
            rng,
            library,
            count=contracts,
            clauses_per_contract=clauses_per_contract,
            suppliers=(first_supplier, suppliers),
            now=now,
        )
        _finish_postgres(engine, (Supplier, Contract))
    finally:
        engine.dispose()
    return Generated(
        suppliers, contacts, contracts, attached, len(library), time.perf_counter() - started
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    p.add_argument("--suppliers", type=int, default=None, help="required unless --smoke")
    p.add_argument("--contracts", type=int, default=None, help="required unless --smoke")
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/portfolio.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=None, help="ISO instant (default: the clock)")
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, suppliers=20, contracts=100, clauses_per_contract=4)
    if args.suppliers is None or args.contracts is None:
        raise SystemExit("--suppliers and --contracts are required (or --smoke)")
    url = args.database_url or sqlite_url("portfolio.db")
    if args.smoke:
        url = fresh_database(url, name="bench_generate")
    if args.suppliers < 1 or args.contracts < 0 or args.clauses_per_contract < 1:
        raise SystemExit("--suppliers and --clauses-per-contract must be at least 1")
    result = generate(
        url,
        suppliers=args.suppliers,
        contracts=args.contracts,
        clauses_per_contract=args.clauses_per_contract,
        seed=args.seed,
        now=args.now or parse_now(None),
    )
    print(
        f"generated {result.suppliers:,} suppliers ({result.contacts:,} contacts), "
        f"{result.contracts:,} contracts, {result.attached.total():,} contract clauses "
        f"from {result.library_clauses} library clauses in {result.seconds:.1f} s"
    )
    for clause_id, count in result.attached.most_common():
        print(f"  {count:>9,}  {clause_id}")
    if args.smoke:
        _check_generated(url, result, args.clauses_per_contract)


def _check_generated(url: str, result: Generated, per_contract: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counted = {
                model.__name__: conn.execute(
                    select(func.count()).select_from(table_of(model))
                ).scalar_one()
                for model in (Supplier, Contract)
            }
    finally:
        engine.dispose()
    check(
        counted == {"Supplier": result.suppliers, "Contract": result.contracts},
        f"the database holds the {result.suppliers} suppliers and {result.contracts} contracts",
    )
    expected = result.contracts * min(per_contract, result.library_clauses)
    check(result.attached.total() == expected, f"{expected} contract clauses attached")


if __name__ == "__main__":
    main()
