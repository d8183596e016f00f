"""The case form's caller context: the caller's earlier cases beside the
form (F2 copies the previous case's address, district and category; ctrl+l
links the new case to it), and the suggested urgency with its dispatch time.
A mixin of :class:`screens.case_form.CaseFormScreen`.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Input, Select, Static, TextArea

from operator_tui import vocab
from operator_tui.domain import DISTRICTS
from operator_tui.i18n import _
from operator_tui.protocol import normalize_phone
from operator_tui.text import clean
from screens.caller_history import CallerHistory
from screens.case_fields import dispatch_time
from screens.case_widgets import ChoiceField
from screens.filter_picker import line


class CallerContextMixin:
    """Caller history, copy/link from the previous case, and the urgency hint
    (the methods query the form's widgets: ``self`` is the form Screen)."""

    seat: Any
    case_no: str
    saved: bool
    suggested: str
    fields: dict[str, Any]

    def _refresh_history(self) -> None:
        phone = self.query_one("#phone", Input).value
        try:
            normalize_phone(phone)
            ok = True
        except ValueError:
            ok = False
        cases = [c for c in self.seat.caller_history(phone) if c["case_no"] != self.case_no] if ok else []
        self.query_one(CallerHistory).show(cases, ok)

    def _suggest_urgency(self) -> None:
        description = self.query_one("#description", TextArea).text
        code = self.query_one("#category", ChoiceField).value
        self.suggested = str(self.seat.suggest_urgency(description, code))
        select = self.query_one("#urgency", Select)
        if not self.fields.get("urgency_manual") and select.value != self.suggested and not self.saved:
            select.value = self.suggested
        self._show_urgency_hint()

    def _show_urgency_hint(self) -> None:
        """Beside the urgency: the dispatch time it gives, and the suggested
        urgency (in warning colour when the operator chose another)."""
        chosen = str(self.query_one("#urgency", Select).value)
        self.query_one("#urgency-hint", Static).update(Content.assemble(
            ("  " + dispatch_time(chosen), "bold"),
            (" · " + _("suggested:") + " ", "$text-muted"),
            (vocab.label("urgency", self.suggested), "bold $text-warning" if chosen != self.suggested else "")))

    def _show_linked(self) -> None:
        linked = self.fields.get("linked_to", "")
        self.query_one("#linked", Static).update(
            Content.assemble((_("Linked to") + " ", "$text-muted"), (line(linked), "bold $accent"),
                             ("  " + _("(ctrl+l unlinks)"), "$text-muted")) if linked else Content(""))

    def action_copy_previous(self) -> None:
        """Copy the address, district and category of the caller's earlier case."""
        prev = self.query_one(CallerHistory).selected
        if self.saved or prev is None:
            self.notify(_("No earlier case of this caller to copy from"), severity="warning")
            return
        if prev.get("address"):
            self.query_one("#address", Input).value = clean(prev["address"], one_line=True)  # an Input shows ESC
        if prev.get("district") in DISTRICTS:
            self.query_one("#district", ChoiceField).value = prev["district"]
            self._show_district()
        if prev.get("category_code") and self.seat.category_leaf(prev["category_code"]):
            self.query_one("#category", ChoiceField).value = prev["category_code"]
            self._show_category()
        if prev.get("name") and not self.query_one("#name", Input).value:
            self.query_one("#name", Input).value = clean(prev["name"], one_line=True)
        self._suggest_urgency()
        self.changed()
        if not self.fields["description"].strip():
            self.set_focus(self.query_one("#description"))
        self.notify(_("Copied address and category from {case_no}").format(case_no=prev["case_no"]))

    def action_link_previous(self) -> None:
        """Link the new case to the caller's earlier case (again: unlink)."""
        prev = self.query_one(CallerHistory).selected
        if self.saved:
            return
        if self.fields.get("linked_to"):
            self.fields["linked_to"] = ""
        elif prev is None:
            self.notify(_("No earlier case of this caller to link to"), severity="warning")
            return
        else:
            self.fields["linked_to"] = prev["case_no"]
        self._show_linked()
        self.changed()
