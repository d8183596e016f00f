"""The hotline's dispatch queue: cases that wait for an operator to act.

Cases that came in through another channel (web portal, app, WeChat, Weibo,
e-mail: Open311 and the like) arrive open, with the category the citizen
chose; a department may send a case back (returned). Both wait here, the
most urgent first, then the oldest, until an operator confirms or changes the category (``c``: the
category picker, Enter on the proposed one confirms it) and dispatches the
case (``d``: the dispatch form). Both are local writes that sync later; a
case leaves the list as soon as it is dispatched on this seat.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from operator_tui import vocab
from operator_tui.domain import EventType
from operator_tui.i18n import N_, _, ngettext

from . import desk_lists as dl
from . import worklists as wl
from .callbacks import CaseListScreen, record
from .inert import cell
from .rows import STATUS_STYLE

QUEUE_WHERE = ("(status = 'open' AND json_extract(state, '$.channel') != 'phone') "
               "OR status = 'returned'")


URGENCY_ORDER = ("ORDER BY CASE json_extract(state, '$.urgency') WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 "
                 "ELSE 2 END, created_at, case_no")


def dispatch_queue(cache: Any, limit: int = dl.LIST_LIMIT) -> list[dict[str, Any]]:
    """Open cases from the other channels and cases the departments returned,
    the most urgent first, then the oldest (worker thread)."""
    return dl.cached_cases(cache, QUEUE_WHERE, (), URGENCY_ORDER, limit)


class DispatchQueueScreen(CaseListScreen):
    """Channel cases and returned cases, waiting to be categorised and dispatched."""

    CSS_PATH = "callbacks.tcss"
    HELP_TITLE = N_("To dispatch")
    LIST_ID = "queue"
    AUTO_FOCUS = "#queue-table"
    HEADING = N_("To dispatch — cases from the other channels and cases returned by departments, "
                 "most urgent first, then oldest")
    COLUMNS = (N_("Case no"), N_("Received"), N_("Channel"), N_("Status"), N_("Category"), N_("Urgency"),
               N_("Address"), N_("Description"))
    EMPTY = N_("Nothing to dispatch: no case from another channel or returned by a department is waiting.")
    BINDINGS = [
        Binding("c", "categorize", N_("Category…"), id="queue.categorize",
                tooltip=N_("Confirm the category (Enter) or pick another")),
        Binding("d", "dispatch", N_("Dispatch…"), id="queue.dispatch",
                tooltip=N_("Send the case to a department")),
    ]

    def on_mount(self) -> None:
        self.query_one("#list-title", Static).update(Content.styled(_(self.HEADING), "bold"))
        super().on_mount()

    def read(self) -> list[dict[str, Any]]:
        return dispatch_queue(self.seat.cache)

    def row(self, case: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
        status = str(case.get("status") or "")
        return (
            cell(case.get("case_no"), style="bold"),
            cell(wl.local_time(case.get("created_at") or case.get("client_created_at"), with_date=True)),
            cell(vocab.label("channel", case.get("channel"))),
            cell(vocab.status(status), style=STATUS_STYLE.get(status, "")),
            cell(names.category(str(case.get("category_code") or "")) or "—", limit=18),
            cell(vocab.label("urgency", case.get("urgency")),
                 style="bold" if case.get("urgency") not in (None, "", "normal") else ""),
            cell(case.get("address"), limit=22),
            cell(case.get("description"), limit=40),
        )

    def legend(self, cases: list[dict[str, Any]]) -> Content:
        returned = sum(1 for c in cases if c.get("status") == "returned")
        text = ngettext("{n} case waiting", "{n} cases waiting", len(cases)).format(n=len(cases))
        if returned:
            text += " · " + ngettext("{n} returned by a department", "{n} returned by departments",
                                     returned).format(n=returned)
        return Content.styled(text, "bold")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("categorize", "dispatch"):
            case = self.selected() if self.is_mounted else None
            if case is None or case.get("status") not in ("open", "returned"):
                return None
            return True if action == "categorize" or case.get("category_code") else None
        return True

    def action_categorize(self) -> None:
        """Confirm the category (Enter) or pick another; recorded as a categorised event."""
        from .category_picker import CategoryPicker

        case = self.selected()
        if case is None:
            return
        case_no, current = case["case_no"], str(case.get("category_code") or "")

        def picked(code: str | None) -> None:
            if code and record(self, case_no, EventType.CATEGORIZED, {"category_code": code}):
                names = self.names or wl.Names()
                self.app.notify(_("{case_no}: category {category}").format(
                    case_no=case_no, category=names.category_path(code)), markup=False)
                self.reload()

        self.app.push_screen(CategoryPicker(self.seat, current, current=current), picked)

    def action_dispatch(self) -> None:
        """Send the selected case to a lead department (with co-handlers)."""
        from .dispatch import DispatchScreen

        case = self.selected()
        if case is None:
            return
        case_no = case["case_no"]

        def dispatched(done: bool | None) -> None:
            if done:
                self.app.notify(_("Case {case_no} dispatched").format(case_no=case_no), markup=False)
                self.reload()

        self.app.push_screen(DispatchScreen(self.seat, case_no), dispatched)


__all__ = ["DispatchQueueScreen", "dispatch_queue"]
