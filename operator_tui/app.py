"""The Textual app: a thin shell around the screens.

It owns the global keys (new case, knowledge base, help, quit), the status
bar refresh, the login flow and the command palette; every feature lives in
a screen under ``screens/``. Keys are Bindings with ids, remappable from the
config's ``[keymap]`` table (binding id -> keys) through ``App.set_keymap``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from operator_tui import i18n
from operator_tui.i18n import N_, _
from operator_tui.sync_status import SyncStatus
from operator_tui.text import clean
from screens.logout import LogoutActions
from screens.status_bar import SeatInfo, StatusBar

STATUS_SECONDS = 0.5
RELOGIN_SNOOZE_SECONDS = 300.0
FOCUS_WAIT_STEP, FOCUS_WAIT_STEPS = 0.005, 60  # typed-ahead keys wait up to 0.3 s for the first screen's focus
# where F4/F2/F10 open their lists
LIST_HOMES = ("HomeScreen", "CallbacksScreen", "ExtensionsScreen", "BoardScreen", "DispatchQueueScreen")
NOT_COMMANDS = ("app.focus_next", "app.focus_previous", "screen.copy_text", "command_palette")
# Textual's own palette commands, in the catalog so they show in the UI language.
TEXTUAL_COMMANDS = {
    N_("Theme"): N_("Change the current theme"),
    N_("Minimize"): N_("Minimize the widget and restore to normal size"),
    N_("Maximize"): N_("Maximize the focused widget"),
    N_("Screenshot"): N_("Save an SVG 'screenshot' of the current screen"),
}
N_("palette")  # the footer's ctrl+p key (Textual's binding, shown translated by LocalizedFooter)


def _action_help(node: Any, binding: Binding) -> str:
    """A command's help line in the UI language: the tooltip, else the
    action's docstring (when the catalog has it), else the description."""
    if binding.tooltip:
        return _(binding.tooltip)
    name = binding.action.split("(", 1)[0].rsplit(".", 1)[-1]
    doc = getattr(getattr(node, f"action_{name}", None), "__doc__", None) or ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    if line and i18n.has_translation(line):
        return _(line)
    return _(binding.description)


