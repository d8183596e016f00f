"""Data files shipped with the server: the official holiday calendars
(``holidays_YYYY.json``: public holidays and weekend make-up work days)."""

from __future__ import annotations

import json
from importlib import resources


def builtin_years() -> list[int]:
    """Years with a shipped holiday calendar."""
    names = (p.name for p in resources.files(__package__).iterdir())
    return sorted(int(n[9:13]) for n in names if n.startswith("holidays_") and n.endswith(".json"))


def holidays(year: int) -> list[dict]:
    """The shipped calendar entries of *year* (date, kind, name); KeyError if none."""
    path = resources.files(__package__) / f"holidays_{year}.json"
    if not path.is_file():
        raise KeyError(year)
    return json.loads(path.read_text(encoding="utf-8"))["items"]
