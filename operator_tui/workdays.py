"""Deadlines in working time, the holiday calendar, and "zero overdue" flags.

Pure functions over plain data (no storage, no HTTP, no Textual): the central
server fills a case's deadlines with them at dispatch, and a seat flags the
cases in its cache with the same code, offline.

**Working time.** A date is a working day when the calendar says so:
Monday to Friday, except the dates it lists as ``holiday``, plus the
weekend dates it lists as ``workday`` (China's make-up work days, 调休).
Dates are the centre's dates (its timezone, ``OPERATOR_TUI_CENTRE_TZ``,
default Asia/Shanghai). Working time counts the whole 24 hours of a working
day and nothing of other days: "1 working day" from Friday 15:00 ends on
Monday 15:00; from Saturday 10:00 it ends at the end of Monday.

**The centre's deadline rules** (:data:`SIGN_SPANS`, :data:`FEEDBACK_SPANS`,
:func:`resolution_span`), all counted from the dispatch (or the rework):

============  ===============  ==================  ============================
urgency       sign for it      first feedback      resolution
============  ===============  ==================  ============================
critical      0.5 h            2 h                 category hours (default 24 h)
urgent        1 h              12 h                category hours (default 72 h)
normal        2 working hours  1 working day       category hours / 24 working
                                                   days (default 15 working days)
============  ===============  ==================  ============================

Critical and urgent cases run on the clock (an emergency does not wait for
Monday); normal cases run in working time (:data:`WORKING_TIME_URGENCIES`).
A category's ``deadline_hours`` are resolution hours; for a normal case every
24 of them are one working day. The feedback deadline is never later than the
resolution deadline, the sign deadline never later than the feedback one.
"Feedback" is the lead department's first word after the dispatch: a note,
an extension request or its result.

An approved extension moves the resolution deadline by the hours asked for,
in the case's own time (working time for a normal case: 48 h = 2 working
days) — :func:`extend`.

**Near and overdue.** A deadline is *near* once the time used reaches a
fraction (default 80 %, :data:`DEFAULT_NEAR_FRACTION`) of the time allowed,
both measured the way the rule counts; *overdue* once it has passed. Only
the deadlines still to be met count (:func:`open_deadlines`): sign while the
case is dispatched, feedback until the department has said something, and
resolution until the result is in.
"""

from __future__ import annotations

import csv
import io
import json
import os
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from . import clock
from .clock import centre_timezone
from .domain import CaseStatus, Urgency
from .routing import resolve_hours

HOLIDAY = "holiday"
WORKDAY = "workday"
DAY_KINDS = (HOLIDAY, WORKDAY)
DEFAULT_NEAR_FRACTION = 0.8
MAX_SEARCH_DAYS = 3660  # a calendar with no working day in ten years is broken

NEAR_ENV = "OPERATOR_TUI_NEAR_DEADLINE"


def near_fraction(value: str | float | None = None) -> float:
    """The near-deadline fraction: *value*, else ``OPERATOR_TUI_NEAR_DEADLINE``,
    else 0.8; must lie in (0, 1]."""
    raw = value if value is not None else os.environ.get(NEAR_ENV)
    if raw is None or raw == "":
        return DEFAULT_NEAR_FRACTION
    fraction = float(raw)
    if not 0 < fraction <= 1:
        raise ValueError(f"near-deadline fraction must be in (0, 1], not {raw!r}")
    return fraction


# --- the calendar ---------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    """One date the calendar lists: a holiday, or a (make-up) working day."""

    date: date
    kind: str  # HOLIDAY | WORKDAY
    name: str = ""


