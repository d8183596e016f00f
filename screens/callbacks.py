"""The callback work list: resolved cases awaiting the citizen's feedback.

Longest waiting first (since the resolution, or since the last unanswered
try). One key per outcome — 1..6: satisfied / basically satisfied /
unsatisfied × resolved / unresolved — opens a small form for the note;
unsatisfied asks a second step: rework with the same department or escalate
to supervision. 0 records "no answer" at once.

No answer, the rule: the domain has no "closed: no answer", so a case the
citizen never answers stays resolved and listed. After ``tries`` unanswered
calls (default 3) it is flagged "unreachable after N tries" and moved to the
end of the list; further tries may still be recorded, and any answer closes
or reopens it as usual. Every try and outcome is a callback event in the
case's log. Every word is in the UI language and switches with it.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from local_cache import CacheError

from operator_tui import i18n, vocab
from operator_tui.domain import EventType, Rejected, Satisfaction
from operator_tui.duplicates import callers_of
from operator_tui.i18n import N_, _, ngettext
from operator_tui.privacy import phone_for

from . import desk_lists as dl
from . import worklists as wl
from .case_actions import OUTCOMES, CallbackOutcomeScreen
from .case_view import CaseViewScreen
from .inert import cell
from .live_list import LiveList
from .phone_reveal import PhoneReveal, reveal_binding
from .status_bar import StatusBar
from .translated import LocalizedFooter, Tr
from .work_pane import Row, WorkPane


def record(screen: Any, case_no: str, kind: EventType, payload: dict[str, Any]) -> bool:
    """seat.record from a screen; a refusal is shown, never raised."""
    try:
        screen.seat.record(case_no, kind, payload)
    except Rejected as exc:
        screen.app.notify(_("Not recorded: {reason}").format(reason=exc.reason), severity="error", markup=False)
        return False
    except (ValueError, CacheError) as exc:  # CacheError: the seat's disk (full, read-only...)
        screen.app.notify(_("Not recorded: {reason}").format(reason=exc), severity="error", markup=False)
        return False
    return True


def offline_note(seat: Any) -> str:
    """`` Offline now: …`` to append to a notification ('' online)."""
    return "" if seat.status().online else " " + _("Offline now: it is sent when the server is back.")


class CaseListScreen(LiveList, Screen):
    """A list of cases read from the cache in a worker, refreshed every few
    seconds while shown; Enter opens a case, Esc goes back."""

    LIST_ID = "cases"
    COLUMNS: tuple[str, ...] = ()  # catalog messages (N_), as are EMPTY and HEADING
    EMPTY = ""
    HEADING = ""
    AUTO_FOCUS = "#cases-table"
    BINDINGS = [Binding("escape", "back", N_("Back"), id="list.back", tooltip=N_("Back to where you came from"))]

    def __init__(self, seat: Any) -> None:
        super().__init__()
        self.seat = seat
        self.names: wl.Names | None = None
        self.cases: dict[str, dict[str, Any]] = {}
        self.rows: list[tuple[str, tuple[str, ...]]] = []
        self.loaded = False
        self.pane = WorkPane(self.LIST_ID, self.COLUMNS, self.EMPTY)

    def compose(self) -> ComposeResult:
        yield Tr(self.HEADING, style="bold", id="list-title")
        yield Static("", id="list-legend", markup=False)
        yield self.pane
        yield StatusBar()
        yield LocalizedFooter(compact=True)

    def language_changed(self) -> None:
        """Rows, legend and names in the new language (the title, columns and keys relabel themselves)."""
        self.reload()

    def on_mount(self) -> None:
        self.start_refreshing()
        self.reload()

    def reload(self) -> None:
        self._load(getattr(self.app, "ui_language", "zh"))

    def read(self) -> list[dict[str, Any]]:
        """The cases to list (worker thread)."""
        raise NotImplementedError

    def row(self, case: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
        raise NotImplementedError

    def legend(self, cases: list[dict[str, Any]]) -> Content:
        return Content("")

    @work(thread=True, exclusive=True, group="list-load")
    def _load(self, language: str) -> None:
        cases = self.read()
        names = wl.load_names(self.seat.cache, language, self.names)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_cases, cases, names)

    def show_cases(self, cases: list[dict[str, Any]], names: wl.Names) -> None:
        self.names = names
        rows: list[Row] = [(c["case_no"], self.row(c, names)) for c in cases]
        self.cases = {c["case_no"]: c for c in cases}
        self.rows = [(key, tuple(str(x) for x in cells)) for key, cells in rows]
        self.pane.show(rows)
        self.query_one("#list-legend", Static).update(self.legend(cases))
        if self.focused is None:
            self.pane.focus_table()
        self.loaded = True
        self.refresh_bindings()

    def selected(self) -> dict[str, Any] | None:
        key = self.pane.selected_key()
        return self.cases.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key in self.cases:
            self.app.push_screen(self.case_screen(key))

    def case_screen(self, case_no: str) -> Screen:
        return CaseViewScreen(self.seat, case_no)

    def action_back(self) -> None:
        """Back to where you came from (the work lists or the board)."""
        self.dismiss()


def _phones(case: dict[str, Any], revealed: bool = False) -> str:
    """The caller's number (masked unless revealed), and how many more callers a merged group has."""
    shown = phone_for(case.get("phone"), revealed)
    others = case.get("other_phones") or []
    return f"{shown} +{len(others)}" if others else shown


