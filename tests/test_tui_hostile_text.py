"""Hostile text in every field from every source renders inert (issue 8).

A seat whose cache holds what a hostile server, caller or KB editor could put
there: caller names, phones, addresses, descriptions, notes, return reasons,
extension reasons, results, callback notes, operator ids, category,
department and KB titles/bodies, all carrying Rich markup, Textual action
links, OSC 8 hyperlinks, ANSI CSI, C1 controls, bidi overrides, zero-width
characters, lone surrogates, line separators, tabs and newlines (see
tests/hostile_text.py). Every screen that shows them is rendered and checked
segment by segment: markup shows literally, no link or injected action in any
style, no control/bidi/zero-width character, every line exactly the screen's
width. Server error messages (login refused, board refused) and notifications
quoting case data are checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from operator_tui import clock
from operator_tui.app import OperatorApp
from operator_tui.seat import Seat
from tests.hostile_text import (CASE, CATEGORY, EVIL_NO, FORBIDDEN, OPEN_CASE, HostileServer, ago, check_screen,
                                check_tables, hostile, hostile_seat)
from tests.intake_support import SIZE, make_seat
from tests.tui_waits import workers_done

@pytest.fixture
def seat(tmp_path: Path) -> Iterator[Seat]:
    s = hostile_seat(tmp_path)
    yield s
    s.close()


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


async def checked(pilot, *tags: str, where: str = "") -> str:
    await settle(pilot)
    check_tables(pilot.app)
    return check_screen(pilot.app, tags, where)


# --- the operator's screens ----------------------------------------------------------------


async def test_home_lists_and_case_view(seat: Seat) -> None:
    draft_id, case_no = seat.new_draft()
    seat.save_draft(draft_id, {"phone": "139", "description": hostile("DD")}, case_no)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f", *"13800138000")
        await checked(pilot, "D1", where="search results")
        await pilot.press("f6")
        await checked(pilot, "DD", where="drafts")
        await pilot.press("ctrl+f", *["backspace"] * 11, *"13800138000", "enter")
        await settle(pilot)
        screen = app.screen
        keys = [key for key, _ in screen.rows["search"]]
        screen.panes["search"].table.move_cursor(row=keys.index(CASE))
        await pilot.press("enter")
        text = await checked(pilot, "N1", "A1", "D1", "PE", "CE", where="case view")
        for tag in ("O1", "B1", "X1", "T1", "R1"):  # the history's summaries (the table may be scrolled)
            assert any(f"[red]{tag}" in str(row) for row in app.screen.query_one("#events").rows) or \
                f"[red]{tag}" in text or _in_table(app, f"[red]{tag}"), tag
        await pilot.press("ctrl+t")  # the names in the other language
        await checked(pilot, "N1", "PZ", "CZ", where="case view, other language")


def _in_table(app: OperatorApp, needle: str) -> bool:
    from textual.widgets import DataTable

    for table in app.screen.query(DataTable):
        for key in table.rows:
            if any(needle in getattr(v, "plain", str(v)) for v in table.get_row(key)):
                return True
    return False


async def test_case_form_history_pickers_and_notification(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n", *"13800138000")
        await checked(pilot, where="case form with the caller's history")
        await pilot.press("f4", *"停水")
        await checked(pilot, "CE", where="category picker")
        await pilot.press("escape")
        await settle(pilot)
        form = app.screen
        form.query_one("#category").value = CATEGORY
        form._show_category()
        await checked(pilot, "CE", where="case form, hostile category picked")
        await pilot.press("f3")
        await checked(pilot, where="KB lookup, the hostile category name as its query")
        app.screen.query_one("#kb-query").value = "停水"
        await settle(pilot)
        hits = [i for i, row in enumerate(app.screen.rows) if row.article["id"] == "kb-0009-zh"]
        assert hits, "the hostile article is found"
        await pilot.press(*["down"] * hits[0])
        await checked(pilot, "KT", "KB", where="KB lookup, the hostile article")


async def test_hostile_case_number_in_a_notification(seat: Seat) -> None:
    """F2 copies from the caller's previous case and names it in a notification."""
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+n", *"13800138000")
        await settle(pilot)
        from screens.caller_history import CallerHistory

        history = app.screen.query_one(CallerHistory)
        evil = next(i for i, c in enumerate(history.cases) if c["case_no"] == EVIL_NO)
        history.query_one("#history-list").highlighted = evil
        await pilot.press("f2")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(EVIL_NO[:20] in m for m in messages), messages
        await pilot.pause(0.2)
        text = await checked(pilot, where="notification")
        assert "[@click=app.quit]Q[/][2J251126" in text, text
        form = app.screen  # what was copied into the fields (an Input shows what it holds raw)
        for field in ("#address", "#name"):
            value = form.query_one(field).value
            assert "[red]A2" in value if field == "#address" else True
            assert FORBIDDEN.search(value) is None, (field, value)


