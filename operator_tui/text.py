"""Making untrusted text inert: control characters out, for storage and display.

Rich and Textual do not strip ESC or C1 controls; everything from callers, the
server or the KB passes through :func:`clean` before it is shown, and through
:func:`clean_field` when it enters the wire protocol.
"""

from __future__ import annotations

import re

# C0 (except TAB/LF), DEL, C1, and the bidi overrides/isolates and zero-width
# characters that can disguise text (Trojan-source style).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_CONTROL_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def clean(text: str | None, *, one_line: bool = False) -> str:
    """Return *text* without control, bidi-override or zero-width characters.

    With ``one_line`` newlines and tabs become spaces too (for list rows).
    """
    if not text:
        return ""
    if one_line:
        return _CONTROL_ONE_LINE.sub(" ", text.replace("\r\n", " "))
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def clean_field(text: str) -> str:
    """Normalise a text field at the protocol boundary (strip + clean)."""
    return clean(text).strip()