class Calendar:
    """Which of the centre's dates are working days.

    *overrides* maps a date to True (a working day, e.g. a make-up Saturday)
    or False (a holiday); every other date is a working day from Monday to
    Friday. *tz* is the centre's timezone (default: :func:`centre_timezone`).
    A calendar does not change once made (it caches day boundaries).
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None, tz: tzinfo | None = None):
        self.overrides = dict(overrides or {})
        self.tz = tz or centre_timezone()
        self._years: dict[int, tuple[int, list[int], list[int]]] = {}

    @classmethod
    def from_items(cls, items: Iterable[Mapping[str, Any]], tz: tzinfo | None = None) -> "Calendar":
        """A calendar from dicts with ``date`` (ISO) and ``kind`` (holiday | workday),
        as stored in the reference kind ``holidays``."""
        days = parse_days(items)
        return cls({d.date: d.kind == WORKDAY for d in days}, tz)

    def is_workday(self, day: date) -> bool:
        found = self.overrides.get(day)
        return found if found is not None else day.weekday() < 5

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """Local midnight starting *day*, in UTC."""
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC)

    # Arithmetic runs on integer microseconds since the epoch, over a table
    # per year of each day's start and the working time before it, so a
    # deadline 30 working days out costs a lookup, not a walk over 45 days
    # (it runs on every push of a dispatched case).

    def _year(self, year: int) -> tuple[int, list[int], list[int]]:
        """(ordinal of 1 January, day starts [n+1], working us before each day start [n+1])."""
        found = self._years.get(year)
        if found is None:
            first, last = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
            starts = [_us(self.day_start(date.fromordinal(o))) for o in range(first, last + 1)]
            before = [0]
            for i, ordinal in enumerate(range(first, last)):
                length = starts[i + 1] - starts[i] if self.is_workday(date.fromordinal(ordinal)) else 0
                before.append(before[-1] + length)
            found = self._years[year] = (first, starts, before)
        return found

    def _into_year(self, moment: datetime) -> tuple[int, int]:
        """(local year of *moment*, working us from its start to *moment*)."""
        us, day = _us(moment), self.local_date(moment)
        first, starts, before = self._year(day.year)
        i = day.toordinal() - first
        return day.year, before[i] + (us - starts[i] if before[i + 1] > before[i] else 0)

    def work_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of working time in [start, end) (0 when end <= start)."""
        if _us(end) <= _us(start):
            return 0.0
        (ya, a), (yb, b) = self._into_year(start), self._into_year(end)
        total = b - a
        for year in range(ya, yb):
            total += self._year(year)[2][-1]
        return total / 1e6

    def add_work_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when *seconds* of working time have passed since *start*."""
        if seconds <= 0:
            return _from_us(_us(start))
        year, done = self._into_year(start)
        target = done + round(seconds * 1e6)
        for _ in range(MAX_SEARCH_DAYS // 365 + 1):
            first, starts, before = self._year(year)
            if target <= before[-1]:
                j = bisect_left(before, target)  # the day ending when the time is used up is j - 1
                return _from_us(starts[j - 1] + target - before[j - 1])
            target -= before[-1]
            year += 1
        raise ValueError("the calendar has no working days ahead")

    def add_work_days(self, start: datetime, days: float) -> datetime:
        return self.add_work_seconds(start, days * 86400)

    def working_days(self, first: date, last: date) -> int:
        """Working days from *first* to *last*, both included."""
        return sum(self.is_workday(date.fromordinal(o)) for o in range(first.toordinal(), last.toordinal() + 1))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _us(moment: datetime) -> int:
    return (_aware(moment) - _EPOCH) // _US


def _from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_days(items: Iterable[Mapping[str, Any]]) -> list[CalendarDay]:
    """Calendar entries from dicts; raises ValueError naming the bad one."""
    days: dict[date, CalendarDay] = {}
    for number, item in enumerate(items, 1):
        try:
            day = date.fromisoformat(str(item["date"]).strip())
            kind = str(item.get("kind", "")).strip().lower()
        except (KeyError, ValueError, TypeError):
            raise ValueError(f"entry {number}: needs a date YYYY-MM-DD") from None
        if kind not in DAY_KINDS:
            raise ValueError(f"entry {number} ({day}): kind must be holiday or workday, not {kind!r}")
        if day in days and days[day].kind != kind:
            raise ValueError(f"entry {number}: {day} is listed as both holiday and workday")
        days[day] = CalendarDay(day, kind, str(item.get("name", "") or "").strip())
    return sorted(days.values(), key=lambda d: d.date)


def read_calendar_file(name: str, text: str) -> list[dict[str, str]]:
    """Entries of a calendar file: JSON (a list, or ``{"items": [...]}``) or
    CSV with a header ``date,kind,name``; checked, as reference items."""
    if name.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if isinstance(data, dict):
            data = data.get("items", data.get("days"))
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise ValueError('expected a JSON list of {"date", "kind", "name"} objects')
        rows: Iterable[Mapping[str, Any]] = data
    else:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        if not reader.fieldnames or not {"date", "kind"} <= {f.strip() for f in reader.fieldnames}:
            raise ValueError("a CSV calendar needs a header line: date,kind,name")
        rows = [{k.strip(): (v or "") for k, v in row.items() if k} for row in reader]
    return calendar_items(rows)


def calendar_items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Checked calendar entries as reference items (date, kind, name), by date."""
    return [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name} for d in parse_days(rows)]


