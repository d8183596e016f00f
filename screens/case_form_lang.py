"""The case form's languages (a mixin of :class:`screens.case_form.CaseFormScreen`).

* A language switch (F12) relabels the form in place: labels, placeholders,
  the choice lists (their values kept, no change events), the shown errors,
  the picked category/district. Nothing typed is touched and the focus stays.
* ctrl+t shows the category and district names in the other language (the
  operator reads them to a caller or a colleague); again: back.
* ctrl+r marks an interpreter joining or leaving the call. Before the case is
  saved the marks wait in the draft (``interpreter_log``); saving records
  each as a ``note`` event right after ``created``; after saving a mark is
  recorded at once (see :mod:`operator_tui.interpreter`).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input, Select, TextArea

from operator_tui import i18n
from operator_tui.domain import EventType, Rejected
from operator_tui.i18n import N_, _
from operator_tui.interpreter import InterpreterMark, on_call

from .case_fields import channel_options, language_options, urgency_options, validate

PLACEHOLDERS = {
    "phone": N_("caller's number"),
    "name": N_("(optional)"),
    "address": N_("street, compound, building"),
    "description": N_("what the caller says"),
}


class FormLanguageMixin:
    """Relabelling, other-language names and interpreter marks for the case form."""

    seat: Any
    saved: bool
    fields: dict[str, Any]
    case_no: str
    names_language: str

    # --- the UI language changed -------------------------------------------------

    def language_changed(self) -> None:
        """Relabel in the new language; the fields keep their values."""
        self.names_language = i18n.current_language()
        for widget_id, options in (("#channel", channel_options()), ("#language", language_options()),
                                   ("#urgency", urgency_options())):
            select = self.query_one(widget_id, Select)  # type: ignore[attr-defined]
            value = select.value
            with select.prevent(Select.Changed):
                select.set_options(options)
                select.value = value
            # the shown label (set_options may have picked the same value first: no watcher ran)
            select.query_one("SelectCurrent").update(dict((v, label) for label, v in options)[value])
        for name, message in PLACEHOLDERS.items():
            widget = self.query_one(f"#{name}")  # type: ignore[attr-defined]
            if isinstance(widget, (Input, TextArea)):
                widget.placeholder = _(message)
        self.query_one("#interpreter", Checkbox).label = _("Interpreter")  # type: ignore[attr-defined]
        self._show_category()  # type: ignore[attr-defined]
        self._show_district()  # type: ignore[attr-defined]
        self._show_linked()  # type: ignore[attr-defined]
        self._suggest_urgency()  # type: ignore[attr-defined]
        if self.query(".error.-shown"):  # type: ignore[attr-defined]
            self.show_errors(validate(self.fields, known_category=self.seat.category_leaf),  # type: ignore[attr-defined]
                             only_shown=True)
        self._tick()  # type: ignore[attr-defined]

    def action_other_names(self) -> None:
        """Category and district names in the other language (again: back)."""
        self.names_language = i18n.other_language(self.names_language)
        self._show_category()  # type: ignore[attr-defined]
        self._show_district()  # type: ignore[attr-defined]

    # --- interpreter -------------------------------------------------------------

    def interpreter_on_call(self) -> InterpreterMark | None:
        return on_call(list(self.fields.get("interpreter_log", [])))

    def interpreter_header(self) -> tuple[str, str]:
        """The header's note of the interpreter on the call ('' when none)."""
        present = self.interpreter_on_call()
        if present is None:
            return ("", "")
        from .case_view import interpreter_line

        return ("   " + interpreter_line(present), "bold $text-accent")

    def action_interpreter(self) -> None:
        """Mark an interpreter joining the call, or the one on the call leaving."""
        from .interpreter import InterpreterScreen, record_mark

        present = self.interpreter_on_call()
        if present is not None:
            self._add_mark(record_mark(present, left=True))
            return

        def joined(mark: InterpreterMark | None) -> None:
            if mark is not None:
                self._add_mark(mark)

        language = str(self.query_one("#language", Select).value)  # type: ignore[attr-defined]
        self.app.push_screen(InterpreterScreen(language), joined)  # type: ignore[attr-defined]

    def _add_mark(self, mark: InterpreterMark) -> None:
        from .case_view import interpreter_line

        self.fields["interpreter_log"] = [*self.fields.get("interpreter_log", []), mark.text]
        if self.saved:
            self._record_marks([mark.text])
        else:
            checkbox = self.query_one("#interpreter", Checkbox)  # type: ignore[attr-defined]
            if not checkbox.value:
                checkbox.value = True  # the change event saves the draft, log included
            else:
                self.changed()  # type: ignore[attr-defined]
        self.notify(interpreter_line(mark, done=True))  # type: ignore[attr-defined]
        self._tick()  # type: ignore[attr-defined]

    def record_interpreter_log(self) -> None:
        """The case was just saved: record the marks made while it was typed."""
        self._record_marks(list(self.fields.get("interpreter_log", [])))

    def _record_marks(self, texts: list[str]) -> None:
        for text in texts:
            try:
                self.seat.record(self.case_no, EventType.NOTE, {"text": text})
            except (Rejected, ValueError, AssertionError) as exc:
                self.notify(_("Interpreter note not recorded: {reason}")  # type: ignore[attr-defined]
                            .format(reason=getattr(exc, "reason", exc)), severity="error")
                return


def names(leaf: Any, language: str) -> tuple[str, str]:
    """(name, path) of a category leaf in *language* (the other one when empty)."""
    if language == "en":
        return leaf.name_en or leaf.name_zh, leaf.path_en or leaf.path_zh
    return leaf.name_zh or leaf.name_en, leaf.path_zh or leaf.path_en

