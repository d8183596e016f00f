"""The small forms behind one-key case actions after intake.

Each is a ``ModalScreen`` that ``dismiss()``es the event payload(s) to
record, or None when cancelled; the caller records them with
``seat.record`` (local write + outbox). Ctrl+S records, Esc cancels, Enter
moves on from a one-line field (and records from the last one). Payloads are
checked with the wire models before the form closes, so a mistake is shown
in the form. Case text is shown inert.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from operator_tui.domain import ExtensionAction, ReopenMode, ResolveMode, ReturnReason, Satisfaction
from operator_tui.protocol import (CallbackPayload, ExtendedPayload, NotePayload, ReopenedPayload,
                                   ResolvedPayload, ReturnedPayload, describe_validation_error)

from . import worklists as wl
from .desk_lists import extended
from .inert import inert, inert_line
from .rows import phone_display

RETURN_REASONS: list[tuple[str, str, str]] = [
    (ReturnReason.WRONG_LOCALITY, "地域不符", "wrong locality"),
    (ReturnReason.UNCLEAR_OWNERSHIP, "职责不清", "unclear ownership"),
    (ReturnReason.OVERLAPPING_DUTIES, "职责交叉", "overlapping duties"),
    (ReturnReason.OTHER, "其他", "other (say why)"),
]

# key, satisfaction, resolved, Chinese, English: one key per callback outcome
OUTCOMES: list[tuple[str, str, bool, str, str]] = [
    ("1", Satisfaction.SATISFIED, True, "满意/已解决", "satisfied, resolved"),
    ("2", Satisfaction.SATISFIED, False, "满意/未解决", "satisfied, unresolved"),
    ("3", Satisfaction.BASIC, True, "基本满意/已解决", "basically satisfied, resolved"),
    ("4", Satisfaction.BASIC, False, "基本满意/未解决", "basically satisfied, unresolved"),
    ("5", Satisfaction.UNSATISFIED, True, "不满意/已解决", "unsatisfied, resolved"),
    ("6", Satisfaction.UNSATISFIED, False, "不满意/未解决", "unsatisfied, unresolved"),
]


def _checked(model: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """*payload* as the wire model checks it; ValueError with a readable reason."""
    try:
        return model.model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from None


def when(iso_time: Any) -> str:
    """``MM-DD HH:MM`` in the seat's local time ('—' when unknown)."""
    return wl.local_time(iso_time, with_date=True) if iso_time else "—"


def case_summary(case: dict[str, Any], names: wl.Names) -> Content:
    """Who, what, where and by when: the lines every action form shows."""
    muted = "$text-muted"
    return Content.assemble(
        ("Category  ", muted), inert_line(names.category_path(str(case.get("category_code") or "")) or "—"),
        ("\nDistrict  ", muted), inert_line(names.district(str(case.get("district") or "")) or "—"),
        ("   Address  ", muted), inert_line(case.get("address") or "—", limit=50),
        ("\nDeadline  ", muted), (when(case.get("deadline")), "bold"),
        ("   Lead  ", muted), inert_line(names.department(str(case.get("lead_department") or "")) or "—"),
        ("\n", ""), inert(case.get("description") or "", limit=300),
    )


