"""The supervisor's live board in the app, against a real central server on
loopback seeded with the demo (300 cases): the numbers on screen are the
/v1/board JSON, every drill-down lists the cases behind its number, Enter
opens the case, the board follows new cases by itself, and offline it keeps
its last data under "board needs the server — last updated hh:mm".

Keys only, through Pilot. Seats are real (cache + sync engine, threads not
started: tests call ``sync_once``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from textual.widgets import DataTable

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import clock, i18n
from operator_tui.app import OperatorApp
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat, SeatPaths
from screens.board import BoardScreen, BoardTableWidget, centre_time
from screens.board_cases import BoardCasesScreen
from screens.case_view import CaseViewScreen
from screens.home import HomeScreen
from tests.intake_support import ScreenApp, seed_demo_db, server  # noqa: F401 - fixtures
from tests.tui_waits import workers_done

SIZE = (120, 40)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_demo_db(tmp_path_factory, 300)


def login(url: str, folder: Path, user: str, *, sync: bool = True) -> Seat:
    seat = Seat(url, SeatPaths(folder / user / "cache.db", folder / user / "tokens.json"), use_keyring=False)
    seat.login(user, DEMO_PASSWORD)
    if sync:
        assert seat.engine.sync_once().online
    return seat


@pytest.fixture
def sup(server: EmbeddedServer, tmp_path: Path) -> Iterator[Seat]:
    seat = login(server.url, tmp_path, "sup1")
    yield seat
    seat.close()


def api(seat: Seat, path: str, **params: Any) -> dict[str, Any]:
    token = (seat.tokens.load() or {})["token"]
    answer = httpx.get(seat.server_url + path, params=params, headers={"Authorization": f"Bearer {token}"},
                       timeout=10)
    answer.raise_for_status()
    return answer.json()


async def idle(pilot) -> None:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


def shown(screen: BoardScreen, table_id: str) -> dict[str, list[str]]:
    """Row key -> the cells' text, as the table shows them."""
    table = screen.table(table_id)
    return {row.key.value: [c.plain for c in table.get_row(row.key)] for row in table.ordered_rows}


def board_app(seat: Seat, **kw: Any) -> ScreenApp:
    return ScreenApp(seat, lambda s: BoardScreen(s, **kw))


