"""The department desk: a department user's home.

An inbox of the cases dispatched to the department (the department's change
feed fills the cache with exactly those), nearest deadline first, with the
deadline that decides (sign / reply / result, by ``operator_tui.workdays``)
and the time left, flagged near (80 % of the allowed time used) and overdue.
One key each, on the list or in the case: sign for it, return it to the
hotline with a structured reason, ask for an extension, report the result,
add a note (a department's first word meets its feedback deadline). Every action is a local write with its outbox row (seat.record), so
the desk works offline; rows changed here and not yet confirmed show ↑, and
cases sent back or resolved here stay listed until the server has them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from operator_tui.domain import EventType, Rejected

from . import desk_lists as dl
from . import worklists as wl
from .case_actions import ExtensionRequestScreen, NoteScreen, ReportResultScreen, ReturnCaseScreen
from .case_view import CaseViewScreen
from .inert import cell, inert, inert_line
from .rows import status_cell
from .status_bar import StatusBar, age_text
from .work_pane import Row, WorkPane

DESCRIPTION_CELLS = 20  # keeps a row within 120 columns (the detail below shows it all)
COLUMNS = ("Case no", "Next deadline", "Time left", "Status", "Category", "District", "Description")
EMPTY = "No cases for the department right now. New ones appear here as the hotline dispatches them."
DESK_BINDINGS = [
    Binding("s", "sign", "Sign", id="desk.sign"),
    Binding("r", "return_case", "Return…", id="desk.return"),
    Binding("e", "extension", "Extension…", id="desk.extension"),
    Binding("d", "report", "Report result…", id="desk.report"),
    Binding("n", "note", "Note…", id="desk.note"),
]
DESK_ACTIONS = ("sign", "return_case", "extension", "report", "note")
FLAG_STYLE = {"overdue": "bold red", "near": "bold yellow", "ok": "", "none": "dim"}


KIND_LABEL = {"sign": "sign", "feedback": "reply", "resolution": "result"}


def due_of(case: dict[str, Any]) -> dl.Deadline:
    """The case's deadline flag (computed by the list's worker, else now)."""
    found = case.get("due")
    return found if isinstance(found, dl.Deadline) else dl.deadline_of(case)


def next_deadline(deadline: dl.Deadline) -> Text:
    """``11-29 08:00 sign``: the deciding deadline and what it is for."""
    if not deadline.due:
        return cell("—", style="dim")
    text = cell(wl.local_time(deadline.due, with_date=True))
    text.append(f" {KIND_LABEL.get(deadline.kind, deadline.kind)}", style="dim")
    return text


def time_left(deadline: dl.Deadline) -> Text:
    """``3d04h`` / ``near 5h10m`` / ``overdue 2h05m`` ('—' without a deadline)."""
    if deadline.seconds_left is None:
        return cell("—", style="dim")
    if deadline.flag == "overdue":
        return cell(f"overdue {age_text(-deadline.seconds_left)}", style=FLAG_STYLE["overdue"])
    prefix = "near " if deadline.flag == "near" else ""
    return cell(prefix + age_text(deadline.seconds_left), style=FLAG_STYLE.get(deadline.flag, ""))


def desk_row(case: dict[str, Any], names: wl.Names, department: str) -> tuple[Text, ...]:
    status = status_cell(case)
    if case.get("lead_department") != department and case.get("status") in dl.OPEN_AT_DEPARTMENT:
        status.append(" co", style="dim")  # co-handler: the lead department acts
    if case.get("extension_pending_hours"):
        status.append(" +ext", style="magenta")
    deadline = due_of(case)
    return (
        cell(case.get("case_no"), style="bold"),
        next_deadline(deadline),
        time_left(deadline),
        status,
        cell(names.category(str(case.get("category_code") or "")), limit=12),
        cell(names.district(str(case.get("district") or "")), limit=10),
        cell(case.get("description"), limit=DESCRIPTION_CELLS),
    )


class DeskActions:
    """Sign / return / extension / report on one case (the inbox's selected
    case, or the case on screen). Mixed into a Screen."""

    seat: Any
    app: Any

    def acting_case(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def after_action(self) -> None:
        raise NotImplementedError

    def names_for_forms(self) -> wl.Names:
        return getattr(self, "names", None) or wl.load_names(self.seat.cache, getattr(self.app, "ui_language", "zh"))

    @property
    def department(self) -> str:
        return str(getattr(self.seat.operator, "department", "") or "")

    def desk_allows(self, action: str) -> bool | None:
        """True: the action applies to the case; None: shown, but not now."""
        case = self.acting_case()
        if case is None:
            return None
        status = case.get("status")
        if action == "note":  # co-handlers too
            return True if status in dl.OPEN_AT_DEPARTMENT else None
        if case.get("lead_department") != self.department:
            return None
        allowed = {
            "sign": status == "dispatched",
            "return_case": status in dl.OPEN_AT_DEPARTMENT,
            "extension": status in dl.OPEN_AT_DEPARTMENT and not case.get("extension_pending_hours"),
            "report": status == "signed",
        }
        return True if allowed.get(action, True) else None

    def record_action(self, case_no: str, kind: EventType, payload: dict[str, Any], done: str) -> bool:
        try:
            self.seat.record(case_no, kind, payload)
        except Rejected as exc:
            self.app.notify(f"Not recorded: {exc.reason}", severity="error", markup=False)
            return False
        except ValueError as exc:
            self.app.notify(f"Not recorded: {exc}", severity="error", markup=False)
            return False
        later = "" if self.seat.status().online else " Offline now: it is sent when the server is back."
        self.app.notify(f"{done}: {case_no}.{later}", markup=False)
        self.after_action()
        return True

    def _form(self, screen_class: type, kind: EventType, done: str) -> None:
        case = self.acting_case()
        if case is None:
            return
        case_no = case["case_no"]

        def recorded(payload: dict[str, Any] | None) -> None:
            if payload is not None:
                self.record_action(case_no, kind, payload, done)

        self.app.push_screen(screen_class(case, self.names_for_forms()), recorded)

    def action_sign(self) -> None:
        """Sign for the case: the department accepts it."""
        case = self.acting_case()
        if case is not None:
            self.record_action(case["case_no"], EventType.SIGNED, {}, "Signed for")

    def action_return_case(self) -> None:
        """Give the case back to the hotline, with a reason."""
        self._form(ReturnCaseScreen, EventType.RETURNED, "Returned to the hotline")

    def action_extension(self) -> None:
        """Ask the hotline's supervisor for more time."""
        self._form(ExtensionRequestScreen, EventType.EXTENDED, "Extension asked for")

    def action_report(self) -> None:
        """Report what was done: the case is resolved and goes to callback."""
        self._form(ReportResultScreen, EventType.RESOLVED, "Result reported")

    def action_note(self) -> None:
        """Add a note (the first word on a case meets its feedback deadline)."""
        self._form(NoteScreen, EventType.NOTE, "Note added")