# --- the rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """An allowed time: *hours* on the clock, or of working time."""

    hours: float
    working: bool = False

    def end(self, start: datetime, calendar: Calendar) -> datetime:
        if self.working:
            return calendar.add_work_seconds(start, self.hours * 3600)
        return _aware(start).astimezone(UTC) + timedelta(hours=self.hours)

    def __str__(self) -> str:
        if self.working and self.hours >= 24 and self.hours % 24 == 0:
            return f"{self.hours / 24:g} working days"
        return f"{self.hours:g} {'working hours' if self.working else 'h'}"


WORKING_TIME_URGENCIES = frozenset({Urgency.NORMAL})
SIGN_SPANS = {
    Urgency.CRITICAL: Span(0.5),
    Urgency.URGENT: Span(1),
    Urgency.NORMAL: Span(2, working=True),
}
FEEDBACK_SPANS = {
    Urgency.CRITICAL: Span(2),
    Urgency.URGENT: Span(12),
    Urgency.NORMAL: Span(24, working=True),
}


def counts_working_time(urgency: str) -> bool:
    """True when deadlines of a case of *urgency* count working time."""
    return Urgency(urgency) in WORKING_TIME_URGENCIES


def resolution_span(category: Mapping[str, Any] | None, urgency: str) -> Span:
    """The resolution time of a case: the category's hours for its urgency
    (working time for a normal case: 360 h = 15 working days)."""
    return Span(resolve_hours(dict(category) if category else None, urgency), counts_working_time(urgency))


@dataclass(frozen=True)
class Deadlines:
    sign: datetime
    feedback: datetime
    resolution: datetime

    def as_payload(self) -> dict[str, str]:
        """As the fields of a ``dispatched`` / rework ``reopened`` payload."""
        return {
            "sign_deadline": clock.iso(self.sign),
            "feedback_deadline": clock.iso(self.feedback),
            "deadline": clock.iso(self.resolution),
        }


def dispatch_deadlines(
    start: datetime, category: Mapping[str, Any] | None, urgency: str, calendar: Calendar
) -> Deadlines:
    """The three deadlines of a case dispatched (or sent for rework) at *start*."""
    u = Urgency(urgency)
    resolution = resolution_span(category, u).end(start, calendar)
    feedback = min(FEEDBACK_SPANS[u].end(start, calendar), resolution)
    sign = min(SIGN_SPANS[u].end(start, calendar), feedback)
    return Deadlines(sign, feedback, resolution)


def extend(deadline: datetime, hours: float, urgency: str, calendar: Calendar) -> datetime:
    """The resolution deadline after an approved extension of *hours*."""
    return Span(hours, counts_working_time(urgency)).end(deadline, calendar)


# --- near and overdue ----------------------------------------------------------------


class Flag(StrEnum):
    OK = "ok"
    NEAR = "near"
    OVERDUE = "overdue"


class DeadlineKind(StrEnum):
    SIGN = "sign"
    FEEDBACK = "feedback"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class OpenDeadline:
    """A deadline a case still has to meet, with the moment its clock started."""

    kind: DeadlineKind
    start: datetime
    due: datetime
    working: bool

    def allowed(self, calendar: Calendar) -> float:
        return self._measure(self.start, self.due, calendar)

    def used(self, now: datetime, calendar: Calendar) -> float:
        return self._measure(self.start, now, calendar)

    def fraction(self, now: datetime, calendar: Calendar) -> float:
        """Time used / time allowed (1.0 and above: due or past)."""
        allowed = self.allowed(calendar)
        if allowed <= 0:
            return 1.0 if _aware(now) >= self.due else 0.0
        return self.used(now, calendar) / allowed

    def warn_at(self, calendar: Calendar, near: float = DEFAULT_NEAR_FRACTION) -> datetime:
        """The moment this deadline becomes near."""
        allowed = self.allowed(calendar) * near
        if self.working:
            return min(calendar.add_work_seconds(self.start, allowed), self.due)
        return min(self.start + timedelta(seconds=allowed), self.due)

    def flag(self, now: datetime, calendar: Calendar, near: float = DEFAULT_NEAR_FRACTION) -> Flag:
        now = _aware(now)
        if now > self.due:
            return Flag.OVERDUE
        return Flag.NEAR if now >= self.warn_at(calendar, near) else Flag.OK

    def _measure(self, a: datetime, b: datetime, calendar: Calendar) -> float:
        if self.working:
            return calendar.work_seconds(a, b)
        return max(0.0, (_aware(b) - a).total_seconds())


