"""The small forms behind one-key case actions after intake.

Each is a :class:`screens.action_form.CaseActionScreen` (a ``ModalScreen``)
that ``dismiss()``es the event payload(s) to record, or None when cancelled;
the caller records them with ``seat.record`` (local write + outbox). Ctrl+S
records, Esc cancels, Enter moves on from a one-line field (and records from
the last one). Payloads are checked with the wire models before the form
closes, so a mistake is shown in the form. Case text is shown inert. Every
text is a catalog message shown in the UI language (labels are :class:`Tr`;
``language_changed`` redoes the rest; what is typed stays).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from operator_tui.domain import ExtensionAction, ReopenMode, ResolveMode, ReturnReason, Satisfaction
from operator_tui.i18n import N_, _
from operator_tui.privacy import phone_for
from operator_tui.protocol import (DESCRIPTION_MAX, EXTENSION_HOURS_MAX, CallbackPayload, ExtendedPayload,
                                   NotePayload, ReopenedPayload, ResolvedPayload, ReturnedPayload)
from operator_tui.text import clean

from . import worklists as wl
from .action_form import CaseActionScreen, checked, label, when
from .desk_lists import extended
from .inert import inert, inert_line
from .translated import Tr

# reason, its words in the form (the case log says it with vocab.RETURN_REASON)
RETURN_REASONS: list[tuple[str, str]] = [
    (ReturnReason.WRONG_LOCALITY, N_("wrong locality")),
    (ReturnReason.UNCLEAR_OWNERSHIP, N_("unclear ownership")),
    (ReturnReason.OVERLAPPING_DUTIES, N_("overlapping duties")),
    (ReturnReason.OTHER, N_("other (say why)")),
]

# key, satisfaction, resolved, words: one key per callback outcome
OUTCOMES: list[tuple[str, str, bool, str]] = [
    ("1", Satisfaction.SATISFIED, True, N_("satisfied, resolved")),
    ("2", Satisfaction.SATISFIED, False, N_("satisfied, unresolved")),
    ("3", Satisfaction.BASIC, True, N_("basically satisfied, resolved")),
    ("4", Satisfaction.BASIC, False, N_("basically satisfied, unresolved")),
    ("5", Satisfaction.UNSATISFIED, True, N_("unsatisfied, resolved")),
    ("6", Satisfaction.UNSATISFIED, False, N_("unsatisfied, unresolved")),
]


class ReturnCaseScreen(CaseActionScreen):
    """Give a case back to the hotline with a structured reason."""

    HEADING = N_("Return to the hotline")
    AUTO_FOCUS = "#return-reasons"
    BINDINGS = [
        Binding(str(n), f"reason({n - 1})", words, show=False, id=f"return.reason_{reason}")
        for n, (reason, words) in enumerate(RETURN_REASONS, start=1)
    ]
    PLACEHOLDER = N_("explain (required for 'other'; helps the hotline re-dispatch)")

    def fields(self) -> ComposeResult:
        yield Tr(N_("Why does it go back? (1–4, Enter)"), classes="action-label")
        yield OptionList(*self._options(), id="return-reasons", compact=True)
        yield Input(placeholder=_(self.PLACEHOLDER), id="return-text", max_length=2000, compact=True)

    @staticmethod
    def _options() -> list[Option]:
        return [Option(Content.assemble((f"{n} ", "bold $text-accent"), (_(words), "bold")), id=reason)
                for n, (reason, words) in enumerate(RETURN_REASONS, start=1)]

    def relabel_fields(self) -> None:
        reasons = self.query_one(OptionList)
        highlighted = reasons.highlighted
        reasons.set_options(self._options())
        reasons.highlighted = highlighted
        self.query_one("#return-text", Input).placeholder = _(self.PLACEHOLDER)

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @property
    def reason(self) -> str:
        reasons = self.query_one(OptionList)
        return RETURN_REASONS[reasons.highlighted or 0][0]

    def action_reason(self, index: int) -> None:
        """Pick a reason."""
        self.query_one(OptionList).highlighted = index
        self.set_focus(self.query_one("#return-text", Input))

    @on(OptionList.OptionSelected, "#return-reasons")
    def _picked(self) -> None:  # a click
        self.set_focus(self.query_one("#return-text", Input))

    def action_enter(self) -> None:
        if isinstance(self.focused, OptionList):
            self.set_focus(self.query_one("#return-text", Input))
        else:
            self.submit_when_typed()

    def payload(self) -> dict[str, Any]:
        field = self.query_one("#return-text", Input)
        text = clean(field.value).strip()  # what the server keeps of it (control characters go)
        if self.reason == ReturnReason.OTHER and not text:  # the wire model's rule, said in the UI language
            self.set_focus(field)
            raise ValueError(_("say why it goes back (needed for 'other')"))
        return checked(ReturnedPayload, {"reason": self.reason, "text": text})


class ExtensionRequestScreen(CaseActionScreen):
    """Ask the hotline's supervisor for more time."""

    HEADING = N_("Ask for an extension")
    AUTO_FOCUS = "#ext-hours"
    PLACEHOLDER = N_("why (required)")

    def fields(self) -> ComposeResult:
        yield Tr(N_("More hours needed (a supervisor approves or refuses)"), classes="action-label")
        yield Input(value="24", type="integer", id="ext-hours", max_length=4, compact=True)
        yield Static("", id="ext-new-deadline", classes="action-hint")
        yield Input(placeholder=_(self.PLACEHOLDER), id="ext-reason", max_length=2000, compact=True)

    def on_mount(self) -> None:
        self._show_new_deadline()

    def relabel_fields(self) -> None:
        self.query_one("#ext-reason", Input).placeholder = _(self.PLACEHOLDER)
        self._show_new_deadline()

    def hours(self) -> int:
        try:
            hours = int(self.query_one("#ext-hours", Input).value)
        except ValueError:
            hours = 0
        if not 1 <= hours <= EXTENSION_HOURS_MAX:  # the wire model's bounds, said in the UI language
            raise ValueError(_("say how many hours more (1 to {max})").format(max=EXTENSION_HOURS_MAX))
        return hours

    @on(Input.Changed, "#ext-hours")
    def _show_new_deadline(self) -> None:
        try:
            new = extended(self.case, self.hours())
        except ValueError:
            new = ""
        self.query_one("#ext-new-deadline", Static).update(Content.assemble(
            (_("If approved, the deadline becomes about") + " ", "$text-muted"), (when(new), "bold"),
            ("  " + _("(the server's calendar decides)"), "$text-muted")))

    def action_enter(self) -> None:
        if self.focused is self.query_one("#ext-hours", Input):
            self.set_focus(self.query_one("#ext-reason", Input))
        else:
            self.submit_when_typed()

    def payload(self) -> dict[str, Any]:
        reason = self.query_one("#ext-reason", Input).value.strip()
        if not reason:
            raise ValueError(_("say why the department needs more time"))
        return checked(ExtendedPayload, {"action": ExtensionAction.REQUEST, "hours": self.hours(),
                                          "reason": reason})


