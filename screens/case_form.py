"""Entering a case: one screen, keyboard only, saved as a draft while typed.

``CaseFormScreen(seat, draft_id=None)`` opens with the focus in the caller's
number and the case number (fixed from the first moment) at the top. As the
number is typed the caller's earlier cases appear beside the form; F2 copies
the previous case's address/district/category, ctrl+l links the new case to
it. Every change is saved to the draft (debounced), so a killed app brings the
form back. ctrl+s saves the case; F5 saves and dispatches; F6 saves and
answers it from the knowledge base. Untrusted text is shown inert.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from operator_tui import clock
from operator_tui.domain import DISTRICTS, Rejected, Urgency
from operator_tui.protocol import SHORT_MAX, TEXT_MAX, normalize_phone
from screens.caller_history import CallerHistory
from screens.case_fields import (
    CHANNELS,
    DEFAULTS,
    FIELD_ORDER,
    LANGUAGES,
    URGENCIES,
    WIDGET_OF,
    case_payload,
    from_draft,
    validate,
)
from screens.case_pickers import PickFieldsMixin
from screens.case_widgets import (
    APPEAL_KEYS,
    APPEAL_LABELS,
    APPEAL_ORDER,
    AppealTypeBar,
    ChoiceField,
    QuietFooter,
)
from screens.category_picker import FilterPicker, line
from screens.dispatch import DispatchScreen
from screens.duplicates_panel import DuplicatesMixin, DuplicatesPanel
from screens.kb_lookup import KbLookupScreen
from screens.status_bar import StatusBar

DRAFT_DEBOUNCE = 0.3  # seconds of quiet before the draft is written


class CaseFormScreen(DuplicatesMixin, PickFieldsMixin, Screen[str | None]):
    """One new case, from the first digit of the number to save/dispatch/answer."""

    CSS_PATH = "case_form.tcss"
    AUTO_FOCUS = "#phone"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="case_form.save", priority=True),
        Binding("f5", "dispatch", "Save+dispatch", id="case_form.dispatch", priority=True),
        Binding("f6", "answer", "Save+answer", id="case_form.answer", priority=True),
        Binding("f4", "pick_category", "Category", id="case_form.category", priority=True),
        Binding("f3", "kb_lookup", "KB", id="case_form.kb", priority=True),
        Binding("f2", "copy_previous", "Copy prev.", id="case_form.copy_previous", priority=True),
        Binding("ctrl+l", "link_previous", "Link prev.", id="case_form.link_previous", priority=True),
        # the duplicates panel shows these keys while it has candidates (the footer is full)
        Binding("f7", "link_duplicate", "Link duplicate", show=False, priority=True,
                id="case_form.link_duplicate"),
        Binding("f8", "merge_duplicate", "Save+merge", show=False, priority=True,
                id="case_form.merge_duplicate"),
        Binding("ctrl+down", "next_duplicate(1)", "Next duplicate", show=False, priority=True,
                id="case_form.next_duplicate"),
        Binding("ctrl+up", "next_duplicate(-1)", "Previous duplicate", show=False, priority=True,
                id="case_form.previous_duplicate"),
        Binding("escape", "back", "Back", id="case_form.back"),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="case_form.next_field"),
        Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True,
                id="case_form.previous_field"),
        Binding("enter", "enter_next", "Next field", show=False, priority=True, id="case_form.enter_next"),
    ] + [
        Binding(f"alt+{APPEAL_KEYS[t]}", f"appeal({n})", f"Type: {APPEAL_LABELS[t][1]}", show=False,
                id=f"case_form.appeal_{t}", priority=True)
        for n, t in enumerate(APPEAL_ORDER)
    ]

    def __init__(self, seat: Any, draft_id: str | None = None) -> None:
        super().__init__()
        self.seat = seat
        self.error = ""
        self.saved = False
        self.suggested = Urgency.NORMAL.value
        self._timer: Timer | None = None
        self._picker: FilterPicker | None = None
        self.shown_errors: dict[str, str] = {}  # field -> the error shown under it
        self._dirty = False
        draft = seat.draft(draft_id) if draft_id else None
        self.fields: dict[str, Any] = dict(DEFAULTS)
        try:
            if draft is None:
                self.draft_id, self.case_no = seat.new_draft()
                draft = seat.draft(self.draft_id) or {}
            else:
                self.draft_id = draft_id
                self.case_no = draft.get("case_no") or draft["fields"].get("case_no", "")
                self.fields = from_draft(draft["fields"])
        except Exception as exc:  # no seat number yet, numbers used up, closed cache
            self.draft_id, self.case_no, draft = "", "", {}
            self.error = str(exc)
        self.started_at = draft.get("started_at") or clock.now_iso()
        self.resumed = draft_id is not None and bool(draft)

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        f = self.fields
        yield Static(id="case-header")
        with Horizontal(id="case-body"):
            with Vertical(id="form"):
                yield from self._row("Phone 电话", Input(
                    f["phone"], placeholder="caller's number", id="phone", compact=True,
                    restrict=r"[0-9+()\- ]*", max_length=40), "phone")
                yield from self._row("Name 姓名", Input(
                    f["name"], placeholder="(optional)", id="name", compact=True,
                    max_length=SHORT_MAX), "name")
                with Horizontal(classes="row"):
                    yield Static(Content("Channel"), classes="label")
                    yield Select(CHANNELS, value=f["channel"], allow_blank=False, compact=True,
                                 id="channel")
                    yield Static(Content(" Language"), classes="label short")
                    yield Select(LANGUAGES, value=f["language"], allow_blank=False, compact=True,
                                 id="language")
                    yield Checkbox("Interpreter", f["interpreter"], compact=True, id="interpreter")
                yield from self._row("Type alt+", AppealTypeBar(id="appeal"), "appeal_type")
                yield from self._row("Category", ChoiceField("F4 or type to pick", id="category"),
                                     "category_code")
                yield from self._row("District", ChoiceField("Enter or type to pick", id="district"),
                                     "district")
                yield from self._row("Address", Input(
                    f["address"], placeholder="street, compound, building", id="address",
                    compact=True, max_length=TEXT_MAX), "address")
                yield Static(Content("Description 诉求内容"), classes="label wide")
                yield TextArea(f["description"], id="description", tab_behavior="focus",
                               soft_wrap=True, placeholder="what the caller says")
                yield Static(id="description-error", classes="error")
                with Horizontal(classes="row"):
                    yield Static(Content("Urgency"), classes="label")
                    yield Select(URGENCIES, value=f["urgency"], allow_blank=False, compact=True,
                                 id="urgency")
                    yield Static(id="urgency-hint")
                yield Static(id="linked")
            with Vertical(id="side"):
                yield DuplicatesPanel(self.seat)
                yield CallerHistory(self.seat)
        yield StatusBar()
        yield QuietFooter()

    def _row(self, label: str, widget: Any, name: str, tip: str = "") -> ComposeResult:
        with Horizontal(classes="row"):
            yield Static(Content(label), classes="label")
            yield widget
            if tip:
                yield Static(Content.styled(tip, "$text-muted"), classes="tip")
        yield Static(id=f"{WIDGET_OF.get(name, name)}-error", classes="error")

    def on_mount(self) -> None:
        if self.error:
            self.notify(f"Cannot start a case: {self.error}", severity="error", timeout=10)
            self.dismiss(None)
            return
        self.query_one(AppealTypeBar).value = self.fields["appeal_type"]
        self._show_category()
        self._show_district()
        self._show_linked()
        self._refresh_history()
        self.look_for_duplicates()
        self._suggest_urgency()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.run_worker(self.seat.warm_up, thread=True, group="warm-up", exit_on_error=False)

    # --- reading the widgets ---------------------------------------------------------

    def collect(self) -> dict[str, Any]:
        """The fields as typed (strings unchanged; see case_payload)."""
        q = self.query_one
        return {
            "phone": q("#phone", Input).value,
            "name": q("#name", Input).value,
            "channel": str(q("#channel", Select).value),
            "language": str(q("#language", Select).value),
            "interpreter": q("#interpreter", Checkbox).value,
            "appeal_type": str(q(AppealTypeBar).value),
            "category_code": q("#category", ChoiceField).value,
            "district": q("#district", ChoiceField).value,
            "address": q("#address", Input).value,
            "description": q("#description", TextArea).text,
            "urgency": str(q("#urgency", Select).value),
            "urgency_manual": self.fields.get("urgency_manual", False),
            "linked_to": self.fields.get("linked_to", ""),
        }

    @property
    def is_blank(self) -> bool:
        return all(self.fields.get(k) == v for k, v in DEFAULTS.items())

    # --- draft ---------------------------------------------------------------------------

    def changed(self) -> None:
        """Any field changed: remember it, re-check shown errors, save soon."""
        if self.saved or self.error:
            return
        self.fields = self.collect()
        self._dirty = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DRAFT_DEBOUNCE, self.flush_draft)
        self.look_for_duplicates()
        if self.query(".error.-shown"):
            self.show_errors(validate(self.fields, known_category=self.seat.category_leaf),
                             only_shown=True)

    def flush_draft(self) -> None:
        """Write the draft now if anything changed since the last write."""
        if self._dirty and not self.saved and self.draft_id:
            self.seat.save_draft(self.draft_id, self.fields, self.case_no)
            self._dirty = False
            self._tick()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(AppealTypeBar.Changed)
    def _any_change(self) -> None:
        self.changed()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "urgency":
            self.fields["urgency_manual"] = event.value != self.suggested
        self.changed()

    @on(Input.Changed, "#phone")
    def _phone_changed(self) -> None:
        self._refresh_history()

    @on(TextArea.Changed, "#description")
    def _description_changed(self) -> None:
        self._suggest_urgency()

    # --- caller history, urgency, link -------------------------------------------------

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
        label = dict((v, k) for k, v in URGENCIES)[Urgency(self.suggested)]
        self.query_one("#urgency-hint", Static).update(Content.assemble(
            ("  suggested: ", "$text-muted"), (label, "bold"),
            ("  (you changed it)" if self.fields.get("urgency_manual") else "", "$text-warning")))

    def _show_linked(self) -> None:
        linked = self.fields.get("linked_to", "")
        self.query_one("#linked", Static).update(
            Content.assemble(("Linked to ", "$text-muted"), (line(linked), "bold $accent"),
                             ("  (ctrl+l unlinks)", "$text-muted")) if linked else Content(""))

    def action_copy_previous(self) -> None:
        prev = self.query_one(CallerHistory).selected
        if self.saved or prev is None:
            self.notify("No earlier case of this caller to copy from", severity="warning")
            return
        if prev.get("address"):
            self.query_one("#address", Input).value = prev["address"]
        if prev.get("district") in DISTRICTS:
            self.query_one("#district", ChoiceField).value = prev["district"]
            self._show_district()
        if prev.get("category_code") and self.seat.category_leaf(prev["category_code"]):
            self.query_one("#category", ChoiceField).value = prev["category_code"]
            self._show_category()
        if prev.get("name") and not self.query_one("#name", Input).value:
            self.query_one("#name", Input).value = prev["name"]
        self._suggest_urgency()
        self.changed()
        if not self.fields["description"].strip():
            self.set_focus(self.query_one("#description"))
        self.notify(f"Copied address and category from {prev['case_no']}")

    def action_link_previous(self) -> None:
        prev = self.query_one(CallerHistory).selected
        if self.saved:
            return
        if self.fields.get("linked_to"):
            self.fields["linked_to"] = ""
        elif prev is None:
            self.notify("No earlier case of this caller to link to", severity="warning")
            return
        else:
            self.fields["linked_to"] = prev["case_no"]
        self._show_linked()
        self.changed()

    def action_appeal(self, index: int) -> None:
        if not self.saved:
            self.query_one(AppealTypeBar).value = APPEAL_ORDER[index]

    # --- errors ----------------------------------------------------------------------------

    def _errors(self, for_dispatch: bool = False) -> dict[str, str]:
        self.fields = self.collect()
        return validate(self.fields, known_category=self.seat.category_leaf, for_dispatch=for_dispatch)

    def show_errors(self, errors: dict[str, str], *, focus: bool = False, only_shown: bool = False,
                    only_fields: tuple[str, ...] = ()) -> None:
        """Show each field's error under it (and clear the others)."""
        for name in FIELD_ORDER:
            widget_id = WIDGET_OF.get(name, name)
            found = self.query(f"#{widget_id}-error")
            if not found:
                continue
            label = found.first(Static)
            if only_fields and name not in only_fields:
                continue
            if only_shown and not label.has_class("-shown") and name in errors:
                continue
            label.update(Content("⚠ " + errors[name]) if name in errors else Content(""))
            label.set_class(name in errors, "-shown")
            if name in errors:
                self.shown_errors[name] = errors[name]
            else:
                self.shown_errors.pop(name, None)
        if focus and errors:
            first = next(n for n in FIELD_ORDER if n in errors)
            self.query_one(f"#{WIDGET_OF.get(first, first)}").focus()
            self.notify(f"{len(errors)} field(s) need attention", severity="error")

    # --- saving and what follows -------------------------------------------------------------

    def action_save(self, for_dispatch: bool = False) -> bool:
        """Record the `created` event (the draft goes with it). True when saved."""
        if self.saved:
            return True
        errors = self._errors(for_dispatch)
        self.show_errors(errors, focus=True)
        if errors:
            return False
        try:
            self.seat.create_case(self.case_no, case_payload(self.fields), draft_id=self.draft_id,
                                  started_at=self.started_at)
        except (Rejected, ValueError, AssertionError) as exc:
            self.notify(f"Not saved: {getattr(exc, 'reason', exc)}", severity="error", timeout=8)
            return False
        self.saved = True
        if self._timer is not None:
            self._timer.stop()
        self.query_one("#form").disabled = True
        self._tick()
        self.notify(f"Case {self.case_no} saved")
        return True

    def action_dispatch(self) -> None:
        if not self.action_save(for_dispatch=True):
            return
        self.app.push_screen(DispatchScreen(self.seat, self.case_no), self._dispatched)

    def _dispatched(self, done: bool | None) -> None:
        if done:
            self.finish(f"Case {self.case_no} dispatched")

    def kb_query(self) -> str:
        leaf = self.seat.category_leaf(self.fields.get("category_code", ""))
        if leaf:
            return leaf.name_zh
        words = self.fields.get("description", "").split()
        return words[0][:8] if words else ""

    def action_answer(self) -> None:
        if not self.saved:
            errors = self._errors()
            self.show_errors(errors, focus=True)
            if errors:
                return
        self.app.push_screen(
            KbLookupScreen(self.seat, self.kb_query(), case_no=self.case_no,
                           category_code=self.fields.get("category_code", "")),
            self._answered)

    def _answered(self, answer: dict | None) -> None:
        if not answer:
            return
        if not answer.get("resolved"):
            if not self.action_save():
                return
            try:
                self.seat.resolve_direct(self.case_no, answer["result"], answer["kb_article_id"])
            except (Rejected, ValueError) as exc:
                self.notify(f"Saved, not resolved: {getattr(exc, 'reason', exc)}", severity="error")
                return
        self.finish(f"Case {self.case_no} answered directly and resolved")

    def action_kb_lookup(self) -> None:
        self.fields = self.collect()
        self.app.push_screen(KbLookupScreen(self.seat, self.kb_query(),
                                            category_code=self.fields.get("category_code", "")))

    def finish(self, message: str) -> None:
        self.notify(message)
        self.dismiss(self.case_no)

    def action_back(self) -> None:
        """Back to the work list; the draft stays (an untouched one is dropped)."""
        if not self.saved and self.draft_id:
            if self._dirty:
                self.flush_draft()
            if self.is_blank:
                self.seat.discard_draft(self.draft_id)
        self.dismiss(self.case_no if self.saved else None)

    def has_unsaved_input(self) -> bool:
        """Typed but not yet in the draft (the app asks before quitting)."""
        return self._dirty and not self.saved

    def on_unmount(self) -> None:
        """The app is closing (or the screen went away): keep what was typed,
        drop a draft nothing was typed into."""
        if self.saved or not self.draft_id:
            return
        try:
            if self.is_blank:
                self.seat.discard_draft(self.draft_id)
            elif self._dirty:
                self.seat.save_draft(self.draft_id, self.fields, self.case_no)
        except Exception:  # a cache already closed: the last debounced save stands
            pass

    # --- header ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        secs = self.seat.handle_seconds(self.started_at)
        state: tuple[str, str]
        if self.saved:
            state = ("saved · F5 dispatch · F6 answer · Esc back", "bold $text-success")
        elif self.resumed:
            state = ("draft resumed · saved as you type", "$text-warning")
        else:
            state = ("draft · saved as you type", "$text-muted")
        self.query_one("#case-header", Static).update(Content.assemble(
            ("Case ", "bold"), (self.case_no, "bold $accent"),
            (f"   handle {secs // 60}:{secs % 60:02d}   ", ""), state,
        ))
