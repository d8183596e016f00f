"""Random key sequences against every screen (issue 8, bad input).

The real app (operator, department and supervisor seats, and one that never
logged in) against a real central server on loopback seeded with the demo.
For every screen a person can reach, hypothesis types a short random key
sequence — printable ASCII, Chinese, digits, tab/shift+tab, enter, escape,
arrows, page keys, backspace/delete, every F-key, the app's ctrl/alt keys,
and ctrl+q with its confirm dialog answered either way — and then asserts:

* the app never crashed (no exception out of any handler, worker or timer),
* it still answers (a key reaches it and the screen settles),
* whatever a case form held is in the cache: in its draft, as the
  draft-restore code reads it, or in the saved case — also right after a
  language switch (F12), and after a quit.

One app per seat for the whole module, hosted in a thread (tests/keys_support.py)
with a reset to the start screen between sequences; the examples are few and
derandomized so the module takes about 90 s on a loaded 2-core box.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from operator_tui.embedded_server import EmbeddedServer
from tests.intake_support import copy_db, seeded_db  # noqa: F401  (fixture)
from tests.keys_support import DISTRICT, DraftWatch, World, key_sequences
from tests.tui_waits import workers_done


Setup = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Start:
    """A start screen: ``make(data())`` gives the setup run in the app; ``data``
    (cases the screen needs) runs first, in the test's thread."""

    make: Callable[..., Setup]
    data: Callable[[], Any] | None = None

    def setup(self) -> Setup:
        return self.make(self.data()) if self.data is not None else self.make()


# --- the server, the seats and their apps ---------------------------------------------


