"""Showing untrusted text (callers, the server, the KB) inert.

Everything a caller typed, the server sent or the KB holds goes through these
helpers before it reaches a widget: control, bidi-override and zero-width
characters are stripped (:func:`operator_tui.text.clean`) and the result is
never parsed as markup.

* :func:`inert` gives a :class:`textual.content.Content` for ``Static``,
  ``Label`` and friends (a plain ``str`` there would be parsed as markup).
* :func:`cell` gives a :class:`rich.text.Text` for ``DataTable`` cells: the
  DataTable parses ``str`` cells as Rich markup (textual 8.2,
  ``default_cell_formatter``), so cells must never be plain strings.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

from operator_tui.text import clean

__all__ = ["cell", "inert", "inert_line", "shorten"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def shorten(text: str, limit: int) -> str:
    """*text* cut to *limit* terminal cells with an ellipsis (0: no limit).

    Cells, not characters: a Chinese character takes two.
    """
    if not limit or cell_len(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        width = cell_len(ch)
        if used + width > limit - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def inert(value: Any, one_line: bool = False, *, limit: int = 0, style: str = "") -> Content:
    """Untrusted *value* as Content: cleaned, not markup.

    ``one_line`` turns newlines and tabs into spaces (list rows, titles);
    ``limit`` cuts long text (in cells); ``style`` styles the whole text (our style, not
    the text's).
    """
    text = shorten(clean(_text(value), one_line=one_line), limit)
    return Content.styled(text, style) if style else Content(text)


def inert_line(value: Any, *, limit: int = 0, style: str = "") -> Content:
    """Shorthand for ``inert(value, one_line=True)``."""
    return inert(value, True, limit=limit, style=style)


def cell(value: Any, *, limit: int = 80, style: str = "") -> Text:
    """Untrusted *value* for a DataTable cell: one line, cleaned, not markup."""
    text = shorten(clean(_text(value), one_line=True), limit)
    return Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")
