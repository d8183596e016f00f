"""The lists after intake, read from the seat's cache (no Textual here).

* the department's inbox: cases dispatched to it, nearest deadline first;
* the hotline's callback list: resolved cases awaiting the citizen's
  feedback, longest waiting first;
* the supervisor's extension requests.

Everything here runs in a worker thread (the cache gives each thread its own
SQLite connection) and returns plain data. The LocalCache API has no listing
by status yet, so these read the ``cases`` table directly (as
``worklists.my_cases_today`` does), through its ``cases(status, updated_at)``
index (cache v5; tests/test_status_lists_indexed.py checks the query plans).

:class:`LiveList` (screens/live_list.py) is how these lists stay fresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from operator_tui import clock, workdays

from . import worklists as wl

CALLBACK_TRIES = 3  # no-answers after which a citizen counts as unreachable
LIST_LIMIT = 500
OPEN_AT_DEPARTMENT = ("dispatched", "signed")


# --- deadlines -------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Where a case stands against its open deadlines at one moment."""

    flag: str  # "none" (no open deadline), "ok", "near" or "overdue"
    seconds_left: float | None = None  # to the deciding deadline; negative once overdue
    share_used: float | None = None  # of that deadline's allowed time
    kind: str = ""  # the deciding deadline: "sign", "feedback" or "resolution"
    due: str = ""  # its time (ISO)


def moment(value: Any) -> datetime | None:
    try:
        return clock.parse(str(value)) if value else None
    except ValueError:
        return None


_calendar: tuple[Any, workdays.Calendar] | None = None  # ((cache file, holidays version), calendar)


def seat_calendar(cache: Any = None) -> workdays.Calendar:
    """The centre's working-day calendar as this seat has it (reference kind
    ``holidays``; weekends only without one), rebuilt when the list changes."""
    global _calendar
    if cache is None:
        return workdays.Calendar()
    try:
        version = (str(getattr(cache, "path", "")), cache.reference_version("holidays"))
        if _calendar is None or _calendar[0] != version:
            items = cache.reference_items("holidays")
            _calendar = (version, workdays.Calendar.from_items(items) if items else workdays.Calendar())
    except Exception:  # an older cache without the kind
        return workdays.Calendar()
    return _calendar[1]


def near_share() -> float:
    try:
        return workdays.near_fraction()  # OPERATOR_TUI_NEAR_DEADLINE, default 0.8
    except ValueError:
        return workdays.DEFAULT_NEAR_FRACTION


def deadline_of(case: dict[str, Any], now: datetime | None = None, calendar: workdays.Calendar | None = None,
                near: float | None = None) -> Deadline:
    """The case's flag at *now*, by the centre's rules (``operator_tui.workdays``:
    sign / feedback / resolution deadlines, working time for normal cases,
    near at 80 % of the allowed time). The deciding deadline is the worst
    one, or when all are fine the next one due.

    A case without a server dispatch time (dispatched on this seat, not yet
    synced) is measured against its own deadline only, and only ever flagged
    overdue.
    """
    now = now or wl.local_now()
    if case.get("status") not in OPEN_AT_DEPARTMENT:
        return Deadline("none")
    if workdays.open_deadlines(case):
        found = workdays.deadline_status(case, now, calendar or workdays.Calendar(),
                                         near_share() if near is None else near)
        due = found.due
        return Deadline(str(found.flag), (due - now).total_seconds() if due else None, found.fraction,
                        str(found.kind or ""), clock.iso(due) if due else "")
    due = moment(case.get("deadline"))
    if due is None:
        return Deadline("none")
    left = (due - now).total_seconds()
    return Deadline("overdue" if left < 0 else "ok", left, None, "resolution", clock.iso(due))


def resolution_deadline(case: dict[str, Any], now: datetime | None = None,
                        calendar: workdays.Calendar | None = None, near: float | None = None) -> Deadline:
    """The case against its resolution deadline alone (what an extension moves)."""
    now = now or wl.local_now()
    due, start = moment(case.get("deadline")), moment(case.get("dispatched_at"))
    if due is None:
        return Deadline("none")
    flag, share = ("overdue" if now > due else "ok"), None
    if start is not None:
        try:
            working = workdays.counts_working_time(case.get("urgency") or "normal")
        except ValueError:
            working = False
        found = workdays.OpenDeadline(workdays.DeadlineKind.RESOLUTION, start, due, working)
        cal = calendar or workdays.Calendar()
        flag = str(found.flag(now, cal, near_share() if near is None else near))
        share = found.fraction(now, cal)
    return Deadline(flag, (due - now).total_seconds(), share, "resolution", clock.iso(due))


def with_deadlines(cases: list[dict[str, Any]], cache: Any) -> list[dict[str, Any]]:
    """Each case with its ``due`` (:class:`Deadline`) at this moment (worker thread)."""
    calendar, near, now = seat_calendar(cache), near_share(), wl.local_now()
    for case in cases:
        case["due"] = deadline_of(case, now, calendar, near)
    return cases


