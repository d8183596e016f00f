"""Entering a case: one screen, keyboard only, saved as a draft while typed.

``CaseFormScreen(seat, draft_id=None)`` opens with the focus in the caller's
number and the case number (fixed from the first moment) at the top. As the
number is typed the caller's earlier cases appear beside the form; F2 copies
the previous case's address/district/category, ctrl+l links the new case to
it. Every change is saved to the draft (debounced), so a killed app brings the
form back. ctrl+s saves the case; F5 saves and dispatches; F6 saves and
answers it from the knowledge base. ctrl+r marks an interpreter joining or
leaving the call, ctrl+t shows names in the other language, and a language
switch (F12) relabels the form without touching what is typed (see
screens/case_form_lang.py). Untrusted text is shown inert.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from local_cache.errors import CacheError
from operator_tui import clock, i18n
from operator_tui.domain import Rejected, Urgency
from operator_tui.i18n import N_, _, ngettext
from operator_tui.protocol import SHORT_MAX, TEXT_MAX
from screens.caller_history import CallerHistory
from screens.case_fields import (
    DEFAULTS,
    FIELD_ORDER,
    WIDGET_OF,
    case_payload,
    channel_options,
    from_draft,
    language_options,
    urgency_options,
    validate,
)
from screens.case_form_caller import CallerContextMixin
from screens.case_form_header import HandleClockMixin
from screens.case_form_lang import PLACEHOLDERS, FormLanguageMixin
from screens.case_pickers import PickFieldsMixin
from screens.case_widgets import (
    APPEAL_KEY_TEXT,
    APPEAL_KEYS,
    APPEAL_ORDER,
    AppealTypeBar,
    ChoiceField,
    QuietFooter,
)
from screens.filter_picker import FilterPicker
from screens.dispatch import DispatchScreen
from screens.duplicates_panel import DuplicatesMixin, DuplicatesPanel
from screens.form_input import FormInput
from screens.kb_lookup import KbLookupScreen
from screens.status_bar import StatusBar
from screens.translated import Tr

DRAFT_DEBOUNCE = 0.3  # seconds of quiet before the draft is written


class CaseFormScreen(FormLanguageMixin, DuplicatesMixin, PickFieldsMixin, CallerContextMixin, HandleClockMixin,
                     Screen[str | None]):
    """One new case, from the first digit of the number to save/dispatch/answer."""

    CSS_PATH = "case_form.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # narrow: the side panel goes below the form
    HELP_TITLE = N_("New case")
    AUTO_FOCUS = "#phone"
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="case_form.save", priority=True),
        Binding("f5", "dispatch", N_("Save+dispatch"), id="case_form.dispatch", priority=True),
        Binding("f6", "answer", N_("Save+answer"), id="case_form.answer", priority=True),
        Binding("f4", "pick_category", N_("Category"), id="case_form.category", priority=True),
        Binding("f3", "kb_lookup", N_("KB"), id="case_form.kb", priority=True),
        Binding("f2", "copy_previous", N_("Copy prev."), id="case_form.copy_previous", priority=True),
        Binding("ctrl+l", "link_previous", N_("Link prev."), id="case_form.link_previous", priority=True),
        # the duplicates panel shows these keys while it has candidates (the footer is full)
        Binding("f7", "link_duplicate", N_("Link duplicate"), show=False, priority=True,
                id="case_form.link_duplicate"),
        Binding("f8", "merge_duplicate", N_("Save+merge"), show=False, priority=True,
                id="case_form.merge_duplicate"),
        Binding("ctrl+down", "next_duplicate(1)", N_("Next duplicate"), show=False, priority=True,
                id="case_form.next_duplicate"),
        Binding("ctrl+up", "next_duplicate(-1)", N_("Previous duplicate"), show=False, priority=True,
                id="case_form.previous_duplicate"),
        Binding("ctrl+r", "interpreter", N_("Interpreter"), show=False, priority=True,
                id="case_form.interpreter"),
        Binding("ctrl+t", "other_names", N_("Other language"), show=False, priority=True,
                id="case_form.other_names"),
        Binding("escape", "back", N_("Back"), id="case_form.back"),
        Binding("tab", "next_field", N_("Next field"), show=False, priority=True, id="case_form.next_field"),
        Binding("shift+tab", "previous_field", N_("Previous field"), show=False, priority=True,
                id="case_form.previous_field"),
        Binding("enter", "enter_next", N_("Next field"), show=False, priority=True,
                id="case_form.enter_next"),
    ] + [
        Binding(f"alt+{APPEAL_KEYS[t]}", f"appeal({n})", APPEAL_KEY_TEXT[t], show=False,
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
        self._draft_failing = False  # the last draft write failed (disk full, read-only)
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
        self.names_language = i18n.current_language()  # ctrl+t: the other one

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        f = self.fields
        yield Static(id="case-header")
        with Horizontal(id="case-body"):
            with VerticalScroll(id="form", can_focus=False):  # a short terminal scrolls to the focused field
                yield from self._row(N_("Phone"), FormInput(
                    f["phone"], placeholder=_(PLACEHOLDERS["phone"]), id="phone", compact=True,
                    restrict=r"[0-9+()\- ]*", max_length=40), "phone")
                yield from self._row(N_("Name"), FormInput(
                    f["name"], placeholder=_(PLACEHOLDERS["name"]), id="name", compact=True,
                    max_length=SHORT_MAX), "name")
                with Horizontal(classes="row"):
                    yield Tr(N_("Channel"), classes="label")
                    yield Select(channel_options(), value=f["channel"], allow_blank=False, compact=True,
                                 id="channel")
                    yield Tr(N_("Language"), classes="label short")
                    yield Select(language_options(), value=f["language"], allow_blank=False, compact=True,
                                 id="language")
                    yield Checkbox(_("Interpreter"), f["interpreter"], compact=True, id="interpreter")
                yield from self._row(N_("Type alt+"), AppealTypeBar(id="appeal"), "appeal_type")
                yield from self._row(N_("Category"), ChoiceField(N_("F4 or type to pick"), id="category"),
                                     "category_code")
                yield from self._row(N_("District"), ChoiceField(N_("Enter or type to pick"), id="district"),
                                     "district")
                yield from self._row(N_("Address"), FormInput(
                    f["address"], placeholder=_(PLACEHOLDERS["address"]), id="address",
                    compact=True, max_length=TEXT_MAX), "address")
                yield Tr(N_("Description"), classes="label wide")
                yield TextArea(f["description"], id="description", tab_behavior="focus",
                               soft_wrap=True, placeholder=_(PLACEHOLDERS["description"]))
                yield Static(id="description-error", classes="error")
                with Horizontal(classes="row"):
                    yield Tr(N_("Urgency"), classes="label")
                    yield Select(urgency_options(), value=f["urgency"], allow_blank=False, compact=True,
                                 id="urgency")
                    yield Static(id="urgency-hint")
                yield Static(id="linked")
            with Vertical(id="side"):
                yield DuplicatesPanel(self.seat)
                yield CallerHistory(self.seat)
        yield StatusBar()
        yield QuietFooter()

    def _row(self, label: str, widget: Any, name: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Tr(label, classes="label")
            yield widget
        yield Static(id=f"{WIDGET_OF.get(name, name)}-error", classes="error")

    def on_mount(self) -> None:
        if self.error:
            self.notify(_("Cannot start a case: {error}").format(error=self.error), severity="error",
                        timeout=10)
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
        self.set_interval(1.0, self._clock_tick)
        self.run_worker(self._warm_up, thread=True, group="warm-up", exit_on_error=False)

    def _warm_up(self) -> None:
        self.seat.warm_up()
        settle = getattr(self.app, "settle_heap", None)
        if settle is not None:
            settle()

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
            "interpreter_log": list(self.fields.get("interpreter_log", [])),
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
        self.note_typing()
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
            try:
                self.seat.save_draft(self.draft_id, self.fields, self.case_no)
            except (sqlite3.Error, CacheError) as exc:  # disk full, read-only: keep typing, retry
                if not self._draft_failing:
                    self.notify(_("Draft not saved: {reason}. Keep this form open; saving is retried.")
                                .format(reason=exc), severity="error", timeout=10)
                self._draft_failing = True
                return
            self._draft_failing = False
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
            self._show_urgency_hint()
        self.changed()

    @on(Input.Changed, "#phone")
    def _phone_changed(self) -> None:
        self._refresh_history()

    @on(TextArea.Changed, "#description")
    def _description_changed(self) -> None:
        self._suggest_urgency()

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
            self.notify(ngettext("{n} field needs attention", "{n} fields need attention",
                                 len(errors)).format(n=len(errors)), severity="error")

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
        except (Rejected, ValueError, AssertionError, sqlite3.Error, CacheError) as exc:
            self.notify(_("Not saved: {reason}").format(reason=getattr(exc, "reason", exc)),
                        severity="error", timeout=8)
            return False
        self.saved = True
        if self._timer is not None:
            self._timer.stop()
        self.query_one("#form").disabled = True
        self.record_interpreter_log()
        self._tick()
        self.notify(_("Case {case_no} saved").format(case_no=self.case_no))
        return True

    def action_dispatch(self) -> None:
        if not self.action_save(for_dispatch=True):
            return
        self.app.push_screen(DispatchScreen(self.seat, self.case_no), self._dispatched)

    def _dispatched(self, done: bool | None) -> None:
        if done:
            self.finish(_("Case {case_no} dispatched").format(case_no=self.case_no))

    def kb_query(self) -> str:
        leaf = self.seat.category_leaf(self.fields.get("category_code", ""))
        if leaf:
            return leaf.name_en if i18n.current_language() == "en" and leaf.name_en else leaf.name_zh
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
                           category_code=self.fields.get("category_code", ""),
                           caller_language=self.fields.get("language", "")),
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
                self.notify(_("Saved, not resolved: {reason}").format(reason=getattr(exc, "reason", exc)),
                            severity="error")
                return
        self.finish(_("Case {case_no} answered directly and resolved").format(case_no=self.case_no))

    def action_kb_lookup(self) -> None:
        self.fields = self.collect()
        self.app.push_screen(KbLookupScreen(self.seat, self.kb_query(),
                                            category_code=self.fields.get("category_code", ""),
                                            caller_language=self.fields.get("language", "")))

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
