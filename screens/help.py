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
from textual.widgets import DataTable, Footer, Static


# Textual's own bindings whose descriptions are terse.
DESCRIPTIONS = {
    "command_palette": "Command palette (every action)",
    "app.focus_next": "Next field",
    "app.focus_previous": "Previous field",
}


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
        return "everywhere"
    if node is screen:
        return "this screen"
    return getattr(node, "HELP_WHERE", "") or type(node).__name__


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
        description = DESCRIPTIONS.get(binding.action) or binding.description or binding.tooltip \
            or binding.action.replace("_", " ")
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
    rank = {"this screen": 0, "everywhere": 2}

    def place(row: KeyHelp) -> int:
        if row.description in ("Next field", "Previous field"):
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
        Binding("escape,f1", "close", "Close help", id="help.close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self.target = target
        self.rows = keys_of(target)

    def compose(self) -> ComposeResult:
        title = getattr(self.target, "HELP_TITLE", "") or self.target.title or type(self.target).__name__
        with Vertical():
            yield Static(Content.assemble("Keys — ", (str(title), "bold")), id="help-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="help-keys")
            yield Static(
                Content("Change a key in the config file: [keymap] table, id = \"keys\", "
                        "e.g. \"app.new_case\" = \"f2\". Ctrl+P opens the command palette."),
                id="help-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does", "Where", Text("Id (for [keymap])"))
        for row in self.rows:
            style = "" if row.enabled else "dim"
            table.add_row(Text(row.keys, style="bold " + style), Text(row.description, style=style),
                          Text(row.where, style="dim"), Text(row.binding_id, style="dim"))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
