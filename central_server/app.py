"""The central server's HTTP API (FastAPI), version 1.

Stateless over its database: any number of these processes can serve the same
PostgreSQL behind a load balancer. Every endpoint but ``/health`` and
``/v1/auth/login`` needs a bearer token; roles are enforced here. Bad input is
a 4xx with a JSON body ``{"error": ..., "detail": ...}``, never a 500.
"""


import os
import sys
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from operator_tui import __version__
from operator_tui.domain import HOTLINE_ROLES, Role
from operator_tui.protocol import (
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    CallerLookup,
    CaseResponse,
    ChangesResponse,
    ErrorBody,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    OperatorInfo,
    PushRequest,
    PushResponse,
    ReferenceResponse,
    ReferenceUpload,
    SnapshotResponse,
    UserCreate,
    UserList,
    cursor_mark,
    decode_cursor,
    encode_cursor,
    normalize_phone,
)

from operator_tui.privacy import mask_phone

from .accounts import Accounts, AuthError, Session, audit
from .audit_api import register_audit
from .bearer import bearer, client_address, session_dependency
from .cases import CaseStore
from .client_ip import ClientAddress, TrustedProxies
from .db import Database, InvalidText
from .feed import ChangeFeed
from .feed_fastpath import register_fast_changes
from .migrations import migrate
from .open311 import open311_router
from .reference import ReferenceStore

MAX_BODY_BYTES = 8 * 1024 * 1024
LONG_POLL_MAX_SECONDS = 30
LONG_POLL_STEP_SECONDS = 0.25
SWITCH_INTERVAL_SECONDS = 0.001  # the served process's GIL switch interval (default 5 ms)

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422, 429)
}


