"""``GET /v1/export/cases.csv``: cases as a CSV file (see central_server.export).

Supervisors and admins export any cases; a department user only its own
department's (asking for another department is refused); operators may not
export. Phone numbers are masked unless ``include_phone=true``, which only a
supervisor or admin may ask. Every export is written to the audit log before
the file is sent: who, from where, the filters, the number of rows and
whether phone numbers were included. Bad filters are a 400 with the usual
``{"error", "detail"}`` body; more than ``MAX_ROWS`` cases too.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from operator_tui import clock
from operator_tui.domain import Role

from .accounts import Accounts, Session, audit
from .bearer import client_address, session_dependency
from .db import Database
from .export import COLUMNS, MAX_DAYS, MAX_ROWS, Exporter, ExportError, ExportFilter

EXPORT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.DEPARTMENT})
PHONE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
Text = Annotated[str, Query(max_length=300)]
_CSV_DOC = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "UTF-8 with BOM; header: " + ", ".join(en for _, _, en in COLUMNS)},
    400: {"description": "a bad filter, or too many cases"},
    401: {"description": "no valid token"},
    403: {"description": "a role that may not export (this), or another department's cases"},
}


def export_router(db: Database, accounts: Accounts) -> APIRouter:
    """The export route over *db* (tokens checked by *accounts*)."""
    exporter = Exporter(db)
    router = APIRouter(tags=["export"])

    session = session_dependency(accounts)

    @router.get("/v1/export/cases.csv", response_class=StreamingResponse, responses=_CSV_DOC,
                summary="Cases as CSV (supervisor, admin; a department its own)")
    def export_cases(
        who: Annotated[Session, Depends(session)], request: Request,
        date_from: Annotated[str, Query(alias="from", max_length=40,
                                        description="first day (YYYY-MM-DD, the centre's) or ISO time")] = "",
        date_to: Annotated[str, Query(alias="to", max_length=40,
                                      description="last day (inclusive) or ISO time (excl.); default now")] = "",
        status: Annotated[str, Query(max_length=200, description="comma list of statuses")] = "",
        department: Annotated[str, Query(max_length=64, description="lead department code")] = "",
        category: Annotated[str, Query(max_length=100, description="category code (and below)")] = "",
        district: Annotated[str, Query(max_length=40)] = "",
        channel: Annotated[str, Query(max_length=100, description="comma list of channels")] = "",
        overdue: Annotated[bool | None, Query(description="true: only overdue; false: none overdue")] = None,
        metric: Annotated[str, Query(max_length=20, description="a board number instead of a range")] = "",
        key: Text = "",
        at: Annotated[str, Query(max_length=40, description="the board's time (with metric)")] = "",
        days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="the board's period (with metric)")] = 1,
        include_phone: Annotated[bool, Query(description="phone numbers in full (supervisor, admin)")] = False,
        lang: Literal["zh", "en"] = "zh",
    ) -> StreamingResponse:
        if who.role not in EXPORT_ROLES:
            raise HTTPException(403, f"your role ({who.role}) may not export cases")
        scope = ""
        if who.role == Role.DEPARTMENT:
            if metric:
                raise HTTPException(403, "board numbers are for supervisors; export a date range")
            if department and department != who.department:
                raise HTTPException(403, "a department exports only its own cases")
            if not who.department:
                raise HTTPException(403, "your department account names no department")
            scope = who.department
        if include_phone and who.role not in PHONE_ROLES:
            raise HTTPException(403, f"your role ({who.role}) may not export phone numbers")
        now = clock.now()
        f = ExportFilter(date_from, date_to, status, department, category, district, channel, overdue,
                         metric, key, at, days, scope, now)
        try:
            where = exporter.where(f)
        except ExportError as exc:
            raise HTTPException(400, str(exc)) from None
        rows = exporter.count(where)
        if rows > MAX_ROWS:
            raise HTTPException(400, f"{rows} cases match; at most {MAX_ROWS} a file: narrow the range or filters")
        with db.transaction() as tx:
            audit(tx, who.operator_id, "export", "cases", client_address(request), filters=f.describe(), rows=rows,
                  include_phone=include_phone, lang=lang)
        name = _file_name(f, now)
        return StreamingResponse(
            exporter.csv(where, lang, include_phone, now), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Export-Rows": str(rows),
                     "Cache-Control": "no-store"},
        )

    return router


def _file_name(f: ExportFilter, now: Any) -> str:
    """``cases-2026-11-01-2026-11-30.csv`` / ``cases-deadline-20261129T0805.csv`` (ASCII only)."""
    if f.metric:
        label = "board-" + f.metric
    else:
        label = "-".join(x[:10] for x in (f.date_from, f.date_to or clock.iso(now)) if x)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in label)
    return f"cases-{safe}-{now:%Y%m%dT%H%M%S}.csv"


def register_export(app: FastAPI, db: Database, accounts: Accounts) -> None:
    """Mount the export route on *app*."""
    app.include_router(export_router(db, accounts))