async def test_the_numbers_on_the_board_are_the_servers(sup: Seat) -> None:
    app = board_app(sup, poll=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.refresh_board()
        await idle(pilot)
        assert screen.problem == "" and screen.data is not None
        board = api(sup, "/v1/board", at=screen.data["at"])  # the same moment, asked again
        assert board == screen.data
        rates = shown(screen, "rates")
        for name in ("response", "resolution", "satisfaction", "direct"):
            rate = board["rates"][name]
            percent = "—" if rate["rate"] is None else i18n.format_percent(rate["rate"], 1)
            assert rates[name][1:] == [percent, str(rate["numerator"]), str(rate["denominator"])]
        for outcome, found in board["rates"]["satisfaction"]["outcomes"].items():
            assert rates[f"satisfaction.{outcome}"][2] == str(found["count"])
        volume = shown(screen, "volume")
        channels = ["phone", "web", "app", "wechat", "weibo", "email"]
        per_channel = {c["channel"]: c["count"] for c in board["volume"]["by_channel"]}
        assert volume["today"][1:] == [str(board["volume"]["total"])] + [str(per_channel.get(c, 0)) for c in channels]
        assert len(volume) == 1 + len(board["volume"]["by_hour"])
        for hour in board["volume"]["by_hour"]:
            counts = {c["channel"]: c["count"] for c in hour["by_channel"]}
            assert volume[f"hour.{hour['hour']}"][1:] == [str(hour["count"])] + [str(counts.get(c, 0)) for c in channels]
        categories = shown(screen, "categories")
        assert len(categories) == len(board["top_categories"])
        for entry in board["top_categories"]:
            row = categories[f"category.{entry['category']}"]
            assert (row[1], row[3]) == (str(entry["today"]), str(entry["last_week"]))
            assert row[4].startswith(f"{entry['change']:+d}")
        spots = shown(screen, "hotspots")
        assert len(spots) == len(board["hot_spots"])
        for spot in board["hot_spots"]:
            row = spots[f"hotspot.{spot['category']}.{spot['district']}"]
            assert row[3] == str(spot["today"]) and row[4] == f"{spot['baseline']:.2f}"
        deadlines = shown(screen, "deadlines")
        overall = board["deadlines"]
        assert deadlines["all"][1:] == [str(overall["open"]), str(overall["near"]), str(overall["overdue"])]
        assert len(deadlines) == 1 + len(overall["by_department"])
        for dept in overall["by_department"]:
            assert deadlines[f"dept.{dept['department']}"][1:] == [str(dept["open"]), str(dept["near"]),
                                                                    str(dept["overdue"])]
        assert overall["open"] > 0 and board["volume"]["total"] >= 0  # the demo has running deadlines
        title = str(screen.query_one("#board-title").render())
        day = i18n.format_date(date.fromisoformat(board["day"]))  # in the UI language
        assert day in title and centre_time(board["at"], board["timezone"]) in title


async def drill(pilot, table_id: str, row_key: str, column: int) -> BoardCasesScreen:
    """Enter on one cell of the board; waits for the list."""
    screen = pilot.app.screen
    table = screen.table(table_id)
    table.focus()
    table.move_cursor(row=table.get_row_index(row_key), column=column, animate=False)
    await pilot.press("enter")
    await idle(pilot)
    listing = pilot.app.screen
    assert isinstance(listing, BoardCasesScreen)
    while listing.has_more:  # every page
        await pilot.press("n")
        await idle(pilot)
    return listing


async def test_the_board_in_an_80x24_terminal(sup: Seat) -> None:
    """QA: at 80x24 the right column was cut ("3 热门分类 ·") and the
    deadlines could not be read. Narrow, the panels stand in one column that
    scrolls, and the panel keys bring each into view, whole in width."""
    app = board_app(sup, poll=None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.refresh_board()
        await idle(pilot)
        body = screen.query_one("#board-body").region
        for key, table_id in (("5", "deadlines"), ("3", "categories"), ("1", "rates")):
            await pilot.press(key)
            await idle(pilot)
            table = screen.table(table_id)
            assert app.focused is table
            assert table.region.width and body.contains_region(table.region), (table_id, table.region, body)
            assert table.region.width >= 76, "a panel is cut in width"


async def test_every_number_drills_down_to_its_cases(sup: Seat) -> None:
    app = board_app(sup, poll=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.refresh_board()
        await idle(pilot)
        board = screen.data
        at = board["at"]
        # today's volume: the cases created since the centre's midnight
        listing = await drill(pilot, "volume", "today", 1)
        numbers = {c["case_no"] for c in listing.cases}
        assert listing.total == board["volume"]["total"] == len(numbers)
        direct = api(sup, "/v1/board/cases", metric="volume", key="", at=at, limit=1000)
        assert numbers == {c["case_no"] for c in direct["cases"]}
        zone = ZoneInfo(board["timezone"])
        midnight = datetime.fromisoformat(board["day"]).replace(tzinfo=zone)
        assert all(midnight <= clock.parse(c["created_at"]) <= clock.parse(at) for c in listing.cases)
        await pilot.press("escape")
        await idle(pilot)
        assert app.screen is screen
        # a department's overdue cases: its cases, as many as the board says
        dept = next(d for d in board["deadlines"]["by_department"] if d["overdue"])
        listing = await drill(pilot, "deadlines", f"dept.{dept['department']}", 3)
        assert listing.total == dept["overdue"] == len(listing.cases)
        assert {c["lead_department"] for c in listing.cases} == {dept["department"]}
        # QA: the supervisor sees who has each case, its deadline and how late it is
        table = listing.query_one("#board-cases", DataTable)
        headers = [str(column.label) for column in table.columns.values()]
        assert headers[2:5] == ["主办单位", "最近时限", "剩余时间"], headers
        department = listing.names.department(dept["department"])
        for case in listing.cases:
            cells = [c.plain for c in table.get_row(case["case_no"])]
            assert cells[2] == department[:16] or cells[2].startswith(department[:15]), cells
            assert cells[4].startswith("超期"), cells  # every case behind the overdue number
        # Enter opens the case view of the highlighted case
        table = listing.query_one("#board-cases", DataTable)
        first = listing.cases[table.cursor_row]["case_no"]
        await pilot.press("enter")
        await idle(pilot)
        assert isinstance(app.screen, CaseViewScreen) and app.screen.case_no == first
        assert app.screen.case is not None
        await pilot.press("escape", "escape")
        await idle(pilot)
        # the satisfaction rate's denominator: the cases of the answered callbacks
        listing = await drill(pilot, "rates", "satisfaction", 3)
        expected = api(sup, "/v1/board/cases", metric="satisfaction", key="", at=at, limit=1000)
        assert {c["case_no"] for c in listing.cases} == {c["case_no"] for c in expected["cases"]}


async def test_a_case_not_on_the_seat_opens_from_the_board(server: EmbeddedServer, tmp_path: Path) -> None:
    fresh = login(server.url, tmp_path, "sup2", sync=False)  # nothing in its cache yet
    try:
        app = board_app(fresh, poll=None)
        async with app.run_test(size=SIZE) as pilot:
            app.screen.refresh_board()
            await idle(pilot)
            await drill(pilot, "deadlines", "all", 1)
            listing = app.screen
            case_no = listing.cases[0]["case_no"]
            assert fresh.cache.case(case_no) is None
            await pilot.press("enter")
            await idle(pilot)
            assert isinstance(app.screen, CaseViewScreen) and app.screen.case["case_no"] == case_no
            assert fresh.cache.case(case_no)["version"] == listing.cases[0]["version"]
    finally:
        fresh.close()


async def test_the_board_follows_new_cases_by_itself(sup: Seat, server: EmbeddedServer, tmp_path: Path) -> None:
    op = login(server.url, tmp_path, "op1", sync=False)
    try:
        app = board_app(sup, poll=0.2)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await idle(pilot)
            for _ in range(50):
                if screen.data is not None:
                    break
                await pilot.pause(0.1)
            before = screen.data["volume"]["total"]
            draft_id, case_no = op.new_draft()
            op.create_case(case_no, {"phone": "13800138000", "description": "board test", "channel": "wechat"},
                           draft_id=draft_id)
            assert op.engine.sync_once().outbox_depth == 0
            for _ in range(100):  # no key pressed: the timer asks again
                await pilot.pause(0.1)
                if screen.data["volume"]["total"] == before + 1:
                    break
            assert screen.data["volume"]["total"] == before + 1
            assert shown(screen, "volume")["today"][1] == str(before + 1)
    finally:
        op.close()


async def test_offline_the_board_keeps_its_last_data(sup: Seat, server: EmbeddedServer) -> None:
    app = board_app(sup, poll=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.refresh_board()
        await idle(pilot)
        before = shown(screen, "deadlines")
        updated = centre_time(screen.fetched_at, screen.data["timezone"])
        server.stop()
        await pilot.press("r")
        await idle(pilot)
        title = str(screen.query_one("#board-title").render())
        assert screen.problem == "offline" and updated in title  # "board needs the server — last updated hh:mm"
        assert shown(screen, "deadlines") == before  # the last data stays
    # a restart offline shows the board kept in the cache
    app = board_app(sup, poll=60)
    async with app.run_test(size=SIZE) as pilot:
        await idle(pilot)
        screen = app.screen
        assert screen.data is not None and shown(screen, "deadlines") == before
        assert screen.problem == "offline" and updated in str(screen.query_one("#board-title").render())


async def test_late_answers_are_dropped(sup: Seat) -> None:
    app = board_app(sup, poll=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await idle(pilot)
        names = screen.names
        newer = {"at": "2026-01-01T10:00:00Z", "volume": {"total": 7}, "rates": {}}
        older = {"at": "2026-01-01T09:00:00Z", "volume": {"total": 3}, "rates": {}}
        screen._asked = 2
        screen._answered(2, newer, "", names, clock.now_iso())
        screen._answered(1, older, "", names, clock.now_iso())
        assert screen.data is newer and shown(screen, "volume")["today"][1] == "7"


async def test_an_operator_may_not_see_the_board(server: EmbeddedServer, tmp_path: Path) -> None:
    op = login(server.url, tmp_path, "op2", sync=False)
    try:
        app = board_app(op, poll=None)
        async with app.run_test(size=SIZE) as pilot:
            app.screen.refresh_board()
            await idle(pilot)
            assert app.screen.data is None
            assert app.screen.problem.startswith("refused") and "operator" in app.screen.problem
            title = str(app.screen.query_one("#board-title").render())  # said in the UI language (zh)
            assert "服务器拒绝：" in title and "refused" not in title
    finally:
        op.close()


async def test_supervisors_land_on_the_board_one_key_from_their_lists(sup: Seat, server: EmbeddedServer,
                                                                      tmp_path: Path) -> None:
    app = OperatorApp(sup)
    async with app.run_test(size=SIZE) as pilot:
        await idle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert isinstance(app.screen.focused, BoardTableWidget)
        await pilot.press("escape")
        await idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+b")
        await idle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("f2")  # the extension requests, above the board
        await idle(pilot)
        assert type(app.screen).__name__ == "ExtensionsScreen"
        await pilot.press("ctrl+b")  # back to the board
        await idle(pilot)
        assert isinstance(app.screen, BoardScreen) and len(app.screen_stack) == 3
    op = login(server.url, tmp_path, "op3", sync=False)
    try:
        app = OperatorApp(op)
        async with app.run_test(size=SIZE) as pilot:
            await idle(pilot)
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("ctrl+b")  # not for operators
            await idle(pilot)
            assert isinstance(app.screen, HomeScreen)
    finally:
        op.close()
