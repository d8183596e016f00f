"""Asking before quitting while a draft is open (the draft is kept either way)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from operator_tui.i18n import N_, _, ngettext


class ConfirmQuitScreen(ModalScreen[bool]):
    """Quit? Answers True (quit) or False (stay)."""

    DEFAULT_CSS = """
    ConfirmQuitScreen { align: center middle; }
    ConfirmQuitScreen > Vertical {
        width: 64; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmQuitScreen #quit-title { text-style: bold; margin-bottom: 1; }
    ConfirmQuitScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmQuitScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", N_("Quit"), id="quit.yes"),
        Binding("n,escape", "answer(False)", N_("Stay"), id="quit.no"),
    ]

    def __init__(self, drafts: int, unsaved_here: bool) -> None:
        super().__init__()
        self.drafts = drafts
        self.unsaved_here = unsaved_here

    def message(self) -> str:
        if self.unsaved_here:
            what = _("A case is being entered on this screen.")
        else:
            what = ngettext("A draft case is open.", "{n} draft cases are open.",
                            self.drafts).format(n=self.drafts)
        return what + "\n\n" + _("It is kept either way: next time it is under Drafts on the home "
                                 "screen, ready to resume.\n\nQuit now?")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Quit operator-tui?")), id="quit-title")
            yield Static(Content(self.message()), id="quit-message")
            with Horizontal():
                yield Button(_("Stay (N)"), id="stay", variant="primary")
                yield Button(_("Quit (Y)"), id="quit", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "quit")

    def action_answer(self, quit_: bool) -> None:
        self.dismiss(quit_)
