"""One work list of the home screen: a table of rows, or a hint when empty.

Column titles and the empty-list hint are catalog messages (``N_``), shown
translated; on a language change the columns are rebuilt, the rows kept.

A pane may be mounted lazily (the hidden tabs are, so the home screen paints
sooner): rows given before it is mounted are kept and shown on mount. A table
is only rebuilt when its rows changed, so the cursor stays put.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from operator_tui.i18n import N_, _

from .inert import inert

Row = tuple[str, tuple[Text, ...]]  # key, cells


class WorkTable(DataTable):
    """A work list: whole rows, Enter opens."""

    HELP_WHERE = N_("in a list")
    BINDINGS = [Binding("enter", "select_cursor", N_("Open"), id="list.open")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)


class WorkPane(Vertical):
    """The table of one list, its empty-list hint and an optional note below."""

    DEFAULT_CSS = """
    WorkPane { height: 1fr; }
    WorkPane .empty-hint { color: $text-muted; padding: 1 2; }
    WorkPane WorkTable { height: 1fr; }
    WorkPane .pane-note { height: auto; padding: 0 1; }
    """

    def __init__(self, tab: str, columns: tuple[str, ...], empty: str, *, note: bool = False) -> None:
        super().__init__(id=f"{tab}-pane")
        self.tab = tab
        self.columns = columns
        self.empty = empty
        self.has_note = note
        self.rows: list[Row] = []
        self.plain: list[tuple[str, tuple[str, ...]]] | None = None  # what the table shows
        self.note_text: Any = ""

    def compose(self) -> ComposeResult:
        yield Static(inert(self.empty), classes="empty-hint", id=f"{self.tab}-empty")
        yield WorkTable(id=f"{self.tab}-table")
        if self.has_note:
            yield Static("", classes="pane-note", id=f"{self.tab}-note", markup=False)

    def on_mount(self) -> None:
        self.table.add_columns(*(_(c) for c in self.columns))
        self._apply()

    def language_changed(self) -> None:
        """Column titles and hint in the new language; the rows and cursor stay."""
        if not self.is_mounted:
            return
        table = self.table
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*(_(c) for c in self.columns))
        self.plain = None  # re-add the rows
        self._apply()
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    @property
    def table(self) -> WorkTable:
        return self.query_one(WorkTable)

    def show(self, rows: list[Row], *, empty: str | None = None, note: Any = None) -> None:
        """Show *rows* (now if mounted, else on mount)."""
        self.rows = rows
        if empty is not None:
            self.empty = empty
        if note is not None:
            self.note_text = note
        if self.is_mounted:
            self._apply()

    def _apply(self) -> None:
        table = self.table
        hint = self.query_one(".empty-hint", Static)
        hint.update(inert(_(self.empty)))
        table.display = bool(self.rows)
        hint.display = not self.rows
        if self.has_note:
            note = self.query_one(".pane-note", Static)
            note.display = bool(self.note_text)
            note.update(self.note_text)
        plain = [(key, tuple(str(c) for c in cells)) for key, cells in self.rows]
        if plain == self.plain:
            return
        self.plain = plain
        selected = self.selected_key()
        had_focus = table.has_focus
        table.clear()
        for key, cells in self.rows:
            table.add_row(*cells, key=key)
        keys = [key for key, _ in self.rows]
        if selected in keys:
            table.move_cursor(row=keys.index(selected), animate=False)
        if had_focus and not self.rows:
            self.screen.set_focus(None)
            self.post_message(self.Emptied(self))

    def selected_key(self) -> str | None:
        """The key of the row under the cursor (None: empty or not mounted)."""
        if not self.is_mounted:
            return None
        table = self.table
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # no cursor row yet
            return None

    def focus_table(self) -> bool:
        if self.is_mounted and self.table.row_count:
            self.table.focus()
            return True
        return False

    class Emptied(Message):
        """The focused table lost its last row."""

        def __init__(self, pane: "WorkPane") -> None:
            super().__init__()
            self.pane = pane
