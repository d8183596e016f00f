"""Phone numbers on screen (issue 8): masked on every screen, shown in full by
the reveal key where an operator must dial, and every reveal recorded — in the
case's history at once, and in the server's audit log exactly once, also after
an offline period.

Real server on loopback (EmbeddedServer on a copy of a seeded demo database)
and real Seats; sync engines are driven with ``sync_once``. The app runs in
English (the texts asserted are the catalog's msgids).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input

from central_server.demo_data import DEMO_PASSWORD
from operator_tui.app import OperatorApp
from operator_tui.domain import EventType
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.privacy import mask_phone
from operator_tui.seat import Seat
from screens.board_cases import BoardCasesScreen
from screens.callbacks import CallbacksScreen
from screens.case_actions import CallbackOutcomeScreen
from screens.case_form import CaseFormScreen
from screens.case_view import CaseViewScreen
from screens.department_desk import DeskCaseScreen
from screens.help import keys_of
from screens.home import HomeScreen
from screens.merged_callers import MergedCallers
from tests.intake_support import (  # noqa: F401 - fixtures
    SIZE,
    ScreenApp,
    make_seat,
    seat,
    seeded_db,
    server,
)
from tests.server_helpers import query
from tests.tui_waits import workers_done

PHONE = "13812345678"
MASKED = "138****5678"
OTHER_PHONE = "13987654321"
HOSTILE = "[bold]x[/bold] [@click=app.quit]1380013[/] \x1b[31m8000\x1b[0m \u202e"


def new_case(seat: Seat, phone: str = PHONE, **fields: Any) -> str:
    draft_id, case_no = seat.new_draft()
    seat.create_case(case_no, {"phone": phone, "description": "小区停水 no water", "district": "chaoyang",
                               **fields}, draft_id=draft_id)
    return case_no


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


def fields_text(view: CaseViewScreen) -> str:
    return view.query_one("#fields-left").content.plain


def audit_rows(database_url: str, case_no: str) -> list[dict[str, Any]]:
    rows = query(database_url, "SELECT operator_id, target, detail FROM audit_log"
                               " WHERE action = 'phone_reveal' AND target = ?", (case_no,))
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


async def test_case_view_reveal_reaches_the_audit_log_once_after_an_offline_period(
        seat: Seat, server: EmbeddedServer) -> None:
    case_no = new_case(seat)
    assert seat.engine.sync_once().outbox_depth == 0
    server.stop()  # the seat works offline: the reveal is recorded locally first
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, case_no), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen
        assert MASKED in fields_text(view) and PHONE not in fields_text(view)
        await pilot.press("v")
        await settle(pilot)
        assert PHONE in fields_text(view) and "shown in full, recorded" in fields_text(view)
        [shown] = [e for e in view.events if e["type"] == "phone_revealed"]
        cells = [c.plain for c in view.query_one("#events", DataTable).get_row(shown["event_id"])]
        assert cells[2] == "viewed the phone number" and cells[3] == "op1" and cells[5] == "pending"
        await pilot.press("v")  # the same key hides it again, recording nothing
        await settle(pilot)
        assert MASKED in fields_text(view) and PHONE not in fields_text(view)
        assert [e["type"] for e in view.events].count("phone_revealed") == 1
    assert seat.cache.outbox_depth() == 1
    assert not seat.engine.sync_once().online
    assert audit_rows(server.database_url, case_no) == []
    again = EmbeddedServer(server.database_url, port=server.port).start()
    try:
        assert seat.engine.sync_once().outbox_depth == 0
        seat.engine.sync_once()
        [row] = audit_rows(server.database_url, case_no)
        assert row["operator_id"] == "op1" and row["detail"]["phone"] == MASKED
        assert row["detail"]["event_id"] == shown["event_id"]
        events = query(server.database_url, "SELECT type, actor_id FROM events WHERE case_no = ?"
                                            " ORDER BY seq", (case_no,))
        assert [(e["type"], e["actor_id"]) for e in events] == [("created", "op1"), ("phone_revealed", "op1")]
        assert seat.case(case_no)["updated_at"] == seat.cache.server_case(case_no)["updated_at"]
    finally:
        again.stop()


async def test_reveal_key_is_in_footer_help_and_remappable(seat: Seat) -> None:
    case_no = new_case(seat)
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, case_no), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen
        [row] = [k for k in keys_of(view) if k.binding_id == "case.reveal_phone"]
        assert row.keys == "v" and "recorded in the case history and the audit log" in row.description
        app.set_keymap({"case.reveal_phone": "ctrl+e"})
        await pilot.press("v")
        await settle(pilot)
        assert PHONE not in fields_text(view)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert PHONE in fields_text(view)


async def test_a_reveal_the_cache_cannot_record_shows_nothing_and_says_why(seat: Seat, monkeypatch) -> None:
    from local_cache import CacheError

    case_no = new_case(seat)

    def disk_full(*_args: Any) -> None:
        raise CacheError("database or disk is full")

    monkeypatch.setattr(seat, "record", disk_full)
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, case_no), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert app.is_running and PHONE not in fields_text(app.screen) and not seat.phone_shown(case_no)
        assert "disk is full" in str(list(app._notifications)[-1].message)


async def test_reveal_is_in_the_command_palette(seat: Seat) -> None:
    case_no = new_case(seat)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CaseViewScreen(seat, case_no))
        await settle(pilot)
        [command] = [c for c in app.get_system_commands(app.screen) if c.title == "Show number"]
        assert "(v)" in command.help
        await command.callback()
        await settle(pilot)
        assert PHONE in fields_text(app.screen)


async def test_master_case_reveals_its_merged_callers_each_recorded(seat: Seat) -> None:
    master = new_case(seat)
    other = new_case(seat, OTHER_PHONE)
    seat.record(other, EventType.MERGED, {"into": master})
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, master), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        callers = app.screen.query_one(MergedCallers)
        assert "139****4321" in callers.content.plain and OTHER_PHONE not in callers.content.plain
        await pilot.press("v")
        await settle(pilot)
        assert OTHER_PHONE in callers.content.plain and PHONE in fields_text(app.screen)
    for case_no in (master, other):
        assert [e["type"] for e in seat.cache.case_events(case_no)].count("phone_revealed") == 1


async def test_work_lists_and_drafts_are_masked(seat: Seat) -> None:
    case_no = new_case(seat)
    draft_id, draft_no = seat.new_draft()
    seat.save_draft(draft_id, {"phone": OTHER_PHONE, "description": "half typed"}, draft_no)
    seat.reveals.reveal(case_no)  # a reveal is for the screens that dial, not the lists
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        [(key, row)] = home.rows["today"]
        assert key == case_no and row[3] == MASKED
        [(_, draft)] = home.rows["drafts"]
        assert draft[3] == "139****4321"
        every = json.dumps(home.rows, ensure_ascii=False)
        assert PHONE not in every and OTHER_PHONE not in every


async def test_the_form_shows_the_number_being_typed(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: CaseFormScreen(s, None), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*PHONE)
        await pilot.pause()
        assert app.screen.query_one("#phone", Input).value == PHONE


async def test_callback_list_masks_and_reveals_for_dialling(seat: Seat) -> None:
    case_no = new_case(seat)
    seat.resolve_direct(case_no, "answered from the KB")
    app = ScreenApp(seat, lambda s: CallbacksScreen(s), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        keys = [k for k, _ in screen.rows]
        screen.pane.table.move_cursor(row=keys.index(case_no))
        await pilot.pause()
        assert dict(screen.rows)[case_no][5] == MASKED
        await pilot.press("v")
        await settle(pilot)
        assert dict(screen.rows)[case_no][5] == PHONE
        await pilot.press("1")  # satisfied: the form shows the number being dialled
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CallbackOutcomeScreen)
        assert PHONE in form.query(".action-hint").first().content.plain
    assert [e["type"] for e in seat.cache.case_events(case_no)].count("phone_revealed") == 1


async def test_department_reveals_on_its_own_case(seat: Seat, server: EmbeddedServer, tmp_path: Path) -> None:
    category = next(c["code"] for c in sorted(seat.cache.categories(), key=lambda c: c["code"])
                    if c.get("level") == 3 and seat.propose_department(c["code"], "chaoyang"))
    dept = seat.propose_department(category, "chaoyang")
    case_no = new_case(seat, category_code=category)
    seat.dispatch(case_no, dept)
    assert seat.engine.sync_once().outbox_depth == 0
    desk = make_seat(server.url, tmp_path / "desk")
    try:
        desk.login(f"dept-{dept.lower()}", DEMO_PASSWORD)
        assert desk.engine.sync_once().online
        app = ScreenApp(desk, lambda s: DeskCaseScreen(s, case_no), language="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert MASKED in fields_text(app.screen) and PHONE not in fields_text(app.screen)
            await pilot.press("v")
            await settle(pilot)
            assert PHONE in fields_text(app.screen)
        assert desk.engine.sync_once().outbox_depth == 0
        [row] = audit_rows(server.database_url, case_no)
        assert row["operator_id"] == f"dept-{dept.lower()}" and row["detail"]["phone"] == MASKED
    finally:
        desk.close()


async def test_board_drill_down_is_masked(seat: Seat) -> None:
    case = {**seat.case(new_case(seat)), "local": False}
    page = {"cases": [case], "total": 1, "has_more": False, "next_after": ""}
    app = ScreenApp(seat, lambda s: BoardCasesScreen(s, {"metric": "volume"}, "today", fetch=lambda after: page),
                    language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#board-cases", DataTable)
        cells = [c.plain for c in table.get_row(case["case_no"])]
        assert cells[3] == MASKED and PHONE not in " ".join(cells)


async def test_hostile_phone_text_stays_inert_masked_and_revealed(seat: Seat) -> None:
    case_no = new_case(seat)
    assert seat.engine.sync_once().outbox_depth == 0
    hostile = {**seat.cache.server_case(case_no), "phone": HOSTILE, "version": 99}
    seat.cache.apply_snapshot([hostile])  # e.g. from an old or broken server
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, case_no), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = next(x for x in fields_text(app.screen).splitlines() if x.startswith("Phone"))
        assert re.fullmatch(r"Phone +[0-9* +]+", line), line
        assert line.split()[-1] == mask_phone(HOSTILE)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is not None and app.is_running  # no [@click=app.quit] ran
        line = next(x for x in fields_text(app.screen).splitlines() if x.startswith("Phone"))
        assert "[bold]x[/bold] [@click=app.quit]1380013[" in line and "\x1b" not in line and "\u202e" not in line


def test_a_new_session_starts_masked(seat: Seat) -> None:
    case_no = new_case(seat)
    assert seat.reveal_phone(case_no) and seat.phone_shown(case_no)
    assert not seat.reveal_phone(case_no) and not seat.phone_shown(case_no)  # again: hidden
    assert seat.reveal_phone(case_no)
    assert [e["type"] for e in seat.cache.case_events(case_no)].count("phone_revealed") == 2
    seat.login("op1", DEMO_PASSWORD)
    assert not seat.phone_shown(case_no)
    assert seat.reveal_phone(case_no)
    assert seat.engine.sync_once().outbox_depth == 0  # logging out needs an empty outbox
    seat.logout()
    assert not seat.phone_shown(case_no)


def test_conflicts_and_outbox_rows_mask_an_edited_number() -> None:
    from screens import rows, worklists

    edit = {"type": "edited", "case_no": "251129-007-0001-7", "client_time": "",
            "payload": {"fields": {"phone": "+8613812345678"}}}
    [summary] = [c.plain for c in rows.pending_row(edit, worklists.Names())[3:]]
    assert MASKED in summary and PHONE not in summary
    problem = {"state": "conflict", "type": "edited", "case_no": "251129-007-0001-7", "reason": "changed",
               "conflict_fields": ["phone"], "event": edit, "server_case": {"phone": "+8613987654321"}}
    text = rows.problem_detail(problem).plain
    assert MASKED in text and "139****4321" in text and PHONE not in text and OTHER_PHONE not in text
    assert "differ in the masked digits" not in text
    alike = {**problem, "server_case": {"phone": "+8613800005678"}}
    assert "they differ in the masked digits" in rows.problem_detail(alike).plain
