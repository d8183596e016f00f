"""One case: every field and its full event log, read from the local cache.

The cache holds the events it pulled from the change feed and the seat's own;
cases that arrived in the first snapshot have no events there, so when the
local log does not cover every version the rest is fetched from the server in
a worker (never waited for: the local view shows at once, offline it says the
history is on the server). All case text is shown inert. The phone number is
masked until the operator reveals it with the reveal key (recorded:
screens/phone_reveal.py).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from operator_tui import clock, i18n, vocab
from operator_tui.domain import EventType, Rejected
from operator_tui.i18n import N_, _, ngettext
from operator_tui.interpreter import InterpreterMark, on_call
from operator_tui.privacy import phone_for

from . import worklists as wl
from .inert import cell, inert, inert_line
from .live_list import visible
from .merged_callers import MergedCallers
from .phone_reveal import PhoneReveal, reveal_binding
from .rows import STATUS_STYLE
from .status_bar import StatusBar
from .translated import LocalizedFooter

REFRESH_SECONDS = 2.0
LABEL_WIDTH = 13  # terminal cells (a Chinese character takes two)
EVENT_COLUMNS = ("v", N_("When"), N_("Event"), N_("By"), N_("Details"), N_("Sync"))


def _line(label: str, value: Any, style: str = "") -> Content:
    from rich.cells import cell_len

    text = _(label)
    return Content.assemble((text + " " * max(1, LABEL_WIDTH - cell_len(text)), "$text-muted"),
                            inert_line(value, style=style))


def language_text(case: dict[str, Any]) -> str:
    """The caller's language in the UI language (``日语 日本語``), and the interpreter."""
    code = str(case.get("language") or "")
    text = i18n.language_name(code) if code else ""
    if code and code.split("-")[0] not in i18n.LANGUAGES and i18n.endonym(code) != text:
        text += f" {i18n.endonym(code)}"
    if case.get("interpreter"):
        text += " " + _("(interpreter)")
    return text


def phone_line(case: dict[str, Any], shown: bool) -> Content:
    """``Phone  138****5678``, or the full number with a note that it is shown."""
    line = _line(N_("Phone"), phone_for(case.get("phone"), shown), "bold $text-warning" if shown else "")
    if shown:
        line = Content.assemble(line, ("  " + _("shown in full, recorded"), "$text-muted"))
    return line


def field_lines(case: dict[str, Any], names: wl.Names,
                phone_shown: bool = False) -> tuple[list[Content], list[Content]]:
    """The case's fields as (left column, right column) lines, in the UI language."""
    status = str(case.get("status") or "")
    created = wl.local_time(case.get("created_at") or case.get("client_created_at"), with_date=True)
    urgency = str(case.get("urgency") or "")
    left = [
        _line(N_("Case no"), case.get("case_no"), "bold"),
        _line(N_("Status"), vocab.status(status), STATUS_STYLE.get(status, "")),
        _line(N_("Created"), _("{time}  by {operator}").format(time=created,
                                                            operator=case.get("created_by") or "?")),
        _line(N_("Channel"), vocab.label("channel", case.get("channel"))),
        _line(N_("Appeal type"), vocab.label("appeal_type", case.get("appeal_type"))),
        _line(N_("Language"), language_text(case)),
        phone_line(case, phone_shown),
        _line(N_("Name"), case.get("name")),
        _line(N_("District"), names.district(str(case.get("district") or ""))),
        _line(N_("Address"), case.get("address")),
    ]
    co = ", ".join(names.department(d) for d in case.get("co_departments") or [])
    deadline = case.get("deadline")
    if deadline and status in ("dispatched", "signed", "returned", "escalated"):
        deadline_shown = wl.deadline_text(deadline)  # still running: with the time left
    else:
        deadline_shown = wl.local_time(deadline, with_date=True)
    right = [
        _line(N_("Category"), names.category_path(str(case.get("category_code") or ""))),
        _line(N_("Urgency"), vocab.label("urgency", urgency), "bold" if urgency != "normal" else ""),
        _line(N_("Lead dept"), names.department(str(case.get("lead_department") or ""))),
        _line(N_("Co-handlers"), co),
        _line(N_("Dispatched"), wl.local_time(case.get("dispatched_at"), with_date=True)),
        _line(N_("Deadline"), deadline_shown),
        _line(N_("Resolved"), vocab.label("resolve_mode", case.get("resolve_mode"))),
        _line(N_("Satisfaction"), vocab.label("satisfaction", case.get("satisfaction"))),
        _line(N_("Callback tries"), i18n.format_number(case.get("callback_attempts") or 0)),
        _line(N_("Version"), f"{case.get('version', 0)}"
              + ("  " + _("(local changes not yet on the server)") if case.get("local") else "")),
    ]
    if case.get("merged_into"):
        right.append(_line(N_("Merged into"), case.get("merged_into"), "bold"))
    if case.get("linked_to"):
        right.append(_line(N_("Linked to"), case.get("linked_to")))
    if case.get("handle_seconds"):
        right.append(_line(N_("Handle time"), i18n.format_duration(int(case["handle_seconds"]))))
    if case.get("extension_pending_hours"):
        right.append(_line(N_("Extension"), _("{n} h requested").format(n=case["extension_pending_hours"])))
    return left, right


