"""The home screen: the operator's work lists and case search.

Tabs: my cases today, drafts (Enter resumes), pending sync (the outbox),
problems (rejected/conflicting changes: keep mine / take theirs) and search
results. Lists are read from the local cache in a thread worker, on mount,
on return to the screen and every few seconds while it is shown; a table is
only rebuilt when its rows changed, so the cursor stays put.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import get_current_worker

from operator_tui.i18n import N_, _, current_language, ngettext
from operator_tui.text import clean

from .after_paint import AfterPaint
from .live_list import LiveList
from .inert import inert
from .status_bar import StatusBar
from .translated import LocalizedFooter, Tr

if TYPE_CHECKING:  # the lists' modules come after the first frame (home_lists.py)
    from textual.widgets import TabbedContent

    from .home_lists import Row, WorkPane, wl
    from .work_pane import WorkTable

TABS = ("today", "drafts", "pending", "problems", "search")
TITLES = {"today": N_("My cases today"), "drafts": N_("Drafts"), "pending": N_("Pending sync"),
          "problems": N_("Problems"), "search": N_("Search")}
EMPTY = {
    "today": N_("No cases entered today yet. Ctrl+N starts a new case."),
    "drafts": N_("No drafts. A case being typed is saved here as a draft until it is recorded."),
    "pending": N_("Nothing waiting: every change has reached the central server."),
    "problems": N_("No problems: the server accepted every change."),
    "search": N_("Type a case number, a phone number or words from a case in the search box."),
}
COLUMNS = {
    "today": (N_("Case no"), N_("Time"), N_("Status"), N_("Phone"), N_("Category"), N_("Description")),
    "search": (N_("Case no"), N_("Created"), N_("Status"), N_("Phone"), N_("Category"), N_("Description")),
    "drafts": (N_("Case no"), N_("Started"), N_("Last typed"), N_("Phone"), N_("Description")),
    "pending": (N_("Case no"), N_("Change"), N_("Made at"), N_("Details")),
    "problems": (N_("Case no"), N_("Change"), N_("State"), N_("Reason"), N_("Fields")),
}
SEARCH_PLACEHOLDER = N_("Search: case no, phone or text (Ctrl+F)")


class HomeScreen(LiveList, Screen):
    """The operator's work lists."""

    CSS_PATH = "home.tcss"
    HELP_TITLE = N_("Home — work lists")
    AUTO_FOCUS = "#search"

    BINDINGS = [
        Binding("ctrl+f", "focus_search", N_("Search"), id="home.search",
                tooltip=N_("Find a case by number, phone or words")),
        # the tab titles show these keys (see _tab_label), so the footer does not
        Binding("f5", "show_list('today')", N_("My cases today"), id="home.today", show=False),
        Binding("f6", "show_list('drafts')", N_("Drafts"), id="home.drafts", show=False),
        Binding("f7", "show_list('pending')", N_("Pending sync"), id="home.pending", show=False),
        Binding("f8", "show_list('problems')", N_("Problems"), id="home.problems", show=False),
        Binding("k", "keep_mine", N_("Keep mine"), id="home.keep_mine",
                tooltip=N_("Send my change again on top of the server's version")),
        Binding("t", "take_theirs", N_("Take theirs"), id="home.take_theirs",
                tooltip=N_("Drop my change; the case shows the server's version again")),
        Binding("down", "focus_list", N_("To the list"), show=False, id="home.to_list"),
    ]

    def __init__(self, seat: Any) -> None:
        super().__init__()
        self.seat = seat
        self.names: wl.Names | None = None
        self.rows: dict[str, list[tuple[str, tuple]]] = {tab: [] for tab in TABS}
        self.data: dict[str, dict[str, dict[str, Any]]] = {tab: {} for tab in TABS}
        self.held = 0
        self.loaded = False
        self._list_tab = "today"
        self.panes: dict[str, WorkPane] = {}  # by tab, once the lists are made
        self._tab_keys: dict[str, str] | None = None
        self.lists_ready = False  # the tabs are mounted (just after the first frame)
        self._early_tab = ""  # an F5-F8 pressed before that
        self._tab_counts: dict[str, int | None] = {}  # the count each tab title shows

    # --- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="home-top"):
            yield Tr(N_("Work list"), style="bold", id="home-title")
            yield Input(placeholder=_(SEARCH_PLACEHOLDER), id="search")
        # The lists come just after the first frame: the tabs and tables cost
        # Textual ~100 ms of CSS and layout, and the operator can type in the
        # search box meanwhile (a query typed that soon is run once they are in).
        yield AfterPaint(self._make_lists)
        yield StatusBar()
        yield AfterPaint(LocalizedFooter(compact=True), height="1", dock="bottom")

    def language_changed(self) -> None:
        """Titles, hints and names in the new language (the search text stays)."""
        self.query_one("#search", Input).placeholder = _(SEARCH_PLACEHOLDER)
        self._tab_keys = None
        if not self.lists_ready:
            return  # the tabs are labelled in the new language as they come
        for tab in TABS:
            count = len(self.rows[tab])
            shown = count and (tab != "search" or self.query_one("#search", Input).value.strip())
            self._label_tab(tab, count if shown else None, again=True)
        self.names = None  # category/department names in the new language
        self.reload()
        query = self.query_one("#search", Input).value.strip()
        if query:
            self._search(query)

    def _make_lists(self) -> Widget:
        from .home_lists import make_lists

        lists, self.panes = make_lists(TABS, TITLES, COLUMNS, EMPTY)
        return lists

    @property
    def _tabs(self) -> TabbedContent:
        return self.query_one("#lists")  # type: ignore[return-value]

    def on_work_lists_ready(self) -> None:
        self.lists_ready = True
        for tab in TABS:
            self._label_tab(tab, None, again=True)
        self.start_refreshing()
        self.reload()
        if self._early_tab:
            self.action_show_list(self._early_tab)
        early_query = self.query_one("#search", Input).value
        if early_query.strip():
            self._query_changed(early_query)
        self.refresh_bindings()

    def table(self, tab: str) -> WorkTable:
        return self.panes[tab].table

    @property
    def language(self) -> str:
        return current_language()

    @property
    def active_tab(self) -> str:
        return self._tabs.active

    # --- loading ----------------------------------------------------------------

    def reload(self) -> None:
        operator = self.seat.operator.operator_id if self.seat.operator else ""
        self._load(operator, self.language)

    @work(thread=True, exclusive=True, group="home-load")
    def _load(self, operator_id: str, language: str) -> None:
        from .home_lists import load_rows

        lists, rows = load_rows(self.seat.cache, operator_id, language, self.names)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_lists, lists, rows)

    def _show_lists(self, lists: wl.WorkLists, rows: dict[str, list[Row]]) -> None:
        self.names = lists.names
        self._fill("today", rows["today"], {c["case_no"]: c for c in lists.today})
        self._fill("drafts", rows["drafts"], {d["draft_id"]: d for d in lists.drafts})
        held = ""
        if lists.held:
            held = inert(ngettext(
                "{n} more change waits behind a problem of the same case (see Problems): "
                "it is sent once that is settled.",
                "{n} more changes wait behind a problem of the same case (see Problems): "
                "they are sent once it is settled.", lists.held).format(n=lists.held))
        self._fill("pending", rows["pending"], {e["event_id"]: e for e in lists.pending}, note=held)
        self.held = lists.held
        self._fill("problems", rows["problems"], {p["event_id"]: p for p in lists.problems},
                   note=self._problem_note())
        self.loaded = True

    def _fill(self, tab: str, rows: list[Row], data: dict[str, dict[str, Any]], *,
              empty: str | None = None, note: Any = None) -> None:
        self.data[tab] = data
        count = len(rows)
        shown = count and (tab != "search" or self.query_one("#search", Input).value.strip())
        self._label_tab(tab, count if shown else None)
        self.panes[tab].show(rows, empty=empty, note=note)
        self.rows[tab] = [(key, tuple(str(c) for c in cells)) for key, cells in rows]

    def on_work_pane_emptied(self) -> None:
        self.query_one("#search", Input).focus()

    def _label_tab(self, tab: str, count: int | None, *, again: bool = False) -> None:
        """Title *tab* with *count*; unchanged titles are not set again (a new
        label repaints the whole tab bar, every 2 s with the lists' refresh)."""
        if again or self._tab_counts.get(tab, -1) != count:
            self._tab_counts[tab] = count
            self._tabs.get_tab(tab).label = self._tab_label(tab, count)

    def _tab_label(self, tab: str, count: int | None) -> Content:
        """``F5 My cases today (4)``: the key (after the user's keymap) and the count."""
        if self._tab_keys is None:
            ids = {f"home.{t}": t for t in TABS}
            ids["home.search"] = "search"
            self._tab_keys = {}
            for active in self.active_bindings.values():
                if active.binding.id in ids:
                    self._tab_keys.setdefault(ids[active.binding.id], self.app.get_key_display(active.binding))
        key = self._tab_keys.get(tab, "")
        return Content.assemble((f"{key.upper()} " if key else "", "dim"), _(TITLES[tab]),
                                f" ({count})" if count is not None else "")

    def selected_key(self, tab: str) -> str | None:
        return self.panes[tab].selected_key()

    # --- search -----------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._query_changed(event.value)

    def _query_changed(self, value: str) -> None:
        if not self.lists_ready:
            return  # run once the lists are in
        query = value.strip()
        tabs = self._tabs
        if query:
            if tabs.active != "search":
                self._list_tab = tabs.active
                tabs.active = "search"
            self._search(query)
        else:
            self._fill("search", [], {}, empty=EMPTY["search"])
            if tabs.active == "search":
                tabs.active = self._list_tab

    @work(thread=True, exclusive=True, group="home-search")
    def _search(self, query: str) -> None:
        from .home_lists import wl

        found = self.seat.cache.search_cases(query, limit=wl.SEARCH_LIMIT)
        names = self.names or wl.load_names(self.seat.cache, self.language)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_search, query, found, names)

    def _show_search(self, query: str, found: list[dict[str, Any]], names: wl.Names) -> None:
        if query != self.query_one("#search", Input).value.strip():
            return  # a stale answer: the operator typed on
        from .home_lists import case_row

        self._fill("search", [(c["case_no"], case_row(c, names)) for c in found],
                   {c["case_no"]: c for c in found},
                   empty=_("Nothing found for “{query}”.").format(query=clean(query, one_line=True))
                   if not found else EMPTY["search"])

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.action_focus_list()

    # --- actions ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("keep_mine", "take_theirs"):
            return self.lists_ready and self.active_tab == "problems" and self.selected_key("problems") is not None
        return True

    def action_focus_search(self) -> None:
        """Find a case by number, phone or words."""
        self.query_one("#search", Input).focus()

    def action_show_list(self, tab: str) -> None:
        """Show one of the work lists."""
        if not self.lists_ready:
            self._early_tab = tab
            return
        self._tabs.active = tab
        self.action_focus_list()

    def action_focus_list(self) -> None:
        """Move into the list shown."""
        if not self.lists_ready:
            return
        self.panes[self.active_tab].focus_table()

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()
        self._show_problem_detail()

    def on_data_table_row_highlighted(self, event: Any) -> None:
        if event.data_table.id == "problems-table":
            self._show_problem_detail()
            self.refresh_bindings()

    def on_data_table_row_selected(self, event: Any) -> None:
        tab = (event.data_table.id or "").removesuffix("-table")
        key = event.row_key.value
        item = self.data.get(tab, {}).get(key or "")
        if item is None:
            return
        if tab == "drafts":
            self.open_draft(item["draft_id"])
        else:
            self.open_case(item["case_no"])

    def open_case(self, case_no: str) -> None:
        from .case_view import CaseViewScreen

        self.app.push_screen(CaseViewScreen(self.seat, case_no))

    def open_draft(self, draft_id: str) -> None:
        from .case_form import CaseFormScreen

        self.app.push_screen(CaseFormScreen(self.seat, draft_id))

    # --- problems ---------------------------------------------------------------

    def selected_problem(self) -> dict[str, Any] | None:
        key = self.selected_key("problems")
        return self.data["problems"].get(key) if key else None

    def _problem_note(self) -> Any:
        problem = self.selected_problem()
        if problem is None and self.data["problems"]:
            problem = next(iter(self.data["problems"].values()))  # the cursor starts on the first
        if problem is None:
            return ""
        from .home_lists import problem_detail

        return problem_detail(problem)

    def _show_problem_detail(self) -> None:
        pane = self.panes["problems"]
        pane.show(pane.rows, note=self._problem_note())

    def action_keep_mine(self) -> None:
        """Send my change again on top of the server's version."""
        from operator_tui import clock

        problem = self.selected_problem()
        if problem is None:
            return
        server = problem.get("server_case") or self.seat.cache.server_case(problem["case_no"]) or {}
        new_event = {
            **problem["event"],
            "event_id": uuid.uuid4().hex,
            "base_version": int(server.get("version") or 0),
            "client_time": clock.now_iso(),
        }
        try:
            self.seat.cache.resolve_problem(problem["event_id"], "requeue", new_event=new_event)
        except Exception as exc:  # the problem may have been settled meanwhile
            self.notify(_("Could not keep your change: {error}").format(error=exc), severity="error",
                        markup=False)
        else:
            self.seat.engine.wake()
            self.notify(_("Your change to {case_no} is queued again, on top of the server's version.")
                        .format(case_no=problem["case_no"]), markup=False)
        self.reload()

    def action_take_theirs(self) -> None:
        """Drop my change; the case shows the server's version again."""
        problem = self.selected_problem()
        if problem is None:
            return
        try:
            self.seat.cache.resolve_problem(problem["event_id"], "discard")
        except Exception as exc:
            self.notify(_("Could not drop your change: {error}").format(error=exc), severity="error",
                        markup=False)
        else:
            self.notify(_("Your change to {case_no} was dropped; the case shows the server's version.")
                        .format(case_no=problem["case_no"]), markup=False)
        self.reload()


__all__ = ["HomeScreen"]
