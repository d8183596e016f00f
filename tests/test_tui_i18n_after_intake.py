"""The screens after intake follow the UI language live (Pilot): F12 relabels
the department desk, the case view opened from it, the callback list, the
supervisor's board and the list behind a board number — columns, rows,
counts, titles and footer keys — keeping the cursor; F12 works inside an open
action form too (a modal, which hides the app's other keys), and the form
follows the switch keeping what is typed and chosen.

Seats on fixed data without a server (the snapshot modules' seats); the
sync engine never starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList

from operator_tui import clock, i18n
from operator_tui.app import OperatorApp
from operator_tui.seat import Seat
from screens import worklists
from screens.board import BoardScreen
from screens.board_cases import BoardCasesScreen
from screens.callbacks import CallbacksScreen
from screens.case_actions import ReturnCaseScreen
from screens.department_desk import DeskCaseScreen, DeskScreen
from screens.translated import LocalizedFooter
from tests.intake_support import fixed_seat
from tests.test_tui_snapshots_board import AT, fixed_board
from tests.test_tui_snapshots_desk import NOW, SIZE, make_seat
from tests.tui_waits import workers_done

OVERDUE = "251127-012-0021-1"  # signed, resolution deadline passed, an extension asked for


@pytest.fixture(autouse=True)
def fixed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    before = i18n.current_language()
    monkeypatch.setattr(worklists, "local_now", lambda: NOW)
    monkeypatch.setenv(clock.TZ_ENV, "Asia/Shanghai")  # the times shown are the centre's
    monkeypatch.setattr(OperatorApp, "live_outbox", lambda self, status: status)
    yield
    i18n.set_language(before)


@pytest.fixture
def desk_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "department")
    yield seat
    seat.cache.close()


@pytest.fixture
def operator_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "operator")
    yield seat
    seat.cache.close()


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


def columns(table: DataTable) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


def footer_words(screen) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [key.description for key in screen.query_one(LocalizedFooter).query(FooterKey)]


def shown(screen, selector: str) -> str:
    """The text a Static shows."""
    return str(screen.query_one(selector).render())


async def test_f12_relabels_the_desk_and_the_case_view_live(desk_seat: Seat) -> None:
    app = OperatorApp(desk_seat, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        desk = app.screen
        assert isinstance(desk, DeskScreen)
        table = desk.pane.table
        assert columns(table) == ["工单号", "最近时限", "剩余时间", "状态", "分类", "区县", "诉求内容"]
        row = dict(desk.rows)[OVERDUE]
        assert (row[1], row[2], row[3], row[4]) == ("11月29日 16:00 办结", "超期2小时30分", "已签收 +延期", "垃圾清运")
        assert shown(desk, "#desk-title").startswith("承办单位工作台  市城市管理委")
        assert shown(desk, "#desk-counts").startswith("4件在办  ·  2件待签收")
        assert "签收" in footer_words(desk) and "Sign" not in footer_words(desk)
        await pilot.press("down")
        assert desk.pane.selected_key() == "251128-007-0003-1"
        assert "地址" in shown(desk, "#desk-detail")

        await pilot.press("f12")  # to English: the same rows, every word relabelled
        await settle(pilot)
        assert app.screen is desk and i18n.current_language() == "en"
        assert columns(table) == ["Case no", "Next deadline", "Time left", "Status", "Category", "District",
                                  "Description"]
        row = dict(desk.rows)[OVERDUE]
        assert (row[1], row[2], row[3]) == ("29 Nov 16:00 result", "overdue 2 h 30 min", "signed +ext")
        assert shown(desk, "#desk-title").startswith("Department desk  City Management Commission")
        assert shown(desk, "#desk-counts").startswith("4 open cases  ·  2 to sign  ·  1 near deadline")
        assert "Sign" in footer_words(desk) and "签收" not in footer_words(desk)
        assert desk.pane.selected_key() == "251128-007-0003-1"  # the cursor stayed
        assert "Address" in shown(desk, "#desk-detail")

        await pilot.press("enter")  # the case view with the desk's keys
        await settle(pilot)
        view = app.screen
        assert isinstance(view, DeskCaseScreen)
        assert "Sign" in footer_words(view) and "Case no" in shown(view, "#fields-left")
        await pilot.press("f12")
        await settle(pilot)
        assert "签收" in footer_words(view) and "工单号" in shown(view, "#fields-left")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is desk and columns(table)[0] == "工单号"  # relabelled underneath
        assert dict(desk.rows)[OVERDUE][2] == "超期2小时30分"


async def test_an_open_action_form_follows_the_language(desk_seat: Seat) -> None:
    app = OperatorApp(desk_seat, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "3", *"交叉")
        form = app.screen
        assert isinstance(form, ReturnCaseScreen)
        assert shown(form, "#action-title").startswith("退回热线")
        reasons = form.query_one(OptionList)
        assert reasons.get_option_at_index(0).prompt.plain == "1 非本辖区"
        await pilot.press("f12")  # a priority key: it reaches the app through the modal
        await settle(pilot)
        assert app.screen is form and app.ui_language == "en"
        assert shown(form, "#action-title").startswith("Return to the hotline")
        assert shown(form, "#action-case").startswith("Category")
        assert reasons.get_option_at_index(0).prompt.plain == "1 wrong locality"
        assert reasons.highlighted == 2 and form.reason == "overlapping_duties"  # the choice stays
        note = form.query_one("#return-text", Input)
        assert note.value == "交叉" and note.placeholder.startswith("explain")
        assert "Record" in footer_words(form)


async def test_f12_relabels_the_callback_list(operator_seat: Seat) -> None:
    app = OperatorApp(operator_seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CallbacksScreen)
        table = screen.pane.table
        assert columns(table)[:3] == ["Case no", "Waiting", "Tries"]
        assert shown(screen, "#list-legend").startswith("resolved")
        assert dict(screen.rows)["251125-007-0004-6"][2] == "3 unreachable"
        assert shown(screen, "#list-title").startswith("Callbacks — ")
        await pilot.press("f12")
        await settle(pilot)
        assert columns(table)[:3] == ["工单号", "已等待", "回访次数"]
        legend = shown(screen, "#list-legend")
        assert legend.startswith("已解决") and "3件待回访" in legend and "未接通" in legend
        row = dict(screen.rows)["251125-007-0004-6"]
        assert row[1] == "2天1小时" and row[2] == "3次·无法联系"
        assert dict(screen.rows)["251128-007-0019-8"][3] == "热线"
        assert shown(screen, "#list-title").startswith("回访 — ")
        assert "未接通" in footer_words(screen)


async def test_f12_relabels_the_board_and_the_list_behind_a_number(tmp_path: Path) -> None:
    seat = fixed_seat(tmp_path)
    try:
        app = OperatorApp(seat, language="zh")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            board = BoardScreen(seat, poll=None, data=fixed_board(), fetched_at=AT)
            app.push_screen(board)
            await settle(pilot)
            assert shown(board, "#board-title").startswith("班长看板  2025年11月29日  截至 10:30")
            assert shown(board, "#rates-heading") == "1 今日三率"
            assert shown(board, "#volume-heading") == "2 今日话务量（按小时和渠道）   348件"
            rates = board.table("rates")
            assert columns(rates) == ["指标", "%", "数量", "总数"]
            assert [c.plain for c in rates.get_row("resolution")][:2] == ["办结率", "70.2%"]
            await pilot.press("4", "right", "right")  # a hot spot's district
            cursor = board.table("hotspots").cursor_coordinate

            await pilot.press("f12")
            await settle(pilot)
            assert shown(board, "#board-title").startswith("Supervisor's board  29 Nov 2025  as of 10:30")
            assert shown(board, "#rates-heading") == "1 Rates today"
            assert shown(board, "#volume-heading") == "2 Volume today by hour and channel   348 cases"
            assert columns(rates) == ["Rate", "%", "Count", "Of"]
            assert [c.plain for c in rates.get_row("resolution")][:2] == ["Resolution", "70.2%"]
            hotspots = board.table("hotspots")
            assert columns(hotspots)[1:3] == ["Category", "District"]
            assert [c.plain for c in hotspots.get_row("hotspot.05.01.01.chaoyang")][1:3] == ["Water outage",
                                                                                           "Chaoyang"]
            assert hotspots.cursor_coordinate == cursor and board.focused is hotspots
            assert "Refresh" in footer_words(board)

            await pilot.press("enter")  # the cases behind it: the server is away, the list says so
            await settle(pilot)
            listing = app.screen
            assert isinstance(listing, BoardCasesScreen)
            assert shown(listing, "#board-cases-title").startswith("Water outage in Chaoyang: today")
            assert shown(listing, "#board-cases-note").startswith("the list needs the server")
            await pilot.press("f12")
            await settle(pilot)
            assert shown(listing, "#board-cases-title").startswith("朝阳区停水：今日")
            assert shown(listing, "#board-cases-note").startswith("列表需要连接服务器")
            assert columns(listing.query_one("#board-cases", DataTable))[:3] == ["工单号", "创建时间", "状态"]
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is board and shown(board, "#rates-heading") == "1 今日三率"
    finally:
        seat.cache.close()