def event_row(event: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
    kind = str(event.get("type") or "")
    when = event.get("server_time") or event.get("client_time")
    if event.get("local"):
        sync = str(event.get("outbox_state") or "pending")
    else:
        sync = "synced"
    sync_style = {"synced": "dim", "pending": "yellow", "rejected": "bold red", "conflict": "bold red"}
    return (
        cell(event.get("version") or "", style="dim"),
        cell(wl.local_time(when, with_date=True)),
        cell(vocab.event(kind), style="bold"),
        cell(f"{event.get('actor_id', '')}"),
        cell(wl.payload_summary(kind, event.get("payload") or {}, names), limit=70),
        cell(vocab.label("sync", sync), style=sync_style.get(sync, "")),
    )


def merge_events(local: list[dict[str, Any]], server: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server's log plus the local events it does not have yet."""
    seen = {e["event_id"] for e in server}
    return list(server) + [e for e in local if e["event_id"] not in seen]


def is_complete(case: dict[str, Any], events: list[dict[str, Any]]) -> bool:
    """True when the confirmed events cover every server version of the case."""
    confirmed = {int(e.get("version") or 0) for e in events if not e.get("local")}
    return all(v in confirmed for v in range(1, int(case.get("server_version") or 0) + 1))


def fetch_history(seat: Any, case_no: str) -> list[dict[str, Any]]:
    """The case's events from the server (worker thread only; raises on failure)."""
    from operator_tui.client import ServerClient

    token = (seat.tokens.load() or {}).get("token", "")
    client = ServerClient(seat.server_url, token, timeout=5.0)
    try:
        answer = client.case(case_no)
    finally:
        client.close()
    return [{**e.model_dump(mode="json"), "local": False, "outbox_state": None} for e in answer.events]


class CaseViewScreen(PhoneReveal, Screen):
    """Every field of one case and its history; Esc goes back."""

    CSS_PATH = "case_view.tcss"
    HELP_TITLE = N_("Case")
    AUTO_FOCUS = "#events"

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="case.back", tooltip=N_("Back to where you came from")),
        Binding("f3", "knowledge_base", N_("Knowledge base"), id="case.kb",
                tooltip=N_("Look up the knowledge base for this case (in the caller's language first)")),
        Binding("ctrl+r", "interpreter", N_("Interpreter"), id="case.interpreter",
                tooltip=N_("Mark an interpreter joining or leaving the call (a note on the case)")),
        Binding("ctrl+t", "other_names", N_("Other language"), id="case.other_names",
                tooltip=N_("Show category, department and district names in the other language")),
        reveal_binding("case"),
    ]

    def __init__(self, seat: Any, case_no: str) -> None:
        super().__init__()
        self.seat = seat
        self.case_no = case_no
        self.case: dict[str, Any] | None = None
        self.events: list[dict[str, Any]] = []
        self.server_events: list[dict[str, Any]] | None = None
        self.history_note = ""
        self.names: wl.Names | None = None
        self.names_language = i18n.current_language()  # ctrl+t shows the other
        self._shown: tuple | None = None
        self._note_message = ""

    def compose(self) -> ComposeResult:
        yield Static(inert_line(_("Case {case_no}").format(case_no=self.case_no), style="bold"),
                     id="case-title")
        with VerticalScroll(id="view-body", can_focus=True):
            with Horizontal(id="case-fields"):
                yield Static("", id="fields-left", markup=False)
                yield Static("", id="fields-right", markup=False)
            yield Static("", id="case-description", markup=False)
            yield Static("", id="case-resolution", markup=False)
            yield MergedCallers(self.seat, self.case_no)
        yield Static("", id="events-title", markup=False)
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield StatusBar()
        yield LocalizedFooter(compact=True)

    def on_mount(self) -> None:
        self._add_columns()
        self.load()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def _add_columns(self) -> None:
        table = self.query_one("#events", DataTable)
        table.clear(columns=True)
        table.add_columns(*(_(c) for c in EVENT_COLUMNS))

    def language_changed(self) -> None:
        """Everything in the new language (names follow the UI language again)."""
        self.names_language = i18n.current_language()
        self._add_columns()
        self._shown = None
        if self.history_note:
            self.history_note = self._note_message
        self.load()

    def _tick(self) -> None:
        if visible(self):  # not under a full-screen form or list (Screen.is_current would say so)
            self.load()

    def load(self) -> None:
        """Read the case and its events from the cache (in the UI thread: two indexed reads)."""
        cache = self.seat.cache
        self.names = wl.load_names(cache, self.names_language, self.names)
        self.case = cache.case(self.case_no)
        local = cache.case_events(self.case_no)
        self.events = merge_events(local, self.server_events) if self.server_events is not None else local
        if self.case is not None and self.server_events is None and not is_complete(self.case, local):
            if not self.history_note:
                self._note_message = N_("fetching the earlier history from the server…")
                self.history_note = self._note_message
                self._fetch()
        self.show()

    @work(thread=True, exclusive=True, group="case-history")
    def _fetch(self) -> None:
        try:
            events = fetch_history(self.seat, self.case_no)
        except Exception as exc:  # offline, logged out, not found: say so, keep the local log
            from operator_tui.client import ServerUnavailable

            note = (N_("the earlier history is on the central server (unreachable now)")
                    if isinstance(exc, ServerUnavailable) else
                    _("the earlier history could not be fetched: {error}").format(error=exc))
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._fetched, None, note)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fetched, events, "")

    def _fetched(self, events: list[dict[str, Any]] | None, note: str) -> None:
        self.server_events = events
        self._note_message = note
        self.history_note = note
        self.load()

    def show(self) -> None:
        names = self.names or wl.Names()
        case = self.case
        key = (repr(case), len(self.events), [e["event_id"] for e in self.events][-1:],
               [e.get("outbox_state") for e in self.events], self.history_note, names.language,
               self.seat.reveals.state())
        if key == self._shown:
            return
        self._shown = key
        if case is None:
            self.query_one("#fields-left", Static).update(
                inert(_("This case is not in the local cache (it may have been pruned).")))
            self.query_one("#fields-right", Static).update("")
            return
        status = str(case.get("status") or "")
        interpreter = self.interpreter_on_call()
        self.query_one("#case-title", Static).update(Content.assemble(
            inert_line(_("Case {case_no}").format(case_no=case.get("case_no")), style="bold"), "  ",
            (vocab.status(status), STATUS_STYLE.get(status, "")),
            ("   ↑ " + _("changed here, not yet confirmed by the server") if case.get("local") else "",
             "$text-warning"),
            ("   " + interpreter_line(interpreter) if interpreter else "", "bold $text-accent"),
        ))
        left, right = field_lines(case, names, self.seat.phone_shown(self.case_no))
        self.query_one("#fields-left", Static).update(Content("\n").join(left))
        self.query_one("#fields-right", Static).update(Content("\n").join(right))
        self.query_one("#case-description", Static).update(
            Content.assemble((_("Description") + "\n", "bold"), inert(case.get("description") or _("(none)"))))
        resolution = self.query_one("#case-resolution", Static)
        resolution.display = bool(case.get("resolution"))
        resolution.update(Content.assemble((_("Resolution") + "\n", "bold"), inert(case.get("resolution"))))
        title = ngettext("History — {n} event", "History — {n} events", len(self.events)).format(
            n=len(self.events))
        if self.history_note:
            title += f"  ({_(self.history_note)})"
        self.query_one("#events-title", Static).update(Content.styled(title, "bold"))
        table = self.query_one("#events", DataTable)
        row = table.cursor_row
        table.clear()
        for event in self.events:
            table.add_row(*event_row(event, names), key=event["event_id"])
        if self.events:
            table.move_cursor(row=min(row, len(self.events) - 1), animate=False)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.dismiss()

    def reveal_cases(self) -> list[tuple[str, str]]:
        """This case, then the callers merged into it (its callback reaches them all)."""
        if self.case is None:
            return []
        group = self.query_one(MergedCallers).group
        merged = [(c.case_no, c.phone) for c in group.merged] if group and group.master == self.case_no else []
        return [(self.case_no, str(self.case.get("phone") or "")), *merged]

    def after_reveal(self) -> None:
        self.load()
        self.query_one(MergedCallers).refresh_phones()

    def action_knowledge_base(self) -> None:
        """Look up the knowledge base for this case."""
        from .kb_lookup import KbLookupScreen

        case = self.case or {}
        self.app.push_screen(KbLookupScreen(self.seat, case_no=self.case_no,
                                            category_code=str(case.get("category_code") or ""),
                                            caller_language=str(case.get("language") or "")))

    def action_other_names(self) -> None:
        """Names of categories, departments and districts in the other language (again: back)."""
        self.names_language = i18n.other_language(self.names_language)
        self.load()

    # --- interpreter ------------------------------------------------------------------

    def interpreter_on_call(self) -> InterpreterMark | None:
        """The interpreter who joined the call and has not left (from the case's notes)."""
        return on_call([str((e.get("payload") or {}).get("text", "")) for e in self.events
                        if e.get("type") == EventType.NOTE])

    def action_interpreter(self) -> None:
        """Mark an interpreter joining the call, or the one on the call leaving."""
        from .interpreter import InterpreterScreen, record_mark

        if self.case is None:
            return
        present = self.interpreter_on_call()
        if present is not None:
            self._record(record_mark(present, left=True))
            return

        def joined(mark: InterpreterMark | None) -> None:
            if mark is not None:
                self._record(mark)

        self.app.push_screen(InterpreterScreen(str(self.case.get("language") or "")), joined)

    def _record(self, mark: InterpreterMark) -> None:
        try:
            self.seat.record(self.case_no, EventType.NOTE, {"text": mark.text})
        except (Rejected, ValueError, AssertionError) as exc:
            self.notify(_("Not recorded: {reason}").format(reason=getattr(exc, "reason", exc)),
                        severity="error")
            return
        self.notify(interpreter_line(mark, done=True))
        self.load()


def interpreter_line(mark: InterpreterMark, *, done: bool = False) -> str:
    """``Interpreter on the call: 日语 I-203 since 14:05`` (or what was just recorded)."""
    here = clock.to_centre(mark.at)
    args = {"language": i18n.language_name(mark.language), "id": mark.interpreter_id,
            "time": i18n.format_time(here)}
    if not done:
        return _("Interpreter on the call: {language} {id} since {time} (ctrl+r when they leave)").format(**args)
    if mark.action == "joined":
        return _("Interpreter joined: {language}, {id}, {time}").format(**args)
    return _("Interpreter left: {language}, {id}, {time}").format(**args)
