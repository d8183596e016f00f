"""The app shell against a real central server on loopback (Pilot tests).

One seeded demo database per module; every test serves its own copy from an
EmbeddedServer, with a real Seat (cache + sync engine, file token store).
The engine's threads are not started: tests sync with ``sync_once`` so what
the screens show does not depend on timing. The app runs in English here
(the texts asserted are the catalog's msgids); tests/test_tui_i18n.py covers
Chinese and the switch between the two.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import clock
from operator_tui.case_numbers import make_case_no
from operator_tui.app import OperatorApp
from operator_tui.embedded_server import EmbeddedServer, free_port
from operator_tui.seat import Seat, SeatPaths
from screens import worklists
from screens.case_view import CaseViewScreen
from screens.confirm import ConfirmQuitScreen
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.login import UNREACHABLE, LoginScreen
from screens.status_bar import StatusBar
from tests.intake_support import seeded_db, server  # noqa: F401 - fixtures
from tests.tui_waits import workers_done

INJECTION = "[bold]x[/bold] [@click=app.quit]click me[/] \x1b[31mred\x1b[0m \u202eevil"
INJECTION_SHOWN = "[bold]x[/bold] [@click=app.quit]click me[/] [31mred[0m evil"
SIZE = (120, 40)


def make_seat(url: str, folder: Path) -> Seat:
    return Seat(url, SeatPaths(folder / "seat" / "cache.db", folder / "tokens.json"), use_keyring=False)


@pytest.fixture
def seat(server: EmbeddedServer, tmp_path: Path) -> Iterator[Seat]:
    """A logged-in seat whose cache holds the demo data."""
    s = make_seat(server.url, tmp_path)
    s.login("op1", DEMO_PASSWORD)
    status = s.engine.sync_once()
    assert status.online and s.cache.case_count() > 0
    yield s
    s.close()


@pytest.fixture
def fresh_seat(server: EmbeddedServer, tmp_path: Path) -> Iterator[Seat]:
    """A seat that never logged in."""
    s = make_seat(server.url, tmp_path)
    yield s
    s.close()


def screen_text(app: OperatorApp) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def wait_idle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


def new_case(seat: Seat, description: str = "路灯不亮 street light out", **fields) -> str:
    draft_id, case_no = seat.new_draft()
    seat.create_case(case_no, {"phone": "13800138000", "description": description, **fields},
                     draft_id=draft_id, started_at=clock.now_iso())
    return case_no


# --- login -------------------------------------------------------------------------


async def test_login_wrong_password_then_success(fresh_seat: Seat) -> None:
    app = OperatorApp(fresh_seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"op1")  # at once: held until the login's field has the focus
        await pilot.pause()
        login = app.screen
        assert isinstance(login, LoginScreen)
        assert app.focused is not None and app.focused.id == "operator-id"
        assert login.query_one("#operator-id").value == "op1"
        await pilot.press("enter")
        assert app.focused.id == "password"
        await pilot.press(*"not-the-password", "enter")
        await wait_idle(pilot)
        assert login.error_text == "Wrong operator id or password."
        assert app.screen is login and app.focused.id == "password"
        await pilot.press(*DEMO_PASSWORD, "enter")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert fresh_seat.logged_in and fresh_seat.operator.operator_id == "op1"
        assert app.focused is not None and app.focused.id == "search"


@pytest.mark.parametrize("between", ["tab", "enter"])
async def test_login_typed_in_one_burst(fresh_seat: Seat, between: str) -> None:
    """QA: "op3<Tab>demo1234" sent at once (a password manager's auto-type)
    put the password into the id field, in clear. Tab and Enter in the id
    field now move on as they arrive."""
    app = OperatorApp(fresh_seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        login = app.screen
        assert isinstance(login, LoginScreen) and app.focused.id == "operator-id"
        for key in [*"op1", between, *DEMO_PASSWORD, "enter"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, HomeScreen):
                break
        if not isinstance(app.screen, HomeScreen):
            typed = login.query_one("#operator-id").value
            raise AssertionError(f"not logged in: id field {typed!r}, {login.error_text!r}")
        assert fresh_seat.operator.operator_id == "op1"  # the id field held op1, the password the rest


async def test_keys_typed_before_the_first_screen_are_held_and_replayed_in_order(fresh_seat: Seat) -> None:
    """Keys the operator types while the app starts (before its first screen
    is open and focused) are held and then typed into the field, in order."""
    app = OperatorApp(fresh_seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app._typed_ahead = []  # as at start, before the first screen is open
        await pilot.press(*"op", "1")
        await pilot.pause()
        field = app.screen.query_one("#operator-id")
        assert field.value == "" and len(app._typed_ahead) == 3  # held, not lost
        await app._replay_typed_ahead()
        await pilot.press("2")  # after the replay: typed as usual, behind the held ones
        await pilot.pause()
        assert field.value == "op12" and app._typed_ahead is None


async def test_login_server_unreachable(tmp_path: Path) -> None:
    seat = make_seat(f"http://127.0.0.1:{free_port()}", tmp_path)
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"op1", "enter", *"whatever", "enter")
            await wait_idle(pilot)
            assert app.screen.error_text == UNREACHABLE
            assert isinstance(app.screen, LoginScreen)
            # keys that need a session are off while logging in
            assert app.check_action("new_case", ()) is False
    finally:
        seat.close()


async def test_stored_session_opens_home_and_relogin_is_modal(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        case_no = new_case(seat)  # unsent: must survive the re-login
        seat.engine._update(login_required=True)  # as after a 401 from the server
        app.refresh_status()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.screen.relogin
        assert "LOGIN REQUIRED" in app.screen.query_one(StatusBar).plain
        await pilot.press(*DEMO_PASSWORD, "enter")  # operator id is filled in
        await wait_idle(pilot)
        assert app.screen is home
        assert seat.cache.outbox_depth() == 1
        assert seat.engine.sync_once().outbox_depth == 0
        assert seat.cache.case(case_no)["local"] is False


# --- home ---------------------------------------------------------------------------


async def test_home_lists_search_and_case_view(seat: Seat) -> None:
    case_no = new_case(seat, description="井盖丢失 manhole cover missing")
    draft_id, draft_no = seat.new_draft()
    seat.save_draft(draft_id, {"phone": "13900139000", "description": "还没写完 half typed"}, draft_no)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert [k for k, _ in home.rows["today"]] == [case_no]
        assert [k for k, _ in home.rows["drafts"]] == [draft_id]
        assert [row[0] for _, row in home.rows["pending"]] == [case_no]
        assert home.rows["pending"][0][1][1] == "created"
        assert home.rows["problems"] == []

        # search by the number's first digits, then open the case
        await pilot.press(*case_no[:9])
        await wait_idle(pilot)
        assert home.active_tab == "search"
        assert case_no in [k for k, _ in home.rows["search"]]
        await pilot.press("enter")  # from the box into the results
        assert app.focused is home.table("search")
        home.table("search").move_cursor(row=[k for k, _ in home.rows["search"]].index(case_no))
        await pilot.press("enter")
        await wait_idle(pilot)
        view = app.screen
        assert isinstance(view, CaseViewScreen) and view.case_no == case_no
        assert [e["type"] for e in view.events] == ["created"]
        assert "井盖丢失 manhole cover missing" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is home

        # the case view's stylesheet does not reach the case form opened after it
        await pilot.press("ctrl+n")
        await wait_idle(pilot)
        urgency, body = (app.screen.query_one(selector).region for selector in ("#urgency", "#case-body"))
        assert urgency.height and body.contains_region(urgency), f"the urgency row {urgency} is cut off {body}"
        await pilot.press("escape")
        await wait_idle(pilot)
        assert app.screen is home

        # search by text, with a case that came from the server
        await pilot.press("ctrl+f", *"快递")
        await wait_idle(pilot)
        assert home.rows["search"], "the demo data has parcel complaints"
        assert all("快递" in row[5] or "快递" in row[4] for _, row in home.rows["search"][:5])

        # clearing the box goes back to the list it came from
        await pilot.press("ctrl+f", *["backspace"] * 2)
        await wait_idle(pilot)
        assert home.active_tab == "today"

        await pilot.press("f6")
        assert home.active_tab == "drafts" and app.focused is home.table("drafts")
        await pilot.press("f7")
        assert home.active_tab == "pending"


async def test_what_is_typed_before_the_lists_arrive_is_searched_when_they_do(
        seat: Seat, monkeypatch: pytest.MonkeyPatch) -> None:
    """The home screen paints its search box first and mounts the tabs just
    after (screens/after_paint.py): a query or an F-key pressed in between
    is acted on once they are in, not lost."""
    from screens.after_paint import AfterPaint

    case_no = new_case(seat, description="井盖丢失 manhole cover missing")
    held: list[AfterPaint] = []
    mount = AfterPaint._mount

    async def hold(self: AfterPaint) -> None:
        held.append(self)

    monkeypatch.setattr(AfterPaint, "_mount", hold)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert not home.lists_ready and not home.query("#lists") and held
        assert app.focused is not None and app.focused.id == "search"
        await pilot.press(*case_no[:9], "f6")
        for placeholder in held:
            await mount(placeholder)
        await wait_idle(pilot)
        await wait_idle(pilot)
        assert home.lists_ready and home.active_tab == "search"
        assert case_no in [k for k, _ in home.rows["search"]]
        assert [k for k, _ in home.rows["today"]] == [case_no]


async def test_case_view_fetches_history_of_snapshot_cases(seat: Seat) -> None:
    """Cases from the first snapshot have no events in the cache: the view
    fetches them from the server in a worker."""
    case = next(c for c in seat.cache.recent_cases(200) if c["version"] >= 3 and not c["local"])
    assert seat.cache.case_events(case["case_no"]) == []
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        app.push_screen(CaseViewScreen(seat, case["case_no"]))
        await wait_idle(pilot)
        view = app.screen
        assert [e["version"] for e in view.events] == list(range(1, case["version"] + 1))
        assert view.events[0]["type"] == "created"
        assert view.history_note == ""


async def test_problems_keep_mine_and_take_theirs(seat: Seat) -> None:
    """Two conflicting edits: keep mine re-sends on the server's version, take
    theirs drops the change."""
    from operator_tui.domain import EventType

    cases = [c for c in seat.cache.recent_cases(200) if c["status"] not in ("closed", "merged")][:2]
    assert len(cases) == 2
    for c in cases:  # someone else edits the address on the server first...
        other = Seat(seat.server_url, SeatPaths(seat.paths.cache.parent.parent / f"other-{c['case_no']}.db",
                                                seat.paths.token_file.with_name("other.json")),
                     use_keyring=False)
        other.login("op2", DEMO_PASSWORD)
        other.engine.sync_once()
        other.record(c["case_no"], EventType.EDITED, {"fields": {"address": "他们的地址 theirs"}})
        other.engine.sync_once()
        other.close()
        # ...while this seat, not yet aware, edits it too
        seat.record(c["case_no"], EventType.EDITED, {"fields": {"address": "我的地址 mine"}})
    seat.engine.sync_once()
    assert len(seat.cache.problems()) == 2
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        await pilot.press("f8")
        assert home.active_tab == "problems" and len(home.rows["problems"]) == 2
        assert home.check_action("keep_mine", ()) is True
        text = screen_text(app)
        assert "mine 我的地址 mine" in text and "theirs 他们的地址 theirs" in text
        first, second = (p["case_no"] for p in home.data["problems"].values())
        await pilot.press("k")
        await wait_idle(pilot)
        await pilot.press("t")
        await wait_idle(pilot)
        assert home.rows["problems"] == []
    seat.engine.sync_once()
    assert seat.cache.problems() == [] and seat.cache.outbox_depth() == 0
    assert seat.cache.case(first)["address"] == "我的地址 mine"
    assert seat.cache.case(second)["address"] == "他们的地址 theirs"


# --- status bar -----------------------------------------------------------------------


async def test_status_bar_online_then_offline(seat: Seat, server: EmbeddedServer) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        app.refresh_status()
        bar = app.screen.query_one(StatusBar)
        seat_no = seat.cache.seat_no
        assert bar.plain.startswith("● online")
        assert f"op1 · seat {seat_no}" in bar.plain and "outbox 0" in bar.plain
        new_case(seat)
        server.stop()
        seat.engine.sync_once()  # fails: the server is gone
        app.refresh_status()
        assert re.match(r"○ OFFLINE since \d\d:\d\d", bar.plain), bar.plain
        assert re.search(r"outbox 1 \(oldest \d+ s\)", bar.plain), bar.plain
        assert "problems 0" in bar.plain


# --- quitting, help, palette -------------------------------------------------------------


async def test_quit_with_a_draft_asks_first(seat: Seat) -> None:
    draft_id, case_no = seat.new_draft()
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmQuitScreen)
        assert "kept either way" in str(app.screen.query_one("#quit-message").content)
        await pilot.press("n")
        assert isinstance(app.screen, HomeScreen) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
    assert seat.cache.draft(draft_id) is not None  # kept


async def test_quit_without_draft_does_not_ask(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_f1_help_lists_the_keys_of_the_screen(seat: Seat) -> None:
    app = OperatorApp(seat, keymap={"app.new_case": "f2"}, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {r.description: r for r in help_screen.rows}
        assert rows["New case"].keys == "f2"  # the user's keymap
        assert rows["Search"].keys == "^f" and rows["Search"].where == "this screen"
        for name in ("My cases today", "Drafts", "Pending sync", "Problems", "Knowledge base", "Help", "Quit"):
            assert name in rows
        assert "Move cursor left" not in rows  # the Input's own keys are not listed
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_command_palette_lists_every_action(seat: Seat) -> None:
    from textual.command import CommandPalette

    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("New case", "Knowledge base", "Help", "Quit", "Log in", "Search", "My cases today",
                     "Drafts", "Pending sync", "Problems"):
            assert name in titles
        assert titles.count("Quit") == 1
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_palette_command_runs_the_action(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Problems")
        await command.callback()
        assert app.screen.active_tab == "problems"


# --- untrusted text -------------------------------------------------------------------------


async def test_injection_strings_render_literally(seat: Seat) -> None:
    """Markup, click actions and escape codes in case text are shown as text."""
    base = next(c for c in seat.cache.recent_cases(50) if not c["local"])
    evil_no = make_case_no(worklists.local_now().date(), seat.cache.seat_no, 9000)
    evil = {**base, "case_no": evil_no, "description": INJECTION, "name": "[red]名字[/red]",
            "created_by": "op1", "created_at": clock.now_iso(), "version": base["version"]}
    seat.cache.apply_snapshot([evil])  # as if the server sent it
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert evil_no in [k for k, _ in home.rows["today"]]
        row = dict(home.rows["today"])[evil_no]
        assert row[5].startswith("[bold]x[/bold] [@click=app.quit]")
        assert "\x1b" not in row[5] and "\u202e" not in row[5]
        assert "[bold]x[/bold] [@click=app.quit]click me[/]" in screen_text(app)
        app.push_screen(CaseViewScreen(seat, evil_no))
        await pilot.pause()
        text = screen_text(app)
        assert INJECTION_SHOWN in text
        assert "[red]名字[/red]" in text
        assert app.is_running  # nothing was clicked into quitting


async def test_login_screen_keeps_help_and_quit(fresh_seat: Seat) -> None:
    """The login modal hides the app's keys; F1 and Ctrl+Q still work there."""
    app = OperatorApp(fresh_seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("ctrl+n")  # no session: no new case
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_global_keys_open_case_form_and_knowledge_base(seat: Seat) -> None:
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("ctrl+n")
        await wait_idle(pilot)
        assert type(app.screen).__name__ == "CaseFormScreen"
        assert app.screen.query(StatusBar)  # every full screen shows the status bar
        await pilot.press("escape")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f3")
        await wait_idle(pilot)
        assert type(app.screen).__name__ == "KbLookupScreen"


async def test_home_lists_refresh_only_while_seen(seat: Seat) -> None:
    """Under the full-screen case form the home lists do not reload (their
    repaints landed on the operator's keystrokes); under a translucent modal
    (F1 help) they do, and they reload at once when the form closes."""
    from screens.case_form import CaseFormScreen
    from screens.live_list import visible

    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen) and visible(home)
        reloads: list[int] = []
        home.reload = lambda: reloads.append(1)  # type: ignore[method-assign]
        await pilot.press("ctrl+n")
        await wait_idle(pilot)
        assert isinstance(app.screen, CaseFormScreen)
        assert home.is_current  # Textual's own answer, which is why visible() exists
        assert not visible(home)
        home._tick()
        assert reloads == []
        await pilot.press("escape")
        await wait_idle(pilot)
        assert app.screen is home and len(reloads) >= 1  # back in view: read again (the 2 s timer may add one)
        await pilot.press("f1")
        await wait_idle(pilot)
        assert isinstance(app.screen, HelpScreen) and visible(home)
        before = len(reloads)
        home._tick()
        assert len(reloads) == before + 1
