"""The department desk: a department user's home.

An inbox of the cases dispatched to the department (the department's change
feed fills the cache with exactly those), nearest deadline first, with the
deadline that decides (sign / reply / result, by ``operator_tui.workdays``)
and the time left, flagged near (80 % of the allowed time used) and overdue.
One key each, on the list or in the case: sign for it, return it to the
hotline with a structured reason, ask for an extension, report the result,
add a note (a department's first word meets its feedback deadline). Every
action is a local write with its outbox row (seat.record), so the desk works
offline; rows changed here and not yet confirmed show ↑, and cases sent back
or resolved here stay listed until the server has them. Every word is in the
UI language and switches with it (``language_changed``).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from operator_tui import i18n
from operator_tui.domain import EventType, Rejected
from operator_tui.i18n import N_, NP_, _, ngettext, pgettext

from . import desk_lists as dl
from . import worklists as wl
from .case_actions import ExtensionRequestScreen, NoteScreen, ReportResultScreen, ReturnCaseScreen
from .case_view import CaseViewScreen
from .inert import cell, inert, inert_line
from .live_list import LiveList
from .rows import status_cell
from .status_bar import StatusBar
from .translated import LocalizedFooter
from .work_pane import Row, WorkPane

DESCRIPTION_CELLS = 18  # keeps a row within 120 columns (the detail below shows it all)
COLUMNS = (N_("Case no"), N_("Next deadline"), N_("Time left"), N_("Status"), N_("Category"), N_("District"),
           N_("Description"))
EMPTY = N_("No cases for the department right now. New ones appear here as the hotline dispatches them.")
DESK_BINDINGS = [
    Binding("s", "sign", N_("Sign"), id="desk.sign", tooltip=N_("Sign for the case: the department accepts it")),
    Binding("r", "return_case", N_("Return…"), id="desk.return",
            tooltip=N_("Give the case back to the hotline, with a reason")),
    Binding("e", "extension", N_("Extension…"), id="desk.extension",
            tooltip=N_("Ask the hotline's supervisor for more time")),
    Binding("d", "report", N_("Report result…"), id="desk.report",
            tooltip=N_("Report what was done: the case is resolved and goes to callback")),
    Binding("n", "note", N_("Note…"), id="desk.note",
            tooltip=N_("Add a note (the first word on a case meets its feedback deadline)")),
]
DESK_ACTIONS = ("sign", "return_case", "extension", "report", "note")
FLAG_STYLE = {"overdue": "bold red", "near": "bold yellow", "ok": "", "none": "dim"}
# what the deciding deadline is for: signing, the first reply, the result
KIND_LABEL = {"sign": NP_("deadline", "sign"), "feedback": NP_("deadline", "reply"),
              "resolution": NP_("deadline", "result")}
OFFLINE_NOTE = N_("Offline now: it is sent when the server is back.")


def due_of(case: dict[str, Any]) -> dl.Deadline:
    """The case's deadline flag (computed by the list's worker, else now)."""
    found = case.get("due")
    return found if isinstance(found, dl.Deadline) else dl.deadline_of(case)


def kind_label(kind: str) -> str:
    """What a deadline is for, in the UI language (``签收`` / ``sign``)."""
    message = KIND_LABEL.get(kind)
    return pgettext(*message) if message else kind


def next_deadline(deadline: dl.Deadline) -> Text:
    """``11月29日 08:00 签收`` / ``29 Nov 08:00 sign``: the deciding deadline and what it is for."""
    if not deadline.due:
        return cell("—", style="dim")
    text = cell(wl.local_time(deadline.due, with_date=True))
    text.append(f" {kind_label(deadline.kind)}", style="dim")
    return text


def time_left(deadline: dl.Deadline) -> Text:
    """``3 d 4 h`` / ``near 5 h 10 min`` / ``overdue 2 h 5 min`` in the UI
    language ('—' without a deadline)."""
    if deadline.seconds_left is None:
        return cell("—", style="dim")
    if deadline.flag == "overdue":
        duration = i18n.format_duration(max(60.0, -deadline.seconds_left))
        return cell(_("overdue {duration}").format(duration=duration), style=FLAG_STYLE["overdue"])
    duration = i18n.format_duration(deadline.seconds_left)
    if deadline.flag == "near":
        return cell(_("near {duration}").format(duration=duration), style=FLAG_STYLE["near"])
    return cell(duration, style=FLAG_STYLE.get(deadline.flag, ""))


def desk_row(case: dict[str, Any], names: wl.Names, department: str) -> tuple[Text, ...]:
    status = status_cell(case)
    if case.get("lead_department") != department and case.get("status") in dl.OPEN_AT_DEPARTMENT:
        status.append(" " + pgettext("co-handler", "co"), style="dim")  # the lead department acts
    if case.get("extension_pending_hours"):
        status.append(" " + _("+ext"), style="magenta")
    deadline = due_of(case)
    return (
        cell(case.get("case_no"), style="bold"),
        next_deadline(deadline),
        time_left(deadline),
        status,
        cell(names.category(str(case.get("category_code") or "")), limit=12),
        cell(names.district(str(case.get("district") or "")), limit=8),
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
        """Record the event; *done* (a catalog message with ``{case_no}``) says so."""
        try:
            self.seat.record(case_no, kind, payload)
        except Rejected as exc:
            self.app.notify(_("Not recorded: {reason}").format(reason=exc.reason), severity="error", markup=False)
            return False
        except ValueError as exc:
            self.app.notify(_("Not recorded: {reason}").format(reason=exc), severity="error", markup=False)
            return False
        later = "" if self.seat.status().online else " " + _(OFFLINE_NOTE)
        self.app.notify(_(done).format(case_no=case_no) + later, markup=False)
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
            self.record_action(case["case_no"], EventType.SIGNED, {}, N_("Signed for: {case_no}."))

    def action_return_case(self) -> None:
        """Give the case back to the hotline, with a reason."""
        self._form(ReturnCaseScreen, EventType.RETURNED, N_("Returned to the hotline: {case_no}."))

    def action_extension(self) -> None:
        """Ask the hotline's supervisor for more time."""
        self._form(ExtensionRequestScreen, EventType.EXTENDED, N_("Extension asked for: {case_no}."))

    def action_report(self) -> None:
        """Report what was done: the case is resolved and goes to callback."""
        self._form(ReportResultScreen, EventType.RESOLVED, N_("Result reported: {case_no}."))

    def action_note(self) -> None:
        """Add a note (the first word on a case meets its feedback deadline)."""
        self._form(NoteScreen, EventType.NOTE, N_("Note added: {case_no}."))


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


