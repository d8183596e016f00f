"""Ctrl+O logs out in the app: refused with the count while changes wait,
asks first, then wipes the seat and goes back to the login screen, where
the next operator logs in and the seat fetches the cases again (Pilot,
real server process on loopback; the sync engine's threads are not started,
tests sync with sync_once)."""

from __future__ import annotations

import pytest

from operator_tui.app import OperatorApp
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.logout import ConfirmLogoutScreen
from tests.server_helpers import PASSWORD, client, prepared
from tests.test_logout import DESC, leftovers, make_seat, record_case
from tests.tui_waits import workers_done

SIZE = (120, 40)


@pytest.fixture
def server(server_factory):
    return prepared(server_factory, "sqlite")


def messages(app: OperatorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait_idle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


async def test_f10_refuses_then_confirms_wipes_and_returns_to_login(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    case_no = record_case(seat)  # not sent yet
    token = seat.tokens.load()["token"]
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)

        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # refused, nothing asked
        refusal = messages(app)[-1]
        assert "1 change has not reached the central server yet" in refusal and "F7" in refusal
        assert seat.operator is not None and seat.case(case_no)

        assert seat.engine.sync_once().online and seat.cache.outbox_depth() == 0
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLogoutScreen)
        assert "wiped from the disk" in str(app.screen.query_one("#logout-message").render())
        await pilot.press("n")  # stay
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and seat.operator is not None

        await pilot.press("ctrl+o", "y")
        await wait_idle(pilot)
        assert isinstance(app.screen, LoginScreen) and len(app.screen_stack) == 2
        # the refusal shown before (about the last operator's work) is gone too
        assert messages(app) == ["Logged out. This seat's copy of the cases was wiped."]
        assert seat.operator is None and seat.tokens.load() is None
        assert seat.cache.case_count() == 0 and leftovers(seat.paths.cache) == {}
        with client(server.url, token) as http:
            assert http.get("/v1/auth/me").status_code == 401

        # the next operator of the shared seat
        await pilot.press(*"op2", "enter", *PASSWORD, "enter")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen) and seat.operator.operator_id == "op2"
        assert seat.engine.sync_once().online
        assert seat.case(case_no)["description"] == DESC.strip()
    seat.close()


async def test_logout_is_in_help_and_the_palette_but_not_inside_a_form(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Log out" in titles
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "Log out" in {r.description for r in app.screen.rows}
        await pilot.press("escape", "ctrl+n")
        await wait_idle(pilot)
        assert type(app.screen).__name__ == "CaseFormScreen"
        assert "Log out" not in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert type(app.screen).__name__ == "CaseFormScreen" and seat.operator is not None
    seat.close()


async def test_typed_draft_blocks_logout(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    draft_id, case_no = seat.new_draft()
    seat.save_draft(draft_id, {"description": "caller still on the line"}, case_no)
    app = OperatorApp(seat, language="en", keymap={"app.logout": "f11"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f11")  # remapped
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "1 draft case is not recorded yet" in messages(app)[-1]
        assert seat.draft(draft_id) is not None and seat.operator is not None
    seat.close()


async def test_a_failing_logout_says_why_and_keeps_the_operator(server, tmp_path, monkeypatch) -> None:
    """Any error of the logout worker (a token file that cannot be deleted...) is
    shown; pressing y never just does nothing."""
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)

    def broken() -> None:
        raise PermissionError("tokens.json: read-only file system")

    monkeypatch.setattr(seat, "logout", broken)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("ctrl+o", "y")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen) and seat.operator is not None
        assert "Cannot log out: tokens.json: read-only file system" in messages(app)[-1]
    seat.close()


async def test_f9_while_logged_in_says_so_and_opens_the_login_only_once_the_session_ended(
        server, tmp_path) -> None:
    """F9 on a valid session used to open the re-login screen, which says the
    session ended: now it names the operator and the key that logs out."""
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        await pilot.press("f9")
        await pilot.pause()
        assert app.screen is home and not app.login_open
        assert messages(app) == ["Already logged in as op1. ^o logs out (from the home screen)."]
        await pilot.press("ctrl+n")  # review: where logging out is not offered, the key was missing
        await wait_idle(pilot)
        await pilot.press("f9")
        await pilot.pause()
        assert messages(app)[-1] == "Already logged in as op1. ^o logs out (from the home screen)."
        app.set_keymap({"app.logout": "ctrl+g"})
        await pilot.press("f9")
        await pilot.pause()
        assert messages(app)[-1] == "Already logged in as op1. ^g logs out (from the home screen)."
        await pilot.press("escape")
        await wait_idle(pilot)
        assert app.screen is home

        seat.engine._update(login_required=True)  # as after a 401; the prompt put off with "later"
        app._relogin_snoozed_until = app._clock() + 3600
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.screen.relogin
    seat.close()
