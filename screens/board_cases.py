"""The cases behind one number of the supervisor's board.

GET /v1/board/cases with the number's ``drill`` and the board's ``at``, so
the list is the number (its total is shown beside the title). Pages of 100
by case number: the next page loads when the cursor reaches the end (or with
``n``). Enter opens the case view; a case the seat's cache does not hold yet
(older than its window, or not pulled yet) is put into the cache first from
the server's state, so the view and its history work as for any case.
Every word is in the UI language and switches with it (the title too: it is
a :data:`screens.board_rows.Title`).
"""

from __future__ import annotations

from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from operator_tui import i18n
from operator_tui.i18n import N_, _, ngettext

from . import worklists as wl
from .board import centre_time, seat_token
from .board_rows import Title, title_text
from .inert import cell, inert_line
from .rows import case_row, status_cell
from .status_bar import StatusBar
from .translated import LocalizedFooter
from .work_pane import WorkTable

PAGE = 100
COLUMNS = (N_("Case no"), N_("Created"), N_("Status"), N_("Phone"), N_("Category"), N_("Description"))
# behind a deadline number: who has the case and how late it is, first
DEADLINE_COLUMNS = (N_("Case no"), N_("Status"), N_("Lead dept"), N_("Next deadline"), N_("Time left"),
                    N_("Category"), N_("Description"))
DEADLINE_DESCRIPTION_CELLS = 24
FetchPage = Callable[[str], dict[str, Any]]  # after -> a /v1/board/cases answer


def deadline_row(case: dict[str, Any], names: wl.Names, deadline: Any) -> tuple[Any, ...]:
    """A case behind a deadline number: status, lead department, its next
    *deadline* (a desk_lists.Deadline) and the time left (overdue in red),
    category, description."""
    from .department_desk import next_deadline, time_left

    return (
        cell(case.get("case_no"), style="bold"),
        status_cell(case),
        cell(names.department(str(case.get("lead_department") or "")), limit=16),
        next_deadline(deadline),
        time_left(deadline),
        cell(names.category(str(case.get("category_code") or "")), limit=12),
        cell(case.get("description"), limit=DEADLINE_DESCRIPTION_CELLS),
    )


def fetch_page(seat: Any, drill: dict[str, str], at: str, days: int, after: str) -> dict[str, Any]:
    """One page from the server with the seat's token (worker thread only)."""
    from operator_tui.client import ServerClient

    client = ServerClient(seat.server_url, seat_token(seat), timeout=10.0)
    try:
        return client.board_cases(drill.get("metric", ""), drill.get("key", ""), at=at, days=days, after=after,
                                  limit=PAGE)
    finally:
        client.close()