class ReportResultScreen(CaseActionScreen):
    """The department's result: what was done (the case becomes resolved)."""

    HEADING = N_("Report the result")
    AUTO_FOCUS = "#result-text"

    def fields(self) -> ComposeResult:
        yield Tr(N_("What was done, as the citizen will hear it (Ctrl+S records)"), classes="action-label")
        yield TextArea(id="result-text", soft_wrap=True, show_line_numbers=False, compact=True)

    def payload(self) -> dict[str, Any]:
        result = self.query_one("#result-text", TextArea).text.strip()
        if not result:
            raise ValueError(_("write what was done"))
        if len(result) > DESCRIPTION_MAX:  # the wire model's limit, said in the UI language
            raise ValueError(_("the result is too long: {n} characters, at most {max}").format(
                n=len(result), max=DESCRIPTION_MAX))
        return checked(ResolvedPayload, {"mode": ResolveMode.DEPARTMENT, "result": result})


class CallbackOutcomeScreen(CaseActionScreen):
    """The citizen's answer on the callback, with a note; when unsatisfied a
    second step asks: rework with the same department, or escalate.

    Dismisses ``{"callback": payload, "reopen": payload or None}``.
    """

    HEADING = N_("Callback")
    AUTO_FOCUS = "#callback-note"
    BINDINGS = [
        Binding("r", "reopen('rework')", N_("Rework"), id="callback.rework",
                tooltip=N_("Back to the same department to do it again")),
        Binding("e", "reopen('escalate')", N_("Escalate"), id="callback.escalate",
                tooltip=N_("To supervision (督办)")),
    ]
    PLACEHOLDER = N_("note (what the citizen said)")

    def __init__(self, case: dict[str, Any], names: wl.Names | None, outcome: str,
                 *, phone_shown: bool = False) -> None:
        super().__init__(case, names)
        self.phone_shown = phone_shown  # revealed on the screen behind (recorded there)
        self.outcome = next(o for o in OUTCOMES if o[0] == outcome)
        self.step = 1

    @property
    def unsatisfied(self) -> bool:
        return self.outcome[1] == Satisfaction.UNSATISFIED

    @property
    def can_rework(self) -> bool:
        return bool(self.case.get("lead_department"))

    def fields(self) -> ComposeResult:
        yield Static(self._caller(), classes="action-hint", id="callback-caller")
        yield Static(self._outcome(), id="callback-outcome")
        yield Input(placeholder=_(self.PLACEHOLDER), id="callback-note", max_length=2000, compact=True)
        question = (N_("The citizen is not satisfied: what now? (r / e, Enter)") if self.can_rework
                    else N_("The citizen is not satisfied; the hotline answered it: escalate? (e, Enter)"))
        yield Tr(question, style="bold", id="reopen-label", classes="action-label")
        yield OptionList(*self._choices(), id="reopen-choice", compact=True)

    def _caller(self) -> Content:
        return Content.assemble(
            label(N_("Phone"), 0), (phone_for(self.case.get("phone"), self.phone_shown), "bold"),
            "   ", label(N_("Name"), 0), inert_line(self.case.get("name") or "—"),
            "\n", label(N_("Result"), 0), inert(self.case.get("resolution") or "—", limit=400),
        )

    def _outcome(self) -> Content:
        satisfaction, words = self.outcome[1], self.outcome[3]
        style = "bold $text-error" if satisfaction == Satisfaction.UNSATISFIED else "bold $text-success"
        return Content.assemble(label(N_("Outcome"), 0), (_(words), style))

    def _choices(self) -> list[Option]:
        options = []
        if self.can_rework:
            dept = self.names.department(str(self.case.get("lead_department")))
            options.append(Option(Content.assemble(("r ", "bold $text-accent"), (_("Rework"), "bold"), "  ",
                                                   inert_line(_("back to {department}").format(department=dept))),
                                  id=ReopenMode.REWORK))
        options.append(Option(Content.assemble(("e ", "bold $text-accent"), (_("Escalate"), "bold"),
                                               "  " + _("to supervision")), id=ReopenMode.ESCALATE))
        return options

    def relabel_fields(self) -> None:
        self.query_one("#callback-caller", Static).update(self._caller())
        self.query_one("#callback-outcome", Static).update(self._outcome())
        self.query_one("#callback-note", Input).placeholder = _(self.PLACEHOLDER)
        choice = self.query_one("#reopen-choice", OptionList)
        highlighted = choice.highlighted
        choice.set_options(self._choices())
        choice.highlighted = highlighted

    def on_mount(self) -> None:
        self.query_one("#reopen-label").display = False
        self.query_one("#reopen-choice").display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reopen":
            if self.step != 2:
                return False
            return parameters[0] != ReopenMode.REWORK or self.can_rework
        return super().check_action(action, parameters)

    def _second_step(self) -> None:
        self.step = 2  # the note stays editable (Shift+Tab), its typed-ahead keys still land
        self.query_one("#reopen-label").display = True
        choice = self.query_one("#reopen-choice", OptionList)
        choice.display = True
        choice.highlighted = 0
        self.set_focus(choice)
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#reopen-choice")
    def _reopen_picked(self, event: OptionList.OptionSelected) -> None:
        self.action_reopen(str(event.option.id))

    def action_enter(self) -> None:
        if self.unsatisfied and self.step == 1:
            self._second_step()  # now: the keys behind Enter are for the choice
        else:
            self.submit_when_typed()

    def action_reopen(self, mode: str) -> None:
        """Reopen the case: rework (same department) or escalate (supervision)."""
        self.query_one("#callback-note", Input).call_later(self._finish, mode)  # after the note's keys

    def action_submit(self) -> None:
        if self.unsatisfied and self.step == 1:
            self._second_step()
            return
        if self.step == 2:
            chosen = self.query_one("#reopen-choice", OptionList)
            option = chosen.get_option_at_index(chosen.highlighted or 0)
            self._finish(str(option.id))
            return
        self._finish(None)

    def _finish(self, reopen: str | None) -> None:
        try:
            self.dismiss(self._payloads(reopen))
        except ValueError as exc:
            self.show_error(str(exc))

    def _payloads(self, reopen: str | None) -> dict[str, Any]:
        satisfaction, resolved = self.outcome[1], self.outcome[2]
        note = self.query_one("#callback-note", Input).value.strip()
        callback = checked(CallbackPayload, {"satisfaction": satisfaction, "resolved": resolved, "note": note})
        again = None
        if reopen:
            # rework: the server sets the fresh deadline by its rules
            # the case's data, read in either language later (like the no-answer note)
            reason = note or "来电人不满意 citizen not satisfied"
            again = checked(ReopenedPayload, {"mode": reopen, "reason": reason})
        return {"callback": callback, "reopen": again}

    def payload(self) -> dict[str, Any]:  # pragma: no cover - action_submit is overridden
        return self._payloads(None)