def extended(case: dict[str, Any], hours: int, calendar: workdays.Calendar | None = None) -> str:
    """The deadline if an extension of *hours* is approved ('' without one):
    in the case's own time, as the server moves it (working time for a
    normal case: 48 h = 2 working days)."""
    due = moment(case.get("deadline"))
    if due is None or hours <= 0:
        return ""
    try:
        return clock.iso(workdays.extend(due, hours, case.get("urgency") or "normal",
                                         calendar or workdays.Calendar()))
    except ValueError:
        return ""


# --- reading ---------------------------------------------------------------------


def cached_cases(cache: Any, where: str, args: tuple, order: str = "", limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The cached cases matching the SQL *where* (with *args*), in *order*, at
    most *limit*: each case's state with ``local`` and ``server_version``."""
    rows = cache.read(
        f"SELECT state, local, server_version FROM cases WHERE {where} {order} LIMIT ?", (*args, limit)
    )
    return [{**json.loads(s), "local": bool(lo), "server_version": sv} for s, lo, sv in rows]


def inbox(cache: Any, department: str, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Cases dispatched to *department* (as lead or co-handler), nearest
    deadline first; then the ones it sent back or resolved here that the
    server has not confirmed yet (they leave the list once synced)."""
    if not department:
        return []
    open_cases = cached_cases(
        cache,
        "status IN (?, ?) AND (lead_department = ? OR EXISTS "
        "(SELECT 1 FROM json_each(cases.state, '$.co_departments') WHERE value = ?))",
        (*OPEN_AT_DEPARTMENT, department, department), limit=limit,
    )
    sent = cached_cases(cache, "local = 1 AND status IN ('returned', 'resolved')", (), "ORDER BY updated_at", limit)
    return with_deadlines(workdays.inbox_order(open_cases) + sent, cache)


def _events_by_case(cache: Any, case_nos: list[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """(type, payload) of each case's events in the cache, in log order."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {n: [] for n in case_nos}
    for start in range(0, len(case_nos), 500):
        chunk = case_nos[start:start + 500]
        rows = cache.read(
            "SELECT e.case_no, e.type, e.payload FROM events e LEFT JOIN outbox o ON o.event_id = e.event_id "
            f"WHERE e.case_no IN ({', '.join('?' * len(chunk))}) "
            "AND e.type IN ('resolved', 'callback', 'reopened', 'extended') "
            "ORDER BY e.seq IS NULL, e.seq, o.id, e.rowid",
            chunk,
        )
        for case_no, kind, payload in rows:
            out[case_no].append((kind, json.loads(payload)))
    return out


def no_answers_since_resolved(case: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> int:
    """Unanswered callback tries since the case was last resolved.

    From the case's events when the cache holds its last ``resolved``;
    otherwise (cases from the first snapshot come without events) the case's
    ``callback_attempts``, which counts every callback try it ever had.
    """
    last = max((i for i, (kind, _) in enumerate(events) if kind == "resolved"), default=None)
    if last is None:
        return int(case.get("callback_attempts") or 0)
    return sum(1 for kind, p in events[last + 1:] if kind == "callback" and p.get("satisfaction") == "no_answer")


def callbacks(cache: Any, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Resolved cases awaiting the citizen's feedback, longest waiting first.

    Waiting since the case's last activity (its resolution, or the last
    unanswered try), so a citizen who did not answer moves behind the others
    until the next round. Each case gets ``tries`` (see
    :func:`no_answers_since_resolved`).
    """
    found = cached_cases(cache, "status = 'resolved'", (), "ORDER BY updated_at, case_no", limit)
    events = _events_by_case(cache, [c["case_no"] for c in found])
    for case in found:
        case["tries"] = no_answers_since_resolved(case, events[case["case_no"]])
    return found


def extension_requests(cache: Any, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Cases whose department asked for more time, nearest resolution deadline
    first; each with ``due`` (against that deadline) and ``extension_reason``
    (from the request event, when cached)."""
    found = cached_cases(
        cache,
        "status IN (?, ?) AND coalesce(json_extract(state, '$.extension_pending_hours'), 0) > 0",
        OPEN_AT_DEPARTMENT, limit=limit,
    )
    calendar, near, now = seat_calendar(cache), near_share(), wl.local_now()
    for case in found:
        case["due"] = resolution_deadline(case, now, calendar, near)
    found.sort(key=lambda c: (c["due"].due or "~", c["case_no"]))
    events = _events_by_case(cache, [c["case_no"] for c in found])
    for case in found:
        requests = [p for kind, p in events[case["case_no"]] if kind == "extended" and p.get("action") == "request"]
        case["extension_reason"] = requests[-1].get("reason", "") if requests else ""
    return found
