"""Pickers: the category tree and the districts, filtered as the operator types.

Both are ``FilterPicker`` screens (screens/filter_picker.py). The category
index is in memory, about a millisecond a query. With nothing typed the
category picker browses the tree: the leaves this seat used last, then the
top groups; Enter or → opens a group, ← or Backspace goes back up. Typing
searches the whole tree again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.widgets.option_list import Option

from operator_tui import i18n
from operator_tui.domain import DISTRICTS
from operator_tui.i18n import N_, _
from screens.filter_picker import FilterPicker, PickList, line

MAX_SHOWN = 50
RECENT_SHOWN = 8  # used leaves above the top groups when nothing is typed
GROUP = "group:"  # the option id of a group: opened, never picked


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
    BRANCH_HINT = N_("{path} · ← back · → open · Enter pick · ctrl+t other language · Esc cancel")

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