class OperatorApp(LogoutActions, App[None]):
    """The operator's workstation for one :class:`~operator_tui.seat.Seat`."""

    TITLE = "operator-tui"
    SUB_TITLE = "12345 hotline"

    # Descriptions and tooltips are catalog messages, translated where shown
    # (footer, F1 help, command palette): see screens/translated.py.
    BINDINGS = [
        Binding("ctrl+n", "new_case", N_("New case"), id="app.new_case", priority=True,
                tooltip=N_("Start a new case (a draft is saved as it is typed)")),
        Binding("f3", "knowledge_base", N_("Knowledge base"), id="app.kb",
                tooltip=N_("Look something up in the knowledge base")),
        Binding("f1", "help", N_("Help"), id="app.help", tooltip=N_("Show the keys of the current screen")),
        Binding("ctrl+q", "request_quit", N_("Quit"), id="app.quit", priority=True,
                tooltip=N_("Quit; asks first when a draft is open (the draft is kept either way)")),
        Binding("f9", "login", N_("Log in"), id="app.login", show=False,
                tooltip=N_("Log in again (the outbox is kept and sent after login)")),
        Binding("ctrl+o", "logout", N_("Log out"), id="app.logout", show=False,
                tooltip=N_("Log out and wipe this seat's copy of the cases (refused while changes or drafts wait)")),
        Binding("f12", "toggle_language", N_("中文/English"), id="app.toggle_language", show=False,
                priority=True,  # also inside modal forms and pickers, which hide the app's other keys
                tooltip=N_("Switch the screens between Chinese and English")),
        Binding("f4", "callbacks", N_("Callbacks"), id="app.callbacks", show=False,
                tooltip=N_("Call citizens back about resolved cases")),
        Binding("f2", "extensions", N_("Extensions"), id="app.extensions", show=False,
                tooltip=N_("Approve or refuse the departments' extension requests")),
        Binding("ctrl+b", "board", N_("Board"), id="app.board", show=False,
                tooltip=N_("The supervisor's live board (volume, categories, hot spots, deadlines, rates)")),
        Binding("f10", "dispatch_queue", N_("To dispatch"), id="app.dispatch_queue", show=False,
                tooltip=N_("Cases from the other channels and returned cases, to categorise and dispatch")),
    ]

    def __init__(self, seat: Any, *, keymap: dict[str, str] | None = None, language: str = "zh",
                 callback_tries: int = 3, start_sync: bool = False) -> None:
        super().__init__()
        from operator_tui.config import ConfigError

        self.seat = seat
        try:
            self.ui_language = i18n.set_language(language)
        except ValueError as exc:
            raise ConfigError(f"setting 'language': {exc}") from None
        self.callback_tries = callback_tries
        self.user_keymap = dict(keymap or {})
        self._seat_info: SeatInfo | None = None
        self._relogin_snoozed_until = 0.0
        self._typed_ahead: list[Any] | None = []  # keys and pastes before the first screen (None once open)
        self.start_sync = start_sync  # start the seat's sync engine after the first frame
        if self.user_keymap:
            self.set_keymap(self.user_keymap)

    # --- start ------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(STATUS_SECONDS, self.refresh_status)

    async def on_ready(self) -> None:
        """Open the first screen (login, or the home of the user's role); once
        it has been painted, load and start the sync engine (httpx, the wire
        models, two threads) in a worker thread.

        The first screen is pushed now, not on mount: Textual mounts the app
        inside a batch update, and a screen laid out in it was rendered, its
        frame dropped and its dirty regions with it — the screen then came in
        pieces, whole one frame slot later (~20 ms). Keys typed before it is
        open and focused are held (see :meth:`on_event`) and replayed into
        it; without that, keys typed ~0.21 s after start reached the empty
        default screen and were lost. A worker started before the screen was
        painted imported httpx meanwhile and held the GIL."""
        from screens.login import LoginScreen

        if self.seat.logged_in:
            await self.push_screen(self.home_screen())
            self._land_on_board()
        else:
            await self.push_screen(LoginScreen(self.seat), self._after_first_login)
        await self._replay_typed_ahead()
        if self.start_sync:
            self.call_after_refresh(self._start_sync_worker)

    def _start_sync_worker(self) -> None:
        self.run_worker(self._start_sync, thread=True, name="start-sync", group="start-sync")

    def _start_sync(self) -> None:
        self.seat.start()
        self.settle_heap()

    def settle_heap(self) -> None:
        """In a real run, keep what is built so far (Textual, the engine, the
        indexes) out of the garbage collector's full passes: those took
        15-115 ms and landed on keystrokes. Safe from any thread."""
        if self.start_sync:
            gc.freeze()

    def _after_first_login(self, operator: Any) -> None:
        self._seat_info = None
        if operator is not None:
            self.push_screen(self.home_screen())
            self._land_on_board()

    def _land_on_board(self) -> None:
        """Supervisors start on their live board, above the work lists."""
        if self.role == "supervisor":
            self.action_board()

    @property
    def role(self) -> str:
        return str(self.seat.operator.role) if self.seat.operator is not None else ""

    def home_screen(self) -> Screen:
        """The home of the user's role: the department desk, else the work lists."""
        if self.role == "department":
            from screens.department_desk import DeskScreen

            return DeskScreen(self.seat)
        from screens.home import HomeScreen

        return HomeScreen(self.seat)

    # --- status bar and re-login ------------------------------------------------

    def seat_info(self) -> SeatInfo:
        """Operator and seat number (the seat number is read once per operator)."""
        operator_id = self.seat.operator.operator_id if self.seat.operator else ""
        if self._seat_info is None or self._seat_info.operator_id != operator_id:
            try:
                seat_no = self.seat.cache.seat_no
            except Exception:  # a closing cache: keep the last answer
                seat_no = None
            self._seat_info = SeatInfo(operator_id, seat_no)
        return self._seat_info

    def refresh_status(self) -> None:
        """Twice a second: the status bars, and a login prompt when the server wants one."""
        status = self.live_outbox(self.seat.status())
        info = self.seat_info()
        screen = self.screen
        if not isinstance(screen, ModalScreen) and screen.is_mounted and not screen.query(StatusBar):
            screen.mount(StatusBar())  # every full screen shows it, whoever wrote the screen
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.show(status, info)
        if status.login_required and self.seat.operator is not None and not self.login_open:
            if self._relogin_snoozed_until <= self._clock():
                self.action_login()

    def live_outbox(self, status: SyncStatus) -> SyncStatus:
        """*status* with the outbox depth and oldest age read now from the cache.

        The engine refreshes its counts only between rounds (offline: up to
        its backoff, 30 s); two indexed local reads keep the age honest.
        """
        try:
            depth = self.seat.cache.outbox_depth()
            age = self.seat.cache.oldest_pending_age_seconds() if depth else None
        except Exception:  # the cache is closing or broken: show what the engine knows
            return status
        return replace(status, outbox_depth=depth, oldest_pending_seconds=age)

    @staticmethod
    def _clock() -> float:
        import time

        return time.monotonic()

    @property
    def login_open(self) -> bool:
        from screens.login import LoginScreen

        return any(isinstance(s, LoginScreen) for s in self.screen_stack)

    def action_login(self) -> None:
        """Log in again (the outbox is kept and sent after login).

        While the session is valid there is nothing to log in to: say who is
        logged in and which key logs out, rather than a login screen that
        says the session ended.
        """
        from screens.login import LoginScreen

        if self.login_open:
            return
        if self.seat.logged_in:
            self.notify(
                _("Already logged in as {operator}. {key} logs out (from the home screen).").format(
                    operator=clean(self.seat.operator.operator_id, one_line=True), key=self._key_of("app.logout")),
                markup=False,
            )
            return
        self.push_screen(LoginScreen(self.seat, relogin=True), self._after_relogin)

    def _key_of(self, binding_id: str) -> str:
        """The key (after the user's keymap) of the app binding *binding_id*,
        whether or not the screen on top offers it now."""
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.id == binding_id:
                    remapped = self._keymap.get(binding_id, "").split(",")[0].strip()
                    return self.get_key_display(replace(binding, key=remapped) if remapped else binding)
        return ""

    def _after_relogin(self, operator: Any) -> None:
        self._seat_info = None
        if operator is None:  # "later": ask again in a while, the status bar says it meanwhile
            self._relogin_snoozed_until = self._clock() + RELOGIN_SNOOZE_SECONDS
        else:
            self._relogin_snoozed_until = 0.0
            self.notify(_("Logged in. Unsent changes are being sent."), markup=False)

    # --- global actions -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        screen_name = type(self.screen).__name__
        if action == "board":
            if self.login_open or self.role not in ("supervisor", "admin"):
                return False
            return None if screen_name == "BoardScreen" else screen_name in LIST_HOMES
        if action in ("callbacks", "extensions", "dispatch_queue"):
            allowed = ("supervisor", "admin") if action == "extensions" else ("operator", "supervisor", "admin")
            if self.login_open or self.role not in allowed:
                return False
            here = {"callbacks": "CallbacksScreen", "extensions": "ExtensionsScreen",
                    "dispatch_queue": "DispatchQueueScreen"}[action]
            if screen_name == here:
                return None
            return screen_name in LIST_HOMES
        if action in ("new_case", "knowledge_base"):
            if self.login_open or self.seat.operator is None:
                return False
            if action == "new_case" and self.role == "department":
                return False  # departments receive cases, they do not open them
            if action == "new_case" and screen_name == "CaseFormScreen":
                return None
            if action == "knowledge_base" and screen_name == "KbLookupScreen":
                return None
        if action == "help" and screen_name == "HelpScreen":
            return None
        if action == "login":
            return self.seat.operator is not None and not self.login_open
        if action == "logout":  # from a home or list screen, not from inside a form
            return (self.seat.operator is not None and not self.login_open
                    and screen_name in (*LIST_HOMES, "DeskScreen"))
        return True

    def action_new_case(self) -> None:
        """Start a new case (a draft is saved as it is typed)."""
        from screens.case_form import CaseFormScreen

        self.push_screen(CaseFormScreen(self.seat))

    def action_callbacks(self) -> None:
        """Call citizens back about resolved cases."""
        from screens.callbacks import CallbacksScreen

        self._open_list(CallbacksScreen(self.seat, max_tries=self.callback_tries))

    def action_extensions(self) -> None:
        """Approve or refuse the departments' extension requests."""
        from screens.extensions import ExtensionsScreen

        self._open_list(ExtensionsScreen(self.seat))

    def action_dispatch_queue(self) -> None:
        """Categorise and dispatch cases from the other channels and returned cases."""
        from screens.dispatch_queue import DispatchQueueScreen

        self._open_list(DispatchQueueScreen(self.seat))

    def action_board(self) -> None:
        """The supervisor's live board (volume, categories, hot spots, deadlines, rates)."""
        from screens.board import BoardScreen

        stack = self.screen_stack
        if len(stack) > 1 and isinstance(stack[-2], BoardScreen):
            self.pop_screen()  # a list opened from the board: back to it
        elif not isinstance(self.screen, BoardScreen):
            self.push_screen(BoardScreen(self.seat))

    def _open_list(self, screen: Screen) -> None:
        if type(self.screen).__name__ in ("CallbacksScreen", "ExtensionsScreen", "DispatchQueueScreen"):
            self.switch_screen(screen)  # one list at a time above the home screen
        else:
            self.push_screen(screen)

    def action_knowledge_base(self) -> None:
        """Look something up in the knowledge base."""
        from screens.kb_lookup import KbLookupScreen

        self.push_screen(KbLookupScreen(self.seat))

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        from screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def unsaved_work(self) -> tuple[int, bool]:
        """(drafts in the cache, whether an open screen says it has unsaved input)."""
        try:
            drafts = len(self.seat.cache.drafts())
        except Exception:
            drafts = 0
        unsaved = False
        for screen in self.screen_stack:
            check = getattr(screen, "has_unsaved_input", None)
            value = check() if callable(check) else check
            unsaved = unsaved or bool(value)
        return drafts, unsaved

    def action_request_quit(self) -> None:
        """Quit; asks first when a draft is open (the draft is kept either way)."""
        from screens.confirm import ConfirmQuitScreen

        if any(isinstance(s, ConfirmQuitScreen) for s in self.screen_stack):
            return
        drafts, unsaved = self.unsaved_work()
        if not drafts and not unsaved:
            self.exit()
            return
        self.push_screen(ConfirmQuitScreen(drafts, unsaved), lambda quit_: self.exit() if quit_ else None)

    # --- pasted text and notifications -------------------------------------------------

    async def on_event(self, event: Any) -> None:
        """Keys and pastes before the first screen is open are held for it.
        A paste is cleaned before any field sees it: text copied from a web
        page or a chat brings zero-width and bidi characters (sometimes colour
        codes), and Input/TextArea show what they hold as it is."""
        from textual import events

        from operator_tui.text import clean

        if self._typed_ahead is not None and isinstance(event, (events.Key, events.Paste)):
            self._typed_ahead.append(event)  # before the first screen: it gets them once open
            return
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = clean(event.text)
        await super().on_event(event)

    async def _replay_typed_ahead(self) -> None:
        """Keys typed (and text pasted) before the first screen was open, in
        order, once its field has the focus: an operator typing at once loses
        nothing. Input arriving meanwhile waits in the app's queue behind."""
        import asyncio

        from textual import events

        for _attempt in range(FOCUS_WAIT_STEPS):
            if self.screen.focused is not None:
                break
            await asyncio.sleep(FOCUS_WAIT_STEP)
        held, self._typed_ahead = self._typed_ahead or [], None
        for event in held:
            await self.on_event(events.Paste(event.text) if isinstance(event, events.Paste)
                                else events.Key(event.key, event.character))

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is plain text: messages quote case numbers, names
        and server errors, so markup is never parsed and controls are stripped
        (screens' ``self.notify`` arrives here too)."""
        from operator_tui.text import clean

        super().notify(clean(str(message)), title=clean(str(title), one_line=True), severity=severity,
                       timeout=timeout, markup=False)

    # --- language -------------------------------------------------------------------

    def action_toggle_language(self) -> None:
        """Switch the screens between Chinese and English."""
        self.set_ui_language(i18n.other_language(self.ui_language))

    def set_ui_language(self, language: str) -> None:
        """Show every screen in *language* now; what is typed stays as it is."""
        from screens.translated import relabel

        self.ui_language = i18n.set_language(language)
        relabel(self)
        self._seat_info = None
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.last = None  # redraw in the new language
        self.refresh_status()
        self.notify(_("Language: {name}").format(name=i18n.LANGUAGE_NAMES[self.ui_language]), timeout=2)

    # --- command palette ----------------------------------------------------------

    def action_command_palette(self) -> None:
        """Every action of the screen, searchable (in the UI language)."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the current screen and of the app, then Textual's own."""
        seen: set[tuple[int, str]] = set()
        for active in screen.active_bindings.values():
            binding, node = active.binding, active.node
            if binding.system or not binding.description or (id(node), binding.action) in seen:
                continue
            if node is not self and node is not screen or binding.action in NOT_COMMANDS:
                continue  # widget keys (cursor moves...) are not commands
            seen.add((id(node), binding.action))
            yield SystemCommand(
                _(binding.description),
                f"{_action_help(node, binding)} ({self.get_key_display(binding)})",
                partial(self._run_command, node, binding.action),
            )
        for command in super().get_system_commands(screen):
            if command.title in ("Quit", "Keys"):
                continue  # replaced by request_quit (asks about drafts) and F1 help
            if command.title in TEXTUAL_COMMANDS:
                command = SystemCommand(_(command.title), _(TEXTUAL_COMMANDS[command.title]), command.callback,
                                        command.discover)
            yield command

    async def _run_command(self, node: Any, action: str) -> None:
        await self.run_action(action, node)
