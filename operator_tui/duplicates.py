"""Duplicate cases and the callers of a master case, from the seat's cache.

Pure functions over a :class:`local_cache.LocalCache` (no Textual, no
network), so they work offline and in a worker thread (the cache gives each
thread its own connection).

* :func:`duplicate_candidates` — open cases that a new case looks like:
  the same caller (any open case of that phone), or the same category in the
  same district or at the same address, created within a window (48 h by
  default; ``duplicate_window_hours`` in the config).
* :func:`choose_master` — the rule for a merge: the older case is the master.
* :func:`callers_of` — everyone who called about a master case: the master
  and every case merged into it (merges may chain), with their phones, so a
  callback reaches all of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import clock
from .domain import DISTRICTS

OPEN_STATUSES = ("open", "dispatched", "signed", "returned", "escalated")
DEFAULT_WINDOW_HOURS = 48.0
MAX_CANDIDATES = 8
SCAN_LIMIT = 500  # newest cases of one category in the window looked at
MAX_DEPTH = 20  # merge chains followed at most this deep
MIN_ADDRESS = 4  # characters an address needs before "contains" counts

# Reasons, strongest first.
PHONE, ADDRESS, DISTRICT = "phone", "address", "district"
REASON_ORDER = {PHONE: 0, ADDRESS: 1, DISTRICT: 2}


@dataclass(frozen=True)
class Candidate:
    """An open case that a new case looks like, and why."""

    case: dict[str, Any]
    reasons: tuple[str, ...]

    @property
    def case_no(self) -> str:
        return str(self.case["case_no"])

    def describe(self) -> str:
        """The reasons in words: 'same caller', 'same category + address'..."""
        words = []
        if PHONE in self.reasons:
            words.append("same caller")
        if ADDRESS in self.reasons:
            words.append("same category + address")
        elif DISTRICT in self.reasons:
            words.append("same category + district")
        return ", ".join(words)


@dataclass(frozen=True)
class Caller:
    """One caller of a master case (the master's own or a merged case's)."""

    case_no: str
    phone: str
    name: str
    language: str
    interpreter: bool
    channel: str
    created_at: str
    merged_into: str


@dataclass(frozen=True)
class CallerGroup:
    """A master case and everyone who called about it (master first)."""

    master: str
    status: str
    callers: tuple[Caller, ...]

    @property
    def phones(self) -> list[str]:
        """Distinct phone numbers, in the order of :attr:`callers`."""
        return list(dict.fromkeys(c.phone for c in self.callers if c.phone))

    @property
    def case_nos(self) -> list[str]:
        return [c.case_no for c in self.callers]

    @property
    def merged(self) -> tuple[Caller, ...]:
        """The callers of the cases merged into the master (not the master's own)."""
        return self.callers[1:]


def window_hours() -> float:
    """The configured window for 'same category and place' (hours)."""
    from . import config

    try:
        hours = float(getattr(config.load(), "duplicate_window_hours", DEFAULT_WINDOW_HOURS))
    except (config.ConfigError, TypeError, ValueError):
        return DEFAULT_WINDOW_HOURS
    return hours if hours > 0 else DEFAULT_WINDOW_HOURS


# --- candidates ----------------------------------------------------------------


def normalize_address(text: str, district: str = "") -> str:
    """An address reduced for comparison: NFKC, lower case, no spaces or
    punctuation, without a leading city and district name."""
    value = unicodedata.normalize("NFKC", text or "").lower()
    value = "".join(ch for ch in value if ch.isalnum())
    for prefix in ("北京市", "北京", "beijing"):
        value = value.removeprefix(prefix)
    names = [DISTRICTS[district]] if district in DISTRICTS else list(DISTRICTS.values())
    for zh, en in names:
        for name in (zh, zh.removesuffix("区"), en.lower() + "district", en.lower()):
            if name and value.startswith(name):
                return value[len(name):]
    return value


def same_address(a: str, b: str, district: str = "") -> bool:
    """Equal after :func:`normalize_address`, or one contains the other (both long enough)."""
    x, y = normalize_address(a, district), normalize_address(b, district)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    return len(short) >= MIN_ADDRESS and short in long_


def _key(moment: datetime) -> str:
    return clock.iso(moment)


def _open(case: dict[str, Any]) -> bool:
    return str(case.get("status") or "") in OPEN_STATUSES


def _created(case: dict[str, Any]) -> str:
    return str(case.get("created_at") or case.get("client_created_at") or "")


def duplicate_candidates(cache: Any, fields: dict[str, Any], window_hours: float = DEFAULT_WINDOW_HOURS, *,
                         exclude: tuple[str, ...] | set[str] = (), limit: int = MAX_CANDIDATES,
                         now: datetime | None = None) -> list[Candidate]:
    """Open cases that a case with *fields* (the form's or a CaseState's keys:
    phone, category_code, district, address) looks like, strongest first.

    Same caller: every open case of the phone (the cache's caller history, a
    year). Same category in the same district, or at the same address (see
    :func:`same_address`): open cases created within *window_hours*. Merged,
    resolved and closed cases are never candidates; *exclude* (the new
    case's own number) neither.
    """
    now = now or clock.now()
    skip = set(exclude)
    found: dict[str, set[str]] = {}
    cases: dict[str, dict[str, Any]] = {}

    def add(case: dict[str, Any], reason: str) -> None:
        if case["case_no"] in skip or not _open(case):
            return
        cases.setdefault(case["case_no"], case)
        found.setdefault(case["case_no"], set()).add(reason)

    phone = str(fields.get("phone") or "").strip()
    if phone:
        for case in cache.caller_history(phone, days=365, limit=200):  # [] for an unfinished number
            add(case, PHONE)
    category = str(fields.get("category_code") or "")
    district = str(fields.get("district") or "")
    address = str(fields.get("address") or "")
    if category and (district or address.strip()):
        since = _key(now - timedelta(hours=window_hours))
        for case in cache.cases_of_category(category, since, OPEN_STATUSES, SCAN_LIMIT):
            if address and same_address(address, str(case.get("address") or ""), district):
                add(case, ADDRESS)
            elif district and case.get("district") == district:
                add(case, DISTRICT)
    ranked = sorted(
        (Candidate(cases[no], tuple(sorted(reasons, key=REASON_ORDER.__getitem__))) for no, reasons in found.items()),
        key=lambda c: _created(c.case), reverse=True,
    )
    ranked.sort(key=lambda c: min(REASON_ORDER[r] for r in c.reasons))
    return ranked[:limit]


# --- merging -------------------------------------------------------------------------


def choose_master(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(master, duplicate) of two cases: the older one is the master
    (by creation time, then by case number)."""
    first, second = sorted((a, b), key=lambda c: (_created(c) or "~", str(c["case_no"])))
    return first, second


def master_of(cache: Any, case_no: str) -> dict[str, Any] | None:
    """The case at the top of *case_no*'s merge chain (itself when not merged);
    None when the cache does not have it."""
    case = cache.case(case_no)
    seen: set[str] = set()
    while case is not None and case.get("merged_into") and len(seen) < MAX_DEPTH:
        seen.add(case["case_no"])
        if case["merged_into"] in seen:
            break
        above = cache.case(case["merged_into"])
        if above is None:
            break
        case = above
    return case


def merge_target(cache: Any, case_no: str) -> str:
    """Where a case merged 'into *case_no*' must go: the top of its chain
    (the server refuses a merge into a case that is itself merged)."""
    top = master_of(cache, case_no)
    return str(top["case_no"]) if top is not None else case_no


def callers_of(cache: Any, master_case_no: str) -> CallerGroup:
    """The master of *master_case_no* and the callers of its whole group:
    the master first, then the cases merged into it (and into those), oldest
    first. From the cache only; a master it does not have gives an empty group.
    """
    master = master_of(cache, master_case_no)
    if master is None:
        return CallerGroup(master_case_no, "", ())
    group = [master]
    seen = {master["case_no"]}
    frontier = [master]
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        found = [c for c in cache.merged_into([c["case_no"] for c in frontier]) if c["case_no"] not in seen]
        found.sort(key=lambda c: (_created(c), c["case_no"]))
        seen.update(c["case_no"] for c in found)
        group += found
        frontier = found
    return CallerGroup(
        str(master["case_no"]), str(master.get("status") or ""),
        tuple(_caller(c) for c in group),
    )


def _caller(case: dict[str, Any]) -> Caller:
    return Caller(
        case_no=str(case["case_no"]),
        phone=str(case.get("phone") or ""),
        name=str(case.get("name") or ""),
        language=str(case.get("language") or ""),
        interpreter=bool(case.get("interpreter")),
        channel=str(case.get("channel") or ""),
        created_at=_created(case),
        merged_into=str(case.get("merged_into") or ""),
    )


def merge(seat: Any, case_no: str, into: str) -> Any:
    """Record that *case_no* is a duplicate of *into* (its master is used);
    returns the new state. Raises domain.Rejected / ValueError like Seat.record."""
    from .domain import EventType

    return seat.record(case_no, EventType.MERGED, {"into": merge_target(seat.cache, into)})
