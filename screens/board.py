"""The supervisor's live board: volume, top categories, hot spots, deadlines, rates.

The aggregates are computed on the central server (GET /v1/board): a worker
thread asks every few seconds while the screen is shown (and at once when it
comes back into view), with the seat's token; an answer older than the one
shown is dropped. Offline the board keeps its last data under "board needs
the server — last updated hh:mm" (the last board is also kept in the cache,
so it shows after a restart too).

Every number is a cell of a table: Enter on it opens the list of the cases
behind it (:class:`screens.board_cases.BoardCasesScreen`, from
/v1/board/cases, "as of" the board's time, so the list matches the number),
and Enter there opens the case. Keys only: Tab moves between the tables,
1-5 jump to one, r refreshes now, Esc goes back to the work lists. Every
word, date and number is in the UI language and switches with it
(``language_changed``: headings, tables and names again, the data stays).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static
from textual.worker import get_current_worker

from operator_tui import clock, i18n
from operator_tui.i18n import N_, _, ngettext

from . import worklists as wl
from .board_rows import BoardRow, BoardTable, board_tables, hourly_counts
from .inert import inert_line
from .live_list import visible
from .status_bar import StatusBar
from .translated import LocalizedFooter

POLL_SECONDS = 5.0
KEEP_SECONDS = 60.0  # the last board is written to the cache at most this often
STATE_KEY = "board.last"
TABLES = ("rates", "volume", "categories", "hotspots", "deadlines")
HEADINGS = {
    "rates": N_("Rates today"),
    "volume": N_("Volume today by hour and channel"),
    "categories": N_("Top categories · today vs last week"),
    "hotspots": N_("Hot spots · category × district vs 4 weeks"),
    "deadlines": N_("Deadlines by department"),
}
# the sparkline's hours, one mark every 6 cells (a Chinese character takes two)
AXIS = N_("0h    3h    6h    9h    12h   15h   18h   21h")
PROBLEMS = {
    "offline": N_("board needs the server"),
    "waiting": N_("asking the server…"),
    "login": N_("board needs the server — log in again (F9)"),
}
Fetch = Callable[[], dict[str, Any]]


def fetch_board(seat: Any, token: str) -> dict[str, Any]:
    """GET /v1/board with *token* (worker thread only; raises the client's errors)."""
    from operator_tui.client import ServerClient

    client = ServerClient(seat.server_url, token, timeout=5.0)
    try:
        return client.board()
    finally:
        client.close()


def centre_time(iso_time: str, timezone: str = "") -> str:
    """``HH:MM`` of *iso_time* in the centre's time zone as the server names
    it (the board's hours are the server's), else as the seat has it."""
    if not iso_time:
        return ""
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return i18n.format_time(clock.parse(iso_time).astimezone(ZoneInfo(timezone)))
        except (ValueError, ZoneInfoNotFoundError):
            pass
    return wl.local_time(iso_time)


def board_day(day: str) -> str:
    """The board's day (``2025-11-29``) in the UI language: ``2025年11月29日`` / ``29 Nov 2025``."""
    try:
        return i18n.format_date(date.fromisoformat(day))
    except ValueError:
        return day


def seat_token(seat: Any) -> str:
    return str((seat.tokens.load() or {}).get("token", ""))


class BoardTableWidget(DataTable):
    """One table of the board: a cell cursor, Enter opens the cases behind the number."""

    HELP_WHERE = N_("on the board")
    BINDINGS = [Binding("enter", "select_cursor", N_("Cases behind it"), id="board.open",
                        tooltip=N_("The list of the cases behind the number"))]

    def __init__(self, table_id: str) -> None:
        super().__init__(id=table_id, cursor_type="cell", zebra_stripes=True)
        self.board_rows: list[BoardRow] = []
        self.shown: list[tuple[str, ...]] | None = None
        self.columns_shown: tuple[str, ...] | None = None

    def show(self, table: BoardTable) -> None:
        """Show *table*; rebuilt only when its text changed, the cursor stays put."""
        self.board_rows = table.rows
        plain = table.plain()
        if plain == self.shown and table.columns == self.columns_shown:
            return
        row, column = self.cursor_coordinate
        if table.columns != self.columns_shown:
            self.clear(columns=True)
            self.add_columns(*table.columns)
            self.columns_shown = table.columns
        else:
            self.clear()
        for board_row in table.rows:
            self.add_row(*board_row.cells, key=board_row.key)
        if self.shown is None and table.rows:  # first time: on the first number, not a label
            column = next((i for i, d in enumerate(table.rows[0].drills) if d is not None), 0)
        self.shown = plain
        if table.rows:
            self.move_cursor(row=min(row, len(table.rows) - 1), column=column, animate=False)

    def drill_at(self, row: int, column: int) -> tuple[dict[str, str], str] | None:
        if 0 <= row < len(self.board_rows):
            return self.board_rows[row].drill_at(column)
        return None


class BoardScreen(Screen):
    """The supervisor's board (see the module doc)."""

    CSS_PATH = "board.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # narrow: one column that scrolls
    HELP_TITLE = N_("Supervisor's board")
    AUTO_FOCUS = "#rates"

    BINDINGS = [
        Binding("r", "refresh", N_("Refresh"), id="board.refresh", tooltip=N_("Ask the server for the board now")),
        Binding("escape", "back", N_("Work lists"), id="board.back",
                tooltip=N_("Back to the work lists (the board stays one key away)")),
        Binding("1", "focus_table('rates')", N_("Rates"), show=False, id="board.rates"),
        Binding("2", "focus_table('volume')", N_("Volume"), show=False, id="board.volume"),
        Binding("3", "focus_table('categories')", N_("Top categories"), show=False, id="board.categories"),
        Binding("4", "focus_table('hotspots')", N_("Hot spots"), show=False, id="board.hotspots"),
        Binding("5", "focus_table('deadlines')", N_("Deadlines"), show=False, id="board.deadlines"),
    ]

    def __init__(self, seat: Any, *, fetch: Fetch | None = None, poll: float | None = POLL_SECONDS,
                 data: dict[str, Any] | None = None, fetched_at: str = "") -> None:
        """*fetch* replaces the request (tests); *poll* None: no timer; *data*:
        a board to show at once (snapshots), as fetched at *fetched_at*."""
        super().__init__()
        self.seat = seat
        self._fetcher = fetch
        self.poll = poll
        self.data: dict[str, Any] | None = data
        self.fetched_at = fetched_at or (clock.now_iso() if data else "")
        self.problem = ""  # why the last request failed ('' when it did not)
        self.names: wl.Names | None = None
        self._token = ""
        self._asked = 0  # requests made; answers to older ones are dropped
        self._applied = 0
        self._in_flight = False
        self._kept_at = 0.0

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="board-title", markup=False)
        with Horizontal(id="board-body"):
            with Vertical(id="board-left"):
                yield Static("", id="rates-heading", classes="board-heading", markup=False)
                yield BoardTableWidget("rates")
                yield Static("", id="volume-heading", classes="board-heading", markup=False)
                yield Sparkline([], id="volume-spark")
                yield Static("", id="volume-axis", markup=False)
                yield BoardTableWidget("volume")
            with Vertical(id="board-right"):
                yield Static("", id="categories-heading", classes="board-heading", markup=False)
                yield BoardTableWidget("categories")
                yield Static("", id="hotspots-heading", classes="board-heading", markup=False)
                yield BoardTableWidget("hotspots")
                yield Static("", id="deadlines-heading", classes="board-heading", markup=False)
                yield BoardTableWidget("deadlines")
        yield StatusBar()
        yield LocalizedFooter(compact=True)

    def show_headings(self) -> None:
        """``1 Rates today``...: each table's key and heading in the UI language."""
        for number, table_id in enumerate(TABLES, start=1):
            heading = Content.styled(f"{number} {_(HEADINGS[table_id])}", "bold")
            if table_id == "volume" and self.data is not None:
                total = int((self.data.get("volume") or {}).get("total") or 0)
                heading = Content.assemble(heading, "   ", ngettext("{n} case", "{n} cases", total).format(
                    n=i18n.format_number(total)))
            self.query_one(f"#{table_id}-heading", Static).update(heading)
        self.query_one("#volume-axis", Static).update(Content.styled(_(AXIS), "$text-muted"))

    def language_changed(self) -> None:
        """Headings, title, tables and names in the new language (the data and cursors stay)."""
        try:
            self.names = wl.load_names(self.seat.cache, i18n.current_language(), self.names)
        except Exception:  # a closing cache: the codes show until the next answer
            pass
        self.show_board()

    def on_mount(self) -> None:
        self.show_headings()
        if self.data is not None:
            self.names = wl.load_names(self.seat.cache, getattr(self.app, "ui_language", "zh"), self.names)
            self.show_board()
        else:
            self.show_title()
            self._restore()
        if self.poll:
            self.set_interval(self.poll, self._tick)
            self.refresh_board()

    def table(self, table_id: str) -> BoardTableWidget:
        return self.query_one(f"#{table_id}", BoardTableWidget)

    # --- asking the server ---------------------------------------------------------------

    def _tick(self) -> None:
        if visible(self) and not self._in_flight:  # not while a drill-down list covers it
            self.refresh_board()

    def on_screen_resume(self) -> None:
        if self.poll and not self._in_flight:
            self.refresh_board()

    def refresh_board(self) -> None:
        self._asked += 1
        self._in_flight = True
        self._fetch(self._asked, getattr(self.app, "ui_language", "zh"))

    @work(thread=True, group="board-fetch", exit_on_error=False)
    def _fetch(self, asked: int, language: str) -> None:
        from operator_tui.client import LoginRequired, RequestRefused, ServerUnavailable

        data, problem = None, ""
        try:
            if self._fetcher is not None:
                data = self._fetcher()
            else:
                self._token = self._token or seat_token(self.seat)
                data = fetch_board(self.seat, self._token)
        except ServerUnavailable:
            problem = "offline"
        except LoginRequired:
            self._token = ""
            problem = "login"
        except RequestRefused as exc:
            problem = f"refused: {exc.message}"
        except Exception as exc:  # a bug must not end the supervisor's app
            problem = f"error: {type(exc).__name__}: {exc}"
        names = wl.load_names(self.seat.cache, language, self.names)
        fetched_at = clock.now_iso()
        if data is not None:
            self._keep(data, fetched_at)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._answered, asked, data, problem, names, fetched_at)

    def _answered(self, asked: int, data: dict[str, Any] | None, problem: str, names: wl.Names,
                  fetched_at: str) -> None:
        if asked == self._asked:
            self._in_flight = False
        if asked < self._applied:
            return  # an older request answered late: a newer answer is shown already
        self._applied = asked
        self.names = names
        self.problem = problem
        if data is not None:
            self.data, self.fetched_at = data, fetched_at
            self.show_board()
        else:
            self.show_title()

    def _keep(self, data: dict[str, Any], fetched_at: str) -> None:
        """The last board into the cache (aggregates only, no personal data), now and then."""
        import time

        if time.monotonic() - self._kept_at < KEEP_SECONDS:
            return
        try:
            self.seat.cache.set_state(STATE_KEY, {"data": data, "fetched_at": fetched_at})
            self._kept_at = time.monotonic()
        except Exception:  # a closing cache: it is only a convenience
            pass

    @work(thread=True, group="board-restore", exit_on_error=False)
    def _restore(self, language: str = "") -> None:
        """Show the board kept in the cache until the server answers."""
        try:
            kept = self.seat.cache.get_state(STATE_KEY, None)
            names = wl.load_names(self.seat.cache, language or getattr(self.app, "ui_language", "zh"))
        except Exception:
            return
        if kept and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._restored, kept, names)

    def _restored(self, kept: dict[str, Any], names: wl.Names) -> None:
        if self.data is None and isinstance(kept.get("data"), dict):
            self.names = self.names or names
            self.data, self.fetched_at = kept["data"], str(kept.get("fetched_at") or "")
            self.problem = self.problem or ("waiting" if self._in_flight else "offline")
            self.show_board()

    # --- showing it ------------------------------------------------------------------------

    def show_title(self) -> None:
        data = self.data or {}
        zone = str(data.get("timezone") or "")
        updated = centre_time(self.fetched_at, zone)
        day = board_day(str(data.get("day") or ""))
        if not self.problem:
            as_of = centre_time(str(data.get("at") or ""), zone)
            live = "   " + _("live, every {n} s").format(n=f"{self.poll:g}") if self.poll else ""
            line = Content.assemble((_("Supervisor's board"), "bold"), f"  {day}  ",
                                    _("as of {time}").format(time=as_of), (live, "$text-muted"))
        else:
            last = _("last updated {time}").format(time=updated) if updated else _("no data yet")
            kind, _sep, detail = self.problem.partition(": ")
            if self.problem in PROBLEMS:
                reason = _(PROBLEMS[self.problem])
            elif kind == "refused":  # the server's own words follow
                reason = _("the server refused: {reason}").format(reason=detail)
            elif kind == "error":
                reason = _("the board could not be read: {error}").format(error=detail)
            else:
                reason = _("board: {problem}").format(problem=self.problem)
            line = Content.assemble((_("Supervisor's board"), "bold"), f"  {day}  " if day else "  ",
                                    inert_line(reason, style="bold $text-warning"), inert_line(f" — {last}"))
        self.query_one("#board-title", Static).update(line)

    def show_board(self) -> None:
        """Fill every table from :attr:`data` (the cursor stays where it was)."""
        self.show_title()
        if self.data is None:
            return
        names = self.names or wl.Names(getattr(self.app, "ui_language", "zh"))
        tables = board_tables(self.data, names)
        for table_id in TABLES:
            self.table(table_id).show(tables[table_id])
        self.show_headings()
        self.query_one("#volume-spark", Sparkline).data = hourly_counts(self.data)

    # --- keys ----------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Ask the server for the board now."""
        self.refresh_board()

    def action_back(self) -> None:
        """Back to the work lists (the board stays one key away)."""
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def action_focus_table(self, table_id: str) -> None:
        """Jump to one table of the board."""
        self.table(table_id).focus()

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        table = event.data_table
        if not isinstance(table, BoardTableWidget) or self.data is None:
            return
        found = table.drill_at(event.coordinate.row, event.coordinate.column)
        if found is None or not found[0].get("metric"):
            return
        drill, title = found  # title: a Title (board_rows), shown in the UI language of the moment
        from .board_cases import BoardCasesScreen

        rates = self.data.get("rates") or {}
        self.app.push_screen(BoardCasesScreen(
            self.seat, drill, title, at=str(self.data.get("at") or ""), days=int(rates.get("days") or 1),
            zone=str(self.data.get("timezone") or ""), names=self.names))