class ReasonScreen(CaseActionScreen):
    """One line of text about a case (e.g. why an extension is refused)."""

    AUTO_FOCUS = "#reason-text"

    def __init__(self, case: dict[str, Any], names: wl.Names | None, heading: str, prompt: str,
                 *, required: bool = False, args: dict[str, Any] | None = None) -> None:
        """*heading* and *prompt* are catalog messages (N_); *args* fill the prompt's ``{placeholders}``."""
        super().__init__(case, names)
        self.HEADING = heading
        self.prompt = prompt
        self.prompt_args = dict(args or {})
        self.required = required

    def fields(self) -> ComposeResult:
        yield Tr(self.prompt, args=self.prompt_args, classes="action-label")
        yield Input(id="reason-text", max_length=2000, compact=True)

    def payload(self) -> dict[str, Any]:
        text = self.query_one("#reason-text", Input).value.strip()
        if self.required and not text:
            raise ValueError(_("a reason is needed"))
        return {"reason": text}


class NoteScreen(ReasonScreen):
    """A note on the case's log (for a department: its first word on a case
    meets the feedback deadline)."""

    def __init__(self, case: dict[str, Any], names: wl.Names | None = None) -> None:
        super().__init__(case, names, N_("Add a note"),
                         N_("Progress, a question, what happens next (Enter records)"), required=True)

    def payload(self) -> dict[str, Any]:
        text = self.query_one("#reason-text", Input).value.strip()
        if not text:
            raise ValueError(_("write the note"))
        return checked(NotePayload, {"text": text})
