"""The ``operator-tui`` command line (typer).

Heavy modules (Textual, FastAPI, the storage) are imported inside the
commands, so ``operator-tui --help`` stays fast. Errors are one clear line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .apikeys_cli import apikeys_app  # sub-apps import only typer at load
from .audit_cli import audit_app
from .calendar_cli import calendar_app
from .cli_common import DatabaseOpt, ServerOpt, database_url
from .export_cli import export_app
from .sync_cli import sync_app

app = typer.Typer(
    name="operator-tui",
    help="Keyboard-first workstation for citizen-hotline operators, and its central server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
users_app = typer.Typer(help="Manage operators on the central server's database.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(sync_app, name="sync", help="The seat's outbox and sync state.")
app.add_typer(apikeys_app, name="apikeys", help="Open311 API keys (admin).")
app.add_typer(calendar_app, name="calendar", help="The holiday calendar (admin).")
app.add_typer(export_app, name="export", help="Cases as CSV from the central server (supervisor, admin).")
app.add_typer(audit_app, name="audit", help="The audit log and change history (admin).")



class CliError(Exception):
    """A failure to report as one line."""


@app.command()
def version() -> None:
    """Print the version."""
    from . import __version__

    typer.echo(f"operator-tui {__version__}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8345,
    database: DatabaseOpt = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="server processes (PostgreSQL)")] = 1,
    token_hours: Annotated[float, typer.Option(help="bearer token lifetime in hours")] = 12.0,
) -> None:
    """Run the central server (migrating its database first)."""
    import os

    import uvicorn

    from central_server.db import Database
    from central_server.migrations import migrate

    from central_server.client_ip import TrustedProxies

    from . import config

    cfg = config.load()
    try:  # a wrong network is one line now, not an error in every worker
        TrustedProxies(cfg.trusted_proxies, cfg.forwarded_header)
    except ValueError as exc:
        raise CliError(f"setting trusted_proxies/forwarded_header: {exc}") from None
    url = database_url(database)
    db = Database(url)
    try:
        migrate(db)
    finally:
        db.close()
    if workers > 1 and db.dialect == "sqlite":
        raise CliError("several workers need PostgreSQL; SQLite serves one process")
    os.environ["OPERATOR_TUI_DATABASE"] = url
    os.environ["OPERATOR_TUI_TOKEN_HOURS"] = str(token_hours)
    os.environ["OPERATOR_TUI_TRUSTED_PROXIES"] = cfg.trusted_proxies
    os.environ["OPERATOR_TUI_FORWARDED_HEADER"] = cfg.forwarded_header
    typer.echo(f"central server on http://{host}:{port} ({db.dialect})", err=True)
    uvicorn.run(
        "central_server.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # uvicorn would trust X-Forwarded-For from 127.0.0.1: client_ip.py decides
        log_level="warning",
        access_log=False,
        # a stop closes the seats' open long polls after 2 s instead of waiting
        # up to their full wait: the seats see the server gone and show offline
        timeout_graceful_shutdown=2,
    )


@app.command()
def migrate(database: DatabaseOpt = None) -> None:
    """Create or upgrade the central server's database schema."""
    from central_server.db import Database
    from central_server.migrations import migrate as run

    db = Database(database_url(database))
    try:
        applied = run(db)
    finally:
        db.close()
    typer.echo(f"applied migrations {applied}" if applied else "schema is up to date")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="load the demo hotline")] = False,
    database: DatabaseOpt = None,
    random_seed: Annotated[int, typer.Option("--seed", help="random seed")] = 12345,
    cases: Annotated[int, typer.Option(min=0, help="historic cases to generate")] = 3000,
) -> None:
    """Load data into the central server's database."""
    if not demo:
        raise CliError("say what to seed: --demo")
    from central_server.seed import seed_demo

    summary = seed_demo(database_url(database), seed=random_seed, n_cases=cases)
    typer.echo(summary)


@users_app.command("add")
def users_add(
    operator_id: Annotated[str, typer.Argument(help="login id")],
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[str, typer.Option(help="operator, supervisor, department or admin")],
    department: Annotated[Optional[str], typer.Option(help="department code (role department)")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 8 characters")
    ] = "",
    database: DatabaseOpt = None,
) -> None:
    """Add an operator."""
    from pydantic import ValidationError

    from central_server.accounts import Accounts
    from central_server.db import Database
    from central_server.migrations import migrate as run
    from operator_tui.protocol import UserCreate, describe_validation_error

    try:
        user = UserCreate(operator_id=operator_id, name=name, role=role, password=password, department=department)
    except ValidationError as exc:
        raise CliError(describe_validation_error(exc)) from None
    db = Database(database_url(database))
    try:
        run(db)
        Accounts(db).add_operator(user.operator_id, user.name, user.role, user.password, user.department)
    except ValueError as exc:  # the id is taken
        raise CliError(str(exc)) from None
    finally:
        db.close()
    typer.echo(f"added {user.operator_id} ({user.role})")


@users_app.command("list")
def users_list(database: DatabaseOpt = None) -> None:
    """List operators."""
    from central_server.accounts import Accounts
    from central_server.db import Database
    from central_server.migrations import migrate as run

    db = Database(database_url(database))
    try:
        run(db)
        rows = Accounts(db).list_operators()
    finally:
        db.close()
    for row in rows:
        state = "" if row["active"] else "  (disabled)"
        dept = f"  [{row['department']}]" if row["department"] else ""
        typer.echo(f"{row['operator_id']:<24} {row['role']:<11} {row['name']}{dept}{state}")


@users_app.command("disable")
def users_disable(operator_id: str, database: DatabaseOpt = None) -> None:
    """Disable an operator and revoke their tokens."""
    from central_server.accounts import Accounts
    from central_server.db import Database
    from central_server.migrations import migrate as run

    db = Database(database_url(database))
    try:
        run(db)
        Accounts(db).set_active(operator_id, False)
    except KeyError:
        raise CliError(f"no operator {operator_id!r}") from None
    finally:
        db.close()
    typer.echo(f"disabled {operator_id}")


@app.command()
def run(
    server: Annotated[Optional[str], typer.Option("--server", "-s", help="central server URL (default: from config)")] = None,
) -> None:
    """Open the operator app on this seat (log in if the seat has no session)."""
    from .launch import run as run_app

    run_app(server)


@app.command()
def logout(
    server: ServerOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
) -> None:
    """Log this seat out: wipe its cached cases, revoke and forget the token.

    Refused while changes or drafts would be lost."""
    from .logout_cli import logout as run_logout

    run_logout(server, yes)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port for the embedded server (busy: any free port)")] = 8346,
    reset: Annotated[bool, typer.Option("--reset", help="start again from fresh demo data")] = False,
) -> None:
    """Start an embedded central server with demo data and open the app, logged in."""
    from .demo import run_demo

    run_demo(port=port, reset=reset)


def main() -> None:
    """The typer CLI, turning known errors into one line (``operator-tui``
    itself starts in launch.main, which opens the app without typer)."""
    from .launch import report_errors

    report_errors(app, also=(CliError,))
