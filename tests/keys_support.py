"""Random key sequences against the real app (tests/test_tui_keys_property.py).

:class:`AppHost` keeps one app running under ``App.run_test()`` in a thread of
its own (one event loop, one task holding the Pilot), so a synchronous
hypothesis test can drive many key sequences through one app: starting an app
per example would cost seconds each. A crash (an exception in the app) fails
the command that was running; an app that quit (ctrl+q) is started again.

:class:`DraftWatch` remembers what every case form on the screen held after
each key, and checks afterwards that all of it is in the cache: in the draft
(as the draft-restore code reads it) or in the saved case.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from textual.app import App
from textual.pilot import Pilot

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import clock
from operator_tui.app import OperatorApp
from operator_tui.domain import EventType
from operator_tui.seat import Seat
from operator_tui.text import clean_field
from tests.intake_support import make_seat

Command = Callable[[Pilot], Awaitable[Any]]
TIMEOUT = 60.0  # seconds one command may take before the app counts as hung

# --- the alphabet -------------------------------------------------------------

PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]
CHINESE = list("王先生停水路灯朝阳区望京投诉咨询供电身份证井盖噪音")
MOVES = ["tab", "shift+tab", "enter", "escape", "up", "down", "left", "right", "pageup", "pagedown",
         "home", "end", "backspace", "delete", "ctrl+home", "ctrl+end"]
F_KEYS = [f"f{n}" for n in range(1, 13)]
# the app's and the screens' ctrl/alt keys (ctrl+c only copies or says how to quit: it never quits)
CTRL_KEYS = ["ctrl+n", "ctrl+s", "ctrl+f", "ctrl+l", "ctrl+r", "ctrl+t", "ctrl+b", "ctrl+p", "ctrl+o",
             "ctrl+up", "ctrl+down", "ctrl+c", "alt+c", "alt+q", "alt+r", "alt+h", "alt+s", "alt+p"]
QUIT = "ctrl+q"  # asks first while a draft is open; pressed with its answer (see key_sequences)
QUIT_ODDS = 15  # one part in 16 of a sequence is ctrl+q and its answer

KEYS = st.one_of(
    st.sampled_from(PRINTABLE),
    st.sampled_from(CHINESE),
    st.sampled_from(MOVES),
    st.sampled_from(F_KEYS),
    st.sampled_from(CTRL_KEYS),
)


def key_sequences(max_size: int = 10, *, quit_: bool = True) -> st.SearchStrategy[list[str]]:
    """Key sequences; ctrl+q comes with the confirm dialog's answer (y, n or escape)."""
    quit_keys = st.sampled_from([[QUIT, "y"], [QUIT, "n"], [QUIT, "escape"]])
    key = KEYS.map(lambda k: [k])
    one = st.integers(0, QUIT_ODDS).flatmap(lambda n: quit_keys if n == QUIT_ODDS else key) if quit_ else key
    return st.lists(one, min_size=3, max_size=max_size).map(lambda parts: [k for p in parts for k in p])


# --- the host -----------------------------------------------------------------


class AppCrashed(AssertionError):
    """The app raised (its exception is the cause)."""


