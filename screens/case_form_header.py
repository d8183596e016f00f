"""The case form's header line: case number, handle time, draft state.

The handle time ticks every second, but never in the way of typing: while
keys are arriving the new second waits for the next keystroke and is painted
in that key's frame, and under a picker or dialog it waits until the form is
back on top. A mixin of :class:`screens.case_form.CaseFormScreen`.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from textual.content import Content
from textual.widgets import Static

from operator_tui.i18n import _

TYPING_SECONDS = 0.3  # a change this recent means keys are arriving (the clock waits for the next one)


class HandleClockMixin:
    """The header line and its handle clock, for the case form (a Screen)."""

    seat: Any
    started_at: str
    case_no: str
    saved: bool
    resumed: bool
    _header: tuple | None = None  # what the header line shows (text, styles)
    _last_change = 0.0  # monotonic time of the last field change
    _clock_due = False  # a new second of handle time waits for the next keystroke

    def note_typing(self) -> None:
        """A field changed: keys are arriving; show a second held back for this key."""
        self._last_change = monotonic()
        self._show_due_clock()

    def _clock_tick(self) -> None:
        """Every second: the handle time. While keys are arriving the new
        second is shown with the next keystroke, in that key's frame: a header
        repaint of its own just before a key held the key's echo back by up to
        33 ms (Textual's screen update timer, resumed after a pause, sleeps to
        the frame slot after next). Under a picker or dialog the clock waits
        until the form is back on top: a change of the screen below repaints
        the whole modal, whose filter the operator is typing into."""
        if monotonic() - self._last_change < TYPING_SECONDS or self.app.screen is not self:
            self._clock_due = True
        else:
            self._tick()

    def on_screen_resume(self) -> None:
        self._show_due_clock()

    def _show_due_clock(self) -> None:
        """The second the clock held back, now (with a keystroke, or the form back on top)."""
        if self._clock_due:
            self._clock_due = False
            self._tick()

    def _tick(self) -> None:
        """Show the header line: case number, handle time, draft state."""
        secs = self.seat.handle_seconds(self.started_at)
        state: tuple[str, str]
        if self.saved:
            state = (_("saved · F5 dispatch · F6 answer · Esc back"), "bold $text-success")
        elif self.resumed:
            state = (_("draft resumed · saved as you type"), "$text-warning")
        else:
            state = (_("draft · saved as you type"), "$text-muted")
        header = Content.assemble(
            (_("Case") + " ", "bold"), (self.case_no, "bold $accent"),
            ("   " + _("handle {time}").format(time=f"{secs // 60}:{secs % 60:02d}") + "   ", ""), state,
            self.interpreter_header(),
        )
        shown = (header.plain, tuple(header.spans))
        if shown != self._header:  # one line of fixed size: no layout of the form for a new second
            self._header = shown
            self.query_one("#case-header", Static).update(header, layout=False)
