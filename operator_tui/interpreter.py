"""Interpreters on three-party calls, recorded as ``note`` events.

A foreign caller is often served with an interpreter joining the call. The
operator marks when one joins and leaves; each mark is a ``note`` event on
the case whose text has a fixed, language-neutral form (it is data: other
seats and reports read it, whatever their UI language)::

    interpreter joined: lang=ja id=I-203 at 2025-11-29T14:05:00+08:00
    interpreter left: lang=ja id=I-203 at 2025-11-29T14:12:00+08:00

The time is when the operator pressed the key (seat clock, with its offset):
a mark made while the case was still being typed is recorded when the case
is saved, so the note's own event time can be later. No protocol change:
any seat or server version stores and shows these notes; this module turns
them back into structured marks for display in the operator's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

JOINED = "joined"
LEFT = "left"
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}"
LANGUAGE_PATTERN = r"[a-z]{2,3}(?:-[A-Za-z0-9]+)?"
_NOTE = re.compile(
    rf"^interpreter (?P<action>{JOINED}|{LEFT}): lang=(?P<lang>{LANGUAGE_PATTERN}) "
    rf"id=(?P<id>{ID_PATTERN}) at (?P<at>\S+)$"
)


@dataclass(frozen=True)
class InterpreterMark:
    """One interpreter joining or leaving a call."""

    action: str  # JOINED or LEFT
    language: str  # the language interpreted (the caller's)
    interpreter_id: str
    at: datetime

    @property
    def text(self) -> str:
        """The note text for this mark."""
        return note_text(self.action, self.language, self.interpreter_id, self.at)


def valid_id(value: str) -> bool:
    return re.fullmatch(ID_PATTERN, value or "") is not None


def note_text(action: str, language: str, interpreter_id: str, at: datetime) -> str:
    """The note text of a mark; ValueError for a bad action, language or id."""
    if action not in (JOINED, LEFT):
        raise ValueError(f"unknown interpreter action {action!r}")
    if re.fullmatch(LANGUAGE_PATTERN, language or "") is None:
        raise ValueError(f"not a language code: {language!r}")
    if not valid_id(interpreter_id):
        raise ValueError("an interpreter id is letters, digits, '.', '_' or '-' (at most 32)")
    if at.tzinfo is None:
        raise ValueError("the time needs its UTC offset")
    return f"interpreter {action}: lang={language} id={interpreter_id} at {at.isoformat(timespec='seconds')}"


def parse_note(text: str) -> InterpreterMark | None:
    """The mark in a note's text, or None for any other note."""
    found = _NOTE.match(str(text or "").strip())
    if not found:
        return None
    try:
        at = datetime.fromisoformat(found["at"].replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return InterpreterMark(found["action"], found["lang"], found["id"], at)


def on_call(texts: list[str]) -> InterpreterMark | None:
    """The interpreter still on the call after the notes *texts* (oldest
    first): the last 'joined' mark not followed by its 'left', or None."""
    present: dict[str, InterpreterMark] = {}
    for text in texts:
        mark = parse_note(text)
        if mark is None:
            continue
        if mark.action == JOINED:
            present[mark.interpreter_id] = mark
        else:
            present.pop(mark.interpreter_id, None)
    return list(present.values())[-1] if present else None