def _get(case: Any, name: str) -> Any:
    return case.get(name, "") if isinstance(case, Mapping) else getattr(case, name, "")


def _when(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return clock.parse(text)
    except ValueError:
        return None


def open_deadlines(case: Any) -> list[OpenDeadline]:
    """The deadlines a case (a CaseState or its dict) still has to meet.

    Only a case with a department (dispatched, or signed for) has any: sign
    while it is dispatched, feedback until the lead department has said
    something, and resolution.
    """
    status = _get(case, "status")
    if status not in (CaseStatus.DISPATCHED, CaseStatus.SIGNED):
        return []
    start = _when(_get(case, "dispatched_at"))
    if start is None:
        return []
    try:
        working = counts_working_time(_get(case, "urgency") or Urgency.NORMAL)
    except ValueError:
        working = False
    wanted = []
    if status == CaseStatus.DISPATCHED:
        wanted.append((DeadlineKind.SIGN, _get(case, "sign_deadline")))
    if not _get(case, "feedback_at"):
        wanted.append((DeadlineKind.FEEDBACK, _get(case, "feedback_deadline")))
    wanted.append((DeadlineKind.RESOLUTION, _get(case, "deadline")))
    found = []
    for kind, text in wanted:
        due = _when(text)
        if due is not None:
            found.append(OpenDeadline(kind, start, due, working))
    return found


@dataclass(frozen=True)
class DeadlineStatus:
    """How a case stands against its deadlines at one moment."""

    flag: Flag
    kind: DeadlineKind | None = None  # the deadline that decides the flag
    due: datetime | None = None
    fraction: float = 0.0  # of that deadline's time used

    def as_dict(self) -> dict[str, Any]:
        return {
            "flag": str(self.flag),
            "kind": str(self.kind) if self.kind else "",
            "due": clock.iso(self.due) if self.due else "",
            "fraction": round(self.fraction, 4),
        }


def deadline_status(
    case: Any, now: datetime, calendar: Calendar, near: float = DEFAULT_NEAR_FRACTION
) -> DeadlineStatus:
    """The case's worst flag at *now*: overdue if any open deadline has passed,
    near if any has used *near* of its time; the deciding deadline is the
    worst one (for ``ok``, the next one due)."""
    found = open_deadlines(case)
    if not found:
        return DeadlineStatus(Flag.OK)
    rank = {Flag.OK: 0, Flag.NEAR: 1, Flag.OVERDUE: 2}
    best: tuple[Any, ...] | None = None
    for d in found:
        flag = d.flag(now, calendar, near)
        key = (rank[flag], -d.due.timestamp())
        if best is None or key > best[0]:
            best = (key, flag, d)
    assert best is not None
    _, flag, d = best
    return DeadlineStatus(flag, d.kind, d.due, d.fraction(now, calendar))


@dataclass(frozen=True)
class DueMarks:
    """When a case turns near and overdue, as stored on the server for the board."""

    due_at: datetime  # the earliest open deadline: overdue after it
    warn_at: datetime  # the earliest moment an open deadline becomes near
    kind: DeadlineKind  # which deadline is due first


def due_marks(case: Any, calendar: Calendar, near: float = DEFAULT_NEAR_FRACTION) -> DueMarks | None:
    """The moments the case's flag changes (None: no open deadline).

    At time t the case is overdue when t > due_at, else near when t >= warn_at:
    the same answer as :func:`deadline_status` gives.
    """
    found = open_deadlines(case)
    if not found:
        return None
    first = min(found, key=lambda d: d.due)
    return DueMarks(first.due, min(d.warn_at(calendar, near) for d in found), first.kind)


def inbox_order(cases: Iterable[Any]) -> list[Any]:
    """Cases ordered for a department's inbox: the nearest open deadline first,
    cases without one last (by case number)."""
    far = datetime.max.replace(tzinfo=UTC)

    def key(case: Any) -> tuple[datetime, str]:
        found = open_deadlines(case)
        return (min((d.due for d in found), default=far), _get(case, "case_no"))

    return sorted(cases, key=key)
