"""Logging in: operator id + password, checked by the server in a worker.

Shown full-size at start when the seat has no session, and as a modal over
the operator's work when the server asks for a new login (expired or revoked
token). Re-login never touches the outbox: unsent changes are sent as they
are once the new token is in.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from operator_tui.i18n import LANGUAGE_NAMES, N_, _, current_language, other_language

from .inert import inert
from .after_paint import AfterPaint
from .status_bar import StatusBar
from .translated import LocalizedFooter, Tr

UNREACHABLE = N_("The server is unreachable; you can log in once it is back.")


def login_error_text(exc: BaseException) -> str:
    """A failed login in plain words."""
    from operator_tui.client import LoginRequired, RequestRefused, ServerUnavailable

    if isinstance(exc, LoginRequired):
        return _("Wrong operator id or password.")
    if isinstance(exc, ServerUnavailable):
        return _(UNREACHABLE)
    if isinstance(exc, RequestRefused):
        if exc.status == 429:
            return _("Too many failed logins: wait a few minutes, then try again.")
        if exc.status == 403:
            return _("This operator is disabled; ask a supervisor.")
        return _("The server refused the login: {reason}").format(reason=exc.message)
    if isinstance(exc, ValueError):
        return str(exc)
    return _("Login failed: {error}").format(error=f"{type(exc).__name__}: {exc}")


class LoginScreen(ModalScreen[Any]):
    """Log in; dismisses with the OperatorInfo (or None: later, re-login only)."""

    CSS_PATH = "login.tcss"
    HELP_TITLE = N_("Log in")
    AUTO_FOCUS = "#operator-id"

    BINDINGS = [
        Binding("escape", "later", N_("Later (work offline)"), id="login.later"),
        # a modal screen hides the app's keys: repeat the ones that make sense here
        Binding("f1", "app.help", N_("Help"), id="login.help"),
        Binding("ctrl+q", "app.request_quit", N_("Quit"), id="login.quit"),
        Binding("f12", "app.toggle_language", N_("中文/English"), id="login.language"),
        # Tab, shift+tab and Enter in the id field move the focus as each key
        # arrives (priority), so a burst (a password manager's auto-type,
        # "op3<Tab>secret") puts the password in the password field, not in
        # the id field in clear; Enter in the password field stays the
        # field's own (it submits after the keys before it).
        Binding("tab", "next_field", N_("Next field"), show=False, priority=True, id="login.next_field"),
        Binding("shift+tab", "previous_field", N_("Previous field"), show=False, priority=True,
                id="login.previous_field"),
        Binding("enter", "to_password", N_("Next field"), show=False, priority=True, id="login.to_password"),
    ]

    def __init__(self, seat: Any, *, relogin: bool = False) -> None:
        super().__init__(classes="-relogin" if relogin else "-initial")
        self.seat = seat
        self.relogin = relogin
        self.busy = False
        self._message: tuple[str, bool, str] | None = None  # the message line's catalog message

    def compose(self) -> ComposeResult:
        known = ""
        if self.seat.operator is not None:
            known = self.seat.operator.operator_id
        else:
            try:
                known = self.seat.cache.get_state("operator_id", "") or ""
            except Exception:  # a closed or broken cache must not stop the login
                known = ""
        with Vertical(id="login-box"):
            yield Tr(N_("12345 Hotline — operator login"), id="login-title")
            if self.relogin:
                yield Tr(N_("Your session has ended. Log in again to send your changes: "
                            "nothing is lost, unsent changes wait in the outbox."), id="login-note")
            yield Tr(N_("Operator id"), classes="field-label")
            yield Input(value=known, placeholder=_("e.g. op1"), id="operator-id", max_length=64)
            yield Tr(N_("Password"), classes="field-label")
            yield Input(password=True, placeholder=_("password"), id="password", max_length=256)
            yield Static("", id="login-error", markup=False)
            yield Static("", id="login-detail", markup=False)
            # Enter logs in: the button (for the mouse) comes a frame later,
            # its CSS parse (~8 ms) kept the login from the first frame
            yield AfterPaint(self._make_button, height="4")
            yield Static(self._server_line(), id="login-server")
        yield StatusBar()
        yield AfterPaint(LocalizedFooter(compact=True), height="1", dock="bottom")  # not needed to start typing

    def _server_line(self) -> Content:
        return Content.assemble(
            inert(_("server: {url}").format(url=self.seat.server_url), True),
            ("   F12 " + LANGUAGE_NAMES[other_language(current_language())], "$text-accent"),
        )

    def _make_button(self) -> Button:
        return Button(_("Log in"), id="login-button", variant="primary", disabled=self.busy)

    def _show_button(self) -> None:
        """The button's label and state (once it is there)."""
        for button in self.query("#login-button").results(Button):
            button.label = _("Log in")
            button.disabled = self.busy

    def language_changed(self) -> None:
        """Texts in the new language; what is typed stays."""
        self.query_one("#operator-id", Input).placeholder = _("e.g. op1")
        self.query_one("#password", Input).placeholder = _("password")
        self._show_button()
        self.query_one("#login-server", Static).update(self._server_line())
        if self._message is not None:
            self.show_error(*self._message)

    def on_mount(self) -> None:
        self.query_one("#login-detail").display = False
        if self.query_one("#operator-id", Input).value:
            self.query_one("#password", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "later":
            return self.relogin
        if action == "to_password":
            return self.focused is not None and self.focused.id == "operator-id"
        return True

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_to_password(self) -> None:
        """Enter in the id field: on to the password (set_focus, not focus():
        that one moves the focus only after the keys already queued)."""
        self.set_focus(self.query_one("#password", Input))

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-button")
    def submit(self) -> None:
        if self.busy:
            return
        operator_id = self.query_one("#operator-id", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not operator_id:
            self.show_error(N_("Type your operator id."))
            self.query_one("#operator-id", Input).focus()
            return
        if not password:
            self.show_error(N_("Type your password."))
            self.query_one("#password", Input).focus()
            return
        self.busy = True
        self.show_error(N_("Logging in…"), error=False)
        self._show_button()
        self.run_worker(
            lambda: self._login(operator_id, password), thread=True, group="login", name="login"
        )

    def _login(self, operator_id: str, password: str) -> None:
        """Runs in a worker thread: the only network call the UI makes itself."""
        try:
            operator = self.seat.login(operator_id, password)
        except Exception as exc:  # every failure is shown, none is fatal
            from operator_tui.client import LoginRequired, RequestRefused

            plain = isinstance(exc, (LoginRequired, RequestRefused, ValueError))
            detail = "" if plain else f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(self._failed, login_error_text(exc), detail)
        else:
            self.app.call_from_thread(self._succeeded, operator)

    def _failed(self, message: str, detail: str = "") -> None:
        self.busy = False
        self._show_button()
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.show_error(message, detail=detail)

    def _succeeded(self, operator: Any) -> None:
        self.busy = False
        self.dismiss(operator)

    def show_error(self, message: str, error: bool = True, detail: str = "") -> None:
        """The message line (translated when it is a catalog message); *detail*
        (the technical reason) goes below it, small."""
        self._message = (message, error, detail)
        box = self.query_one("#login-error", Static)
        box.set_class(error, "-error")
        box.update(inert(_(message), limit=300))  # it may quote the server's refusal
        more = self.query_one("#login-detail", Static)
        more.display = bool(detail)
        more.update(inert(detail, limit=300))

    @property
    def error_text(self) -> str:
        """What the message line says (for tests)."""
        return str(self.query_one("#login-error", Static).content)

    def action_later(self) -> None:
        if self.relogin and not self.busy:
            self.dismiss(None)
