"""Dispatching a case: lead department (proposed by the routing rules),
co-handlers, a note and the deadline; a local write that syncs later.

``DispatchScreen(seat, case_no)`` is a ``ModalScreen[bool]``: True when the
case was dispatched. The lead starts as the routing rules' proposal and
changes only when the operator says so. The filter Input keeps the focus:
typing filters the departments and up/down move the highlight; Enter on a
department other than the lead makes it the lead (the next Enter
dispatches); ctrl+o adds or removes the highlighted department as a
co-handler (and clears the filter for the next one); Enter on the lead, or
ctrl+s, dispatches to the lead shown; Esc cancels. The lead is never a
co-handler, and Enter on a filter that matches nothing sends nothing.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from operator_tui import clock, i18n, vocab
from operator_tui.domain import DISTRICTS, Rejected
from operator_tui.i18n import N_, _, ngettext
from operator_tui.workdays import Span, resolution_span
from screens.case_widgets import QuietFooter
from screens.filter_picker import PickList, line


def local_time(iso_time: str) -> str:
    """``2025年11月29日 14:05`` / ``29 Nov 2025 14:05`` in the centre's time."""
    try:
        return i18n.format_datetime(clock.to_centre(clock.parse(iso_time)))
    except (TypeError, ValueError):
        return "—"


def span_text(span: Span) -> str:
    """``15个工作日`` / ``15 working days`` for a normal case (working time),
    ``24小时`` / ``24 h`` on the clock."""
    if span.working and span.hours >= 24 and span.hours % 24 == 0:
        days = int(span.hours // 24)
        return ngettext("{n} working day", "{n} working days", days).format(n=days)
    if span.working:
        return _("{n} working hours").format(n=f"{span.hours:g}")
    return _("{n} h").format(n=f"{span.hours:g}")


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(text) if s]
    return "".join(syllables) + " " + "".join(s[0] for s in syllables)


