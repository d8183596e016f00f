"""Reading the home screen's lists from the seat's cache (no Textual here).

Everything here runs in a worker thread (the cache gives each thread its own
SQLite connection) and returns plain data; the screens turn it into cells.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from operator_tui import clock, i18n, vocab
from operator_tui.domain import DISTRICTS
from operator_tui.i18n import _
from operator_tui.interpreter import JOINED, parse_note
from operator_tui.privacy import mask_phone


MY_CASES_LIMIT = 500
PENDING_LIMIT = 500
SEARCH_LIMIT = 100


def local_now() -> datetime:
    """Now, in the centre's time zone (tests replace this). "Local" here and
    below is the centre's time (:mod:`operator_tui.clock`), never the
    machine's: the case numbers' dates are the centre's too."""
    return clock.centre_now()


def centre_today() -> date:
    """The centre's date now (of :func:`local_now`, whatever zone a test gives it)."""
    return clock.to_centre(local_now()).date()


def local_moment(iso_time: str | None) -> datetime | None:
    """An ISO time in the centre's time zone (None: empty or not a time)."""
    if not iso_time:
        return None
    try:
        moment = datetime.fromisoformat(str(iso_time).replace("Z", "+00:00"))
    except ValueError:
        return None
    return clock.to_centre(moment)


def local_time(iso_time: str | None, with_date: bool = False) -> str:
    """An ISO time as the centre's ``14:05``; with the day when not the
    centre's today (or *with_date*): ``11月29日 14:05`` / ``29 Nov 14:05`` (UI language)."""
    if not iso_time:
        return ""
    here = local_moment(iso_time)
    if here is None:
        return str(iso_time)[:16]
    if with_date or here.date() != centre_today():
        return i18n.format_datetime_short(here)
    return i18n.format_time(here)


def deadline_text(iso_time: str | None) -> str:
    """A deadline with the time left: ``11月29日 14:05（剩余2小时5分）`` /
    ``29 Nov 14:05 (2 h 5 min left)``; '' when there is none."""
    here = local_moment(iso_time)
    if here is None:
        return str(iso_time or "")[:16]
    return i18n.format_deadline(here, local_now())


