"""The `tracker` command: every use case, with --help, exit codes 0 ok / 1 failure / 2 usage."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from tracker import __version__, demo, migrate
from tracker import obligations as obligation_service
from tracker.cli import (
    audit,
    backup,
    clauses,
    closures,
    contracts,
    evidence,
    exchange,
    feeds,
    findings,
    obligations,
    portal,
    preview,
    reminders,
    reports,
    serve,
    suppliers,
    users,
)
from tracker.cli.errors import cli_message
from tracker.cli.options import NOW_WRITES_HELP, context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.config import get_settings
from tracker.db import get_engine
from tracker.errors import BadInput, TrackerError

app = typer.Typer(
    name="tracker",
    help="Clause Tracker: follow up the ethical clauses of ICT contracts after award.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(suppliers.app, name="supplier")
app.add_typer(contracts.app, name="contract")
app.add_typer(obligations.app, name="obligations")
app.add_typer(clauses.app, name="clauses")
app.add_typer(evidence.app, name="evidence")
app.add_typer(findings.app, name="finding")
app.add_typer(audit.app, name="audit")
app.add_typer(reports.app, name="report")
app.add_typer(exchange.export_app, name="export")
app.add_typer(exchange.import_app, name="import")
app.add_typer(users.app, name="user")
app.add_typer(portal.app, name="portal")
app.add_typer(feeds.app, name="feed")
app.add_typer(closures.app, name="closure")
app.add_typer(reminders.outbox_app, name="outbox")
app.add_typer(reminders.mail_app, name="mail")
app.command("sweep")(reminders.sweep)
app.command("relay")(reminders.relay)
app.command("worker")(reminders.worker)
app.command("status")(reminders.status)
app.command("preview")(preview.preview)
app.command("serve")(serve.serve)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)

NowOption = typer.Option(help=NOW_WRITES_HELP)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    """Clause Tracker."""


@app.command()
def init() -> None:
    """Create the database, or upgrade it to this version's schema."""
    settings = get_settings()
    before = migrate.current_revision(get_engine(settings.database_url))
    migrate.upgrade(settings.database_url)
    after = migrate.current_revision(get_engine(settings.database_url))
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    typer.echo(f"database {state} at revision {after} ({_safe_url(settings.database_url)})")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Upgrade the schema (default: to the newest revision)."""
    settings = get_settings()
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"at revision {migrate.current_revision(get_engine(settings.database_url))}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target revision, e.g. -1 or base")],
) -> None:
    """Downgrade the schema. `base` removes every tracker table and its data."""
    settings = get_settings()
    migrate.downgrade(settings.database_url, revision)
    typer.echo(f"at revision {migrate.current_revision(get_engine(settings.database_url))}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this version knows."""
    settings = get_settings()
    current = migrate.current_revision(get_engine(settings.database_url))
    head = migrate.head_revision(settings.database_url)
    typer.echo(f"current: {current or 'none (run `tracker init`)'}\nhead:    {head}")


@app.command()
def plan(
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Roll every contract's obligations forward to the horizon; move statuses on with time."""
    emit_record(obligation_service.plan(context(now)), fmt)


@app.command("demo")
def demo_(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """Load a small demo portfolio (once) and show what is due."""
    ctx = context(now)
    result = demo.load_demo(ctx)
    if fmt is Format.JSON:
        emit_record(result, fmt)
        return
    created = result["created"]
    typer.echo(
        "demo portfolio: "
        + ", ".join(f"{n} {k} created" for k, n in created.items())
        + ("" if any(created.values()) else " (already loaded)")
    )
    due = obligation_service.list_obligations(
        ctx, status="due"
    ) + obligation_service.list_obligations(ctx, status="overdue")
    due.sort(key=lambda row: row.due_on)
    typer.echo(f"\n{len(due)} obligations due or overdue:")
    emit_rows(
        [
            {
                "id": r.id,
                "due_on": r.due_on,
                "status": r.status,
                "contract": r.contract,
                "supplier": r.supplier,
                "obligation": r.obligation,
            }
            for r in due
        ],
        Format.TABLE,
        empty="  (none)",
    )
    sign_in = result["sign_in"]
    if sign_in.password is not None:
        typer.echo(f"\nWeb sign-in: {sign_in.email} with password {sign_in.password}")
    else:
        typer.echo(
            f"\nWeb sign-in: {sign_in.email} (account exists; "
            f"`tracker user password {sign_in.email}` sets a new password)"
        )
    typer.echo(
        "Next: `tracker serve` and open http://127.0.0.1:8000, "
        "or `tracker contract show DEMO-2025-001`."
    )


def main() -> None:
    """Entry point: our errors become one line on stderr and the documented exit code.

    Typer's standalone mode already answers bad usage (unknown option, missing argument)
    with exit code 2 and a usage message.
    """
    try:
        app()
    except BadInput as exc:
        typer.echo(f"error: {cli_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
