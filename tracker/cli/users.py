"""`tracker user`: accounts for the web app (roles, passwords, API tokens)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tracker import people
from tracker.cli.options import context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.errors import BadInput

app = typer.Typer(
    help="People who sign in to the web app: roles, passwords, API tokens.",
    no_args_is_help=True,
)

PasswordStdin = typer.Option(
    "--password-stdin", help="read the password from the first line of standard input"
)


def _password(from_stdin: bool) -> str:
    """The password from stdin, or asked twice at a terminal (never an option: it would be
    in the shell history and the process list)."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise BadInput("standard input held no password", field="password")
        return line
    if not sys.stdin.isatty():
        raise BadInput(
            "no terminal to ask the password at; pipe it in with --password-stdin",
            field="password",
        )
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Password again", hide_input=True)
    if first != second:
        raise BadInput("the two passwords differ", field="password")
    return str(first)


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="the person's email address (their sign-in)")],
    role: Annotated[str, typer.Option(help="admin, manager, reviewer, auditor or viewer")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    expires: Annotated[
        str | None, typer.Option(help="last day of access (YYYY-MM-DD), for auditors")
    ] = None,
    password_stdin: Annotated[bool, PasswordStdin] = False,
    fmt: Format = FormatOption,
) -> None:
    """Add a person; the password is asked twice at a terminal (or read with --password-stdin)."""
    ctx = context()
    expires_on = parse_date(expires, option="--expires")
    password = _password(password_stdin)
    emit_record(
        people.add_user(
            ctx,
            email=email,
            role=role,
            display_name=name,
            expires_on=expires_on,
            password=password,
        ),
        fmt,
    )


@app.command("list")
def list_(fmt: Format = FormatOption) -> None:
    """Everyone with an account, their role and whether it is disabled."""
    emit_rows(
        people.list_users(context()), fmt, empty="no users yet; add one with `tracker user add`"
    )


@app.command("disable")
def disable(
    email: Annotated[str, typer.Argument(help="the person's email address")],
    fmt: Format = FormatOption,
) -> None:
    """Disable an account: its sign-ins and API tokens stop working at once."""
    emit_record(people.disable_user(context(), email), fmt)


@app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="the person's email address")],
    password_stdin: Annotated[bool, PasswordStdin] = False,
    fmt: Format = FormatOption,
) -> None:
    """Set a new password; the account's other sign-ins end."""
    ctx = context()
    emit_record(people.set_password(ctx, email, _password(password_stdin)), fmt)


@app.command("token")
def token(
    email: Annotated[str, typer.Argument(help="the person's email address")],
    name: Annotated[str, typer.Option(help="what the token is for, e.g. 'reporting script'")],
) -> None:
    """Create a personal API token and print it once: it is stored only as a hash."""
    issued = people.create_token(context(), email, name=name)
    typer.echo(issued.token)
    typer.echo(
        f"token {issued.name!r} for {issued.email}: copy it now, it is not shown again", err=True
    )
