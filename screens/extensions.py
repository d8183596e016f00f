"""The supervisor's extension requests: approve or refuse, one key each.

Cases whose lead department asked for more time (``extension_pending_hours``
> 0), nearest deadline first. Approving moves the deadline by the hours asked
for — the server moves it, by the centre's rules and holiday calendar (the
list shows the seat's estimate); refusing asks for a reason. Both are local
writes that sync later. Every word is in the UI language and switches with it.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.content import Content

from operator_tui import i18n
from operator_tui.domain import EventType, ExtensionAction
from operator_tui.i18n import N_, _

from . import desk_lists as dl
from . import worklists as wl
from .callbacks import CaseListScreen, offline_note, record
from .case_actions import ReasonScreen
from .case_view import fetch_history
from .department_desk import due_of, time_left
from .inert import cell

RETRY_SECONDS = 30.0


class ExtensionsScreen(CaseListScreen):
    """Pending extension requests."""

    CSS_PATH = "callbacks.tcss"
    HELP_TITLE = N_("Extension requests")
    LIST_ID = "extensions"
    AUTO_FOCUS = "#extensions-table"
    HEADING = N_("Extension requests — departments asking for more time, nearest deadline first")
    COLUMNS = (N_("Case no"), N_("Department"), N_("Deadline"), N_("Time left"), N_("Asks"), N_("Would become"),
               N_("Reason"))
    EMPTY = N_("No department is waiting for an answer about an extension.")
    BINDINGS = [
        Binding("a", "approve", N_("Approve"), id="extensions.approve",
                tooltip=N_("Give the department the time it asked for")),
        Binding("x", "refuse", N_("Refuse…"), id="extensions.refuse", tooltip=N_("Refuse the extension (asks why)")),
    ]

    def __init__(self, seat: Any) -> None:
        super().__init__(seat)
        self._reasons: dict[str, str] = {}  # case_no -> reason fetched from the server
        self._server_down_until = 0.0

    def read(self) -> list[dict[str, Any]]:
        found = dl.extension_requests(self.seat.cache)
        for case in found:
            if not case["extension_reason"]:
                case["extension_reason"] = self._fetched_reason(case["case_no"])
        return found

    def _fetched_reason(self, case_no: str) -> str:
        """The request's reason from the case's log on the server (worker thread).

        Cases from the seat's first snapshot come without their events; the
        reason is fetched once per case, and not while the server is away.
        """
        if case_no in self._reasons or time.monotonic() < self._server_down_until:
            return self._reasons.get(case_no, "")
        try:
            events = fetch_history(self.seat, case_no)
        except Exception:  # offline or logged out: the list shows '—' meanwhile
            self._server_down_until = time.monotonic() + RETRY_SECONDS
            return ""
        asked = [e["payload"] for e in events if e["type"] == "extended" and e["payload"].get("action") == "request"]
        self._reasons[case_no] = asked[-1].get("reason", "") if asked else ""
        return self._reasons[case_no]

    def row(self, case: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
        hours = int(case.get("extension_pending_hours") or 0)
        return (
            cell(case.get("case_no"), style="bold"),
            cell(names.department(str(case.get("lead_department") or "")), limit=16),
            cell(wl.local_time(case.get("deadline"), with_date=True) or "—"),
            time_left(due_of(case)),
            cell(_("+{n} h").format(n=hours), style="bold"),
            cell(wl.local_time(dl.extended(case, hours), with_date=True) or "—"),
            cell(case.get("extension_reason") or "—", limit=30),
        )

    def legend(self, cases: list[dict[str, Any]]) -> Content:
        return Content.assemble((_("{n} waiting for an answer").format(n=i18n.format_number(len(cases))), "bold"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "refuse"):
            case = self.selected() if self.is_mounted else None
            return True if case and case.get("extension_pending_hours") else None
        return True

    def action_approve(self) -> None:
        """Give the department the time it asked for."""
        case = self.selected()
        if case is None:
            return
        hours = int(case["extension_pending_hours"])
        # the server moves the deadline by its rules and holiday calendar
        payload = {"action": ExtensionAction.APPROVE, "hours": hours}
        if record(self, case["case_no"], EventType.EXTENDED, payload):
            self.app.notify(_("Extension approved: {case_no} (+{n} h).").format(case_no=case["case_no"], n=hours)
                            + offline_note(self.seat), markup=False)
            self.reload()

    def action_refuse(self) -> None:
        """Refuse the extension (asks why)."""
        case = self.selected()
        if case is None:
            return
        hours = int(case["extension_pending_hours"])

        def refused(answer: dict[str, Any] | None) -> None:
            if answer is None:
                return
            payload = {"action": ExtensionAction.REFUSE, "hours": hours, "reason": answer["reason"]}
            if record(self, case["case_no"], EventType.EXTENDED, payload):
                self.app.notify(_("Extension refused: {case_no}.").format(case_no=case["case_no"])
                                + offline_note(self.seat), markup=False)
                self.reload()

        self.app.push_screen(ReasonScreen(case, self.names, N_("Refuse the extension"),
                                          N_("Why not? (the department asked for {n} h more)"), required=True,
                                          args={"n": hours}),
                             refused)


__all__ = ["ExtensionsScreen"]
