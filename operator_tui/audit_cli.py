"""``operator-tui audit``: read the central server's audit log (admin).

    operator-tui audit log --since 2026-11-29 --action login_failed,login_throttled
    operator-tui audit log --operator op1 --target 261129-017-0042
    operator-tui audit changes --target 261129-017-0042     # every change of a case

Reads the server's database like ``users`` and ``apikeys`` (``--database``);
over HTTP the same is ``GET /v1/audit`` and ``/v1/audit/changes`` (admin
token). Times are UTC. Each read is itself written to the audit log. Text
from the log is printed with control characters removed (``--json``: as
ASCII JSON, every other character escaped, so nothing is lost).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from .cli_common import DatabaseOpt, fail, migrated_database

audit_app = typer.Typer(help="Read the central server's audit log and change history (admin).",
                        no_args_is_help=True)

Since = Annotated[str, typer.Option(help="from this time (UTC, ISO 8601: 2026-11-29 or 2026-11-29T08:00)")]
Until = Annotated[str, typer.Option(help="before this time (UTC, ISO 8601)")]
Operator = Annotated[str, typer.Option(help="only this operator id")]
Action = Annotated[str, typer.Option(help="only these actions (comma-separated; see 'audit actions')")]
Target = Annotated[str, typer.Option(help="only this target: a case number, an operator id, a key name...")]
Limit = Annotated[int, typer.Option(min=1, help="print at most this many lines")]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON object a line")]


def _read(kind: str, database: str | None, since: str, until: str, operator: str, action: str,
          target: str, limit: int) -> list[dict[str, Any]]:
    from central_server.accounts import audit, cli_actor
    from central_server.audit_log import MAX_LIMIT, AuditFilter, read_changes, read_log

    reader = read_log if kind == "audit_log" else read_changes
    key = "id" if kind == "audit_log" else "seq"
    try:
        f = AuditFilter(since, until, operator, action, target).checked()
    except ValueError as exc:
        raise fail(str(exc)) from None
    found: list[dict[str, Any]] = []
    with migrated_database(database) as db:
        after, more = 0, True
        while more and len(found) < limit:
            page, more = reader(db, f, after, min(MAX_LIMIT, limit - len(found)))
            found += page
            after = page[-1][key] if page else after
        with db.transaction() as tx:
            audit(tx, cli_actor(), "audit_read", kind, "", filters=f.describe(), rows=len(found))
    return found


def _line(values: list[Any]) -> str:
    from .text import clean

    return "  ".join(clean(str(v), one_line=True) for v in values)


@audit_app.command("log")
def log(since: Since = "", until: Until = "", operator: Operator = "", action: Action = "",
        target: Target = "", limit: Limit = 1000, as_json: AsJson = False,
        database: DatabaseOpt = None) -> None:
    """Logins, failed and throttled logins, logouts, views, lookups, reveals, exports, admin work."""
    rows = _read("audit_log", database, since, until, operator, action, target, limit)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))  # ASCII: no character a terminal acts on, nothing lost
        else:
            detail = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True) if row["detail"] else ""
            typer.echo(_line([row["at"][:19], f"{row['operator_id']:<14}", f"{row['action']:<22}",
                              row["target"] or "-", row["client_ip"] or "-", detail]))
    if not rows and not as_json:
        typer.echo("no audit lines match", err=True)


@audit_app.command("changes")
def changes(since: Since = "", until: Until = "", operator: Operator = "", action: Action = "",
            target: Target = "", limit: Limit = 1000, as_json: AsJson = False,
            database: DatabaseOpt = None) -> None:
    """Every case change: who (operator, role, seat), when (client and server time), what (event type)."""
    rows = _read("changes", database, since, until, operator, action, target, limit)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))  # ASCII: no character a terminal acts on, nothing lost
        else:
            seat = f"seat {row['seat_no']}" if row["seat_no"] is not None else "no seat"
            typer.echo(_line([row["server_time"][:19], f"{row['actor_id']:<14}", f"{row['actor_role']:<10}",
                              f"{seat:<9}", row["case_no"], f"{row['type']:<12}",
                              f"client {row['client_time'][:19]}"]))
    if not rows and not as_json:
        typer.echo("no changes match", err=True)


@audit_app.command("actions")
def actions() -> None:
    """What each action in the audit log means."""
    from central_server.audit_log import ACTIONS

    for name, meaning in ACTIONS.items():
        typer.echo(f"{name:<24}{meaning}")