class DeskScreen(LiveList, DeskActions, Screen):
    """The department's inbox."""

    CSS_PATH = "department_desk.tcss"
    HELP_TITLE = N_("Department desk — inbox")
    AUTO_FOCUS = "#inbox-table"
    BINDINGS = [
        *DESK_BINDINGS,
        Binding("ctrl+r", "reload", N_("Refresh"), id="desk.refresh", show=False,
                tooltip=N_("Read the inbox again now")),
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
        yield LocalizedFooter(compact=True)

    def on_mount(self) -> None:
        self._show_title()
        self.start_refreshing()
        self.reload()

    def _show_title(self) -> None:
        names = self.names or wl.Names()
        dept = self.department
        self.query_one("#desk-title", Static).update(Content.assemble(
            (_("Department desk") + "  ", "bold"), inert_line(names.department(dept), style="bold $accent"),
            inert_line(f"  ({dept})", style="$text-muted")))

    def language_changed(self) -> None:
        """Title, counts, rows and detail in the new language (names too)."""
        self._show_title()
        self.reload()

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
        renamed = self.names is None or self.names.language != names.language
        self.names = names
        if renamed:
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
        n = i18n.format_number
        parts: list[tuple[str, str] | str] = [
            (ngettext("{n} open case", "{n} open cases", len(open_cases)).format(n=n(len(open_cases))), "bold")]
        to_sign = sum(1 for c in open_cases if c.get("status") == "dispatched")
        if to_sign:
            parts += ["  ·  ", (_("{n} to sign").format(n=n(to_sign)), "bold $text-accent")]
        if flags.count("near"):
            parts += ["  ·  ", (_("{n} near deadline").format(n=n(flags.count("near"))), "bold $text-warning")]
        if flags.count("overdue"):
            parts += ["  ·  ", (_("{n} overdue").format(n=n(flags.count("overdue"))), "bold $text-error")]
        if waiting:
            parts += ["  ·  ", (_("{n} changed here, not yet on the server ↑").format(n=n(waiting)),
                                "$text-warning")]
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
            bits += [("\n" + _("Address") + "  ", "$text-muted"), inert_line(case.get("address"))]
        if case.get("extension_pending_hours"):
            hours = int(case["extension_pending_hours"])
            bits += ["\n", (_("Extension of {hours} asked for: waiting for the supervisor").format(
                hours=_("{n} h").format(n=hours)), "$text-muted")]
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
