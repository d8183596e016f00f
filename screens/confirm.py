"""Yes/no questions before leaving: :class:`ConfirmScreen`, and asking before
quitting while a draft is open (the draft is kept either way)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from operator_tui.i18n import N_, _, ngettext


class ConfirmScreen(ModalScreen[bool]):
    """A question with Stay (N, focused) and a warning-coloured Yes (Y).

    A subclass names its widgets (``PREFIX``: ``#<prefix>-title``,
    ``#<prefix>-message``, ``#<prefix>`` for the Yes button), gives the
    texts and its own ``y``/``n`` bindings (ids of its own, remappable)
    bound to ``answer(True)``/``answer(False)``. Answers True for yes.
    """

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen .confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    PREFIX = "confirm"

    def title_text(self) -> str:
        """The question (UI language)."""
        raise NotImplementedError

    def message(self) -> str:
        """What happens either way (UI language)."""
        raise NotImplementedError

    def yes_label(self) -> str:
        """The Yes button's label, with its key."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text()), id=f"{self.PREFIX}-title", classes="confirm-title")
            yield Static(Content(self.message()), id=f"{self.PREFIX}-message")
            with Horizontal():
                yield Button(_("Stay (N)"), id="stay", variant="primary")
                yield Button(self.yes_label(), id=self.PREFIX, variant="warning")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == self.PREFIX)

    def action_answer(self, yes: bool) -> None:
        """Close with the answer (True: yes)."""
        self.dismiss(yes)


class ConfirmQuitScreen(ConfirmScreen):
    """Quit? Answers True (quit) or False (stay)."""

    PREFIX = "quit"
    BINDINGS = [
        Binding("y", "answer(True)", N_("Quit"), id="quit.yes"),
        Binding("n,escape", "answer(False)", N_("Stay"), id="quit.no"),
    ]

    def __init__(self, drafts: int, unsaved_here: bool) -> None:
        super().__init__()
        self.drafts = drafts
        self.unsaved_here = unsaved_here

    def title_text(self) -> str:
        return _("Quit operator-tui?")

    def yes_label(self) -> str:
        return _("Quit (Y)")

    def message(self) -> str:
        if self.unsaved_here:
            what = _("A case is being entered on this screen.")
        else:
            what = ngettext("A draft case is open.", "{n} draft cases are open.",
                            self.drafts).format(n=self.drafts)
        return what + "\n\n" + _("It is kept either way: next time it is under Drafts on the home "
                                 "screen, ready to resume.\n\nQuit now?")
