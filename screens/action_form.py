"""The frame of a one-key case action form (see :mod:`screens.case_actions`).

A ``ModalScreen`` about one case: its title, the case in a few lines (who,
what, where, by when), the form's own fields and an error line. Ctrl+S
records, Esc cancels, Enter moves on as the key arrives. Texts are catalog
messages in the UI language; ``language_changed`` redoes the title and the
case, and :meth:`CaseActionScreen.relabel_fields` the form's own hints.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from operator_tui.i18n import N_, _, current_language
from operator_tui.protocol import describe_validation_error

from . import worklists as wl
from .inert import inert, inert_line
from .translated import LocalizedFooter

LABEL_CELLS = 10  # the summary's first labels, in terminal cells (a Chinese character takes two)


def checked(model: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """*payload* as the wire model checks it; ValueError with a readable reason."""
    try:
        return model.model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from None


def when(iso_time: Any) -> str:
    """``11月29日 14:05`` / ``29 Nov 14:05`` in the seat's local time ('—' when unknown)."""
    return wl.local_time(iso_time, with_date=True) if iso_time else "—"


def label(message: str, cells: int = LABEL_CELLS) -> tuple[str, str]:
    """A muted field label in the UI language, padded to *cells* terminal cells."""
    from rich.cells import cell_len

    text = _(message)
    return text + " " * max(2, cells - cell_len(text)), "$text-muted"


def case_summary(case: dict[str, Any], names: wl.Names) -> Content:
    """Who, what, where and by when: the lines every action form shows."""
    return Content.assemble(
        label(N_("Category")), inert_line(names.category_path(str(case.get("category_code") or "")) or "—"),
        "\n", label(N_("District")), inert_line(names.district(str(case.get("district") or "")) or "—"),
        "   ", label(N_("Address"), 0), inert_line(case.get("address") or "—", limit=50),
        "\n", label(N_("Deadline")), (when(case.get("deadline")), "bold"),
        "   ", label(N_("Lead dept"), 0),
        inert_line(names.department(str(case.get("lead_department") or "")) or "—"),
        "\n", inert(case.get("description") or "", limit=300),
    )


class CaseActionScreen(ModalScreen[dict[str, Any] | None]):
    """A form about one case: title, the case, the fields, an error line."""

    CSS_PATH = "case_actions.tcss"
    HEADING = ""  # a catalog message (N_), also the F1 help's title
    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Record"), id="action.submit", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="action.cancel"),
        # Enter moves on as the key arrives (a widget's Submitted message would
        # come after keys typed behind it, which would land in the old field)
        Binding("enter", "enter", N_("Next / record"), show=False, priority=True, id="action.enter"),
    ]

    def __init__(self, case: dict[str, Any], names: wl.Names | None = None) -> None:
        super().__init__()
        self.case = case
        self.names = names or wl.Names()
        self.error = ""  # in the UI language it was shown in

    @property
    def HELP_TITLE(self) -> str:  # noqa: N802 - the name the F1 help reads
        return self.HEADING

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-box"):
            yield Static(self._title(), classes="action-title", id="action-title")
            yield Static(case_summary(self.case, self.names), classes="action-case", id="action-case")
            yield from self.fields()
            yield Static("", classes="action-error", id="action-error")
        yield LocalizedFooter(compact=True)

    def _title(self) -> Content:
        return Content.assemble((_(self.HEADING), "bold"), "  ",
                                inert_line(self.case.get("case_no"), style="bold $accent"))

    def language_changed(self) -> None:
        """Title, case and hints in the new language; what is typed stays."""
        if self.names.language != current_language():
            self.names = wl.Names(current_language(), self.names.categories, self.names.departments,
                                  self.names.versions)
        self.query_one("#action-title", Static).update(self._title())
        self.query_one("#action-case", Static).update(case_summary(self.case, self.names))
        self.relabel_fields()

    def relabel_fields(self) -> None:
        """Placeholders and hints of this form's fields (a :class:`Tr` label relabels itself)."""

    def fields(self) -> ComposeResult:  # pragma: no cover - every form has its own
        yield from ()

    def payload(self) -> dict[str, Any]:
        """What to record; ValueError with a message for the user."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter":  # in a text area Enter is a new line
            return not isinstance(self.focused, TextArea)
        return True

    def action_enter(self) -> None:
        """Enter: on to the next field, or record from the last one."""
        self.submit_when_typed()

    def submit_when_typed(self) -> None:
        """Record once the focused field has taken the keys already sent to it
        (this runs as Enter arrives, possibly ahead of the keys typed before it)."""
        target = self.focused
        if target is None:
            self.action_submit()
        else:
            target.call_later(self.action_submit)

    def show_error(self, message: str) -> None:
        self.error = message
        self.query_one("#action-error", Static).update(inert(message, style="bold $text-error"))

    def action_submit(self) -> None:
        """Record it."""
        try:
            result = self.payload()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        """Close without recording anything."""
        self.dismiss(None)