def epoch_time(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return local_time(datetime.fromtimestamp(float(epoch), timezone.utc).isoformat())


@dataclass
class Names:
    """Category / department / district names in the UI language."""

    language: str = field(default_factory=i18n.current_language)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: tuple[int, int] = (-1, -1)

    def _name(self, item: dict[str, Any] | None, code: str) -> str:
        if not item:
            return code
        first, second = ("name_zh", "name_en") if self.language == "zh" else ("name_en", "name_zh")
        return str(item.get(first) or item.get(second) or code)

    def category(self, code: str) -> str:
        return self._name(self.categories.get(code), code) if code else ""

    def category_path(self, code: str) -> str:
        """``Parent › Child › Leaf`` for a category code."""
        if not code:
            return ""
        parts, seen = [], set()
        item = self.categories.get(code)
        while item and item["code"] not in seen:
            seen.add(item["code"])
            parts.append(self._name(item, item["code"]))
            item = self.categories.get(item.get("parent_code") or "")
        return " › ".join(reversed(parts)) if parts else code

    def department(self, code: str) -> str:
        return self._name(self.departments.get(code), code) if code else ""

    def district(self, code: str) -> str:
        if not code:
            return ""
        zh, en = DISTRICTS.get(code, (code, code))
        return zh if self.language == "zh" else en


def load_names(cache: Any, language: str, old: Names | None = None) -> Names:
    """Names from the cache's reference data (reused while versions match)."""
    versions = (cache.reference_version("categories"), cache.reference_version("departments"))
    if old is not None and old.versions == versions and old.language == language:
        return old
    return Names(
        language,
        {c["code"]: c for c in cache.categories()},
        {d["code"]: d for d in cache.departments()},
        versions,
    )


def my_cases_today(cache: Any, operator_id: str, limit: int = MY_CASES_LIMIT) -> list[dict[str, Any]]:
    """Cases this operator created today at this seat, newest first.

    Case numbers are made on the seat (``YYMMDD-SSS-NNNN-C``), so today's
    cases of this seat are one range of the cache's unique index on
    ``case_no``: cheap enough to run every few seconds even when the cache
    holds a whole centre's month. Cases the operator made today at another
    seat are not listed (search finds them). Reads the ``cases`` table
    directly: the LocalCache API has no per-seat listing yet.
    """
    seat_no = cache.seat_no
    if not operator_id or not seat_no:
        return []
    prefix = f"{centre_today():%y%m%d}-{int(seat_no):03d}-"
    rows = cache.read(
        "SELECT state, local, server_version FROM cases WHERE case_no >= ? AND case_no < ? "
        "ORDER BY case_no DESC LIMIT ?",
        (prefix, prefix[:-1] + ".", limit * 2),  # "." sorts right after "-"
    )
    out = []
    for state_json, local, server_version in rows:
        state = json.loads(state_json)
        if state.get("created_by") == operator_id:
            out.append({**state, "local": bool(local), "server_version": server_version})
    return out[:limit]


def pending_items(cache: Any, limit: int = PENDING_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """Outbox events waiting to be sent (oldest first), and how many are held
    back behind an unresolved problem of the same case."""
    items = cache.pending_events(limit)
    held = int(cache.outbox_counts().get("held", 0))
    return items, held


@dataclass
class WorkLists:
    """Everything the home screen lists, read in one go."""

    today: list[dict[str, Any]]
    drafts: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    held: int
    problems: list[dict[str, Any]]
    names: Names


def load_worklists(cache: Any, operator_id: str, language: str, names: Names | None = None) -> WorkLists:
    pending, held = pending_items(cache)
    return WorkLists(
        today=my_cases_today(cache, operator_id),
        drafts=cache.drafts(),
        pending=pending,
        held=held,
        problems=cache.problems(),
        names=load_names(cache, language, names),
    )


def interpreter_summary(text: str) -> str | None:
    """An interpreter note (see operator_tui.interpreter) in the UI language, else None."""
    mark = parse_note(text)
    if mark is None:
        return None
    here = clock.to_centre(mark.at)
    message = _("Interpreter joined: {language}, {id}, {time}") if mark.action == JOINED \
        else _("Interpreter left: {language}, {id}, {time}")
    return message.format(language=i18n.language_name(mark.language), id=mark.interpreter_id,
                          time=i18n.format_time(here))


def _edited_value(name: str, value: Any, n: Names) -> str:
    if name in ("channel", "appeal_type", "urgency"):
        return vocab.label(name, value)
    if name == "district":
        return n.district(str(value or ""))
    if name == "language":
        return i18n.language_name(str(value or ""))
    if name == "phone":  # history and outbox rows never show a number in full
        return mask_phone(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def payload_summary(kind: str, payload: dict[str, Any], names: Names | None = None) -> str:
    """One line describing an event's payload in the UI language (untrusted:
    clean before showing)."""
    p = payload or {}
    n = names or Names()
    if kind == "created":
        bits = [n.category(p.get("category_code", "")), p.get("description", "")]
        return " · ".join(b for b in bits if b)
    if kind == "edited":
        return ", ".join(f"{vocab.label('field', k)}={_edited_value(k, v, n)}"
                         for k, v in (p.get("fields") or {}).items())
    if kind == "categorized":
        return n.category_path(p.get("category_code", ""))
    if kind == "dispatched":
        co = ", ".join(n.department(d) for d in p.get("co_departments") or [])
        text = n.department(p.get("department", ""))
        return text + (f" (+ {co})" if co else "") + (f" · {p['note']}" if p.get("note") else "")
    if kind == "signed":
        return str(p.get("note", ""))
    if kind == "returned":
        reason = vocab.label("return_reason", p.get("reason", "")) if p.get("reason") else ""
        return " · ".join(x for x in (reason, p.get("text", "")) if x)
    if kind == "extended":
        action = vocab.label("extension_action", p.get("action", "")) if p.get("action") else ""
        hours = _("{n} h").format(n=p["hours"]) if p.get("hours") else ""
        return " · ".join(str(x) for x in (action, hours, p.get("reason", "")) if x)
    if kind == "resolved":
        mode = vocab.label("resolve_mode", p.get("mode", "")) if p.get("mode") else ""
        return " · ".join(x for x in (mode, p.get("result", "")) if x)
    if kind == "callback":
        outcome = vocab.label("satisfaction", p.get("satisfaction", "")) if p.get("satisfaction") else ""
        return " · ".join(str(x) for x in (outcome, p.get("note", "")) if x)
    if kind == "reopened":
        mode = vocab.label("reopen_mode", p.get("mode", "")) if p.get("mode") else ""
        return " · ".join(x for x in (mode, p.get("reason", "")) if x)
    if kind == "merged":
        return _("into {case_no}").format(case_no=p.get("into", ""))
    if kind == "note":
        text = str(p.get("text", ""))
        return interpreter_summary(text) or text
    if kind == "phone_revealed":
        return _("the full phone number was shown (recorded in the audit log)")
    return ", ".join(f"{k}={v}" for k, v in p.items())