class AppHost:
    """One app at a time, run by ``run_test`` in a thread; ``do(command)`` runs
    ``await command(pilot)`` in the app's task and returns its result."""

    def __init__(self, make_app: Callable[[], App], size: tuple[int, int] = (120, 40)) -> None:
        self.make_app, self.size = make_app, size
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="app-host", daemon=True)
        self.thread.start()
        self.app: App | None = None
        self.starts = 0
        self._queue: asyncio.Queue | None = None
        self._session: concurrent.futures.Future | None = None

    # --- life ---------------------------------------------------------------

    def start(self) -> None:
        """Start a new app and wait until it shows its first screen."""
        ready: concurrent.futures.Future = concurrent.futures.Future()
        self._session = asyncio.run_coroutine_threadsafe(self._run(ready), self.loop)
        ready.result(TIMEOUT)
        self.starts += 1

    async def _run(self, ready: concurrent.futures.Future) -> None:
        self._queue = asyncio.Queue()
        self.app = self.make_app()
        try:
            async with self.app.run_test(size=self.size) as pilot:
                await pilot.pause()
                ready.set_result(pilot)
                while True:
                    item = await self._queue.get()
                    if item is None:
                        return
                    command, answer = item
                    try:
                        answer.set_result(await command(pilot))
                    except BaseException as exc:  # handed to the caller
                        answer.set_exception(exc)
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    @property
    def running(self) -> bool:
        return self._session is not None and not self._session.done()

    def do(self, command: Command, timeout: float = TIMEOUT) -> Any:
        """Run *command* in the app; a crash of the app fails here."""
        if not self.running:
            self.start()
        answer: concurrent.futures.Future = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(self._queue.put_nowait, (command, answer))
        done, _ = concurrent.futures.wait([answer, self._session], timeout=timeout,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        if not done:
            raise AssertionError(f"the app did not answer within {timeout} s (hung)")
        self.check()
        if answer.done():
            return answer.result()
        return None

    def check(self) -> None:
        """Fail when the app has crashed (its exception is the cause)."""
        app = self.app
        error = getattr(app, "_exception", None) if app is not None else None
        if error is None and self._session is not None and self._session.done():
            error = self._session.exception()
        if error is not None:  # reported once: the next command starts a new app
            self._session, self.app = None, None
            raise AppCrashed(f"the app crashed: {error!r}") from error

    @property
    def exited(self) -> bool:
        """The app was asked to exit (ctrl+q answered yes, or nothing to lose)."""
        app = self.app
        return app is not None and (app._exit or app.return_code is not None or not self.running)

    def stop(self) -> None:
        """End the app (its run_test block) and wait for it."""
        if self.running and self._queue is not None:
            self.loop.call_soon_threadsafe(self._queue.put_nowait, None)
            try:
                self._session.result(TIMEOUT)
            finally:
                self._session = None
        self.check()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


# --- what the case forms held -----------------------------------------------------

TEXT_FIELDS = ("phone", "name", "address", "description")


class DraftWatch:
    """What each case form held, by draft, after every key."""

    def __init__(self) -> None:
        self.forms: dict[str, dict[str, Any]] = {}  # draft_id -> last seen

    def look(self, app: App) -> None:
        from screens.case_form import CaseFormScreen

        for screen in app.screen_stack:
            if isinstance(screen, CaseFormScreen) and screen.is_mounted and screen.draft_id:
                try:
                    fields = screen.collect()
                except Exception:  # being composed or torn down: the last look stands
                    continue
                self.forms[screen.draft_id] = {"case_no": screen.case_no, "saved": screen.saved,
                                               "blank": screen.is_blank and _blank(fields), "fields": fields}

    def lost(self, seat: Any) -> list[str]:
        """What the forms held that is neither in its draft nor in its case."""
        problems: list[str] = []
        for draft_id, seen in self.forms.items():
            typed = {k: seen["fields"][k] for k in TEXT_FIELDS}
            case = seat.cache.case(seen["case_no"])
            if case is not None:
                stored = {k: case.get(k) or "" for k in TEXT_FIELDS}
                want = {k: clean_field(v) for k, v in typed.items()}
                want["phone"] = seat.normalize_phone(want["phone"]) if want["phone"] else ""
                if stored != want:
                    problems.append(f"case {seen['case_no']}: typed {want!r}, saved {stored!r}")
                continue
            draft = seat.draft(draft_id)
            if draft is None:
                if not seen["blank"]:
                    problems.append(f"draft {seen['case_no']} is gone, it held {typed!r}")
                continue
            stored = {k: draft["fields"].get(k, "") for k in TEXT_FIELDS}
            if stored != typed:
                problems.append(f"draft {seen['case_no']}: typed {typed!r}, draft has {stored!r}")
        return problems


def _blank(fields: dict[str, Any]) -> bool:
    return not any(str(fields.get(k) or "").strip() for k in TEXT_FIELDS)


# --- the seats, their apps and the cases their screens need -------------------------------------

DISTRICT = "chaoyang"


class World:
    """The module's seats (logged in, synced), one app host per seat, and the
    cases the screens need (made on demand, in the test's thread)."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.seats: dict[str, Seat] = {}
        self.hosts: dict[str, AppHost] = {}
        self.category = self.dept = self.dept_user = ""
        self.made: list[str] = []

    @classmethod
    def names_only(cls) -> "World":
        """A world that only names its start screens (for parametrize)."""
        return cls("", Path())

    def seat(self, user: str, *, login: bool = True) -> Seat:
        if user not in self.seats:
            seat = make_seat(self.url, self.folder / user)
            if login:
                seat.login(user, DEMO_PASSWORD)
                assert seat.engine.sync_once().online
            self.seats[user] = seat
        return self.seats[user]

    def host(self, user: str) -> AppHost:
        if user not in self.hosts:
            seat = self.seat(user, login=user != "nobody")
            self.hosts[user] = AppHost(lambda: OperatorApp(seat, language="en"))
        return self.hosts[user]

    def close(self) -> None:
        errors = []
        for host in self.hosts.values():
            try:
                host.close()
            except Exception as exc:  # report after closing the rest
                errors.append(exc)
        for seat in self.seats.values():
            seat.close()
        assert not errors, errors

    # --- cases for the screens ---------------------------------------------------------

    def prepare(self) -> None:
        op = self.seat("op1")
        self.category, self.dept = leaf_and_department(op)
        self.dept_user = f"dept-{self.dept.lower()}"
        self.made = [self.dispatched() for _ in range(2)]
        self.seat(self.dept_user)
        self.seat("sup1")

    def dispatched(self) -> str:
        """A new case, dispatched by op1 and synced."""
        op = self.seat("op1")
        draft_id, case_no = op.new_draft()
        op.create_case(case_no, {"phone": "13800138000", "description": "随机按键 random keys",
                                 "category_code": self.category, "district": DISTRICT,
                                 "address": "朝阳区建国路88号"},
                       draft_id=draft_id, started_at=clock.now_iso())
        op.dispatch(case_no, self.dept)
        assert op.engine.sync_once().outbox_depth == 0
        return case_no

    def _desk(self, case_no: str, *events: tuple[EventType, dict[str, Any]]) -> None:
        desk = self.seat(self.dept_user)
        desk.engine.sync_once()
        for kind, payload in events:
            desk.record(case_no, kind, payload)
        assert desk.engine.sync_once().outbox_depth == 0

    def at_desk(self, status: str) -> Callable[[], str]:
        """A case of the department's in *status* (dispatched or signed, no extension asked)."""

        def find() -> str:
            from screens import desk_lists

            desk = self.seat(self.dept_user)
            desk.engine.sync_once()
            for case in desk_lists.inbox(desk.cache, self.dept):
                if case["status"] == status and not case.get("extension_pending_hours") \
                        and case.get("lead_department") == self.dept:
                    return case["case_no"]
            case_no = self.dispatched()
            if status == "signed":
                self._desk(case_no, (EventType.SIGNED, {}))
            else:
                desk.engine.sync_once()
            return case_no

        return find

    def awaiting_callback(self) -> str:
        """A case op1 is to call back about."""
        from screens import desk_lists

        op = self.seat("op1")
        op.engine.sync_once()
        waiting = desk_lists.callbacks(op.cache)
        if waiting:
            return str(waiting[0]["case_no"])
        case_no = self.dispatched()
        self._desk(case_no, (EventType.SIGNED, {}),
                   (EventType.RESOLVED, {"mode": "department", "result": "已修复 fixed on site"}))
        op.engine.sync_once()
        return case_no

    def extension_pending(self) -> str:
        """A case whose department asks sup1 for more time."""
        case_no = self.dispatched()
        self._desk(case_no, (EventType.SIGNED, {}),
                   (EventType.EXTENDED, {"action": "request", "hours": 72, "reason": "等待审批 approvals"}))
        self.seat("sup1").engine.sync_once()
        return case_no


def leaf_and_department(op: Seat) -> tuple[str, str]:
    """A pickable category and the department the routing sends it to."""
    for cat in sorted(op.cache.categories(), key=lambda c: c["code"]):
        if cat.get("level") == 3 and cat.get("active", True):
            dept = op.propose_department(cat["code"], DISTRICT)
            if dept:
                return cat["code"], dept
    raise AssertionError("the demo has routed categories")
