"""One case: every field and its full event log, read from the local cache.

The cache holds the events it pulled from the change feed and the seat's own;
cases that arrived in the first snapshot have no events there, so when the
local log does not cover every version the rest is fetched from the server in
a worker (never waited for: the local view shows at once, offline it says the
history is on the server). All case text is shown inert.
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
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from . import worklists as wl
from .inert import cell, inert, inert_line
from .merged_callers import MergedCallers
from .rows import STATUS_STYLE, phone_display
from .status_bar import StatusBar

REFRESH_SECONDS = 2.0
LABEL_WIDTH = 13


def _line(label: str, value: Any, style: str = "") -> Content:
    return Content.assemble((label.ljust(LABEL_WIDTH), "$text-muted"), inert_line(value, style=style))


def field_lines(case: dict[str, Any], names: wl.Names) -> tuple[list[Content], list[Content]]:
    """The case's fields as (left column, right column) lines."""
    status = str(case.get("status") or "")
    created = wl.local_time(case.get("created_at") or case.get("client_created_at"), with_date=True)
    language = str(case.get("language") or "")
    if case.get("interpreter"):
        language += " (interpreter)"
    left = [
        _line("Case no", case.get("case_no"), "bold"),
        _line("Status", status, STATUS_STYLE.get(status, "")),
        _line("Created", f"{created}  by {case.get('created_by') or '?'}"),
        _line("Channel", case.get("channel")),
        _line("Appeal type", case.get("appeal_type")),
        _line("Language", language),
        _line("Phone", phone_display(str(case.get("phone") or ""))),
        _line("Name", case.get("name")),
        _line("District", names.district(str(case.get("district") or ""))),
        _line("Address", case.get("address")),
    ]
    co = ", ".join(names.department(d) for d in case.get("co_departments") or [])
    right = [
        _line("Category", names.category_path(str(case.get("category_code") or ""))),
        _line("Urgency", case.get("urgency"), "bold" if case.get("urgency") != "normal" else ""),
        _line("Lead dept", names.department(str(case.get("lead_department") or ""))),
        _line("Co-handlers", co),
        _line("Dispatched", wl.local_time(case.get("dispatched_at"), with_date=True)),
        _line("Deadline", wl.local_time(case.get("deadline"), with_date=True)),
        _line("Resolved", case.get("resolve_mode")),
        _line("Satisfaction", case.get("satisfaction")),
        _line("Callbacks", case.get("callback_attempts") or 0),
        _line("Version", f"{case.get('version', 0)}"
              + ("  (local changes not yet on the server)" if case.get("local") else "")),
    ]
    if case.get("merged_into"):
        right.append(_line("Merged into", case.get("merged_into"), "bold"))
    if case.get("linked_to"):
        right.append(_line("Linked to", case.get("linked_to")))
    if case.get("handle_seconds"):
        seconds = int(case["handle_seconds"])
        right.append(_line("Handle time", f"{seconds // 60}m{seconds % 60:02d}s"))
    if case.get("extension_pending_hours"):
        right.append(_line("Extension", f"{case['extension_pending_hours']}h requested"))
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
        cell(kind, style="bold"),
        cell(f"{event.get('actor_id', '')}"),
        cell(wl.payload_summary(kind, event.get("payload") or {}, names), limit=70),
        cell(sync, style=sync_style.get(sync, "")),
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


class CaseViewScreen(Screen):
    """Every field of one case and its history; Esc goes back."""

    CSS_PATH = "case_view.tcss"
    HELP_TITLE = "Case"
    AUTO_FOCUS = "#events"

    BINDINGS = [
        Binding("escape", "back", "Back", id="case.back"),
        Binding("f3", "knowledge_base", "Knowledge base", id="case.kb"),
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
        self._shown: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(inert_line(f"Case {self.case_no}", style="bold"), id="case-title")
        with VerticalScroll(id="case-body", can_focus=True):
            with Horizontal(id="case-fields"):
                yield Static("", id="fields-left", markup=False)
                yield Static("", id="fields-right", markup=False)
            yield Static("", id="case-description", markup=False)
            yield Static("", id="case-resolution", markup=False)
            yield MergedCallers(self.seat, self.case_no)
        yield Static("", id="events-title", markup=False)
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield StatusBar()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#events", DataTable).add_columns("v", "When", "Event", "By", "Details", "Sync")
        self.load()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if self.is_current:
            self.load()

    def load(self) -> None:
        """Read the case and its events from the cache (in the UI thread: two indexed reads)."""
        cache = self.seat.cache
        self.names = wl.load_names(cache, getattr(self.app, "ui_language", "zh"), self.names)
        self.case = cache.case(self.case_no)
        local = cache.case_events(self.case_no)
        self.events = merge_events(local, self.server_events) if self.server_events is not None else local
        if self.case is not None and self.server_events is None and not is_complete(self.case, local):
            if not self.history_note:
                self.history_note = "fetching the earlier history from the server…"
                self._fetch()
        self.show()

    @work(thread=True, exclusive=True, group="case-history")
    def _fetch(self) -> None:
        try:
            events = fetch_history(self.seat, self.case_no)
        except Exception as exc:  # offline, logged out, not found: say so, keep the local log
            from operator_tui.client import ServerUnavailable

            note = ("the earlier history is on the central server (unreachable now)"
                    if isinstance(exc, ServerUnavailable) else f"the earlier history could not be fetched: {exc}")
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._fetched, None, note)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fetched, events, "")

    def _fetched(self, events: list[dict[str, Any]] | None, note: str) -> None:
        self.server_events = events
        self.history_note = note
        self.load()

    def show(self) -> None:
        names = self.names or wl.Names()
        case = self.case
        key = (repr(case), len(self.events), [e["event_id"] for e in self.events][-1:],
               [e.get("outbox_state") for e in self.events], self.history_note)
        if key == self._shown:
            return
        self._shown = key
        if case is None:
            self.query_one("#fields-left", Static).update(
                inert("This case is not in the local cache (it may have been pruned)."))
            self.query_one("#fields-right", Static).update("")
            return
        status = str(case.get("status") or "")
        self.query_one("#case-title", Static).update(Content.assemble(
            inert_line(f"Case {case.get('case_no')}", style="bold"), "  ",
            (status, STATUS_STYLE.get(status, "")),
            ("   ↑ changed here, not yet confirmed by the server" if case.get("local") else "", "$text-warning"),
        ))
        left, right = field_lines(case, names)
        self.query_one("#fields-left", Static).update(Content("\n").join(left))
        self.query_one("#fields-right", Static).update(Content("\n").join(right))
        self.query_one("#case-description", Static).update(
            Content.assemble(("Description\n", "bold"), inert(case.get("description") or "(none)")))
        resolution = self.query_one("#case-resolution", Static)
        resolution.display = bool(case.get("resolution"))
        resolution.update(Content.assemble(("Resolution\n", "bold"), inert(case.get("resolution"))))
        title = f"History — {len(self.events)} event(s)"
        if self.history_note:
            title += f"  ({self.history_note})"
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

    def action_knowledge_base(self) -> None:
        """Look up the knowledge base for this case."""
        from .kb_lookup import KbLookupScreen

        self.app.push_screen(KbLookupScreen(self.seat, case_no=self.case_no))
