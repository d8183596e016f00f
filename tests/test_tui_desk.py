"""After intake, in the real app against a real central server on loopback:
the department desk (sign, return, extension, result), the operator's
callbacks (satisfied, unsatisfied -> rework / escalate, no answer), the
supervisor's extension answers, and all of it offline.

One seeded demo database per module; every test serves its own copy. Seats
are real (cache + sync engine + file token store); their engine threads are
not started: tests sync with ``sync_once`` so nothing depends on timing.
Keys only: every action is driven by Pilot key presses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import clock
from operator_tui.app import OperatorApp
from operator_tui.domain import EventType
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat, SeatPaths
from screens import desk_lists, worklists
from screens.callbacks import CallbackCaseScreen, CallbacksScreen
from screens.case_actions import (CallbackOutcomeScreen, ExtensionRequestScreen, ReasonScreen,
                                  ReportResultScreen, ReturnCaseScreen)
from screens.department_desk import DeskCaseScreen, DeskScreen
from screens.extensions import ExtensionsScreen
from screens.help import HelpScreen
from screens.home import HomeScreen
from tests.intake_support import seeded_db, server  # noqa: F401 - fixtures
from tests.tui_waits import workers_done

SIZE = (120, 40)
DISTRICT = "chaoyang"


class Seats:
    """Logged-in seats on one server, one folder each; closed at the end."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder, self.open = url, folder, []

    def __call__(self, user: str) -> Seat:
        where = self.folder / user
        seat = Seat(self.url, SeatPaths(where / "cache.db", where / "tokens.json"), use_keyring=False)
        seat.login(user, DEMO_PASSWORD)
        assert seat.engine.sync_once().online
        self.open.append(seat)
        return seat


@pytest.fixture
def seats(server: EmbeddedServer, tmp_path: Path) -> Iterator[Seats]:
    made = Seats(server.url, tmp_path / "seats")
    yield made
    for seat in made.open:
        seat.close()


@pytest.fixture
def op(seats: Seats) -> Seat:
    return seats("op1")


def leaf_and_department(op: Seat) -> tuple[str, str]:
    """A pickable category and the department the routing sends it to."""
    for cat in sorted(op.cache.categories(), key=lambda c: c["code"]):
        if cat.get("level") == 3 and cat.get("active", True):
            dept = op.propose_department(cat["code"], DISTRICT)
            if dept:
                return cat["code"], dept
    raise AssertionError("the demo has routed categories")


def dispatched(op: Seat, description: str, deadline: datetime | None = None,
               urgency: str = "normal") -> tuple[str, str]:
    """A new case dispatched by *op*, synced; returns (case_no, department)."""
    category, dept = leaf_and_department(op)
    draft_id, case_no = op.new_draft()
    op.create_case(case_no, {"phone": "13800138000", "description": description, "category_code": category,
                             "district": DISTRICT, "address": "朝阳区建国路88号", "urgency": urgency},
                   draft_id=draft_id, started_at=clock.now_iso())
    op.dispatch(case_no, dept, deadline=clock.iso(deadline) if deadline else None)
    assert op.engine.sync_once().outbox_depth == 0
    return case_no, dept


def resolved(op: Seat, seats: Seats, description: str) -> tuple[str, str]:
    """A case the department signed and resolved; *op*'s cache has it resolved."""
    case_no, dept = dispatched(op, description)
    desk = seats(f"dept-{dept.lower()}")
    desk.record(case_no, EventType.SIGNED, {})
    desk.record(case_no, EventType.RESOLVED, {"mode": "department", "result": "已修复 fixed on site"})
    assert desk.engine.sync_once().outbox_depth == 0
    op.engine.sync_once()
    assert op.cache.case(case_no)["status"] == "resolved"
    return case_no, dept


def on_server(seats: Seats, case_no: str) -> dict:
    """The case as the central server has it now (read by a hotline seat)."""
    reader = seats.open[0]
    reader.engine.sync_once()
    return reader.cache.server_case(case_no) or {}


async def wait_idle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