@pytest.fixture(scope="module")
def central(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:  # noqa: F811
    srv = EmbeddedServer(f"sqlite:///{copy_db(seeded_db, tmp_path_factory.mktemp('central'))}").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def world(central: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = World(central.url, tmp_path_factory.mktemp("seats"))
    made.prepare()
    yield made
    made.close()


# --- driving ---------------------------------------------------------------------------


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


def reset(start: Setup) -> Callable[[Any], Awaitable[str]]:
    """Back to the seat's home screen (everything above it closed), then *start*."""

    async def command(pilot) -> str:
        from screens.login import LoginScreen

        app = pilot.app
        await settle(pilot)
        while len(app.screen_stack) > 2:
            await app.pop_screen()
            await settle(pilot)
        if len(app.screen_stack) < 2:  # "later" on the first login: the app shows nothing
            app.push_screen(LoginScreen(app.seat), app._after_first_login)
            await settle(pilot)
        await start(pilot)
        await settle(pilot)
        return type(app.screen).__name__

    return command


def press(key: str, watch: DraftWatch) -> Callable[[Any], Awaitable[None]]:
    """Press *key*; note what the forms hold. F12 must not change what they hold."""

    async def command(pilot) -> None:
        app = pilot.app
        before = None
        if key == "f12":
            watch.look(app)
            before = {d: dict(s["fields"]) for d, s in watch.forms.items() if d in open_drafts(app)}
        await pilot.press(key)
        if app._exit:
            return
        if before:
            await pilot.pause()
        watch.look(app)
        for draft_id, fields in (before or {}).items():
            if draft_id in open_drafts(app):
                now = watch.forms[draft_id]["fields"]
                assert now == fields, f"F12 changed what the form held: {fields!r} -> {now!r}"

    return command


def open_drafts(app) -> set[str]:
    from screens.case_form import CaseFormScreen

    return {s.draft_id for s in app.screen_stack if isinstance(s, CaseFormScreen)}


async def responsive(pilot) -> str:
    """A key still reaches the app and the screen settles; then any open
    form's draft is written (past its debounce). Returns the screen's name."""
    app = pilot.app
    await pilot.press("shift")  # a key nothing binds
    await settle(pilot)
    if open_drafts(app):
        await pilot.pause(0.45)
    return type(app.screen).__name__


async def _look(pilot, watch: DraftWatch) -> None:
    watch.look(pilot.app)


def run_sequence(world: World, user: str, start: Start, keys: list[str], expect: str = "") -> None:
    """Reset *user*'s app to *start* (showing the screen named *expect*), type
    *keys*, check it survived and lost nothing."""
    setup = start.setup()
    host = world.host(user)
    seat = world.seats[user]
    watch = DraftWatch()
    shown = host.do(reset(setup))
    assert not expect or shown == expect, f"the start screen is {shown}, not {expect}"
    host.do(lambda pilot: _look(pilot, watch))
    for key in keys:
        host.do(press(key, watch))
        if host.exited:
            break
    if not host.exited:
        host.do(responsive)
        host.do(lambda pilot: _look(pilot, watch))
        lost = watch.lost(seat)
        assert not lost, f"while open: {lost}"
        host.do(reset(nothing))  # closing the screens keeps what they held
    else:
        host.stop()  # its unmount saved what was typed
    lost = watch.lost(seat)
    assert not lost, f"after closing: {lost}"


# --- the start screens ---------------------------------------------------------------------


async def nothing(pilot) -> None:
    pass


def keys(*pressed: str) -> Start:
    def make() -> Setup:
        async def setup(pilot) -> None:
            await pilot.press(*pressed)

        return setup

    return Start(make)


async def _form_with_draft(pilot) -> None:
    await pilot.press("ctrl+n", *"13911112222", "tab", *"李女士", "tab")
    await pilot.pause(0.4)


def form_with_draft(*then: str) -> Start:
    def make() -> Setup:
        async def setup(pilot) -> None:
            await _form_with_draft(pilot)
            await pilot.press(*then)

        return setup

    return Start(make)


def relogin_prompt() -> Start:
    """The login prompt a seat shows once the server has ended its session
    (F9 while still logged in only says so)."""

    def make() -> Setup:
        async def setup(pilot) -> None:
            from screens.login import LoginScreen

            app = pilot.app
            app.push_screen(LoginScreen(app.seat, relogin=True), app._after_relogin)

        return setup

    return Start(make)


def district_picker() -> Start:
    async def setup(pilot) -> None:
        await pilot.press("ctrl+n")
        pilot.app.screen.query_one("#district").focus()
        await pilot.press("enter")

    return Start(lambda: setup)


def filled_form(world: World, *then: str) -> Start:
    """A valid case typed in (category and district set in code), then *then*."""

    async def setup(pilot) -> None:
        from textual.widgets import Input, TextArea

        await pilot.press("ctrl+n")
        form = pilot.app.screen
        form.query_one("#phone", Input).value = "13911113333"
        form.query_one("#description", TextArea).text = "井盖松动 loose manhole cover"
        form.query_one("#category").value = world.category
        form.query_one("#district").value = DISTRICT
        form._show_category()
        form._show_district()
        form.changed()
        await settle(pilot)
        await pilot.press(*then)

    return Start(lambda: setup)


def on_row(data: Callable[[], str], *then: str, open_with: tuple[str, ...] = ()) -> Start:
    """*open_with* opens a list, the cursor goes to the row of the case *data*
    made or found, then *then* is pressed."""

    def make(case_no: str) -> Setup:
        async def setup(pilot) -> None:
            await pilot.press(*open_with)
            await settle(pilot)
            screen = pilot.app.screen
            for _ in range(20):  # a case made just now shows after the list's next reload
                if hasattr(screen, "panes"):  # the home screen
                    pane, rows = screen.panes[screen.active_tab], screen.rows[screen.active_tab]
                else:
                    pane, rows = screen.pane, screen.rows
                found = [key for key, _ in rows]
                if case_no in found:
                    break
                screen.reload()
                await settle(pilot)
                await pilot.pause(0.1)
            assert case_no in found, (case_no, found)
            pane.focus_table()
            pane.table.move_cursor(row=found.index(case_no))
            await pilot.press(*then)

        return setup

    return Start(make, data)


def board_drill(table: str, *then: str) -> Start:
    async def setup(pilot) -> None:
        from screens.board import BoardScreen

        await pilot.press("ctrl+b")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BoardScreen)
        screen.refresh_board()
        await settle(pilot)
        screen.table(table).focus()
        await pilot.press(*then)

    return Start(lambda: setup)


def operator_starts(world: World) -> dict[str, Start]:
    today = lambda: world.made[0]  # noqa: E731
    return {
        "home_today": keys("f5"),
        "home_drafts": keys("f6"),
        "home_pending": keys("f7"),
        "home_problems": keys("f8"),
        "home_search": keys("ctrl+f", *"停水"),
        "form_empty": keys("ctrl+n"),
        "form_draft": form_with_draft(),
        "category_picker": keys("ctrl+n", "f4"),
        "district_picker": district_picker(),
        "kb_lookup": keys("f3"),
        "form_kb_answer": filled_form(world, "f6"),
        "dispatch": filled_form(world, "f5"),
        "case_view": on_row(today, "enter", open_with=("f5",)),
        "interpreter": on_row(today, "enter", "ctrl+r", open_with=("f5",)),
        "help": keys("f1"),
        "palette": keys("ctrl+p"),
        "callbacks": keys("f4"),
        "callback_case": on_row(world.awaiting_callback, "enter", open_with=("f4",)),
        "callback_outcome": on_row(world.awaiting_callback, "3", open_with=("f4",)),
        "confirm_quit": form_with_draft("ctrl+q"),
        "relogin": relogin_prompt(),
    }


def department_starts(world: World) -> dict[str, Start]:
    return {
        "desk": keys(),
        "desk_case": on_row(world.at_desk("dispatched"), "enter"),
        "return_dialog": on_row(world.at_desk("dispatched"), "r"),
        "extension_dialog": on_row(world.at_desk("signed"), "e"),
        "report_dialog": on_row(world.at_desk("signed"), "d"),
        "note_dialog": on_row(world.at_desk("signed"), "n"),
        "desk_help": keys("f1"),
    }


def supervisor_starts(world: World) -> dict[str, Start]:
    return {
        "board": keys("ctrl+b"),
        "board_drill_down": board_drill("volume", "enter"),
        "board_case": board_drill("volume", "enter", "enter"),
        "extensions": on_row(world.extension_pending, open_with=("f2",)),
        "refuse_dialog": on_row(world.extension_pending, "x", open_with=("f2",)),
    }


def login_starts(world: World) -> dict[str, Start]:
    return {"login": keys(), "login_typed": keys(*"op1", "enter", *"wrong")}


# the screen each start lands on
EXPECT = {
    "home_today": "HomeScreen", "home_drafts": "HomeScreen", "home_pending": "HomeScreen",
    "home_problems": "HomeScreen", "home_search": "HomeScreen", "form_empty": "CaseFormScreen",
    "form_draft": "CaseFormScreen", "category_picker": "CategoryPicker", "district_picker": "DistrictPicker",
    "kb_lookup": "KbLookupScreen", "form_kb_answer": "KbLookupScreen", "dispatch": "DispatchScreen",
    "case_view": "CaseViewScreen", "interpreter": "InterpreterScreen", "help": "HelpScreen",
    "palette": "CommandPalette", "callbacks": "CallbacksScreen", "callback_case": "CallbackCaseScreen",
    "callback_outcome": "CallbackOutcomeScreen", "confirm_quit": "ConfirmQuitScreen", "relogin": "LoginScreen",
    "desk": "DeskScreen", "desk_case": "DeskCaseScreen", "return_dialog": "ReturnCaseScreen",
    "extension_dialog": "ExtensionRequestScreen", "report_dialog": "ReportResultScreen",
    "note_dialog": "NoteScreen", "desk_help": "HelpScreen", "board": "BoardScreen",
    "board_drill_down": "BoardCasesScreen", "board_case": "CaseViewScreen", "extensions": "ExtensionsScreen",
    "refuse_dialog": "ReasonScreen", "login": "LoginScreen", "login_typed": "LoginScreen",
}


# --- the tests ---------------------------------------------------------------------------------


# More examples / shrinking for a long hunt: OPERATOR_TUI_KEY_EXAMPLES=50 OPERATOR_TUI_KEY_SHRINK=1
# (shrinking replays sequences on an app whose state moved on: slow, and it may call a failure flaky).
EXAMPLES = int(os.environ.get("OPERATOR_TUI_KEY_EXAMPLES", "2"))
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("OPERATOR_TUI_KEY_SHRINK") else [])
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=PHASES,
                    suppress_health_check=list(HealthCheck), print_blob=False)
ROLES = {"operator": ("op1", operator_starts), "department": ("dept", department_starts),
         "supervisor": ("sup1", supervisor_starts), "login": ("nobody", login_starts)}
CASES = [(role, name) for role, (_, starts) in ROLES.items() for name in starts(World.names_only())]


@pytest.mark.parametrize(("role", "start"), CASES, ids=[f"{r}-{n}" for r, n in CASES])
def test_random_keys_do_not_crash_or_lose_a_draft(world: World, role: str, start: str) -> None:
    user, starts = ROLES[role]
    user = world.dept_user if user == "dept" else user
    begin = starts(world)[start]

    @SETTINGS
    @given(keys=key_sequences())
    def check(keys: list[str]) -> None:
        run_sequence(world, user, begin, keys, EXPECT[start])

    check()