class DispatchScreen(ModalScreen[bool]):
    """Send one case to a lead department, with optional co-handlers."""

    CSS_PATH = "dispatch.tcss"
    AUTO_FOCUS = "#dept-filter"
    HELP_TITLE = N_("Dispatch")
    BINDINGS = [
        Binding("ctrl+s", "confirm", N_("Dispatch"), id="dispatch.confirm", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="dispatch.cancel"),
        Binding("down", "move(1)", N_("Next dept."), show=False, id="dispatch.down"),
        Binding("up", "move(-1)", N_("Previous dept."), show=False, id="dispatch.up"),
        Binding("ctrl+o", "toggle_co", N_("Co-handler ±"), id="dispatch.co_handler"),
        Binding("ctrl+t", "other_names", N_("Other language"), id="dispatch.other_names"),
    ]

    def __init__(self, seat: Any, case_no: str) -> None:
        super().__init__()
        self.seat = seat
        self.case_no = case_no
        self.case = seat.case(case_no) or {}
        self.category_code = self.case.get("category_code", "")
        self.district = self.case.get("district", "")
        self.urgency = self.case.get("urgency") or "normal"
        self.proposed = seat.propose_department(self.category_code, self.district)
        self.deadline = seat.deadline_for(self.category_code, self.urgency)
        self.span = resolution_span(seat.category(self.category_code), self.urgency)
        self.departments = {d["code"]: d for d in seat.departments()}
        self._keys = {
            code: " ".join([code.lower(), d.get("name_zh", ""), d.get("name_en", "").lower(),
                            _pinyin(d.get("name_zh", ""))])
            for code, d in self.departments.items()
        }
        self.lead = self.proposed if self.proposed in self.departments else ""  # the chosen lead
        self.co: list[str] = []
        self.names_language = i18n.current_language()  # ctrl+t: the other one

    # --- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="dispatch-box"):
            yield Static(Content.styled(_("Dispatch case {case_no}").format(case_no=self.case_no), "bold $accent"),
                         id="dispatch-title")
            yield Static(self._summary(), id="dispatch-summary")
            yield Static(id="dispatch-lead")
            yield Input(placeholder=_("filter departments: 名称 · name · code · pinyin"),
                        id="dept-filter", compact=True, select_on_focus=False)
            yield PickList(id="dept-list")
            yield Static(id="dispatch-co")
            yield Input(placeholder=_("note for the department (optional)"), id="dispatch-note",
                        compact=True, max_length=2000)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.refilter("")
        self._show_lead()
        self._show_co()

    def _summary(self) -> Content:
        from .case_form_lang import names

        leaf = self.seat.category_leaf(self.category_code)
        path = names(leaf, self.names_language)[1] if leaf else self.category_code
        zh, en = DISTRICTS.get(self.district, ("—", "—"))
        label = self._padded
        return Content.assemble(
            (label(N_("Category")), "$text-muted"), line(path),
            ("\n" + label(N_("District")), "$text-muted"), en if self.names_language == "en" else zh,
            ("     " + label(N_("Urgency")), "$text-muted"),
            (vocab.label("urgency", self.urgency), "bold $text-error" if self.urgency == "critical" else "bold"),
            ("\n" + label(N_("Deadline")), "$text-muted"), (local_time(self.deadline), "bold"),
            ("  " + _("({span})").format(span=span_text(self.span)), "$text-muted"),
        )

    @staticmethod
    def _padded(message: str, width: int = 10) -> str:
        """A label padded to *width* terminal cells."""
        from rich.cells import cell_len

        text = _(message)
        return text + " " * max(2, width - cell_len(text))

    def _dept_name(self, d: dict[str, Any]) -> str:
        first, second = ("name_en", "name_zh") if self.names_language == "en" else ("name_zh", "name_en")
        return line(d.get(first) or d.get(second))

    def _dept_label(self, code: str) -> str:
        d = self.departments.get(code)
        return f"{self._dept_name(d)} ({code})" if d else code

    # --- the department list -----------------------------------------------------

    def refilter(self, query: str) -> None:
        words = query.lower().split()
        codes = [c for c in self.departments if all(w in self._keys[c] for w in words)]
        if not words and self.proposed in self.departments:
            codes.remove(self.proposed)
            codes.insert(0, self.proposed)
        plist = self.query_one(PickList)
        plist.set_options(self._option(c) for c in codes)
        if codes:
            plist.highlighted = codes.index(self.lead) if not words and self.lead in codes else 0

    def _option(self, code: str) -> Option:
        d = self.departments[code]
        return Option(Content.assemble(
            ("● " if code == self.lead else "+ " if code in self.co else "  ", "bold $text-success"),
            (self._dept_name(d), "bold"),
            (f"  {code}", "$text-muted"),
            ("  ★ " + _("proposed") if code == self.proposed else "", "$text-accent"),
        ), id=code)

    @property
    def highlighted_code(self) -> str:
        """The department highlighted in the list ("" when none is)."""
        plist = self.query_one(PickList)
        if plist.highlighted is None:
            return ""
        return plist.get_option_at_index(plist.highlighted).id or ""

    def _show_lead(self) -> None:
        lead = self.lead
        self.query_one("#dispatch-lead", Static).update(Content.assemble(
            (self._padded(N_("Lead")), "$text-muted"),
            (self._dept_label(lead) if lead else _("— none yet: Enter on a department makes it the lead —"),
             "bold $text-accent"),
            ("  " + _("(proposed by the routing rules)") if lead and lead == self.proposed else "",
             "$text-muted"),
        ))

    def _show_co(self) -> None:
        self.query_one("#dispatch-co", Static).update(Content.assemble(
            (self._padded(N_("Co-handling"), 12), "$text-muted"),
            ", ".join(self._dept_label(c) for c in self.co) or _("— (ctrl+o adds the highlighted)"),
        ))

    def action_other_names(self) -> None:
        """Department, category and district names in the other language (again: back)."""
        self.names_language = i18n.other_language(self.names_language)
        self.query_one("#dispatch-summary", Static).update(self._summary())
        plist = self.query_one(PickList)
        for index in range(plist.option_count):
            code = plist.get_option_at_index(index).id or ""
            plist.replace_option_prompt(code, self._option(code).prompt)
        self._show_lead()
        self._show_co()

    @on(Input.Changed, "#dept-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter: make the highlighted department the lead when
        it is not (a co-handler stops being one); nothing when the filter
        matches nothing; otherwise, and in the note, dispatch."""
        event.stop()
        if event.input.id == "dept-filter":
            code = self.highlighted_code
            if code and code != self.lead:
                self._set_lead(code)
                self.notify(_("Lead: {department}. Enter again dispatches.").format(
                    department=self._dept_label(code)))
                return
            if not code and event.value.strip():
                self.notify(_("No department matches the filter; change it, or ctrl+s dispatches to the lead"),
                            severity="warning")
                return
        self.action_confirm()

    def _set_lead(self, code: str) -> None:
        before, self.lead = self.lead, code
        if code in self.co:
            self.co.remove(code)
            self._show_co()
        plist = self.query_one(PickList)
        for changed in {before, code} - {""}:
            if changed in {o.id for o in plist.options}:
                plist.replace_option_prompt(changed, self._option(changed).prompt)
        self._show_lead()

    # --- actions -------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        plist = self.query_one(PickList)
        if plist.option_count:
            current = plist.highlighted if plist.highlighted is not None else -1
            plist.highlighted = max(0, min(plist.option_count - 1, current + delta))

    def action_toggle_co(self) -> None:
        """Add or remove the highlighted department as a co-handler, then clear
        the filter for the next one (the lead stays as it is)."""
        code = self.highlighted_code
        if not code:
            return
        if code == self.lead:
            self.notify(_("The lead department cannot also co-handle"), severity="warning")
            return
        if code in self.co:
            self.co.remove(code)
        else:
            self.co.append(code)
        self._show_co()
        query = self.query_one("#dept-filter", Input)
        if query.value:
            query.value = ""  # refilters (the list is redrawn with the marks)
        else:
            self.query_one(PickList).replace_option_prompt(code, self._option(code).prompt)

    def action_confirm(self) -> None:
        lead = self.lead
        if not lead:
            self.notify(_("Choose a lead department first (Enter on one in the list)"), severity="error")
            return
        note = self.query_one("#dispatch-note", Input).value
        try:
            self.seat.dispatch(self.case_no, lead, [c for c in self.co if c != lead], note,
                               deadline=self.deadline)
        except (Rejected, ValueError) as exc:
            self.notify(_("Not dispatched: {reason}").format(reason=getattr(exc, "reason", exc)),
                        severity="error")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