class BoardCasesScreen(Screen):
    """The list of cases behind a board number; Enter opens one, Esc goes back."""

    HELP_TITLE = N_("Cases behind a board number")
    AUTO_FOCUS = "#board-cases"
    DEFAULT_CSS = """
    BoardCasesScreen #board-cases-title { height: auto; padding: 0 1; background: $boost; }
    BoardCasesScreen #board-cases-note { height: auto; padding: 0 1; color: $text-muted; }
    BoardCasesScreen #board-cases { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", N_("Board"), id="board_cases.back", tooltip=N_("Back to the board")),
        Binding("n", "more", N_("More cases"), id="board_cases.more", tooltip=N_("Load the next page of cases")),
        Binding("r", "reload", N_("Reload"), id="board_cases.reload", tooltip=N_("Ask the server for the list again")),
        Binding("x", "export", N_("Export"), id="board_cases.export",
                tooltip=N_("Save every case behind the number as a CSV file in your downloads folder (audited)")),
    ]

    def __init__(self, seat: Any, drill: dict[str, str], title: Title | str, *, at: str = "", days: int = 1,
                 zone: str = "", names: wl.Names | None = None, fetch: FetchPage | None = None) -> None:
        super().__init__()
        self.seat = seat
        self.drill = dict(drill)
        self.title_text = title
        self.at = at
        self.days = days
        self.zone = zone
        self.names = names
        self._fetcher = fetch
        self.cases: list[dict[str, Any]] = []
        self.total: int | None = None
        self.has_more = False
        self.next_after = ""
        self.problem: tuple[str, dict[str, Any]] = ("", {})  # a catalog message and its arguments
        self.loading = False
        self._dues: dict[str, Any] = {}  # case_no -> its desk_lists.Deadline (deadline numbers)

    def compose(self) -> ComposeResult:
        yield Static("", id="board-cases-title", markup=False)
        yield Static("", id="board-cases-note", markup=False)
        yield WorkTable(id="board-cases")
        yield StatusBar()
        yield LocalizedFooter(compact=True)

    @property
    def by_deadline(self) -> bool:
        """A deadline number: the list shows lead departments and deadlines."""
        return self.drill.get("metric") == "deadline"

    def _columns(self) -> tuple[str, ...]:
        return tuple(_(c) for c in (DEADLINE_COLUMNS if self.by_deadline else COLUMNS))

    def _row(self, case: dict[str, Any]) -> tuple[Any, ...]:
        names = self.names or wl.Names()
        if not self.by_deadline:
            return case_row(case, names)
        from .desk_lists import deadline_of

        return deadline_row(case, names, self._dues.get(case.get("case_no")) or deadline_of(case))

    def on_mount(self) -> None:
        self.query_one("#board-cases", DataTable).add_columns(*self._columns())
        self.show()
        self.load_more()

    def language_changed(self) -> None:
        """Title, columns, rows and notes in the new language (the cases and cursor stay)."""
        try:
            self.names = wl.load_names(self.seat.cache, i18n.current_language(), self.names)
        except Exception:  # a closing cache: the codes show
            pass
        table = self.query_one("#board-cases", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*self._columns())
        for case in self.cases:
            table.add_row(*self._row(case), key=case["case_no"])
        if self.cases:
            table.move_cursor(row=min(row, len(self.cases) - 1), animate=False)
        self.show()

    # --- pages --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more":
            return self.has_more and not self.loading
        return True

    def action_more(self) -> None:
        """Load the next page of cases."""
        self.load_more()

    def action_export(self) -> None:
        """Save every case behind the number as a CSV file (audited)."""
        from .board_export import export_list

        export_list(self, self.drill, self.at, self.days, getattr(self.app, "ui_language", "zh"))

    def action_reload(self) -> None:
        """Ask the server for the list again."""
        self.cases, self.total, self.has_more, self.next_after = [], None, False, ""
        self.query_one("#board-cases", DataTable).clear()
        self.load_more(force=True)

    def load_more(self, force: bool = False) -> None:
        if self.loading and not force:
            return
        self.loading = True
        self._load(self.next_after, getattr(self.app, "ui_language", "zh"))

    @work(thread=True, exclusive=True, group="board-cases", exit_on_error=False)
    def _load(self, after: str, language: str) -> None:
        from operator_tui.client import LoginRequired, RequestRefused, ServerUnavailable

        page, problem = None, ("", {})
        try:
            page = self._fetcher(after) if self._fetcher else fetch_page(self.seat, self.drill, self.at,
                                                                          self.days, after)
        except ServerUnavailable:
            problem = N_("the list needs the server (unreachable now) — r tries again"), {}
        except LoginRequired:
            problem = N_("the list needs the server — log in again (F9)"), {}
        except RequestRefused as exc:
            problem = N_("the server refused: {reason}"), {"reason": exc.message}
        except Exception as exc:  # never end the app over a list
            problem = N_("could not load the list: {error}"), {"error": f"{type(exc).__name__}: {exc}"}
        names = wl.load_names(self.seat.cache, language, self.names)
        dues = {}
        if page is not None and self.by_deadline:  # each case's flag now, by the seat's calendar
            from .desk_lists import deadline_of, near_share, seat_calendar

            calendar, near, now = seat_calendar(self.seat.cache), near_share(), wl.local_now()
            dues = {c.get("case_no"): deadline_of(c, now, calendar, near) for c in page.get("cases") or []}
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, after, page, problem, names, dues)

    def _loaded(self, after: str, page: dict[str, Any] | None, problem: tuple[str, dict[str, Any]],
                names: wl.Names, dues: dict[str, Any]) -> None:
        self.loading = False
        self._dues.update(dues)
        self.names = names
        self.problem = problem
        if page is not None and after == self.next_after:
            known = {c.get("case_no") for c in self.cases}
            fresh = [c for c in page.get("cases") or [] if c.get("case_no") not in known]
            self.cases += fresh
            self.total = int(page.get("total") or 0)
            self.has_more = bool(page.get("has_more"))
            self.next_after = str(page.get("next_after") or "")
            table = self.query_one("#board-cases", DataTable)
            for case in fresh:
                table.add_row(*self._row(case), key=case["case_no"])
        self.show()
        self.refresh_bindings()

    def show(self) -> None:
        if self.total is None:
            count = _("… cases")
        else:
            count = ngettext("{n} case", "{n} cases", self.total).format(n=i18n.format_number(self.total))
        as_of = _("as of {time}").format(time=centre_time(self.at, self.zone)) if self.at else _("as of now")
        heading = title_text(self.title_text, self.names or wl.Names())
        self.query_one("#board-cases-title", Static).update(Content.assemble(
            inert_line(heading, style="bold"), ("   ", ""), (count, "bold $accent"), ("   " + as_of, "$text-muted")))
        if self.problem[0]:
            message, args = self.problem
            note = inert_line(_(message).format(**args), style="bold $text-warning")
        elif self.total == 0:
            note = Content(_("No cases behind this number."))
        elif self.has_more:
            note = Content(_("Showing {shown} of {total}; the next page loads at the end (n).").format(
                shown=i18n.format_number(len(self.cases)), total=i18n.format_number(self.total or 0)))
        else:
            note = Content(_("Enter opens a case.") if self.cases else _("Loading…"))
        self.query_one("#board-cases-note", Static).update(note)

    @on(DataTable.RowHighlighted, "#board-cases")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.has_more and not self.loading and event.cursor_row >= len(self.cases) - 1:
            self.load_more()

    # --- opening a case ---------------------------------------------------------------

    @on(DataTable.RowSelected, "#board-cases")
    def _selected(self, event: DataTable.RowSelected) -> None:
        case_no = event.row_key.value or ""
        case = next((c for c in self.cases if c.get("case_no") == case_no), None)
        if case is None:
            return
        self.remember(case)
        from .case_view import CaseViewScreen

        self.app.push_screen(CaseViewScreen(self.seat, case_no))

    def remember(self, case: dict[str, Any]) -> None:
        """Put the server's state of *case* into the cache when the cache has
        none or an older one (the cache keeps the newer; local changes stay)."""
        try:
            mine = self.seat.cache.case(case["case_no"])
            if mine is None or int(mine.get("server_version") or 0) < int(case.get("version") or 0):
                self.seat.cache.apply_snapshot([case])
        except Exception as exc:  # the view says what it can; never end the app here
            self.notify(_("Could not keep the case on this seat: {error}").format(error=exc), severity="warning",
                        markup=False)

    def action_back(self) -> None:
        """Back to the board."""
        self.dismiss()