class CaseActionScreen(ModalScreen[dict[str, Any] | None]):
    """A form about one case: title, the case, the fields, an error line."""

    CSS_PATH = "case_actions.tcss"
    HEADING = ""
    BINDINGS = [
        Binding("ctrl+s", "submit", "Record", id="action.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="action.cancel"),
        # Enter moves on as the key arrives (a widget's Submitted message would
        # come after keys typed behind it, which would land in the old field)
        Binding("enter", "enter", "Next / record", show=False, priority=True, id="action.enter"),
    ]

    def __init__(self, case: dict[str, Any], names: wl.Names | None = None) -> None:
        super().__init__()
        self.case = case
        self.names = names or wl.Names()
        self.error = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="action-box"):
            yield Static(Content.assemble((self.HEADING, "bold"), "  ",
                                          inert_line(self.case.get("case_no"), style="bold $accent")),
                         classes="action-title")
            yield Static(case_summary(self.case, self.names), classes="action-case")
            yield from self.fields()
            yield Static("", classes="action-error", id="action-error")
        yield Footer(compact=True)

    def fields(self) -> ComposeResult:  # pragma: no cover - every form has its own
        yield from ()

    def payload(self) -> dict[str, Any]:
        """What to record; ValueError with a message for the user."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter":  # in a text area Enter is a new line
            return not isinstance(self.focused, TextArea)
        return True

    def action_enter(self) -> None:
        """Enter: on to the next field, or record from the last one."""
        self.submit_when_typed()

    def submit_when_typed(self) -> None:
        """Record once the focused field has taken the keys already sent to it
        (this runs as Enter arrives, possibly ahead of the keys typed before it)."""
        target = self.focused
        if target is None:
            self.action_submit()
        else:
            target.call_later(self.action_submit)

    def show_error(self, message: str) -> None:
        self.error = message
        self.query_one("#action-error", Static).update(inert(message, style="bold $text-error"))

    def action_submit(self) -> None:
        """Record it."""
        try:
            result = self.payload()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        """Close without recording anything."""
        self.dismiss(None)


class ReturnCaseScreen(CaseActionScreen):
    """Give a case back to the hotline with a structured reason."""

    HEADING = "Return to the hotline"
    AUTO_FOCUS = "#return-reasons"
    BINDINGS = [
        Binding(str(n), f"reason({n - 1})", label, show=False, id=f"return.reason_{reason}")
        for n, (reason, _zh, label) in enumerate(RETURN_REASONS, start=1)
    ]

    def fields(self) -> ComposeResult:
        yield Static(Content("Why does it go back? (1–4, Enter)"), classes="action-label")
        yield OptionList(*(Option(Content.assemble((f"{n} ", "bold $text-accent"), (zh, "bold"), f"  {en}"), id=reason)
                           for n, (reason, zh, en) in enumerate(RETURN_REASONS, start=1)),
                         id="return-reasons", compact=True)
        yield Input(placeholder="explain (required for 'other'; helps the hotline re-dispatch)",
                    id="return-text", max_length=2000, compact=True)

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
        return _checked(ReturnedPayload, {"reason": self.reason,
                                          "text": self.query_one("#return-text", Input).value.strip()})


class ExtensionRequestScreen(CaseActionScreen):
    """Ask the hotline's supervisor for more time."""

    HEADING = "Ask for an extension"
    AUTO_FOCUS = "#ext-hours"

    def fields(self) -> ComposeResult:
        yield Static(Content("More hours needed (a supervisor approves or refuses)"), classes="action-label")
        yield Input(value="24", type="integer", id="ext-hours", max_length=4, compact=True)
        yield Static("", id="ext-new-deadline", classes="action-hint")
        yield Input(placeholder="why (required)", id="ext-reason", max_length=2000, compact=True)

    def on_mount(self) -> None:
        self._show_new_deadline()

    def hours(self) -> int:
        try:
            return int(self.query_one("#ext-hours", Input).value)
        except ValueError:
            raise ValueError("say how many hours more (1 to 2160)") from None

    @on(Input.Changed, "#ext-hours")
    def _show_new_deadline(self) -> None:
        try:
            new = extended(self.case, self.hours())
        except ValueError:
            new = ""
        self.query_one("#ext-new-deadline", Static).update(
            Content.assemble(("If approved, the deadline becomes about ", "$text-muted"), (when(new), "bold"),
                             ("  (the server's calendar decides)", "$text-muted")))

    def action_enter(self) -> None:
        if self.focused is self.query_one("#ext-hours", Input):
            self.set_focus(self.query_one("#ext-reason", Input))
        else:
            self.submit_when_typed()

    def payload(self) -> dict[str, Any]:
        reason = self.query_one("#ext-reason", Input).value.strip()
        if not reason:
            raise ValueError("say why the department needs more time")
        return _checked(ExtendedPayload, {"action": ExtensionAction.REQUEST, "hours": self.hours(),
                                          "reason": reason})


class ReportResultScreen(CaseActionScreen):
    """The department's result: what was done (the case becomes resolved)."""

    HEADING = "Report the result"
    AUTO_FOCUS = "#result-text"

    def fields(self) -> ComposeResult:
        yield Static(Content("What was done, as the citizen will hear it (Ctrl+S records)"),
                     classes="action-label")
        yield TextArea(id="result-text", soft_wrap=True, show_line_numbers=False, compact=True)

    def payload(self) -> dict[str, Any]:
        result = self.query_one("#result-text", TextArea).text.strip()
        if not result:
            raise ValueError("write what was done")
        return _checked(ResolvedPayload, {"mode": ResolveMode.DEPARTMENT, "result": result})