class DeskCaseScreen(DeskActions, CaseViewScreen):
    """The case view with the department's keys."""

    BINDINGS = DESK_BINDINGS

    def acting_case(self) -> dict[str, Any] | None:
        return self.case

    def after_action(self) -> None:
        self.load()
        self.refresh_bindings()

    def show(self) -> None:
        super().show()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.desk_allows(action) if action in DESK_ACTIONS else True


class DeskScreen(dl.LiveList, DeskActions, Screen):
    """The department's inbox."""

    CSS_PATH = "department_desk.tcss"
    HELP_TITLE = "Department desk — inbox"
    AUTO_FOCUS = "#inbox-table"
    BINDINGS = [
        *DESK_BINDINGS,
        Binding("ctrl+r", "reload", "Refresh", id="desk.refresh", show=False),
    ]

    def __init__(self, seat: Any) -> None:
        super().__init__()
        self.seat = seat
        self.names: wl.Names | None = None
        self.cases: dict[str, dict[str, Any]] = {}
        self.rows: list[tuple[str, tuple[str, ...]]] = []
        self.loaded = False
        self.pane = WorkPane("inbox", COLUMNS, EMPTY)

    def compose(self) -> ComposeResult:
        yield Static("", id="desk-title", markup=False)
        yield Static("", id="desk-counts", markup=False)
        yield self.pane
        yield Static("", id="desk-detail", markup=False)
        yield StatusBar()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_title()
        self.start_refreshing()
        self.reload()

    def _show_title(self) -> None:
        names = self.names or wl.Names()
        dept = self.department
        info = names.departments.get(dept) or {}
        title = " ".join(x for x in (info.get("name_zh"), info.get("name_en")) if x) or dept
        self.query_one("#desk-title", Static).update(Content.assemble(
            ("Department desk  ", "bold"), inert_line(title, style="bold $accent"), (f"  ({dept})", "$text-muted")))

    # --- loading ---------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the inbox again now."""
        self.reload()

    def reload(self) -> None:
        self._load(self.department, getattr(self.app, "ui_language", "zh"))

    @work(thread=True, exclusive=True, group="desk-load")
    def _load(self, department: str, language: str) -> None:
        cases = dl.inbox(self.seat.cache, department)
        names = wl.load_names(self.seat.cache, language, self.names)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_inbox, cases, names)

    def show_inbox(self, cases: list[dict[str, Any]], names: wl.Names) -> None:
        first = self.names is None
        self.names = names
        if first:
            self._show_title()
        rows: list[Row] = [(c["case_no"], desk_row(c, names, self.department)) for c in cases]
        self.cases = {c["case_no"]: c for c in cases}
        self.rows = [(key, tuple(str(x) for x in cells)) for key, cells in rows]
        self.pane.show(rows)
        self._show_counts(cases)
        self._show_detail()
        if self.focused is None:
            self.pane.focus_table()
        self.loaded = True
        self.refresh_bindings()

    def _show_counts(self, cases: list[dict[str, Any]]) -> None:
        open_cases = [c for c in cases if c.get("status") in dl.OPEN_AT_DEPARTMENT]
        flags = [due_of(c).flag for c in open_cases]
        waiting = sum(1 for c in cases if c.get("local"))
        parts: list[tuple[str, str] | str] = [(f"{len(open_cases)} open", "bold")]
        to_sign = sum(1 for c in open_cases if c.get("status") == "dispatched")
        if to_sign:
            parts += ["  ·  ", (f"{to_sign} to sign", "bold $text-accent")]
        if flags.count("near"):
            parts += ["  ·  ", (f"{flags.count('near')} near deadline", "bold $text-warning")]
        if flags.count("overdue"):
            parts += ["  ·  ", (f"{flags.count('overdue')} overdue", "bold $text-error")]
        if waiting:
            parts += ["  ·  ", (f"{waiting} changed here, not yet on the server ↑", "$text-warning")]
        self.query_one("#desk-counts", Static).update(Content.assemble(*parts))

    def selected(self) -> dict[str, Any] | None:
        key = self.pane.selected_key()
        return self.cases.get(key) if key else None

    def _show_detail(self) -> None:
        case = self.selected()
        detail = self.query_one("#desk-detail", Static)
        if case is None:
            detail.update("")
            return
        names = self.names or wl.Names()
        bits: list[Any] = [inert_line(case.get("case_no"), style="bold"), "  ",
                           inert_line(names.category_path(str(case.get("category_code") or "")))]
        if case.get("address"):
            bits += [("\nAddress  ", "$text-muted"), inert_line(case.get("address"))]
        if case.get("extension_pending_hours"):
            bits += [("\nExtension of ", "$text-muted"), (f"{case['extension_pending_hours']} h", "bold"),
                     (" asked for: waiting for the supervisor", "$text-muted")]
        bits += ["\n", inert(case.get("description") or "", limit=400)]
        detail.update(Content.assemble(*bits))

    @on(DataTable.RowHighlighted, "#inbox-table")
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#inbox-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key in self.cases:
            self.app.push_screen(DeskCaseScreen(self.seat, key))

    # --- actions ---------------------------------------------------------------------

    def acting_case(self) -> dict[str, Any] | None:
        case = self.selected()
        return (self.seat.case(case["case_no"]) or case) if case else None

    def after_action(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DESK_ACTIONS:
            return self.desk_allows(action) if self.is_mounted else None
        return True


__all__ = ["DeskCaseScreen", "DeskScreen", "desk_row", "time_left"]
