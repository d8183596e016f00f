"""Pickers: the category tree and the districts, filtered as the operator types.

Both are ``ModalScreen[str | None]``: an Input over an OptionList; every
keystroke filters the list synchronously (the category index is in memory,
about a millisecond a query), up/down move the highlight, enter picks it,
escape cancels. Focus stays in the Input the whole time.

With nothing typed the category picker browses the tree: the leaves this seat
used last, then the top groups; Enter or → opens a group, ← or Backspace goes
back up. Typing searches the whole tree again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
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
from operator_tui.domain import DISTRICTS
from operator_tui.i18n import N_, _
from operator_tui.text import clean

MAX_SHOWN = 50
RECENT_SHOWN = 8  # used leaves above the top groups when nothing is typed
GROUP = "group:"  # the option id of a group: opened, never picked


class PickList(OptionList, can_focus=False):
    """The result list: driven from the filter Input, never focused itself."""


class FilterInput(Input):
    """The filter: Enter is handled in key order (a binding would run after
    keys typed behind it), and once the picker is done, keys typed ahead go
    back to the screen below. With nothing typed, the picker's browse keys
    come first, also in key order (see ``FilterPicker.browse``)."""

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
        if not self.value and isinstance(picker, FilterPicker) and await picker.browse(event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)


class FilterPicker(ModalScreen[str | None]):
    """Base: a title, a filter Input and a list of options; dismisses with an id."""

    CSS_PATH = "category_picker.tcss"
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
    BROWSE_ACTIONS: tuple[str, ...] = ()  # run by their bindings' keys while nothing is typed

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
            self.action_pick()
            for key, character in self._typed_after_enter:
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
            if self.is_mounted and self.filtered_for is not None:
                self.action_pick()
            else:
                self._submit_when_ready = True
        elif character and character.isprintable():
            if self.is_mounted:
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

    async def browse(self, key: str) -> bool:
        """With nothing typed, run the action a key is bound to on this screen
        when it is a browse action and it applies now; True when one ran.

        The focused filter would shadow these bindings (← → Backspace are
        its own), so the filter asks here first, in key order; the keys
        follow the keymap like any binding."""
        for binding in self._bindings.key_to_bindings.get(key, []):
            if binding.action.split("(")[0] in self.BROWSE_ACTIONS and \
                    await self.app.run_action(binding.action, self):
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


class CategoryPicker(FilterPicker):
    """Pick a category leaf by name, code, keyword, English or pinyin
    (tszx/tingshui), or browse the tree with nothing typed."""

    TITLE_TEXT = N_("Category — name, code, keyword, English or pinyin (ts / tingshui)")
    PLACEHOLDER = "停水 · water · ts · tingshui · 05.01"
    BINDINGS = [
        Binding("right", "open_group", N_("Open the group"), show=False, id="picker.open_group"),
        Binding("left,backspace", "group_up", N_("Back up a group"), show=False, id="picker.group_up"),
    ]
    BROWSE_ACTIONS = ("open_group", "group_up")
    HINT = N_("↑↓ move · Enter pick · → open a group · ctrl+t other language · Esc cancel")
    BRANCH_HINT = N_("{path} · ← back · Enter pick · ctrl+t other language · Esc cancel")

    def __init__(self, seat: Any, query: str = "", *, current: str = "",
                 on_pick: Callable[[str], None] | None = None,
                 forward: Callable[[events.Key], None] | None = None,
                 language: str | None = None) -> None:
        super().__init__(query, current=current, on_pick=on_pick, forward=forward, language=language)
        self.seat = seat
        # The group browsed while nothing is typed ("" is the top): a
        # category already chosen opens among its siblings.
        self.branch = seat.category_index.parent(current) if current else ""

    def options_for(self, query: str) -> list[Option | None]:
        usage = self.seat.category_usage()
        if query.strip():
            return [category_option(m.leaf, m.leaf.code in usage, self.language)
                    for m in self.seat.search_categories(query, MAX_SHOWN)]
        index = self.seat.category_index
        options: list[Option | None] = []
        if not self.branch:
            options = [category_option(m.leaf, True, self.language)
                       for m in self.seat.search_categories("", RECENT_SHOWN) if m.leaf.code in usage]
            options += [None] if options else []
        listed = {option.id for option in options if option is not None}
        for node in index.children(self.branch):
            if node.code in listed:  # a used leaf at the top, already above
                continue
            options.append(category_option(node, node.code in usage, self.language)
                           if index.get(node.code) else group_option(node, self.language))
        return options

    def hint(self) -> str:
        group = self.seat.category_index.group(self.branch)
        if group is None:
            return _(self.HINT)
        from .case_form_lang import names

        return _(self.BRANCH_HINT).format(path=line(names(group, self.language)[1]))

    def activate(self, option_id: str) -> None:
        if option_id.startswith(GROUP):
            self.open_branch(option_id.removeprefix(GROUP))
        else:
            self.choose(option_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_group":
            return self.highlighted_group() is not None
        if action == "group_up":
            return bool(self.branch)
        return True

    def highlighted_group(self) -> str | None:
        """The code of the group highlighted in the list, if a group is."""
        if not self.is_mounted:
            return None
        plist = self.query_one(PickList)
        if plist.highlighted is None:
            return None
        option_id = plist.get_option_at_index(plist.highlighted).id or ""
        return option_id.removeprefix(GROUP) if option_id.startswith(GROUP) else None

    def action_open_group(self) -> None:
        group = self.highlighted_group()
        if group is not None:
            self.open_branch(group)

    def action_group_up(self) -> None:
        if self.branch:
            self.open_branch(self.seat.category_index.parent(self.branch), came_from=self.branch)

    def open_branch(self, code: str, came_from: str = "") -> None:
        """Browse the group *code* ("" the top); going up highlights the group left."""
        self.branch = code
        self.refilter("", highlight=GROUP + came_from if came_from else "")


def category_option(leaf: Any, used: bool = False, language: str | None = None) -> Option:
    """Two lines: the name and code, then the path, in *language* (default: the
    UI language; the picker's ctrl+t shows the other)."""
    from .case_form_lang import names

    name, path = names(leaf, language or i18n.current_language())
    prompt = Content.assemble(
        ("★ " if used else "  ", "$text-warning"),
        (line(name), "bold"),
        "  ",
        (line(leaf.code), "$text-accent"),
        "\n    ",
        (line(path), "$text-muted"),
    )
    return Option(prompt, id=leaf.code)


def group_option(group: Any, language: str) -> Option:
    """One line: ▸, the group's name and code, and how many categories are in it."""
    from .case_form_lang import names

    return Option(Content.assemble(
        ("▸ ", "$text-accent"),
        (line(names(group, language)[0]), "bold"),
        "  ",
        (line(group.code), "$text-accent"),
        "  ",
        (f"({group.leaf_count})", "$text-muted"),
    ), id=GROUP + group.code)


def line(text: Any) -> str:
    """Untrusted text for one list row: cleaned, one line (a plain str, no markup)."""
    return clean(str(text or ""), one_line=True)


@lru_cache(maxsize=1)
def _district_keys() -> dict[str, str]:
    from pypinyin import lazy_pinyin

    keys = {}
    for code, (zh, en) in DISTRICTS.items():
        # With 区 pypinyin reads 朝阳区 as chaoyang (alone, 朝阳 is zhaoyang).
        syllables = lazy_pinyin(zh)[:-1] if zh.endswith("区") else lazy_pinyin(zh)
        keys[code] = " ".join(
            [code, zh, en.lower(), "".join(syllables), "".join(s[0] for s in syllables)]
        )
    return keys


def match_districts(query: str) -> list[str]:
    """District codes for *query* (Chinese, English, pinyin or initials), prefix hits first."""
    words = query.lower().split()
    keys = _district_keys()
    found = [c for c in DISTRICTS if all(w in keys[c] for w in words)]
    return sorted(found, key=lambda c: not any(
        k.startswith(words[0]) for k in keys[c].split()) if words else False)


class DistrictPicker(FilterPicker):
    """Pick one of the city's districts."""

    TITLE_TEXT = N_("District — 中文, English or pinyin (cy / chaoyang)")
    PLACEHOLDER = "朝阳 · chaoyang · cy"

    def options_for(self, query: str) -> list[Option]:
        first, second = (1, 0) if self.language == "en" else (0, 1)
        return [
            Option(Content.assemble((DISTRICTS[c][first], "bold"), "  ", (DISTRICTS[c][second], "$text-muted")),
                   id=c)
            for c in match_districts(query)
        ]
