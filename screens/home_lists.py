"""The home screen's tabs and tables, and the rows they show.

Imported once the home screen's search box is on the terminal (see
``HomeScreen.compose``): Textual's tabs and data table, the work-list queries
and the row formatting cost ~15 ms of imports that used to come before the
operator's first frame.
"""

from __future__ import annotations

from typing import Any

from textual.lazy import Lazy
from textual.message import Message
from textual.widgets import TabbedContent, TabPane

from operator_tui.i18n import _

from . import worklists as wl
from .rows import case_row, draft_row, pending_row, problem_detail, problem_row
from .work_pane import Row, WorkPane

__all__ = ["Row", "WorkLists", "WorkPane", "case_row", "load_rows", "make_lists", "problem_detail", "wl"]


class WorkLists(TabbedContent):
    """The home screen's tabs; says when it is mounted."""

    class Ready(Message):
        """The tabs and the first table are mounted."""

    def on_mount(self) -> None:
        self.post_message(self.Ready())


def make_lists(tabs: tuple[str, ...], titles: dict[str, str], columns: dict[str, tuple[str, ...]],
               empty: dict[str, str]) -> tuple[WorkLists, dict[str, WorkPane]]:
    """The tabbed lists (the first tab's table at once, the hidden ones a
    frame later) and their panes by tab."""
    panes = {tab: WorkPane(tab, columns[tab], empty[tab], note=tab in ("pending", "problems")) for tab in tabs}
    lists = WorkLists(id="lists", initial=tabs[0])
    for tab in tabs:
        pane = panes[tab]
        lists.compose_add_child(TabPane(_(titles[tab]), pane if tab == tabs[0] else Lazy(pane), id=tab))
    return lists, panes


def load_rows(cache: Any, operator_id: str, language: str,
              names: wl.Names | None) -> tuple[wl.WorkLists, dict[str, list[Row]]]:
    """The work lists from the cache and their table rows (in a worker: the
    first formatting of times loads Babel's locale data, ~45 ms)."""
    lists = wl.load_worklists(cache, operator_id, language, names)
    n = lists.names
    rows = {"today": [(c["case_no"], case_row(c, n, today=True)) for c in lists.today],
            "drafts": [(d["draft_id"], draft_row(d)) for d in lists.drafts],
            "pending": [(e["event_id"], pending_row(e, n)) for e in lists.pending],
            "problems": [(p["event_id"], problem_row(p)) for p in lists.problems]}
    return lists, rows