class CallbackOutcomeScreen(CaseActionScreen):
    """The citizen's answer on the callback, with a note; when unsatisfied a
    second step asks: rework with the same department, or escalate.

    Dismisses ``{"callback": payload, "reopen": payload or None}``.
    """

    HEADING = "Callback"
    AUTO_FOCUS = "#callback-note"
    BINDINGS = [
        Binding("r", "reopen('rework')", "Rework", id="callback.rework"),
        Binding("e", "reopen('escalate')", "Escalate", id="callback.escalate"),
    ]

    def __init__(self, case: dict[str, Any], names: wl.Names | None, outcome: str) -> None:
        super().__init__(case, names)
        self.outcome = next(o for o in OUTCOMES if o[0] == outcome)
        self.step = 1

    @property
    def unsatisfied(self) -> bool:
        return self.outcome[1] == Satisfaction.UNSATISFIED

    @property
    def can_rework(self) -> bool:
        return bool(self.case.get("lead_department"))

    def fields(self) -> ComposeResult:
        _, satisfaction, _, zh, en = self.outcome
        style = "bold $text-error" if satisfaction == Satisfaction.UNSATISFIED else "bold $text-success"
        yield Static(Content.assemble(
            ("Phone  ", "$text-muted"), (phone_display(str(self.case.get("phone") or "")), "bold"),
            ("   Name  ", "$text-muted"), inert_line(self.case.get("name") or "—"),
            ("\nResult  ", "$text-muted"), inert(self.case.get("resolution") or "—", limit=400),
        ), classes="action-hint")
        yield Static(Content.assemble(("Outcome  ", "$text-muted"), (f"{zh}  {en}", style)), id="callback-outcome")
        yield Input(placeholder="note (what the citizen said)", id="callback-note", max_length=2000, compact=True)
        options = []
        if self.can_rework:
            dept = self.names.department(str(self.case.get("lead_department")))
            options.append(Option(Content.assemble(("r ", "bold $text-accent"), ("返工 Rework", "bold"),
                                                   "  back to ", inert_line(dept)), id=ReopenMode.REWORK))
        options.append(Option(Content.assemble(("e ", "bold $text-accent"), ("督办 Escalate", "bold"),
                                               "  to supervision"), id=ReopenMode.ESCALATE))
        yield Static(Content.styled("The citizen is not satisfied: what now? (r / e, Enter)", "bold"),
                     id="reopen-label", classes="action-label")
        yield OptionList(*options, id="reopen-choice", compact=True)

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
        _, satisfaction, resolved, _, _ = self.outcome
        note = self.query_one("#callback-note", Input).value.strip()
        callback = _checked(CallbackPayload, {"satisfaction": satisfaction, "resolved": resolved, "note": note})
        again = None
        if reopen:
            # rework: the server sets the fresh deadline by its rules
            again = _checked(ReopenedPayload, {"mode": reopen, "reason": note or "citizen not satisfied"})
        return {"callback": callback, "reopen": again}

    def payload(self) -> dict[str, Any]:  # pragma: no cover - action_submit is overridden
        return self._payloads(None)


class ReasonScreen(CaseActionScreen):
    """One line of text about a case (e.g. why an extension is refused)."""

    AUTO_FOCUS = "#reason-text"

    def __init__(self, case: dict[str, Any], names: wl.Names | None, heading: str, prompt: str,
                 *, required: bool = False) -> None:
        super().__init__(case, names)
        self.HEADING = heading
        self.prompt = prompt
        self.required = required

    def fields(self) -> ComposeResult:
        yield Static(inert(self.prompt), classes="action-label")
        yield Input(id="reason-text", max_length=2000, compact=True)

    def payload(self) -> dict[str, Any]:
        text = self.query_one("#reason-text", Input).value.strip()
        if self.required and not text:
            raise ValueError("a reason is needed")
        return {"reason": text}


class NoteScreen(ReasonScreen):
    """A note on the case's log (for a department: its first word on a case
    meets the feedback deadline)."""

    def __init__(self, case: dict[str, Any], names: wl.Names | None = None) -> None:
        super().__init__(case, names, "Add a note", "Progress, a question, what happens next (Enter records)",
                         required=True)

    def payload(self) -> dict[str, Any]:
        text = self.query_one("#reason-text", Input).value.strip()
        if not text:
            raise ValueError("write the note")
        return _checked(NotePayload, {"text": text})