async def test_pending_problems_and_dispatch(seat: Seat) -> None:
    """A change the server refused with a hostile reason; departments with hostile names."""
    from screens.dispatch import DispatchScreen

    draft_id, case_no = seat.new_draft()
    seat.create_case(case_no, {"phone": "13800138000", "description": hostile("LD", surrogate=False),
                               "category_code": CATEGORY, "district": "chaoyang"},
                     draft_id=draft_id, started_at=clock.now_iso())
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await checked(pilot, where="pending sync")
        app.push_screen(DispatchScreen(seat, case_no))
        await checked(pilot, "PE", where="dispatch")
        await pilot.press("ctrl+t")
        await checked(pilot, "PZ", where="dispatch, other language")
        await pilot.press("escape")
        event_id = seat.cache.pending_events()[0]["event_id"]
        seat.cache.mark_results([{"event_id": event_id, "status": "rejected",
                                 "reason": hostile("PR", surrogate=False)}])
        app.screen.reload()
        await pilot.press("f8")
        await checked(pilot, "PR", where="problems")


async def test_callbacks_and_outcome_dialog(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await checked(pilot, "R1", where="callbacks")
        await pilot.press("enter")
        await checked(pilot, "N1", where="callback case view")
        await pilot.press("3")
        await checked(pilot, where="callback outcome dialog")


@pytest.mark.parametrize("action", ["enter", "r", "d", "n"])
async def test_department_desk_and_its_dialogs(tmp_path: Path, action: str) -> None:
    seat = hostile_seat(tmp_path, role="department", department="WATERCO")
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            keys = [key for key, _ in screen.rows]
            assert OPEN_CASE in keys, keys
            await checked(pilot, "D1", where="department desk")
            screen.pane.focus_table()
            screen.pane.table.move_cursor(row=keys.index(OPEN_CASE))
            await pilot.press(action)
            await checked(pilot, where=f"desk, after {action}")
    finally:
        seat.close()


async def test_extension_requests_and_refusal(tmp_path: Path) -> None:
    seat = hostile_seat(tmp_path, role="supervisor")
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await checked(pilot, "X2", where="extension requests")
            app.screen.pane.focus_table()
            await pilot.press("x")
            await checked(pilot, where="refuse an extension")
    finally:
        seat.close()


def hostile_board() -> dict[str, Any]:
    from tests.test_tui_snapshots_board import fixed_board

    board = fixed_board()
    board["top_categories"][0]["category"] = CATEGORY
    board["top_categories"][1]["category"] = hostile("BC")
    board["hot_spots"][0]["category"] = CATEGORY
    board["hot_spots"][1]["district"] = hostile("BD")
    board["deadlines"]["by_department"][1]["department"] = hostile("BP")
    board["volume"]["by_channel"][0]["channel"] = hostile("BH")
    return board


async def test_board_and_drill_down(tmp_path: Path) -> None:
    from screens.board import BoardScreen
    from screens.board_cases import BoardCasesScreen

    seat = hostile_seat(tmp_path, role="supervisor")
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(BoardScreen(seat, poll=None, data=hostile_board(), fetched_at=ago(0)))
            await checked(pilot, "CE", where="board")
            cases = [seat.cache.case(CASE), seat.cache.case(OPEN_CASE),
                     {**seat.cache.case(CASE), "case_no": hostile("BN", surrogate=False)}]
            page = {"protocol": 1, "metric": "volume", "key": "", "at": ago(0), "total": 3, "cases": cases,
                    "has_more": False, "next_after": ""}
            app.push_screen(BoardCasesScreen(seat, {"metric": "volume", "key": ""}, hostile("BT"), at=ago(0),
                                             zone="Asia/Shanghai", fetch=lambda after: page))
            await checked(pilot, "BT", "BN", where="board drill-down")
    finally:
        seat.close()


# --- a server that answers every request with a hostile error ------------------------------


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    srv = HostileServer()
    yield srv
    srv.close()


async def test_login_refused_with_a_hostile_message(hostile_server: HostileServer, tmp_path: Path) -> None:
    seat = make_seat(hostile_server.url, tmp_path)
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press(*"op1", "enter", *"secret", "enter")
            await checked(pilot, "SE", where="login refused")
    finally:
        seat.close()


async def test_board_and_list_refused_with_a_hostile_message(hostile_server: HostileServer,
                                                            tmp_path: Path) -> None:
    from screens.board import BoardScreen
    from screens.board_cases import BoardCasesScreen

    seat = hostile_seat(tmp_path, role="supervisor")
    seat.server_url = hostile_server.url
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            app.push_screen(BoardScreen(seat, poll=None))
            await settle(pilot)
            app.screen.refresh_board()
            await checked(pilot, "SE", where="board refused")
            app.push_screen(BoardCasesScreen(seat, {"metric": "volume", "key": ""}, "volume", at=ago(0)))
            await checked(pilot, "SE", where="board list refused")
            await pilot.press("x")  # the export: refused too, said in a notification
            await pilot.pause(0.3)
            await checked(pilot, where="export refused")
    finally:
        seat.close()


# --- through the real server: a seat, Open311 and the CSV export ------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from central_server.seed import seed_demo

    path = tmp_path_factory.mktemp("demo") / "central.db"
    seed_demo(f"sqlite:///{path}", n_cases=30)
    return path


async def test_hostile_text_through_the_server_open311_and_export(demo_db: Path, tmp_path: Path) -> None:
    import csv
    import io

    import httpx

    from central_server.demo_data import DEMO_PASSWORD
    from operator_tui.embedded_server import EmbeddedServer
    from tests.intake_support import copy_db
    from tests.test_open311 import issue_key

    db = copy_db(demo_db, tmp_path)
    srv = EmbeddedServer(f"sqlite:///{db}").start()
    seats: list[Seat] = []
    try:
        def logged_in(user: str) -> Seat:
            s = make_seat(srv.url, tmp_path / user)
            s.login(user, DEMO_PASSWORD)
            assert s.engine.sync_once().online
            seats.append(s)
            return s

        writer = logged_in("op1")  # (a lone surrogate cannot get this far: the protocol refuses it)
        leaf = next(c["code"] for c in sorted(writer.cache.categories(), key=lambda c: c["code"])
                    if c.get("level") == 3)
        draft_id, case_no = writer.new_draft()
        writer.create_case(case_no, {"phone": "13700137000", "name": hostile("W1", surrogate=False), "address": hostile("W2", surrogate=False),
                                     "description": "=HYPERLINK(\"http://evil\")" + hostile("W3", surrogate=False),
                                     "category_code": leaf, "district": "chaoyang"},
                           draft_id=draft_id, started_at=clock.now_iso())
        assert writer.engine.sync_once().outbox_depth == 0
        key = issue_key(f"sqlite:///{db}")
        posted = httpx.post(f"{srv.url}/open311/v2/requests.json", timeout=10, data={
            "api_key": key, "service_code": leaf, "phone": "13700137000", "first_name": hostile("F1", surrogate=False),
            "address_string": hostile("F2", surrogate=False), "description": "@SUM(1+1)" + hostile("F3", surrogate=False)})
        assert posted.status_code == 200, posted.text
        reader = logged_in("sup1")
        app = OperatorApp(reader, language="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            if len(app.screen_stack) > 2:
                await pilot.press("escape")  # supervisors land on the board
            await pilot.press("ctrl+f", *"13700137000")
            await checked(pilot, where="search: a seat's and an Open311 request")
            rows = [key for key, _ in app.screen.rows["search"]]
            assert case_no in rows and len(rows) == 2, rows
            for n in range(2):
                app.screen.panes["search"].table.focus()
                app.screen.panes["search"].table.move_cursor(row=n)
                await pilot.press("enter")
                await checked(pilot, where=f"case view of {rows[n]}")
                await pilot.press("escape")
        token = (reader.tokens.load() or {})["token"]
        answer = httpx.get(f"{srv.url}/v1/export/cases.csv", headers={"Authorization": f"Bearer {token}"},
                           params={"from": clock.now().date().isoformat()}, timeout=30)
        assert answer.status_code == 200, answer.text[:300]
        cells = [c for row in csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))) for c in row]
        ours = [c for c in cells if "[red]" in c]
        assert len(ours) >= 4, ours
        for c in cells:
            assert FORBIDDEN.search(c.replace("\n", "").replace("\t", "")) is None, repr(c)  # quoted: LF/TAB ok
            assert not c.startswith(("=", "+", "-", "@", "\t", "\r")), repr(c)
    finally:
        for s in seats:
            s.close()
        srv.stop()


