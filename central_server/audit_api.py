"""HTTP routes for reading the audit log (administrators only).

    GET /v1/audit           audit lines: logins, views, lookups, reveals, exports, admin work
    GET /v1/audit/changes   every case change: operator, role, seat, client and server time

Filters (all optional): ``since``/``until`` (UTC ISO 8601), ``operator``,
``action`` (comma-separated), ``target`` (case number, operator id...);
paged with ``after`` (the previous page's ``next_after``) and ``limit``.
Every read is itself audited (``audit_read``).
"""


from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict

from operator_tui.domain import Role

from .accounts import Accounts, Session, audit
from .audit_log import MAX_LIMIT, AuditFilter, read_changes, read_log
from .bearer import client_address, session_dependency
from .db import Database

Text = Annotated[str, Query(max_length=200)]
After = Annotated[int, Query(ge=0, le=2**62, description="next_after of the previous page")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class AuditLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    at: str
    operator_id: str
    action: str
    target: str
    client_ip: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[AuditLine]
    has_more: bool
    next_after: int


class ChangeLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int
    event_id: str
    case_no: str
    type: str
    version: int
    actor_id: str
    actor_role: str
    seat_no: int | None
    client_time: str
    server_time: str


class ChangePage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: list[ChangeLine]
    has_more: bool
    next_after: int


def register_audit(app: FastAPI, db: Database, accounts: Accounts) -> None:
    """Add the audit routes to *app*."""

    session = session_dependency(accounts)

    def admin(who: Annotated[Session, Depends(session)]) -> Session:
        """The session, if it is an administrator's (else 403)."""
        if who.role != Role.ADMIN:
            raise HTTPException(403, f"your role ({who.role}) may not read the audit log")
        return who

    Admin = Annotated[Session, Depends(admin)]

    def checked(since: str, until: str, operator: str, action: str, target: str) -> AuditFilter:
        try:
            return AuditFilter(since, until, operator, action, target).checked()
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None

    def note_read(who: Session, request: Request, what: str, f: AuditFilter, after: int, count: int) -> None:
        with db.transaction() as tx:
            audit(tx, who.operator_id, "audit_read", what, client_address(request),
                  filters=f.describe(), after=after, rows=count)

    @app.get("/v1/audit", response_model=AuditPage, tags=["audit"])
    def audit_lines(who: Admin, request: Request, since: Text = "", until: Text = "", operator: Text = "",
                    action: Text = "", target: Text = "", after: After = 0, limit: Limit = 100) -> AuditPage:
        f = checked(since, until, operator, action, target)
        lines, more = read_log(db, f, after, limit)
        note_read(who, request, "audit_log", f, after, len(lines))
        return AuditPage(entries=[AuditLine(**line) for line in lines], has_more=more,
                         next_after=lines[-1]["id"] if lines else after)

    @app.get("/v1/audit/changes", response_model=ChangePage, tags=["audit"])
    def audit_changes(who: Admin, request: Request, since: Text = "", until: Text = "", operator: Text = "",
                      action: Text = "", target: Text = "", after: After = 0, limit: Limit = 100) -> ChangePage:
        f = checked(since, until, operator, action, target)
        changes, more = read_changes(db, f, after, limit)
        note_read(who, request, "changes", f, after, len(changes))
        return ChangePage(changes=[ChangeLine(**c) for c in changes], has_more=more,
                          next_after=changes[-1]["seq"] if changes else after)