def _pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - cell_len(text))


def outcome_legend() -> list[Any]:
    """The outcome keys as a grid: resolved / unresolved × satisfaction, in
    the UI language (padded by terminal cells, so Chinese lines up too)."""
    parts: list[Any] = []
    rows = {True: _("resolved"), False: _("unresolved")}
    width = max(cell_len(text) for text in rows.values()) + 2
    words = {sat: vocab.label("satisfaction", sat) for _key, sat, _res, _label in OUTCOMES}
    cells = max(cell_len(text) for text in words.values()) + 3
    for row, resolved in enumerate((True, False)):
        parts.append(("\n" if row else "") + _pad(rows[resolved], width))
        for key, satisfaction, res, _label in OUTCOMES:
            if res == resolved:
                parts += [(key, "bold $text-accent"), " " + _pad(words[satisfaction], cells)]
    return parts


def outcome_bindings() -> list[Binding]:
    return [Binding(key, f"outcome('{key}')", label, show=False, id=f"callback.{sat}_{'res' if res else 'unres'}")
            for key, sat, res, label in OUTCOMES] + [
        Binding("0", "no_answer", N_("No answer"), id="callback.no_answer",
                tooltip=N_("The citizen did not answer: count one try"))]


class CallbackActions:
    """Record a callback outcome for one case (mixed into a Screen)."""

    seat: Any
    app: Any
    max_tries: int = dl.CALLBACK_TRIES

    def callback_case(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def after_callback(self) -> None:
        raise NotImplementedError

    def callback_allows(self) -> bool | None:
        case = self.callback_case()
        return True if case is not None and case.get("status") == "resolved" else None

    def action_outcome(self, key: str) -> None:
        """Record what the citizen said (a form asks for a note)."""
        case = self.callback_case()
        if case is None:
            return
        case_no = case["case_no"]
        names = getattr(self, "names", None) or wl.Names()

        def recorded(answer: dict[str, Any] | None) -> None:
            if answer is None or not record(self, case_no, EventType.CALLBACK, answer["callback"]):
                return
            done = _("Callback recorded: {case_no}.")
            reopen = answer.get("reopen")
            if reopen and record(self, case_no, EventType.REOPENED, reopen):
                done = (_("Callback recorded: {case_no} — sent back for rework.") if reopen["mode"] == "rework"
                        else _("Callback recorded: {case_no} — escalated to supervision."))
            self.app.notify(done.format(case_no=case_no) + offline_note(self.seat), markup=False)
            self.after_callback()

        self.app.push_screen(CallbackOutcomeScreen(self.seat.case(case_no) or case, names, key,
                                                   phone_shown=self.seat.phone_shown(case_no)), recorded)

    def action_no_answer(self) -> None:
        """The citizen did not answer: count one try."""
        case = self.callback_case()
        if case is None:
            return
        tries = int(case.get("tries", case.get("callback_attempts") or 0)) + 1
        note = f"无人接听 no answer (try {tries})"
        if not record(self, case["case_no"], EventType.CALLBACK,
                      {"satisfaction": Satisfaction.NO_ANSWER, "resolved": False, "note": note}):
            return
        flag = " " + _("Unreachable after {n} tries.").format(n=tries) if tries >= self.max_tries else ""
        self.app.notify(_("No answer recorded: {case_no} (try {n}).").format(case_no=case["case_no"], n=tries)
                        + flag + offline_note(self.seat), markup=False)
        self.after_callback()


class CallbackCaseScreen(CallbackActions, CaseViewScreen):
    """The case view with the callback keys."""

    BINDINGS = outcome_bindings()

    def callback_case(self) -> dict[str, Any] | None:
        return self.case

    def after_callback(self) -> None:
        self.load()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.callback_allows() if action in ("outcome", "no_answer") else True


class CallbacksScreen(CallbackActions, PhoneReveal, CaseListScreen):
    """Resolved cases waiting for the citizen's feedback."""

    CSS_PATH = "callbacks.tcss"
    HELP_TITLE = N_("Callbacks")
    LIST_ID = "callbacks"
    AUTO_FOCUS = "#callbacks-table"
    HEADING = N_("Callbacks — resolved cases awaiting the citizen's feedback, longest waiting first")
    COLUMNS = (N_("Case no"), N_("Waiting"), N_("Tries"), N_("Resolved by"), N_("Category"), N_("Phone"),
               N_("Result"))
    EMPTY = N_("No case is waiting for a callback.")
    BINDINGS = [*outcome_bindings(), reveal_binding("callbacks")]

    def __init__(self, seat: Any, *, max_tries: int = dl.CALLBACK_TRIES) -> None:
        super().__init__(seat)
        self.max_tries = max_tries
        self._keep_row: int | None = None  # where the cursor stays after a callback

    def read(self) -> list[dict[str, Any]]:
        found = dl.callbacks(self.seat.cache)
        found.sort(key=lambda c: c["tries"] >= self.max_tries)  # unreachable ones last (stable)
        for case in found:  # a master's callback reaches everyone merged into it
            phones = callers_of(self.seat.cache, str(case["case_no"])).phones
            case["other_phones"] = [p for p in phones if p != case.get("phone")]
        return found

    def row(self, case: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
        tries = int(case.get("tries") or 0)
        if tries >= self.max_tries:
            tries_cell = cell(_("{n} unreachable").format(n=tries), style="bold red")
        else:
            tries_cell = cell(str(tries) if tries else "", style="bold yellow" if tries else "")
        # waiting since the resolution (a try that went unanswered moves the case
        # behind the others, but the citizen has waited as long as before)
        since = dl.moment(case.get("resolved_at") or case.get("updated_at"))
        waited = (wl.local_now() - since).total_seconds() if since else None
        by = names.department(str(case.get("lead_department") or "")) if case.get("resolve_mode") == "department" \
            else _("hotline")
        case_no = cell(case.get("case_no"), style="bold")
        if case.get("local"):
            case_no.append(" ↑", style="bold yellow")  # a try recorded here, not yet on the server
        return (
            case_no,
            cell(i18n.format_duration(max(0.0, waited)) if waited is not None else "—"),
            tries_cell,
            cell(by, limit=14),
            cell(names.category(str(case.get("category_code") or "")), limit=14),
            cell(_phones(case, self.seat.phone_shown(str(case.get("case_no"))))),
            cell(case.get("resolution"), limit=34),
        )

    def legend(self, cases: list[dict[str, Any]]) -> Content:
        unreachable = sum(1 for c in cases if int(c.get("tries") or 0) >= self.max_tries)
        parts: list[Any] = list(outcome_legend())
        parts += [("   0", "bold $text-accent"), " " + vocab.label("satisfaction", "no_answer") + "\n",
                  (_("{n} waiting").format(n=i18n.format_number(len(cases))),
                   "bold")]
        if unreachable:
            parts += ["  ·  ", (ngettext("{n} unreachable after {tries} tries (listed last)",
                                         "{n} unreachable after {tries} tries (listed last)", unreachable)
                                .format(n=unreachable, tries=self.max_tries), "bold $text-error")]
        return Content.assemble(*parts)

    def callback_case(self) -> dict[str, Any] | None:
        case = self.selected()
        if case is None:
            return None
        current = self.seat.case(case["case_no"]) or case
        return {**current, "tries": case.get("tries", 0)}

    def after_callback(self) -> None:
        # the case just called moves (behind the others, or off the list): the
        # cursor stays at its row, on the next case to call
        self._keep_row = self.pane.table.cursor_row
        self.reload()

    def show_cases(self, cases: list[dict[str, Any]], names: wl.Names) -> None:
        super().show_cases(cases, names)
        row, self._keep_row = self._keep_row, None
        table = self.pane.table
        if row is not None and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    def reveal_cases(self) -> list[tuple[str, str]]:
        """The highlighted case's number (the case view shows its merged callers')."""
        case = self.selected()
        return [(case["case_no"], str(case.get("phone") or ""))] if case else []

    def after_reveal(self) -> None:
        self.reload()

    def case_screen(self, case_no: str) -> Screen:
        return CallbackCaseScreen(self.seat, case_no)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("outcome", "no_answer"):
            return self.callback_allows() if self.is_mounted else None
        return True


__all__ = ["CallbackCaseScreen", "CallbacksScreen", "CaseListScreen"]
