"""The pickers' common screen: a filter Input over an OptionList.

``FilterPicker`` is a ``ModalScreen[str | None]``: every keystroke filters the
list synchronously (the data is in memory), up/down move the highlight, Enter
picks, Esc cancels. Focus stays in the Input the whole time; keys typed while
the picker opens or closes land where they were meant to. Subclasses give
``options_for(query)`` (see screens/category_picker.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from operator_tui import i18n
from operator_tui.i18n import N_, _
from operator_tui.text import clean


class PickList(OptionList, can_focus=False):
    """The result list: driven from the filter Input, never focused itself."""


class FilterInput(Input):
    """The filter: Enter is handled in key order (a binding would run after
    keys typed behind it), and once the picker is done, keys typed ahead go
    back to the screen below. The picker's moving keys (and with nothing
    typed its browse keys) run in key order too (``FilterPicker.run_in_order``)."""

    async def _on_key(self, event: events.Key) -> None:
        picker = self.screen
        if isinstance(picker, FilterPicker) and picker.done:
            event.stop()
            event.prevent_default()
            if picker.forward is not None:
                picker.forward(event)
            return
        if event.key == "enter" and isinstance(picker, FilterPicker):
            event.stop()
            event.prevent_default()
            picker.submit(self.value)  # now: the keys queued behind it are not the filter's
            return
        if isinstance(picker, FilterPicker) and await picker.run_in_order(event.key, typed=bool(self.value)):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


class FilterPicker(ModalScreen[str | None]):
    """Base: a title, a filter Input and a list of options; dismisses with an id."""

    CSS_PATH = "filter_picker.tcss"
    AUTO_FOCUS = "#picker-query"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="picker.cancel"),
        Binding("down", "move(1)", N_("Next"), show=False, id="picker.down"),
        Binding("up", "move(-1)", N_("Previous"), show=False, id="picker.up"),
        Binding("pagedown", "move(10)", N_("Page down"), show=False, id="picker.page_down"),
        Binding("pageup", "move(-10)", N_("Page up"), show=False, id="picker.page_up"),
        Binding("ctrl+t", "other_names", N_("Other language"), id="picker.other_names"),
    ]

    TITLE_TEXT = N_("Pick")
    PLACEHOLDER = N_("type to filter")
    HINT = N_("↑↓ move · Enter pick · ctrl+t other language · Esc cancel")
    IN_ORDER_ACTIONS: tuple[str, ...] = ("move",)  # run as their keys arrive (see run_in_order)
    BROWSE_ACTIONS: tuple[str, ...] = ()  # the same, only while nothing is typed

    def __init__(self, query: str = "", *, current: str = "",
                 on_pick: Callable[[str], None] | None = None,
                 forward: Callable[[events.Key], None] | None = None,
                 language: str | None = None) -> None:
        super().__init__()
        self.language = language or i18n.current_language()  # the names shown; ctrl+t swaps
        self.forward = forward  # where keys typed after the pick go
        self.initial_query = query
        self.filtered_for: str | None = None
        self.done = False  # picked or cancelled: ignore keys still queued
        self._submit_when_ready = False
        self._typed_after_enter: list[tuple[str, str | None]] = []
        self.current = current
        # Called with the pick before the screen goes away (so the caller can
        # move its focus before the next key arrives); then dismiss(answer).
        self.on_pick = on_pick

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Content(_(self.TITLE_TEXT)), id="picker-title")
            yield FilterInput(self.initial_query, placeholder=_(self.PLACEHOLDER), id="picker-query",
                              compact=True, select_on_focus=False)
            yield PickList(id="picker-list")
            yield Static(Content(self.hint()), id="picker-hint")

    def on_mount(self) -> None:
        self.refilter(self.initial_query)
        if self._submit_when_ready:
            # the Enter typed ahead: pick (or, in the category tree, open a
            # group: then the keys after it are typed on, into this picker)
            self._submit_when_ready = False
            after, self._typed_after_enter = self._typed_after_enter, []
            self.action_pick()
            for key, character in after:
                self.typed_ahead(key, character)

    def typed_ahead(self, key: str, character: str | None) -> None:
        """A key that reached the screen below while this picker was opening
        (or closing): text goes to the filter, Enter picks, and what comes
        after the Enter goes back to the screen below (see ``forward``)."""
        if self.done:
            if self.forward is not None:
                self.forward(events.Key(key, character))
        elif self._submit_when_ready:
            self._typed_after_enter.append((key, character))
        elif key == "enter":
            if self.filtered_for is not None:  # the list is there (from on_mount on)
                self.action_pick()
            else:
                self._submit_when_ready = True
        elif character and character.isprintable():
            if self.filtered_for is not None:
                self.query_one("#picker-query", Input).insert_text_at_cursor(character)
            else:
                self.initial_query += character

    # --- filtering -----------------------------------------------------------

    def options_for(self, query: str) -> list[Option | None]:  # pragma: no cover - abstract
        """The options for *query*; None draws a separator line."""
        raise NotImplementedError

    def hint(self) -> str:
        """The line of keys under the list."""
        return _(self.HINT)

    async def run_in_order(self, key: str, typed: bool) -> bool:
        """Run the action *key* is bound to on this screen, now, when it is one
        of IN_ORDER_ACTIONS (or, with nothing *typed*, of BROWSE_ACTIONS) and
        it applies; True when one ran.

        A screen binding runs only after the key went round the focused
        filter, so keys typed right behind it (↓ ↓ → Enter in one burst) would
        overtake it; and ← → Backspace are the filter's own keys. So the
        filter asks here first, as each key arrives. The keys follow the
        keymap like any binding (the screen's binding chain has it applied)."""
        for namespace, bindings in self._binding_chain:
            if namespace is not self:
                continue
            for binding in bindings.key_to_bindings.get(key, []):
                name = binding.action.split("(")[0]
                wanted = name in self.IN_ORDER_ACTIONS or (name in self.BROWSE_ACTIONS and not typed)
                if wanted and await self.app.run_action(binding.action, self):
                    return True
        return False

    def refilter(self, query: str, highlight: str = "") -> None:
        """Show the options for *query* (synchronous: in-memory data only),
        with the option *highlight* (else the current one, else the first)
        highlighted."""
        self.filtered_for = query
        plist = self.query_one(PickList)
        plist.set_options(self.options_for(query))
        if plist.option_count:
            wanted = highlight or ("" if query else self.current)
            ids = self.shown_ids
            plist.highlighted = ids.index(wanted) if wanted in ids else 0
        self.query_one("#picker-hint", Static).update(Content(self.hint()))

    @on(Input.Changed, "#picker-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    @on(Input.Submitted, "#picker-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, query: str) -> None:
        """Enter in the filter: pick the best match for *query*."""
        if self.done:
            return
        if self.filtered_for != query:  # keys came faster than the filter
            self.refilter(query)
        self.action_pick()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.activate(event.option.id or "")

    def activate(self, option_id: str) -> None:
        """Enter (or a click) on an option: pick it (a category group opens instead)."""
        self.choose(option_id)

    def choose(self, value: str) -> None:
        if self.done:  # a second Enter queued behind the first
            return
        self.done = True
        if self.on_pick is not None:
            self.on_pick(value)
        self.dismiss(value)

    # --- actions ---------------------------------------------------------------

    def action_other_names(self) -> None:
        """The names in the other language (again: back)."""
        self.language = i18n.other_language(self.language)
        plist = self.query_one(PickList)
        keep = plist.highlighted
        self.refilter(self.query_one("#picker-query", Input).value)
        if keep is not None and keep < plist.option_count:
            plist.highlighted = keep

    def action_move(self, delta: int) -> None:
        plist = self.query_one(PickList)
        if not plist.option_count:
            return
        current = plist.highlighted if plist.highlighted is not None else -1
        plist.highlighted = max(0, min(plist.option_count - 1, current + delta))

    def action_pick(self) -> None:
        if self.done:
            return
        plist = self.query_one(PickList)
        if plist.highlighted is None:
            self.notify(_("Nothing matches; change the filter or press Esc"), severity="warning")
            return
        self.activate(plist.get_option_at_index(plist.highlighted).id or "")

    def action_cancel(self) -> None:
        if not self.done:
            self.done = True
            self.dismiss(None)

    @property
    def shown_ids(self) -> list[str]:
        """The ids listed now, in order (for tests)."""
        plist = self.query_one(PickList)
        return [plist.get_option_at_index(i).id or "" for i in range(plist.option_count)]


def line(text: Any) -> str:
    """Untrusted text for one list row: cleaned, one line (a plain str, no markup)."""
    return clean(str(text or ""), one_line=True)
