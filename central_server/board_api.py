"""HTTP routes of the supervisor's board and of a master case's callers.

    GET /v1/board                      the board (supervisor, admin)
    GET /v1/board/cases                the cases behind one of its numbers
    GET /v1/cases/{case_no}/callers    everyone who called about a master case

Mounted by ``create_app`` with one ``include_router``; errors are the API's
usual ``{"error": ..., "detail": ...}`` bodies (400 for a bad metric, key or
time, 403 for a role that may not see the board, 404 for an unknown case).
"""


from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from operator_tui import clock
from operator_tui.domain import Role

from .accounts import Accounts, Session, audit
from .bearer import client_address, session_dependency
from .board import METRICS, Board, BoardError
from .callers import callers
from .db import Database

BOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
At = Annotated[str, Query(max_length=40, description="evaluate as of this time (ISO 8601); default now")]
Days = Annotated[int, Query(ge=1, le=366, description="the rates' period: today and the days before")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Drill(_Out):
    """Pass to GET /v1/board/cases (with the board's `at` and `days`)."""

    metric: str
    key: str


class ChannelCount(_Out):
    channel: str
    count: int
    drill: Drill


class HourCount(_Out):
    hour: int  # the centre's local hour, 0-23
    count: int
    drill: Drill
    by_channel: list[ChannelCount]


class Volume(_Out):
    total: int
    drill: Drill
    by_channel: list[ChannelCount]
    by_hour: list[HourCount]  # from 0 to the current hour


class TopCategory(_Out):
    category: str  # a code, cut to `level` parts; '' = not categorized yet
    today: int
    last_week: int  # same weekday a week ago, midnight to the same time of day
    change: int
    change_pct: float | None
    drill: Drill
    drill_last_week: Drill


class HotSpot(_Out):
    category: str
    district: str
    today: int
    baseline: float  # mean of the same weekday and hours over the last 4 weeks
    ratio: float | None  # today / baseline; null when the baseline is 0
    flagged: bool  # ratio > 2 (or no baseline) and today >= 3
    drill: Drill
    drill_baseline: Drill


class DepartmentDeadlines(_Out):
    department: str
    open: int  # dispatched or signed for, deadlines running
    near: int  # some deadline has used >= near_fraction of its time
    overdue: int  # some deadline has passed
    overdue_by_kind: dict[str, int]  # sign / feedback / resolution: the one passed first
    drill_open: Drill
    drill_near: Drill
    drill_overdue: Drill


class Deadlines(_Out):
    open: int
    near: int
    overdue: int
    drill_near: Drill
    drill_overdue: Drill
    by_department: list[DepartmentDeadlines]


class Rate(_Out):
    numerator: int
    denominator: int
    rate: float | None  # null when the denominator is 0
    drill: Drill
    drill_denominator: Drill


class OutcomeCount(_Out):
    count: int
    drill: Drill


class SatisfactionRate(Rate):
    outcomes: dict[str, OutcomeCount]  # satisfied, basic, unsatisfied, no_answer


class Rates(_Out):
    days: int
    from_: str = Field(alias="from")  # the period: [from, to), the centre's days
    to: str
    cases: int  # created in the period, merged ones left out
    response: Rate  # dispatched or answered within the dispatch target / cases past it or answered
    direct: Rate  # answered directly / cases
    resolution: Rate  # resolved or closed / dispatched
    satisfaction: SatisfactionRate  # satisfied + basic / callbacks with an answer


class BoardResponse(_Out):
    protocol: Literal[1] = 1
    at: str
    timezone: str
    day: str
    near_fraction: float
    volume: Volume
    top_categories: list[TopCategory]
    hot_spots: list[HotSpot]
    deadlines: Deadlines
    rates: Rates


class BoardCases(_Out):
    protocol: Literal[1] = 1
    metric: str
    key: str
    at: str
    total: int
    cases: list[dict[str, Any]]
    has_more: bool
    next_after: str


class Caller(_Out):
    case_no: str
    phone: str
    name: str
    language: str
    interpreter: bool
    channel: str
    created_at: str
    merged_into: str


class CallersResponse(_Out):
    protocol: Literal[1] = 1
    master: str
    status: str
    callers: list[Caller]  # the master first, then the cases merged into it
    phones: list[str]  # distinct, in that order


def board_router(db: Database) -> APIRouter:
    """The routes over *db*."""
    accounts = Accounts(db)
    board = Board(db)
    router = APIRouter(tags=["board"])

    session = session_dependency(accounts)

    def supervisor(who: Annotated[Session, Depends(session)]) -> Session:
        if who.role not in BOARD_ROLES:
            raise HTTPException(403, f"your role ({who.role}) may not see the board")
        return who

    @router.get("/v1/board", response_model=BoardResponse)
    def get_board(
        who: Annotated[Session, Depends(supervisor)],
        at: At = "",
        days: Days = 1,
        level: Annotated[int, Query(ge=0, le=5, description="cut category codes to this many parts (0: leaves)")] = 0,
        top: Annotated[int, Query(ge=1, le=100)] = 10,
        hot: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> dict[str, Any]:
        try:
            return board.summary(_at(at), days, level, top, hot)
        except BoardError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.get("/v1/board/cases", response_model=BoardCases)
    def board_cases(
        who: Annotated[Session, Depends(supervisor)],
        metric: Annotated[str, Query(max_length=20, description=", ".join(METRICS))],
        key: Annotated[str, Query(max_length=300)] = "",
        at: At = "",
        days: Days = 1,
        after: Annotated[str, Query(max_length=24, description="next_after of the previous page")] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        try:
            return board.cases(metric, key, _at(at), days, after, limit)
        except BoardError as exc:
            raise HTTPException(400, str(exc)) from None

    @router.get("/v1/cases/{case_no}/callers", response_model=CallersResponse)
    def case_callers(case_no: str, who: Annotated[Session, Depends(session)], request: Request) -> dict[str, Any]:
        found = callers(db, who.actor, case_no) if len(case_no) <= 24 else None
        if found is None:
            raise HTTPException(404, f"no case {case_no} that you may see")
        with db.transaction() as tx:
            audit(tx, who.operator_id, "callers_lookup", found["master"], client_address(request),
                  callers=len(found["callers"]))
        return found

    return router


def _at(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = clock.parse(text)
    except ValueError:
        raise HTTPException(400, f"at: not an ISO 8601 time: {text!r}") from None
    if not EARLIEST <= moment < LATEST:
        raise HTTPException(400, "at: must lie between 2000 and 2100")
    return moment
