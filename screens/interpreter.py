"""Marking an interpreter joining or leaving a three-party call.

ctrl+r in the case form or the case view: when no interpreter is on the call,
:class:`InterpreterScreen` asks for the language interpreted (the caller's,
preselected) and the interpreter's id, and answers an
:class:`~operator_tui.interpreter.InterpreterMark` ("joined", now); when one
is on the call, the key marks them leaving at once (:func:`record_mark`).
Each mark becomes a ``note`` event on the case (see operator_tui.interpreter).
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from operator_tui import clock
from operator_tui.i18n import N_, _
from operator_tui.interpreter import JOINED, LEFT, InterpreterMark, valid_id

from .translated import LocalizedFooter, Tr


def now() -> datetime:
    """Now in the centre's time zone (the time written into the note)."""
    return clock.centre_now()


def record_mark(present: InterpreterMark, *, left: bool = True) -> InterpreterMark:
    """The mark of *present* leaving (or joining again) now."""
    return InterpreterMark(LEFT if left else JOINED, present.language, present.interpreter_id, now())


class InterpreterScreen(ModalScreen[InterpreterMark | None]):
    """Language and interpreter id; Enter records 'joined', Esc cancels."""

    DEFAULT_CSS = """
    InterpreterScreen { align: center middle; }
    InterpreterScreen > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 1 2;
    }
    InterpreterScreen #interpreter-title { text-style: bold; margin-bottom: 1; }
    InterpreterScreen .row { height: auto; margin-bottom: 1; }
    InterpreterScreen .label { width: 16; color: $text-muted; }
    InterpreterScreen Select { width: 1fr; }
    InterpreterScreen Input { width: 1fr; }
    InterpreterScreen #interpreter-error { color: $text-error; height: auto; }
    """
    HELP_TITLE = N_("Interpreter joins the call")
    AUTO_FOCUS = "#interpreter-id"
    BINDINGS = [
        Binding("ctrl+s", "confirm", N_("Record"), id="interpreter.confirm", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="interpreter.cancel"),
    ]

    def __init__(self, caller_language: str = "") -> None:
        super().__init__()
        from .case_fields import language_options

        self.options = language_options(exclude=("zh",))
        codes = [code for _label, code in self.options]
        self.language = caller_language if caller_language in codes else codes[0]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Tr(N_("Interpreter joins the call"), id="interpreter-title")
            with Horizontal(classes="row"):
                yield Tr(N_("Language"), classes="label")
                yield Select(self.options, value=self.language, allow_blank=False, compact=True,
                             id="interpreter-language")
            with Horizontal(classes="row"):
                yield Tr(N_("Interpreter id"), classes="label")
                yield Input(placeholder=_("e.g. I-203"), id="interpreter-id", compact=True, max_length=32,
                            restrict=r"[A-Za-z0-9._-]*")
            yield Static("", id="interpreter-error", markup=False)
            yield Tr(N_("Enter records the time they joined; ctrl+r again when they leave."),
                     style="$text-muted")
        yield LocalizedFooter(compact=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        interpreter_id = self.query_one("#interpreter-id", Input).value.strip()
        if not valid_id(interpreter_id):
            self.query_one("#interpreter-error", Static).update(
                Content(_("Type the interpreter's id (letters, digits, '-', at most 32).")))
            self.query_one("#interpreter-id", Input).focus()
            return
        language = str(self.query_one("#interpreter-language", Select).value)
        self.dismiss(InterpreterMark(JOINED, language, interpreter_id, now()))

    def action_cancel(self) -> None:
        self.dismiss(None)
