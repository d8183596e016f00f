"""Small widgets of the intake screens: a pick-from-list field, the appeal-type
bar and a footer that does not rebuild itself on every focus change."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.screen import Screen
from textual.widgets import Static

from operator_tui import vocab
from operator_tui.domain import AppealType
from operator_tui.i18n import N_, _, current_language

from .translated import LocalizedFooter

APPEAL_ORDER = [AppealType.ENQUIRY, AppealType.COMPLAINT, AppealType.REPORT, AppealType.HELP,
                AppealType.SUGGESTION, AppealType.PRAISE]
# The binding descriptions of the case form's alt+letter keys.
APPEAL_KEY_TEXT: dict[str, str] = {
    AppealType.ENQUIRY: N_("Type: enquiry"),
    AppealType.COMPLAINT: N_("Type: complaint"),
    AppealType.REPORT: N_("Type: report"),
    AppealType.HELP: N_("Type: help request"),
    AppealType.SUGGESTION: N_("Type: suggestion"),
    AppealType.PRAISE: N_("Type: praise"),
}


# The appeal-type bar's words (short: six of them share one line).
BAR_WORDS: dict[str, str] = {
    AppealType.ENQUIRY: N_("enquiry"),
    AppealType.COMPLAINT: N_("complaint"),
    AppealType.REPORT: N_("report"),
    AppealType.HELP: N_("help"),
    AppealType.SUGGESTION: N_("suggestion"),
    AppealType.PRAISE: N_("praise"),
}


def appeal_label(kind: str) -> str:
    """The appeal type's word in the UI language (咨询 / enquiry)."""
    return vocab.label("appeal_type", kind)
# One letter each: alt+letter from anywhere in the form, the bare letter (or
# 1-6) when the bar has the focus. (alt+digits are not usable: Textual reads
# ESC+digit as the macOS Option characters ¡™£¢∞§.)
APPEAL_KEYS: dict[str, str] = {
    AppealType.ENQUIRY: "e",
    AppealType.COMPLAINT: "c",
    AppealType.REPORT: "r",
    AppealType.HELP: "h",
    AppealType.SUGGESTION: "s",
    AppealType.PRAISE: "p",
}


class ChoiceField(Static, can_focus=True):
    """A read-only value that opens a picker: Enter opens it, typing opens it
    prefilled with what was typed."""

    BINDINGS = [
        Binding("enter", "open", N_("Pick"), show=False, id="choice.open"),
    ]

    @dataclass
    class Open(Message):
        """Open the picker (or, when one is opening, type into it / submit it)."""

        field: "ChoiceField"
        initial: str
        key: str = ""

        @property
        def control(self) -> "ChoiceField":
            return self.field

    def __init__(self, placeholder: str, *, id: str) -> None:
        super().__init__(Content.styled(_(placeholder), "$text-muted"), id=id, markup=False)
        self.placeholder = placeholder  # a catalog message
        self.value = ""

    def show(self, value: str, display: Content | None) -> None:
        """Set the value and what is shown for it ('' shows the placeholder)."""
        self.value = value
        self.update(display if value and display is not None
                    else Content.styled(_(self.placeholder), "$text-muted"))

    def action_open(self) -> None:
        self.post_message(self.Open(self, "", key="enter"))

    def on_key(self, event: events.Key) -> None:
        # Typing is text for the picker's filter, not a command. Enter is
        # handled here too, in key order (a binding would run after the keys
        # typed behind it, which matters while the picker is opening).
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_open()
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.post_message(self.Open(self, event.character, key=event.key))


class AppealTypeBar(Widget, can_focus=True):
    """The six appeal types; one key each (see APPEAL_KEYS)."""

    DEFAULT_CSS = """
    AppealTypeBar { height: 1; width: 1fr; }
    """
    HELP_WHERE = N_("in the appeal type")
    BINDINGS = [
        Binding(f"{APPEAL_KEYS[t]},{n}", f"choose({n - 1})", vocab.APPEAL_TYPE[t], show=False,
                id=f"appeal.{t}")
        for n, t in enumerate(APPEAL_ORDER, start=1)
    ] + [
        Binding("left", "step(-1)", N_("Previous type"), show=False, id="appeal.left"),
        Binding("right", "step(1)", N_("Next type"), show=False, id="appeal.right"),
    ]

    value: reactive[str] = reactive(AppealType.ENQUIRY)

    @dataclass
    class Changed(Message):
        bar: "AppealTypeBar"
        value: str

        @property
        def control(self) -> "AppealTypeBar":
            return self.bar

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for kind in APPEAL_ORDER:
            text = _(BAR_WORDS[kind])
            key = APPEAL_KEYS[kind]
            if text[:1].lower() == key:  # the key is the word's initial: underline it
                if kind == self.value:
                    parts.append((f" {text} ", "bold reverse $accent"))
                else:
                    parts += [" ", (text[:1], "underline $text-accent"), (f"{text[1:]} ", "")]
            elif kind == self.value:
                parts.append((f" {key} {text} ", "bold reverse $accent"))
            else:
                parts += [" ", (key, "underline $text-accent"), (f" {text} ", "")]
        return Content.assemble(*parts)

    def language_changed(self) -> None:
        self.refresh()

    def watch_value(self, old: str, new: str) -> None:
        if old != new:
            self.post_message(self.Changed(self, new))

    def action_choose(self, index: int) -> None:
        self.value = APPEAL_ORDER[index]

    def action_step(self, delta: int) -> None:
        index = APPEAL_ORDER.index(self.value) if self.value in APPEAL_ORDER else 0
        self.value = APPEAL_ORDER[(index + delta) % len(APPEAL_ORDER)]


class QuietFooter(LocalizedFooter):
    """A (localized) Footer that rebuilds only when the keys it shows change.

    Textual's Footer recomposes on every focus change; on a form with a dozen
    fields that is a few hundred milliseconds of restyling per Tab, paid while
    the operator is typing."""

    _shown: frozenset = frozenset()

    def bindings_changed(self, screen: Screen) -> None:
        shown = frozenset(
            (binding.key, binding.description, binding.action, enabled)
            for (_node, binding, enabled, _tip) in screen.active_bindings.values()
            if binding.show
        ) | {current_language()}
        if shown == self._shown and self._bindings_ready:
            return
        self._shown = shown
        super().bindings_changed(screen)
