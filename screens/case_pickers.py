"""The case form's pick fields and keys typed ahead of the screen.

Category and district are picked in modal pickers. A fast operator types on
while a picker opens or closes (a screen change takes a few hundred
milliseconds in a real terminal); those keys must land where they were meant
to, in order. This mixin of :class:`screens.case_form.CaseFormScreen` routes
them: keys that reach a pick field while its picker is opening go to the
picker's filter (Enter picks), keys typed after the pick are replayed on the
next field, and Tab/Enter move the focus as they arrive (priority bindings).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.content import Content
from textual.widgets import Input, TextArea

from operator_tui.domain import DISTRICTS
from operator_tui.i18n import _
from screens.case_form_lang import names
from screens.case_widgets import ChoiceField
from screens.category_picker import CategoryPicker, DistrictPicker
from screens.filter_picker import FilterPicker, line


class PickFieldsMixin:
    """Pick fields, focus keys and type-ahead for the case form (a Screen).

    Message handlers here use the ``on_<message>`` names (``@on`` handlers of
    a class that is not a MessagePump would not be registered)."""

    seat: Any
    saved: bool
    fields: dict[str, Any]
    _picker: FilterPicker | None

    # Tab, shift+tab and Enter in a text field move the focus through
    # priority bindings: those run as each key arrives, so keys typed right
    # behind them land in the next field (a plain binding runs only after the
    # key went round the focused widget, and the keys behind it went there too).

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter_next":
            return isinstance(self.focused, Input) and not self.saved
        return True

    def action_enter_next(self) -> None:
        """Enter in a text field: check the number, then on to the next field."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "phone" and focused.value:
            self.show_errors({k: v for k, v in self._errors().items() if k == "phone"},
                             only_fields=("phone",))
        self.focus_next()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # handled by enter_next

    # --- pickers -------------------------------------------------------------------------

    def on_choice_field_open(self, event: ChoiceField.Open) -> None:
        """Keys on a pick field: open its picker; keys typed faster than the
        picker opens or closes go where the operator meant them to go."""
        picker = self._picker
        if picker is not None and not picker.done:  # still opening: its filter
            picker.typed_ahead(event.key, event.initial or None)
        elif event.field.id == "category":
            self.action_pick_category(event.initial)
        elif not self.saved and event.field.id == "district":
            self._open_picker(DistrictPicker(event.initial, current=self.fields["district"],
                                             on_pick=self._district_chosen, forward=self.forward_key))

    def action_pick_category(self, initial: str = "") -> None:
        if not self.saved and (self._picker is None or self._picker.done):
            self._open_picker(CategoryPicker(self.seat, initial, current=self.fields["category_code"],
                                             on_pick=self._category_chosen, forward=self.forward_key,
                                             language=getattr(self, "names_language", None)))

    def forward_key(self, event: events.Key) -> None:
        """Replay a key typed ahead of a closing picker, in order, on the field
        that has the focus now (posting a Key would lose Tab and reorder)."""
        target, key, char = self.focused, event.key, event.character
        text_key = bool(char) and char.isprintable()
        if self._picker is not None and not self._picker.done:
            self._picker.typed_ahead(key, char)  # another picker is opening: in line behind it
        elif key == "tab" or (key == "enter" and isinstance(target, Input)):
            self.focus_next()
        elif key == "shift+tab":
            self.focus_previous()
        elif isinstance(target, ChoiceField) and (text_key or key == "enter"):
            self.on_choice_field_open(ChoiceField.Open(target, char if key != "enter" else "", key=key))
        elif isinstance(target, Input) and text_key:
            target.insert_text_at_cursor(char)
        elif isinstance(target, TextArea) and (text_key or key == "enter"):
            target.insert("\n" if key == "enter" else char)
        else:  # a command key (alt+r, F5...): through the bindings, after the text
            self.app.simulate_key(key)

    def _open_picker(self, picker: FilterPicker) -> None:
        self._picker = picker

        def closed(_answer: str | None) -> None:
            if self._picker is picker:  # a newer picker may be open already
                self._picker = None

        self.app.push_screen(picker, closed)

    def _category_chosen(self, code: str) -> None:
        """A category was picked (runs before the picker closes)."""
        self.query_one("#category", ChoiceField).value = code
        self._show_category()
        self._suggest_urgency()
        self.changed()
        nxt = "#district" if not self.fields["district"] else (
            "#description" if not self.fields["description"].strip() else "#urgency")
        self.set_focus(self.query_one(nxt))

    def _district_chosen(self, code: str) -> None:
        self.query_one("#district", ChoiceField).value = code
        self._show_district()
        self.changed()
        self.set_focus(self.query_one("#address"))

    def _show_category(self) -> None:
        field = self.query_one("#category", ChoiceField)
        code = field.value or self.fields["category_code"]
        leaf = self.seat.category_leaf(code)
        if leaf:
            name, path = names(leaf, getattr(self, "names_language", "zh"))
            display = Content.assemble((line(name), "bold"), "  ", (line(path), "$text-muted"),
                                       "  ", (line(leaf.code), "$text-accent"))
        else:
            display = Content.styled(_("{code} (unknown)").format(code=line(code)), "$text-error")
        field.show(code, display)

    def _show_district(self) -> None:
        field = self.query_one("#district", ChoiceField)
        code = field.value or self.fields["district"]
        zh, en = DISTRICTS.get(code, (code, code))
        field.show(code, Content.styled(en if getattr(self, "names_language", "zh") == "en" else zh, "bold"))
