"""F1 help: the keys of the screen underneath, read from its live bindings.

The list is built from ``screen.active_bindings`` (after the user's keymap and
the screens' ``check_action``), so it is always what the keys really do.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from operator_tui.i18n import N_, _

from .translated import LocalizedFooter

# Textual's own bindings whose descriptions are terse.
DESCRIPTIONS = {
    "command_palette": N_("Command palette (every action)"),
    "screen.copy_text": N_("Copy selected text"),
    "app.focus_next": N_("Next field"),
    "app.focus_previous": N_("Previous field"),
    "reveal_phone": N_("Show the caller's full number for 3 minutes (recorded in the case history and the "
                       "audit log; press again to hide it)"),
}
EVERYWHERE = N_("everywhere")
THIS_SCREEN = N_("this screen")


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    description: str
    where: str
    enabled: bool
    binding_id: str = ""


def _where(node: object, screen: Screen) -> str:
    from textual.app import App

    if isinstance(node, App):
        return _(EVERYWHERE)
    if node is screen:
        return _(THIS_SCREEN)
    where = getattr(node, "HELP_WHERE", "")
    return _(where) if where else type(node).__name__


def keys_of(screen: Screen) -> list[KeyHelp]:
    """The keys active on *screen*: one row per action, its keys joined."""
    app = screen.app
    rows: dict[tuple[int, str], KeyHelp] = {}
    order: list[tuple[int, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system or binding.action in ("", "noop"):
            continue
        if active.node is not screen and active.node is not app and not binding.show:
            continue  # a widget's own editing/cursor keys: not what help is for
        description = _(DESCRIPTIONS.get(binding.action) or binding.description or binding.tooltip
                        or binding.action.replace("_", " "))
        key = (id(active.node), binding.action)
        display = app.get_key_display(binding)
        if key in rows:
            old = rows[key]
            if display not in old.keys.split(" / "):
                rows[key] = KeyHelp(f"{old.keys} / {display}", old.description, old.where, old.enabled,
                                    old.binding_id)
            continue
        rows[key] = KeyHelp(display, description, _where(active.node, screen), active.enabled,
                            binding.id or "")
        order.append(key)
    rank = {_(THIS_SCREEN): 0, _(EVERYWHERE): 2}
    last = {_(DESCRIPTIONS["app.focus_next"]), _(DESCRIPTIONS["app.focus_previous"])}

    def place(row: KeyHelp) -> int:
        if row.description in last:
            return 3
        return rank.get(row.where, 1)

    return sorted((rows[k] for k in order), key=place)


class HelpScreen(ModalScreen[None]):
    """The keys of the current screen, in a table; F1 or Esc closes."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; margin-bottom: 1; }
    HelpScreen DataTable { height: auto; max-height: 30; }
    HelpScreen #help-hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape,f1", "close", N_("Close help"), id="help.close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.rows = keys_of(target)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title(), id="help-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="help-keys")
            yield Static(self._hint(), id="help-hint")
        yield LocalizedFooter(compact=True)

    def _title(self) -> Content:
        title = getattr(self.target, "HELP_TITLE", "")
        title = _(title) if title else (self.target.title or type(self.target).__name__)
        return Content.assemble(_("Keys — "), (str(title), "bold"))

    @staticmethod
    def _hint() -> Content:
        return Content(_("Change a key in the config file: [keymap] table, id = \"keys\", "
                         "e.g. \"app.new_case\" = \"f2\". Ctrl+P opens the command palette. "
                         "F12 switches 中文/English."))

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(_("Key"), _("Does"), _("Where"), Text(_("Id (for [keymap])")))
        for row in self.rows:
            style = "" if row.enabled else "dim"
            table.add_row(Text(row.keys, style="bold " + style), Text(row.description, style=style),
                          Text(row.where, style="dim"), Text(row.binding_id, style="dim"))

    def language_changed(self) -> None:
        self.rows = keys_of(self.target)
        self.query_one("#help-title", Static).update(self._title())
        self.query_one("#help-hint", Static).update(self._hint())
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)
