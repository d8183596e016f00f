"""Making untrusted text inert: control characters out, for storage and display.

Rich and Textual do not strip ESC or C1 controls; everything from callers, the
server or the KB passes through :func:`clean` before it is shown, and through
:func:`clean_field` when it enters the wire protocol.
"""

from __future__ import annotations

import re

# What never reaches the screen (or the database): C0 controls (except TAB/LF),
# DEL and C1 (ESC/CSI/OSC sequences lose their introducer and become plain
# text); bidi marks, overrides and isolates (U+061C, U+200E/F, U+202A-202E,
# U+2066-2069) and zero-width or invisible format characters (U+180E,
# U+200B-200D, U+2060-2064, U+206A-206F, U+FEFF, U+FFF9-FFFB, tag characters
# U+E0000-E007F) that can disguise text (Trojan-source style); lone surrogates
# (a JSON "\ud800" decodes to one; no terminal or UTF-8 database can take it).
_INVISIBLE = (
    "\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f"
)
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")
_CONTROL_ONE_LINE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
# Line and paragraph separators end a line like LF does (NEL is a C1 control: stripped).
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def clean(text: str | None, *, one_line: bool = False) -> str:
    """Return *text* without control, bidi-override or zero-width characters.

    With ``one_line`` newlines and tabs become spaces too (for list rows).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    if one_line:
        return _CONTROL_ONE_LINE.sub(" ", text)
    return _CONTROL.sub("", text)


def clean_field(text: str) -> str:
    """Normalise a text field at the protocol boundary (strip + clean)."""
    return clean(text).strip()
