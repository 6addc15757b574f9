"""The `--smoke` size every benchmark has: a tiny portfolio that runs in seconds and
checks its own result, so CI can run each program on both engines and a benchmark that
rots fails there instead of on the day someone needs its figures."""

from __future__ import annotations

import argparse

from bench.databases import parse_now, use_smoke_names

SMOKE_NOW = "2026-05-01T09:00:00+00:00"


def add_smoke(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny size that runs in seconds and checks its own result (CI runs this; "
        "not a measurement). PostgreSQL databases get a _smoke suffix",
    )


def apply_smoke(args: argparse.Namespace, **sizes: object) -> None:
    """Overrides the sizes with `sizes` and switches to the smoke databases."""
    for name, value in sizes.items():
        setattr(args, name, value)
    if getattr(args, "now", None) is None:
        args.now = parse_now(SMOKE_NOW)
    use_smoke_names()


def check(ok: bool, what: str) -> None:
    """Fails the run (exit 1 with `what`) when a smoke-size result is not sane."""
    if not ok:
        raise SystemExit(f"smoke check failed: {what}")
    print(f"smoke check: {what}: ok")
