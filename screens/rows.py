"""Table rows and detail text for cases, drafts, outbox items and problems.

Every value that came from a caller, the server or the KB goes through
:func:`screens.inert.cell` / :func:`screens.inert.inert`, never into markup.
Phone numbers are masked (:mod:`operator_tui.privacy`); only the screens with
the reveal key show one in full, after recording it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from operator_tui import vocab
from operator_tui.i18n import _
from operator_tui.privacy import mask_phone

from . import worklists as wl
from .inert import cell, inert_line

DESCRIPTION_CELLS = 46  # keeps a case row within 120 columns

STATUS_STYLE = {
    "open": "bold",
    "dispatched": "cyan",
    "signed": "cyan",
    "returned": "bold yellow",
    "resolved": "green",
    "closed": "dim",
    "escalated": "bold red",
    "merged": "dim",
}


def status_cell(case: dict[str, Any]) -> Text:
    status = str(case.get("status") or "")
    text = cell(vocab.status(status), style=STATUS_STYLE.get(status, ""))
    if case.get("local"):
        text.append(" ↑", style="bold yellow")  # changed here, not yet confirmed
    return text


def case_row(case: dict[str, Any], names: wl.Names, *, today: bool = False) -> tuple[Text, ...]:
    when = case.get("created_at") or case.get("client_created_at") or ""
    return (
        cell(case.get("case_no"), style="bold"),
        cell(wl.local_time(when) if today else wl.local_time(when, with_date=True)),
        status_cell(case),
        cell(mask_phone(case.get("phone"))),
        cell(names.category(str(case.get("category_code") or "")), limit=16),
        cell(case.get("description"), limit=DESCRIPTION_CELLS),
    )


def draft_row(draft: dict[str, Any]) -> tuple[Text, ...]:
    fields = draft.get("fields") or {}
    return (
        cell(draft.get("case_no") or "—", style="bold"),
        cell(wl.local_time(draft.get("started_at"))),
        cell(wl.local_time(draft.get("updated_at"))),
        cell(mask_phone(fields.get("phone"))),
        cell(fields.get("description"), limit=DESCRIPTION_CELLS),
    )


def pending_row(event: dict[str, Any], names: wl.Names) -> tuple[Text, ...]:
    kind = str(event.get("type") or "")
    return (
        cell(event.get("case_no"), style="bold"),
        cell(vocab.event(kind)),
        cell(wl.local_time(event.get("client_time"))),
        cell(wl.payload_summary(kind, event.get("payload") or {}, names), limit=70),
    )


def problem_row(problem: dict[str, Any]) -> tuple[Text, ...]:
    state = str(problem.get("state") or "")
    return (
        cell(problem.get("case_no"), style="bold"),
        cell(vocab.event(problem.get("type"))),
        cell(vocab.label("sync", state), style="bold red" if state == "rejected" else "bold yellow"),
        cell(problem.get("reason"), limit=60),
        cell(", ".join(vocab.label("field", f) for f in problem.get("conflict_fields") or [])),
    )


def _field_value(value: Any, name: str = "") -> str:
    if value is None or value == "":
        return _("(empty)")
    return mask_phone(value) if name == "phone" else str(value)


def _hidden_difference(name: str, mine: Any, theirs: Any) -> str:
    """A note when two masked numbers look alike but are not."""
    if name != "phone" or mine == theirs or _field_value(mine, name) != _field_value(theirs, name):
        return ""
    return "   " + _("(they differ in the masked digits: open the case and reveal to compare)")


def problem_detail(problem: dict[str, Any]) -> Content:
    """What went wrong and, for conflicts, mine vs. theirs per field."""
    state = str(problem.get("state") or "")
    event = problem.get("event") or {}
    payload = event.get("payload") or {}
    server = problem.get("server_case") or {}
    parts: list[Content] = [
        Content.assemble(
            (vocab.label("sync", state).upper() + " ", "bold $text-error" if state == "rejected" else "bold $text-warning"),
            inert_line(_("{change} of {case_no}: ").format(change=vocab.event(problem.get("type", "")),
                                                          case_no=problem.get("case_no", ""))),
            inert_line(problem.get("reason") or _("(no reason given)")),
        )
    ]
    mine = payload.get("fields") if isinstance(payload.get("fields"), dict) else payload
    for name in problem.get("conflict_fields") or []:
        parts.append(Content.assemble(
            (f"  {vocab.label('field', name)}: ", "bold"),
            (_("mine") + " ", "$text-muted"), inert_line(_field_value(mine.get(name), name), limit=60),
            ("   " + _("theirs") + " ", "$text-muted"), inert_line(_field_value(server.get(name), name), limit=60),
            (_hidden_difference(name, mine.get(name), server.get(name)), "$text-warning"),
        ))
    if server:
        parts.append(Content.assemble(("  " + _("server version") + " ", "$text-muted"),
                                      str(server.get("version", "?"))))
    parts.append(Content.assemble(
        ("  k", "bold"), " " + _("keep mine (send again on top of the server's version)") + "   ",
        ("t", "bold"), " " + _("take theirs (drop my change)"),
    ))
    return Content("\n").join(parts)
