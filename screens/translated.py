"""Textual side of the UI languages (see :mod:`operator_tui.i18n`).

How a screen follows the operator's language:

* Texts are English messages marked for the catalog, translated where shown:
  ``_("Case {case_no} saved").format(case_no=...)``; module constants and
  Binding descriptions with ``N_()``.
* Binding descriptions (and tooltips) stay English in the Bindings: Textual
  reads them as plain strings once, when a class is defined. They are
  translated where they are shown: :class:`LocalizedFooter` (use it, or
  ``QuietFooter``, instead of ``Footer``), the F1 help and the command palette.
* When the language changes at run time the app calls ``language_changed()``
  on every screen and widget of the screen stack that has one
  (:func:`relabel`): update the texts there (a :class:`Tr` label does it by
  itself), never recompose a form (that would lose what was typed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from operator_tui.i18n import _


class Tr(Static):
    """A label whose text is a catalog message (re-translated on a language change).

    ``Tr(N_("Operator id"))``; ``args`` fill ``{placeholders}`` after translating.
    """

    def __init__(self, message: str, *, style: str = "", args: dict[str, Any] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        self.message = message
        self.message_style = style
        self.args = dict(args or {})
        super().__init__(self._content(), id=id, classes=classes, markup=False)

    def _content(self) -> Content:
        text = _(self.message).format(**self.args) if self.args else _(self.message)
        return Content.styled(text, self.message_style) if self.message_style else Content(text)

    def language_changed(self) -> None:
        self.update(self._content())


class LocalizedFooter(Footer):
    """A Footer that shows the key descriptions in the UI language."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            yield widget
    # A language change reaches the footer through screen.refresh_bindings()
    # (see relabel), which makes Footer recompose.


def walk(app: App[Any]) -> Iterable[Widget]:
    """Every screen of the stack and every widget on them (top screen last)."""
    for screen in list(app.screen_stack):
        yield from screen.walk_children(with_self=True)


def relabel(app: App[Any]) -> int:
    """Call ``language_changed()`` on everything shown that has it; the count."""
    count = 0
    for node in list(walk(app)):
        hook = getattr(node, "language_changed", None)
        if callable(hook):
            hook()
            count += 1
    for screen in app.screen_stack:
        screen.refresh_bindings()
    return count


__all__ = ["LocalizedFooter", "Tr", "relabel", "walk"]