def create_app(database_url: str, *, token_hours: float = 12.0, trusted_proxies: str = "",
               forwarded_header: str = "x-forwarded-for") -> FastAPI:
    """Build the ASGI app for one database (migrating it first).

    *trusted_proxies*: the load balancers' networks (CIDRs, comma-separated);
    only requests from them may name the client in *forwarded_header*.
    """
    proxies = TrustedProxies(trusted_proxies, forwarded_header)  # ValueError before any work
    db = Database(database_url)
    migrate(db)
    accounts = Accounts(db, token_hours=token_hours)
    cases = CaseStore(db)
    feed = ChangeFeed(cases, step=LONG_POLL_STEP_SECONDS)
    reference = ReferenceStore(db)

    app = FastAPI(title="operator-tui central server", version=__version__, responses=ERRORS)
    app.state.db = db

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    register_fast_changes(app, feed, accounts.session, cases.check_cursor)  # long polls' short way
    app.add_middleware(ClientAddress, proxies=proxies)  # outermost: request.client is the client

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid request: " + _describe(exc.errors()), _plain(exc.errors()))

    @app.exception_handler(InvalidText)
    async def invalid_text(_: Request, exc: InvalidText) -> JSONResponse:
        return _error(422, f"invalid request: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return _error(exc.status_code, str(exc.detail), headers=headers)

    session = session_dependency(accounts)

    Authed = Annotated[Session, Depends(session)]

    def require(who: Session, roles: set[Role] | frozenset[Role], what: str) -> None:
        if who.role not in roles:
            raise HTTPException(403, f"your role ({who.role}) may not {what}")

    @app.get("/health", response_model=HealthResponse)
    def health() -> HealthResponse:
        return HealthResponse(status="ok", protocol=PROTOCOL_VERSION, version=__version__, database=db.dialect)

    @app.post("/v1/auth/login", response_model=LoginResponse)
    def login(body: LoginRequest, request: Request) -> LoginResponse:
        try:
            token, who, last_case_no = accounts.login(
                body.operator_id, body.password, body.seat_key, client_address(request)
            )
        except AuthError as exc:
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            raise HTTPException(exc.status, exc.message, headers=headers) from None
        return LoginResponse(
            token=token, expires_at=who.expires_at, operator=_info(who),
            seat_no=who.seat_no, last_case_no=last_case_no,
        )

    @app.post("/v1/auth/logout", status_code=204)
    def logout(who: Authed, request: Request,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        assert credentials is not None
        accounts.logout(credentials.credentials, client_address(request))

    @app.get("/v1/auth/me", response_model=OperatorInfo)
    def me(who: Authed) -> OperatorInfo:
        return _info(who)

    @app.post("/v1/events", response_model=PushResponse)
    def push(body: PushRequest, who: Authed, request: Request) -> PushResponse:
        return PushResponse(results=cases.push(who.actor, body.events, client_address(request)))

    @app.get("/v1/changes", response_model=ChangesResponse)
    async def changes(
        who: Authed,
        cursor: Annotated[str, Query(max_length=64)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
        wait: Annotated[float, Query(ge=0, le=LONG_POLL_MAX_SECONDS)] = 0,
    ) -> Response:
        try:
            after = decode_cursor(cursor)
            if not feed.recently_answered(cursor):
                await feed.in_thread(cases.check_cursor, after, cursor_mark(cursor))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        # Long polls share one head watcher and one query per page (feed.py).
        body = await feed.changes(who.actor, after, cursor or encode_cursor(0), limit, wait)
        return Response(body, media_type="application/json")

    @app.get("/v1/snapshot", response_model=SnapshotResponse)
    def snapshot(
        who: Authed,
        request: Request,
        days: Annotated[int, Query(ge=1, le=3660)] = 30,
        after: Annotated[str, Query(max_length=24)] = "",
        limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
    ) -> SnapshotResponse:
        head = cases.head_cursor()
        found, more = cases.snapshot(who.actor, days, after, limit)
        # personal data in bulk: every page is audited (a page asked for mid-way is a read like any other)
        with db.transaction() as tx:
            audit(tx, who.operator_id, "snapshot", after, client_address(request), days=days,
                  seat_no=who.seat_no, cases=len(found))
        return SnapshotResponse(
            cases=found, has_more=more, next_after=found[-1]["case_no"] if found else after,
            cursor=head,
        )

    @app.get("/v1/cases/{case_no}", response_model=CaseResponse)
    def get_case(case_no: str, who: Authed, request: Request) -> CaseResponse:
        found = cases.case(who.actor, case_no)
        if found is None:
            raise HTTPException(404, f"no case {case_no} that you may see")
        with db.transaction() as tx:
            audit(tx, who.operator_id, "case_view", case_no, client_address(request))
        return CaseResponse(case=found[0], events=found[1])

    def lookup_caller(who: Session, request: Request, phone: str, days: int, limit: int) -> list[dict[str, Any]]:
        """Both caller lookups: hotline staff only, audited with the number masked."""
        require(who, HOTLINE_ROLES, "look up callers")
        try:
            number = normalize_phone(phone)
        except ValueError as exc:
            raise HTTPException(400, f"phone: {exc}") from None
        with db.transaction() as tx:
            # the same mask as everywhere (privacy.py): two masks of one number must not add up to it
            audit(tx, who.operator_id, "caller_lookup", mask_phone(number), client_address(request))
        return cases.cases_by_phone(number, days, limit)

    @app.post("/v1/cases/by-phone", response_model=list[dict[str, Any]])
    def caller_cases_by_phone(body: CallerLookup, who: Authed, request: Request) -> list[dict[str, Any]]:
        """A caller's cases in the last *days* days, newest first (hotline staff)."""
        return lookup_caller(who, request, body.phone, body.days, body.limit)

    @app.get("/v1/cases", response_model=list[dict[str, Any]], deprecated=True, description=(
        "Deprecated: the full phone number in the query string ends up in access logs, proxy logs "
        "and browser history. Use POST /v1/cases/by-phone with the same fields in a JSON body; "
        "this stays only for seats not yet updated."))
    def caller_cases(
        who: Authed,
        request: Request,
        phone: Annotated[str, Query(min_length=3, max_length=40)],
        days: Annotated[int, Query(ge=1, le=3660)] = 365,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[dict[str, Any]]:
        return lookup_caller(who, request, phone, days, limit)

    @app.get("/v1/reference/{kind}", response_model=ReferenceResponse)
    def get_reference(
        kind: str,
        who: Authed,
        since_version: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 5000,
        after_key: Annotated[str, Query(max_length=200, description="next page: the last item's key "
                                        "(with its version as since_version)")] = "",
    ) -> ReferenceResponse:
        try:
            version, items, more = reference.since(kind, since_version, limit, after_key)
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None
        return ReferenceResponse(kind=kind, version=version, items=items, has_more=more)

    @app.post("/v1/reference/{kind}", response_model=ReferenceResponse)
    def put_reference(kind: str, body: ReferenceUpload, who: Authed, request: Request) -> ReferenceResponse:
        require(who, {Role.ADMIN}, "change reference data")
        try:
            version = reference.put(kind, body.items, body.delete, by=who.operator_id,
                                    ip=client_address(request))  # audited there
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return ReferenceResponse(kind=kind, version=version, items=[])

    @app.get("/v1/users", response_model=UserList)
    def list_users(who: Authed) -> UserList:
        require(who, {Role.ADMIN}, "manage users")
        return UserList(users=[OperatorInfo(**row) for row in accounts.list_operators()])

    @app.post("/v1/users", response_model=OperatorInfo, status_code=201)
    def add_user(body: UserCreate, who: Authed, request: Request) -> OperatorInfo:
        require(who, {Role.ADMIN}, "manage users")
        try:
            accounts.add_operator(body.operator_id, body.name, body.role, body.password, body.department,
                                  by=who.operator_id, ip=client_address(request))  # audited there
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        return OperatorInfo(operator_id=body.operator_id, name=body.name, role=body.role, department=body.department)

    @app.post("/v1/users/{operator_id}/disable", status_code=204)
    def disable_user(operator_id: str, who: Authed, request: Request) -> None:
        require(who, {Role.ADMIN}, "manage users")
        try:
            accounts.set_active(operator_id, False, by=who.operator_id, ip=client_address(request))  # audited there
        except KeyError:
            raise HTTPException(404, f"no operator {operator_id!r}") from None

    app.include_router(open311_router(db))  # /open311/v2: Open311 GeoReport v2
    from .board_api import board_router  # /v1/board, /v1/cases/{no}/callers

    app.include_router(board_router(db))
    register_audit(app, db, accounts)  # /v1/audit, /v1/audit/changes (admin)
    from .export_api import register_export  # /v1/export/cases.csv (supervisor, admin, department)

    register_export(app, db, accounts)
    return app


class BodyLimit:
    """ASGI middleware: a request body over *limit* bytes is refused with 413,
    whether its Content-Length says so or it comes chunked without one."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"request body larger than {self.limit} bytes"
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _error(413, too_large)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:  # handled by the app's HTTPException handler
                raise HTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` (several worker processes)."""
    url = os.environ.get("OPERATOR_TUI_DATABASE")
    if not url:
        raise RuntimeError("OPERATOR_TUI_DATABASE is not set")
    # A push's thread gives up the GIL at each database call and then waits for
    # the event loop's thread to yield it: every 5 ms by default, which under
    # 700 long polls added up to hundreds of ms a push. Hand it over sooner.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return create_app(
        url, token_hours=float(os.environ.get("OPERATOR_TUI_TOKEN_HOURS", "12")),
        trusted_proxies=os.environ.get("OPERATOR_TUI_TRUSTED_PROXIES", ""),
        forwarded_header=os.environ.get("OPERATOR_TUI_FORWARDED_HEADER", "") or "x-forwarded-for",
    )


def _info(who: Session) -> OperatorInfo:
    return OperatorInfo(operator_id=who.operator_id, name=who.name, role=who.role, department=who.department)


def _error(status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=headers)


def _describe(errors: Any) -> str:
    parts = []
    for err in list(errors)[:5]:
        where = ".".join(str(x) for x in err.get("loc", ())) or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _plain(errors: Any) -> list[dict[str, Any]]:
    """Validation errors reduced to JSON-safe fields (no echoed input)."""
    return [
        {"loc": [str(x) for x in err.get("loc", ())], "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        for err in list(errors)[:20]
    ]