# --- the checks themselves fail on live text ----------------------------------------------------


@pytest.mark.parametrize("shown", ["markup", "raw"])
async def test_the_checks_catch_text_that_is_not_inert(shown: str) -> None:
    """Markup parsed (a link, an action, the tag gone) or text shown raw (ESC,
    bidi, zero-width) must fail check_screen: the sweep can find what it looks for."""
    from textual.app import App, ComposeResult
    from textual.content import Content
    from textual.widgets import Static

    text = ("[red]LV[/] [link='http://e']L[/link] [@click=app.quit]Q[/] \x1b[2J\u202eR Z\u200bW"
            if shown == "markup" else hostile("LV", surrogate=False).split("\n")[0])

    class Live(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(Content.from_markup(text) if shown == "markup" else Content(text))

    app = Live()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with pytest.raises(AssertionError) as found:
            check_screen(app, ("LV",))
    report = str(found.value)
    if shown == "markup":
        assert "link 'http://e'" in report and "action @click='app.quit'" in report
        assert "'[red]LV' not shown literally" in report
    else:
        assert "'\\x1b'" in report and "'\\u202e'" in report and "'\\u200b'" in report


async def test_pasted_text_shows_inert_in_the_form(seat: Seat) -> None:
    """A terminal paste (text copied from a web page or a chat keeps its
    zero-width and bidi characters, sometimes colour codes) into every text field."""
    from textual import events

    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        form = app.screen
        for field, tag in (("#name", "PN"), ("#address", "PA"), ("#description", "PD")):
            form.query_one(field).focus()
            app.post_message(events.Paste(hostile(tag, surrogate=False)))
            await settle(pilot)
            await pilot.press("home")
            await checked(pilot, tag, where=f"case form, pasted into {field}")
            widget = form.query_one(field)
            held = getattr(widget, "value", None) if field != "#description" else widget.text
            kept = held.replace("\n", "").replace("\t", "")  # the description keeps its lines and tabs
            assert f"[red]{tag}" in held and FORBIDDEN.search(kept) is None, (field, held)