async def select(pilot, screen, case_no: str) -> None:
    """Put the list's cursor on *case_no* (arrow keys only)."""
    await wait_idle(pilot)
    keys = [key for key, _ in screen.rows]
    assert case_no in keys, (case_no, keys)
    table = screen.pane.table
    table.focus()
    await pilot.press("ctrl+home")
    for _ in range(keys.index(case_no)):
        await pilot.press("down")
    assert screen.pane.selected_key() == case_no


# --- the department desk ---------------------------------------------------------------------


async def test_department_lands_on_its_desk_nearest_deadline_first(op: Seat, seats: Seats,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    now = clock.now()
    # urgent cases run on the clock (normal ones in working time, which depends on the weekday)
    later, dept = dispatched(op, "十天期限 ten days", now + timedelta(days=10), urgency="urgent")
    much_later, _ = dispatched(op, "二十天期限 twenty days", now + timedelta(days=20), urgency="urgent")
    overdue, _ = dispatched(op, "已超期 overdue", now - timedelta(hours=1))
    desk = seats(f"dept-{dept.lower()}")
    for case_no in (later, much_later):  # signed, with a first word: only the resolution deadline is open
        desk.record(case_no, EventType.SIGNED, {})
        desk.record(case_no, EventType.NOTE, {"text": "已派人 on our way"})
    assert desk.engine.sync_once().outbox_depth == 0
    # 8.5 days on: the 10-day case has used 85 % of its time (near), the 20-day one 42 %
    monkeypatch.setattr(worklists, "local_now", lambda: now + timedelta(days=8, hours=12))
    app = OperatorApp(desk, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        mine = [key for key, _ in screen.rows if key in (later, much_later, overdue)]
        assert mine == [overdue, later, much_later]
        cells = dict(screen.rows)
        assert cells[overdue][2].startswith("overdue")
        assert cells[later][2].startswith("near ") and cells[later][1].endswith(" result")
        assert cells[much_later][2][0].isdigit()
        assert (cells[overdue][3], cells[later][3]) == ("dispatched", "signed")
        assert "1 near deadline" in str(screen.query_one("#desk-counts").render())
        assert app.check_action("new_case", ()) is False  # departments do not open cases
        assert app.check_action("callbacks", ()) is False
        await pilot.press("ctrl+n")
        assert app.screen is screen


async def test_department_signs_asks_extension_reports_and_returns(op: Seat, seats: Seats) -> None:
    first, dept = dispatched(op, "路灯不亮 street light out")
    second, _ = dispatched(op, "不归我们管 not ours")
    desk = seats(f"dept-{dept.lower()}")
    app = OperatorApp(desk, language="en")
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await select(pilot, home, first)
        assert home.check_action("report", ()) is None  # not signed yet: shown, not active
        await pilot.press("s")
        await wait_idle(pilot)
        assert desk.cache.case(first)["status"] == "signed"
        assert dict(home.rows)[first][3] == "signed ↑"  # changed here, not yet confirmed

        await pilot.press("e")
        assert isinstance(app.screen, ExtensionRequestScreen)
        await pilot.press("backspace", "backspace", *"48", "enter")
        await pilot.press("enter")  # no reason yet: the form says so and stays
        assert isinstance(app.screen, ExtensionRequestScreen) and "why" in app.screen.error
        await pilot.press(*"等待配件 waiting for parts", "enter")
        await wait_idle(pilot)
        assert app.screen is home
        assert home.check_action("extension", ()) is None  # one request at a time

        await pilot.press("d")
        assert isinstance(app.screen, ReportResultScreen)
        await pilot.press(*"已更换灯泡", "enter", *"bulb replaced", "ctrl+s")
        await wait_idle(pilot)
        assert app.screen is home

        await select(pilot, home, second)
        await pilot.press("r")
        assert isinstance(app.screen, ReturnCaseScreen)
        await pilot.press("4")  # other: needs a text
        assert app.screen.reason == "other" and app.focused.id == "return-text"
        await pilot.press("enter")
        assert isinstance(app.screen, ReturnCaseScreen) and "other" in app.screen.error
        await pilot.press(*"应由区政府处理 the district's job", "enter")
        await wait_idle(pilot)
        assert app.screen is home
        assert desk.cache.outbox_depth() == 4
        assert dict(home.rows)[second][3] == "returned ↑"  # listed until the server has it

    assert desk.engine.sync_once().outbox_depth == 0
    assert desk.cache.problems() == []
    done = on_server(seats, first)
    assert done["status"] == "resolved" and done["resolution"] == "已更换灯泡\nbulb replaced"
    assert done["resolve_mode"] == "department" and done["extension_pending_hours"] == 48
    back = on_server(seats, second)
    assert back["status"] == "returned" and back["lead_department"] == ""
    events = [e["type"] for e in op.cache.case_events(first)]
    assert events[-3:] == ["signed", "extended", "resolved"]
    returned = [e for e in op.cache.case_events(second) if e["type"] == "returned"]
    assert returned[-1]["payload"] == {"reason": "other", "text": "应由区政府处理 the district's job"}


async def test_desk_case_view_acts_with_the_same_keys(op: Seat, seats: Seats) -> None:
    case_no, dept = dispatched(op, "噪音扰民 noise at night")
    desk = seats(f"dept-{dept.lower()}")
    app = OperatorApp(desk, language="en")
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        await select(pilot, home, case_no)
        await pilot.press("enter")
        await wait_idle(pilot)
        view = app.screen
        assert isinstance(view, DeskCaseScreen) and view.case_no == case_no
        await pilot.press("s")
        await wait_idle(pilot)
        assert view.case["status"] == "signed"
        await pilot.press("n", *"明天到现场 on site tomorrow", "enter")
        await wait_idle(pilot)
        assert view.case["feedback_at"]  # the first word meets the feedback deadline
        await pilot.press("r", "1", "enter")  # wrong locality, no text needed
        await wait_idle(pilot)
        assert app.screen is view and view.case["status"] == "returned"
        assert [e["type"] for e in view.events][-3:] == ["signed", "note", "returned"]
        assert view.check_action("sign", ()) is None
        await pilot.press("f1")
        rows = {r.description: r for r in app.screen.rows}
        assert isinstance(app.screen, HelpScreen)
        assert {"Sign", "Return…", "Extension…", "Report result…", "Note…"} <= set(rows)
        assert rows["Sign"].binding_id == "desk.sign"
    assert desk.engine.sync_once().outbox_depth == 0
    assert on_server(seats, case_no)["status"] == "returned"


async def test_enter_then_fast_typing_lands_in_the_next_field(op: Seat, seats: Seats) -> None:
    """Keys that arrive in one burst (a fast typist, a paste) go where they
    were meant: Enter moves the focus before the next key is delivered."""
    from textual import events

    case_no, dept = dispatched(op, "快速输入 typed fast")
    desk = seats(f"dept-{dept.lower()}")
    app = OperatorApp(desk, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app.screen, case_no)
        await pilot.press("e")
        await wait_idle(pilot)
        assert isinstance(app.screen, ExtensionRequestScreen)
        for key in ["backspace", "backspace", "3", "6", "enter", *"parts", "enter"]:  # one burst
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_idle(pilot)
        assert not isinstance(app.screen, ExtensionRequestScreen), app.screen.error
    asked = [e for e in desk.cache.case_events(case_no) if e["type"] == "extended"]
    assert asked[-1]["payload"]["hours"] == 36 and asked[-1]["payload"]["reason"] == "parts"


# --- callbacks ------------------------------------------------------------------------------


async def test_callback_satisfied_closes_the_case(op: Seat, seats: Seats) -> None:
    case_no, _ = resolved(op, seats, "垃圾未清运 rubbish not collected")
    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f4")
        await wait_idle(pilot)
        screen = app.screen
        assert isinstance(screen, CallbacksScreen)
        keys = [key for key, _ in screen.rows]
        waited = [desk_lists.moment(screen.cases[k]["updated_at"]) for k in keys if screen.cases[k]["tries"] < 3]
        assert waited == sorted(waited)  # longest waiting first
        await select(pilot, screen, case_no)
        await pilot.press("1")
        assert isinstance(app.screen, CallbackOutcomeScreen)
        await pilot.press(*"很满意 very happy", "enter")
        await wait_idle(pilot)
        assert app.screen is screen and case_no not in dict(screen.rows)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
    assert op.engine.sync_once().outbox_depth == 0
    server = on_server(seats, case_no)
    assert server["status"] == "closed" and server["satisfaction"] == "satisfied"
    last = op.cache.case_events(case_no)[-1]
    assert last["type"] == "callback"
    assert last["payload"] == {"satisfaction": "satisfied", "resolved": True, "note": "很满意 very happy"}


async def test_callback_unsatisfied_rework_goes_back_to_the_department(op: Seat, seats: Seats) -> None:
    rework, dept = resolved(op, seats, "漏水未修好 leak not fixed")
    escalate, _ = resolved(op, seats, "还是很吵 still noisy")
    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f4")
        screen = app.screen
        await select(pilot, screen, rework)
        await pilot.press("6")
        form = app.screen
        assert isinstance(form, CallbackOutcomeScreen)
        assert form.check_action("reopen", ("rework",)) is False  # the second step comes after the note
        await pilot.press(*"还在漏 still leaking", "enter")
        assert form.step == 2 and app.focused.id == "reopen-choice"
        await pilot.press("r")
        await wait_idle(pilot)
        assert app.screen is screen and rework not in dict(screen.rows)
        await select(pilot, screen, escalate)
        await pilot.press("5", "enter", "e")  # no note: the reason says why
        await wait_idle(pilot)
        assert escalate not in dict(screen.rows)
    assert op.engine.sync_once().outbox_depth == 0
    again = on_server(seats, rework)
    assert again["status"] == "dispatched" and again["lead_department"] == dept
    assert again["deadline"] > clock.now_iso()  # a fresh deadline from the server's rules
    assert [e["type"] for e in op.cache.case_events(rework)][-2:] == ["callback", "reopened"]
    assert on_server(seats, escalate)["status"] == "escalated"
    desk = seats(f"dept-{dept.lower()}")  # the department has it in its inbox again
    assert rework in [c["case_no"] for c in desk_lists.inbox(desk.cache, dept)]


async def test_unsatisfied_with_a_direct_answer_offers_escalation_only(op: Seat) -> None:
    """QA: the prompt said "(r / e, Enter)" on a case the hotline answered
    itself, where there is no department to rework it and r does nothing."""
    from tests.intake_support import ScreenApp

    case = {"case_no": "251129-001-0001-1", "status": "resolved", "lead_department": "",
            "resolve_mode": "direct", "resolution": "答复了 answered"}
    app = ScreenApp(op, lambda s: CallbackOutcomeScreen(case, None, "6"), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press("enter")  # the note is optional: on to the choice
        await pilot.pause()
        assert form.step == 2
        question = str(form.query_one("#reopen-label").render())
        assert "(e, Enter)" in question and "r /" not in question, question
        assert form.check_action("reopen", ("rework",)) is False


async def test_no_answer_three_times_flags_unreachable(op: Seat, seats: Seats) -> None:
    case_no, _ = resolved(op, seats, "无人接听 never answers")
    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f4")
        screen = app.screen
        # QA: after a try the cursor followed the case to the end of the list;
        # it stays where it was, on the next case to call
        first = screen.rows[0][0]
        screen.pane.table.move_cursor(row=0)
        await pilot.press("0")
        await wait_idle(pilot)
        assert screen.rows[-1][0] == first  # behind the others until the next round
        assert screen.pane.table.cursor_row == 0 and screen.pane.selected_key() != first
        for n in range(1, 4):
            await select(pilot, screen, case_no)
            await pilot.press("0")
            await wait_idle(pilot)
            assert screen.cases[case_no]["tries"] == n
        row = dict(screen.rows)[case_no]
        assert row[2] == "3 unreachable"
        assert [k for k, _ in screen.rows][-1] == case_no  # listed last
        assert "1 unreachable after 3 tries" in str(screen.query_one("#list-legend").render())
        # QA: "waited 0 s" after a try; the citizen has waited since the resolution
        from operator_tui import i18n

        case = {**screen.cases[case_no], "updated_at": clock.now_iso(),
                "resolved_at": clock.iso(clock.now() - timedelta(hours=5))}
        assert str(screen.row(case, screen.names)[1]) == i18n.format_duration(5 * 3600)
    assert op.engine.sync_once().outbox_depth == 0
    server = on_server(seats, case_no)
    assert server["status"] == "resolved" and server["callback_attempts"] == 3
    tries = [e["payload"]["satisfaction"] for e in op.cache.case_events(case_no) if e["type"] == "callback"]
    assert tries == ["no_answer"] * 3


async def test_callback_from_the_case_view(op: Seat, seats: Seats) -> None:
    case_no, _ = resolved(op, seats, "道路坑洼 pothole")
    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f4")
        screen = app.screen
        await select(pilot, screen, case_no)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert isinstance(app.screen, CallbackCaseScreen)
        await pilot.press("3", *"基本满意 ok", "enter")
        await wait_idle(pilot)
        assert app.screen.case["status"] == "closed"
        assert app.screen.check_action("outcome", ("1",)) is None
    assert op.engine.sync_once().outbox_depth == 0
    assert on_server(seats, case_no)["satisfaction"] == "basic"


# --- the supervisor's extension answers ------------------------------------------------------


async def test_supervisor_approves_and_refuses_extensions(op: Seat, seats: Seats) -> None:
    approve, dept = dispatched(op, "需要更多时间 needs time")
    refuse, _ = dispatched(op, "也要延期 also wants time")
    desk = seats(f"dept-{dept.lower()}")
    for case_no in (approve, refuse):
        desk.record(case_no, EventType.SIGNED, {})
        desk.record(case_no, EventType.EXTENDED, {"action": "request", "hours": 72, "reason": "等待审批 approvals"})
    assert desk.engine.sync_once().outbox_depth == 0
    sup = seats("sup1")
    old_deadline = sup.cache.case(approve)["deadline"]
    app = OperatorApp(sup, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f2")
        await wait_idle(pilot)
        screen = app.screen
        assert isinstance(screen, ExtensionsScreen)
        row = dict(screen.rows)[approve]
        assert row[4] == "+72 h" and row[6] == "等待审批 approvals"
        await select(pilot, screen, approve)
        await pilot.press("a")
        await wait_idle(pilot)
        assert approve not in dict(screen.rows)
        await select(pilot, screen, refuse)
        await pilot.press("x")
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("enter")  # a refusal needs a reason
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"期限内可完成 doable in time", "enter")
        await wait_idle(pilot)
        assert refuse not in dict(screen.rows)
        await pilot.press("f4")  # the supervisor calls back too
        assert isinstance(app.screen, CallbacksScreen)
    assert sup.engine.sync_once().outbox_depth == 0
    approved = on_server(seats, approve)
    assert approved["extension_pending_hours"] == 0
    # 72 h: on the clock for urgent cases, 3 working days for normal ones (the server's calendar)
    assert clock.parse(approved["deadline"]) - clock.parse(old_deadline) >= timedelta(hours=72)
    refused = on_server(seats, refuse)
    assert refused["extension_pending_hours"] == 0 and refused["status"] == "signed"


# --- offline ------------------------------------------------------------------------------------


async def test_desk_and_callbacks_work_offline_and_arrive_later(op: Seat, seats: Seats,
                                                                server: EmbeddedServer) -> None:
    to_sign, dept = dispatched(op, "离线签收 sign offline")
    to_call, _ = resolved(op, seats, "离线回访 call back offline")
    desk = seats(f"dept-{dept.lower()}")
    server.stop()
    try:
        app = OperatorApp(desk, language="en")
        async with app.run_test(size=SIZE) as pilot:
            home = app.screen
            await select(pilot, home, to_sign)
            await pilot.press("s")
            await pilot.press("e", *"12", "enter", *"离线申请 asked offline", "enter")
            await wait_idle(pilot)
            assert dict(home.rows)[to_sign][3].startswith("signed ↑")
        assert not desk.engine.sync_once().online
        assert desk.cache.outbox_depth() == 2
        app = OperatorApp(op, language="en")
        async with app.run_test(size=SIZE) as pilot:
            await wait_idle(pilot)
            await pilot.press("f4")
            await select(pilot, app.screen, to_call)
            await pilot.press("2", "enter")
            await wait_idle(pilot)
        assert not op.engine.sync_once().online
        assert op.cache.outbox_depth() == 1
    finally:
        again = EmbeddedServer(server.database_url, port=server.port).start()
    try:
        assert desk.engine.sync_once().outbox_depth == 0
        assert op.engine.sync_once().outbox_depth == 0
        signed = on_server(seats, to_sign)
        assert signed["status"] == "signed" and signed["extension_pending_hours"] == 12
        assert on_server(seats, to_call)["status"] == "closed"
        assert desk.cache.problems() == [] and op.cache.problems() == []
    finally:
        again.stop()


# --- deadlines (pure) -----------------------------------------------------------------------------


def test_deadline_flags_at_80_percent_and_overdue() -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=clock.now().tzinfo)
    case = {"status": "signed", "urgency": "urgent", "feedback_at": clock.iso(start),
            "dispatched_at": clock.iso(start), "deadline": clock.iso(start + timedelta(hours=10))}
    at = lambda hours: desk_lists.deadline_of(case, start + timedelta(hours=hours))  # noqa: E731
    assert at(7.9).flag == "ok"
    assert at(8).flag == "near" and at(8).seconds_left == 7200 and at(8).kind == "resolution"
    assert at(10.5).flag == "overdue" and at(10.5).seconds_left == -1800
    assert desk_lists.deadline_of({**case, "status": "resolved"}).flag == "none"
    # dispatched on this seat, not yet synced: no dispatch time, only ever overdue
    unsynced = {"status": "dispatched", "deadline": case["deadline"]}
    assert desk_lists.deadline_of(unsynced, start + timedelta(hours=9.9)).flag == "ok"
    assert desk_lists.deadline_of(unsynced, start + timedelta(hours=11)).flag == "overdue"


def test_extension_list_measures_the_resolution_deadline() -> None:
    """An extension moves the resolution deadline: the supervisor's list shows
    the time left to that one, even when a sign deadline is already past."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=clock.now().tzinfo)
    case = {"status": "dispatched", "urgency": "urgent", "dispatched_at": clock.iso(start),
            "sign_deadline": clock.iso(start + timedelta(hours=1)),
            "deadline": clock.iso(start + timedelta(hours=10))}
    later = start + timedelta(hours=8.5)
    assert desk_lists.deadline_of(case, later).kind == "sign"  # the desk: the worst deadline
    resolution = desk_lists.resolution_deadline(case, later)
    assert (resolution.flag, resolution.kind, resolution.seconds_left) == ("near", "resolution", 5400)


def test_record_from_a_list_reports_a_cache_that_cannot_write() -> None:
    """A full or read-only disk is a notification, never an exception out of a key."""
    from types import SimpleNamespace

    from local_cache import CacheError
    from operator_tui.domain import EventType
    from screens.callbacks import record

    said: list[str] = []

    def disk_full(*_args: object) -> None:
        raise CacheError("database or disk is full")

    screen = SimpleNamespace(seat=SimpleNamespace(record=disk_full),
                             app=SimpleNamespace(notify=lambda message, **_kw: said.append(message)))
    assert record(screen, "261129-017-0001-0", EventType.NOTE, {"text": "x"}) is False
    assert said and "disk is full" in said[0]
