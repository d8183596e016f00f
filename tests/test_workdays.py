"""Working days, the holiday calendar and deadline flags (operator_tui.workdays).

Pure unit tests, in the centre's time (Asia/Shanghai, UTC+8), around three
kinds of days: a plain weekend, the 2026 Spring Festival holiday and its
make-up work days (Saturday 14 and Saturday 28 February 2026).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from central_server import data
from operator_tui import clock, routing, workdays
from operator_tui.domain import Actor, CaseState, Event, EventType, Role, apply_event
from operator_tui.workdays import Calendar, DeadlineKind, Flag, Span

BJ = timezone(timedelta(hours=8))
CAL = Calendar.from_items(data.holidays(2026), tz=BJ)
PLAIN = Calendar(tz=BJ)  # weekends only


def bj(*args: int) -> datetime:
    """A moment given in Beijing time."""
    return datetime(*args, tzinfo=BJ)


# --- the calendar ------------------------------------------------------------


def test_the_shipped_2026_calendar() -> None:
    assert CAL.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).weekday() == 5  # make-up Saturday
    assert CAL.is_workday(date(2026, 2, 28)) and CAL.is_workday(date(2026, 1, 4))
    assert not any(CAL.is_workday(date(2026, 2, d)) for d in range(15, 24))  # nine days off
    assert not any(CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.is_workday(date(2026, 9, 20)) and CAL.is_workday(date(2026, 10, 10))
    assert not CAL.is_workday(date(2026, 3, 14)) and CAL.is_workday(date(2026, 3, 16))
    assert CAL.working_days(date(2026, 1, 1), date(2026, 12, 31)) == 248
    assert CAL.working_days(date(2026, 2, 1), date(2026, 2, 28)) == 16


def test_work_seconds_count_whole_working_days_only() -> None:
    fri, mon = bj(2026, 3, 13, 15), bj(2026, 3, 16, 15)
    assert CAL.work_seconds(fri, mon) == 24 * 3600  # Fri 15-24 + Mon 0-15
    assert CAL.work_seconds(bj(2026, 3, 14, 1), bj(2026, 3, 15, 23)) == 0  # the weekend
    assert CAL.work_seconds(mon, fri) == 0
    # over the Spring Festival: Fri 13 Feb 10:00 to Tue 24 Feb 10:00 is Fri + make-up Sat + Tue
    assert CAL.work_seconds(bj(2026, 2, 13, 10), bj(2026, 2, 24, 10)) == (14 + 24 + 10) * 3600
    assert PLAIN.work_seconds(bj(2026, 2, 13, 10), bj(2026, 2, 24, 10)) == (14 + 6 * 24 + 10) * 3600


def test_adding_working_days_across_a_weekend() -> None:
    assert CAL.add_work_days(bj(2026, 3, 13, 15), 1) == bj(2026, 3, 16, 15)
    assert CAL.add_work_days(bj(2026, 3, 14, 10), 1) == bj(2026, 3, 17, 0)  # Saturday: all of Monday
    assert CAL.add_work_days(bj(2026, 3, 12, 0), 2) == bj(2026, 3, 14, 0)  # ends with Friday
    assert CAL.add_work_days(bj(2026, 3, 13, 15), 0) == bj(2026, 3, 13, 15)


def test_adding_working_days_across_a_holiday_with_make_up_days() -> None:
    start = bj(2026, 2, 13, 10)  # Friday before the Spring Festival
    assert CAL.add_work_days(start, 1) == bj(2026, 2, 14, 10)  # the make-up Saturday counts
    assert CAL.add_work_days(start, 2) == bj(2026, 2, 24, 10)  # then nine days off
    # 15 working days: 14 Feb, 24-28 Feb (28 is a make-up Saturday), 2-6, 9-12 March
    assert CAL.add_work_days(start, 15) == bj(2026, 3, 12, 10)
    assert PLAIN.add_work_days(start, 15) == bj(2026, 3, 6, 10)


def test_work_seconds_and_adding_agree() -> None:
    rng = random.Random(5)
    for _ in range(300):
        start = bj(2026, 1, 1) + timedelta(minutes=rng.randrange(365 * 24 * 60))
        seconds = rng.randrange(40 * 86400)
        end = CAL.add_work_seconds(start, seconds)
        assert CAL.work_seconds(start, end) == pytest.approx(seconds)


def test_a_calendar_without_working_days_is_an_error() -> None:
    never = Calendar({date(2026, 1, 1) + timedelta(days=n): False for n in range(5000)}, tz=BJ)
    with pytest.raises(ValueError, match="no working days"):
        never.add_work_days(bj(2026, 1, 1), 1)


def test_calendar_files(tmp_path) -> None:
    items = workdays.read_calendar_file("x.csv", "\ufeffdate,kind,name\n2026-10-10,workday,调休\n2026-10-01,Holiday,国庆\n")
    assert items == [{"date": "2026-10-01", "kind": "holiday", "name": "国庆"},
                     {"date": "2026-10-10", "kind": "workday", "name": "调休"}]
    assert workdays.read_calendar_file("x.json", '{"items": [{"date": "2026-10-01", "kind": "holiday"}]}')
    assert workdays.read_calendar_file("x.json", '[{"date": "2026-10-01", "kind": "holiday"}]')
    for name, text, error in [
        ("x.csv", "day,what\n2026-10-01,holiday\n", "header"),
        ("x.csv", "date,kind\n2026-13-01,holiday\n", "entry 1"),
        ("x.csv", "date,kind\n2026-10-01,weekend\n", "holiday or workday"),
        ("x.csv", "date,kind\n2026-10-01,holiday\n2026-10-01,workday\n", "both"),
        ("x.json", "{nope", "not JSON"),
        ("x.json", '{"items": 3}', "JSON list"),
    ]:
        with pytest.raises(ValueError, match=error):
            workdays.read_calendar_file(name, text)


def test_centre_timezone_and_near_fraction_settings(monkeypatch) -> None:
    monkeypatch.delenv(clock.TZ_ENV, raising=False)
    assert workdays.centre_timezone().utcoffset(datetime(2026, 7, 1)) == timedelta(hours=8)
    monkeypatch.setenv(clock.TZ_ENV, "Europe/Berlin")
    assert workdays.centre_timezone().utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)
    monkeypatch.setenv(clock.TZ_ENV, "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown timezone"):
        workdays.centre_timezone()
    monkeypatch.delenv(workdays.NEAR_ENV, raising=False)
    assert workdays.near_fraction() == 0.8
    monkeypatch.setenv(workdays.NEAR_ENV, "0.9")
    assert workdays.near_fraction() == 0.9
    with pytest.raises(ValueError):
        workdays.near_fraction("1.5")


# --- the rules ------------------------------------------------------------------


def test_dispatch_deadlines_by_urgency() -> None:
    fri = bj(2026, 3, 13, 16)  # Friday afternoon
    normal = workdays.dispatch_deadlines(fri, None, "normal", CAL)
    assert normal.sign == bj(2026, 3, 13, 18)  # 2 working hours
    assert normal.feedback == bj(2026, 3, 16, 16)  # 1 working day: Monday
    assert normal.resolution == bj(2026, 4, 3, 16)  # 15 working days (Qingming starts on Sat 4 Apr)
    urgent = workdays.dispatch_deadlines(fri, None, "urgent", CAL)
    assert (urgent.sign, urgent.feedback, urgent.resolution) == (
        bj(2026, 3, 13, 17), bj(2026, 3, 14, 4), bj(2026, 3, 16, 16))  # on the clock: 1 h, 12 h, 72 h
    critical = workdays.dispatch_deadlines(fri, {"deadline_hours": {"critical": 1}}, "critical", CAL)
    assert critical.sign == fri + timedelta(minutes=30)
    assert critical.feedback == critical.resolution == fri + timedelta(hours=1)  # capped


def test_category_hours_are_working_days_for_normal_cases() -> None:
    category = {"deadline_hours": {"normal": 168, "urgent": 48}}
    assert workdays.resolution_span(category, "normal") == Span(168, working=True)
    assert str(workdays.resolution_span(category, "normal")) == "7 working days"
    assert workdays.resolution_span(category, "urgent") == Span(48)
    assert workdays.resolution_span(None, "normal") == Span(360, working=True)
    start = bj(2026, 2, 12, 9)
    assert routing.deadline(start, category, "normal", CAL) == bj(2026, 2, 28, 9)  # a make-up Saturday
    assert routing.deadline(start, category, "urgent", CAL) == bj(2026, 2, 14, 9)


def test_an_extension_counts_in_the_cases_own_time() -> None:
    due = bj(2026, 2, 13, 12)
    assert workdays.extend(due, 48, "normal", CAL) == bj(2026, 2, 24, 12)  # make-up Sat + Tue
    assert workdays.extend(due, 48, "urgent", CAL) == bj(2026, 2, 15, 12)


# --- flags ------------------------------------------------------------------------


def dispatched_case(at: datetime, urgency: str = "normal", **fields) -> dict:
    deadlines = workdays.dispatch_deadlines(at, None, urgency, CAL).as_payload()
    return {"case_no": "x", "status": "dispatched", "urgency": urgency,
            "dispatched_at": clock.iso(at), **deadlines, **fields}


def test_near_and_overdue_across_a_weekend() -> None:
    case = dispatched_case(bj(2026, 3, 13, 16), status="signed")  # Friday 16:00, signed
    flag = lambda t: workdays.deadline_status(case, t, CAL)  # noqa: E731
    # feedback: 1 working day = Fri 16-24 and Mon 0-16; 80 % of it is used at Mon 11:12
    assert flag(bj(2026, 3, 15, 23, 59)).flag == Flag.OK
    assert flag(bj(2026, 3, 15, 23, 59)).fraction == pytest.approx(8 / 24)
    assert flag(bj(2026, 3, 16, 11, 11)).flag == Flag.OK
    near = flag(bj(2026, 3, 16, 11, 12))
    assert near.flag == Flag.NEAR and near.kind == DeadlineKind.FEEDBACK
    assert flag(bj(2026, 3, 16, 16)).flag == Flag.NEAR  # due, not yet past
    late = flag(bj(2026, 3, 16, 16, 0, 1))
    assert late.flag == Flag.OVERDUE and late.kind == DeadlineKind.FEEDBACK and late.fraction > 1
    # the same case on the clock (urgent) is overdue all weekend
    urgent = dispatched_case(bj(2026, 3, 13, 16), "urgent", status="signed")
    assert workdays.deadline_status(urgent, bj(2026, 3, 14, 12), CAL).flag == Flag.OVERDUE


def test_near_and_overdue_across_a_make_up_work_day() -> None:
    case = dispatched_case(bj(2026, 2, 13, 12), status="signed", feedback_at="x")
    resolution = clock.parse(case["deadline"])
    assert resolution == bj(2026, 3, 12, 12)
    # 15 working days: 12 of them used at 80 %; the make-up Saturdays count, the holiday does not
    assert workdays.deadline_status(case, bj(2026, 2, 23, 23), CAL).fraction == pytest.approx(36 / 360)
    assert workdays.deadline_status(case, bj(2026, 2, 28, 12), CAL).fraction == pytest.approx(6 / 15)
    # 288 working hours: 12 (Fri) + 24 (Sat 14) + 96 (24-27) + 24 (Sat 28) + 120 (2-6 Mar) = 276; +12 on 9 Mar
    warn = workdays.due_marks(case, CAL).warn_at
    assert warn == bj(2026, 3, 9, 12)
    assert workdays.deadline_status(case, warn - timedelta(seconds=1), CAL).flag == Flag.OK
    assert workdays.deadline_status(case, warn, CAL).flag == Flag.NEAR
    assert workdays.deadline_status(case, resolution + timedelta(seconds=1), CAL).flag == Flag.OVERDUE
    # a make-up Saturday runs the clock, an ordinary one does not
    saturday = workdays.deadline_status(case, bj(2026, 2, 28, 23), CAL).fraction
    assert saturday > workdays.deadline_status(case, bj(2026, 2, 28, 1), CAL).fraction
    assert workdays.deadline_status(case, bj(2026, 3, 1, 23), CAL).fraction == saturday + 1 / 360


def test_which_deadlines_are_open() -> None:
    at = bj(2026, 3, 10, 9)
    case = dispatched_case(at)
    kinds = lambda c: [d.kind for d in workdays.open_deadlines(c)]  # noqa: E731
    assert kinds(case) == [DeadlineKind.SIGN, DeadlineKind.FEEDBACK, DeadlineKind.RESOLUTION]
    assert kinds({**case, "status": "signed"}) == [DeadlineKind.FEEDBACK, DeadlineKind.RESOLUTION]
    assert kinds({**case, "status": "signed", "feedback_at": "x"}) == [DeadlineKind.RESOLUTION]
    for status in ("open", "returned", "resolved", "closed", "escalated", "merged"):
        assert kinds({**case, "status": status}) == []
        assert workdays.deadline_status({**case, "status": status}, at, CAL).flag == Flag.OK
    assert workdays.due_marks({**case, "status": "resolved"}, CAL) is None
    # a sign deadline missed is overdue even with the resolution far away
    status = workdays.deadline_status(case, at + timedelta(hours=3), CAL)
    assert (status.flag, status.kind) == (Flag.OVERDUE, DeadlineKind.SIGN)


def test_due_marks_agree_with_the_status_at_any_time() -> None:
    rng = random.Random(11)
    for _ in range(200):
        at = bj(2026, 1, 1) + timedelta(minutes=rng.randrange(300 * 24 * 60))
        case = dispatched_case(at, rng.choice(["normal", "urgent", "critical"]),
                               status=rng.choice(["dispatched", "signed"]),
                               feedback_at=rng.choice(["", "x"]))
        marks = workdays.due_marks(case, CAL, 0.7)
        for _ in range(10):
            t = at + timedelta(minutes=rng.randrange(40 * 24 * 60))
            expected = Flag.OVERDUE if t > marks.due_at else Flag.NEAR if t >= marks.warn_at else Flag.OK
            assert workdays.deadline_status(case, t, CAL, 0.7).flag == expected


def test_inbox_order_nearest_deadline_first() -> None:
    a = dispatched_case(bj(2026, 3, 10, 9), case_no="a", status="signed", feedback_at="x")
    b = dispatched_case(bj(2026, 3, 11, 9), case_no="b", status="dispatched")
    c = {"case_no": "c", "status": "resolved"}
    d = dispatched_case(bj(2026, 3, 9, 9), "urgent", case_no="d", status="signed", feedback_at="x")
    assert [x["case_no"] for x in workdays.inbox_order([c, a, b, d])] == ["b", "d", "a", "c"]


# --- the domain keeps the facts the flags need ----------------------------------------


def test_domain_records_deadlines_feedback_and_resolution_times() -> None:
    op, sup = Actor("op1", Role.OPERATOR), Actor("sup", Role.SUPERVISOR)
    water, power = Actor("dw", Role.DEPARTMENT, "water"), Actor("dp", Role.DEPARTMENT, "power")
    t = iter(clock.iso(datetime(2026, 3, 10, tzinfo=UTC) + timedelta(hours=h)) for h in range(100))
    state = None

    def do(actor: Actor, kind: str, **payload) -> CaseState:
        nonlocal state
        state = apply_event(state, Event(EventType(kind), "c", 0, payload, actor, next(t)))
        return state

    do(op, "created", category_code="x")
    s = do(op, "dispatched", department="water", co_departments=["power"],
           deadline="D", sign_deadline="S", feedback_deadline="F")
    assert (s.deadline, s.sign_deadline, s.feedback_deadline, s.feedback_at) == ("D", "S", "F", "")
    do(power, "note", text="co-handler's word is not the lead's feedback")
    assert state.feedback_at == ""
    do(water, "signed")
    assert state.feedback_at == ""
    s = do(water, "note", text="contacted the caller")
    first = s.feedback_at
    assert first and do(water, "extended", action="request", hours=24).feedback_at == first
    do(sup, "extended", action="approve", hours=24, new_deadline="D2")
    s = do(water, "resolved", mode="department", result="fixed")
    assert s.deadline == "D2" and s.resolved_at == s.updated_at and s.feedback_at == first
    s = do(op, "reopened", mode="rework", deadline="D3", sign_deadline="S3", feedback_deadline="F3")
    assert (s.status, s.deadline, s.sign_deadline, s.feedback_deadline) == ("dispatched", "D3", "S3", "F3")
    assert s.feedback_at == "" and s.resolved_at == ""
    do(water, "signed")
    s = do(water, "resolved", mode="department", result="fixed again")
    assert s.feedback_at == s.resolved_at == s.updated_at  # the result is the first word this time
