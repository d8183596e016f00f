"""Pure helpers that turn case states into the cache's indexed columns."""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .textindex import index_text

OPEN_STATES = ("pending", "rejected", "conflict")
# Case statuses with work still to do: never pruned by age. The same as
# operator_tui.domain.UNFINISHED_STATUSES (a test checks), spelled out here so
# that the cache does not import the domain.
UNFINISHED_STATUSES = ("open", "dispatched", "signed", "returned", "escalated")
PROBLEM_STATES = ("rejected", "conflict")

# The indexed columns derived from a case state, in this order.
CASE_COLS = (
    "case_no",
    "phone",
    "phone_rev",
    "status",
    "category_code",
    "district",
    "address",
    "lead_department",
    "created_at",
    "updated_at",
    "version",
)
TEXT_FIELDS = ("name", "address", "description")


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in the cache")


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is; a lone surrogate (a server's "\\ud800",
    which UTF-8 and so SQLite cannot hold) stays escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
    if _SURROGATE.search(text):
        return json.dumps(value, separators=(",", ":"), default=_default)
    return text


def as_dict(value: Any) -> dict[str, Any]:
    """A plain dict from a dict, a pydantic model or a dataclass with to_dict()."""
    if isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"expected a dict, got {type(value).__name__}")


def utc_key(value: str | datetime | None) -> str:
    """An ISO 8601 time as fixed-width UTC text that sorts correctly.

    Naive times are taken as UTC. Text that does not parse is kept as is.
    """
    if not value:
        return ""
    if isinstance(value, str):
        if len(value) == 27 and value[10] == "T" and value[19] == "." and value[-1] == "Z":
            return value  # already YYYY-MM-DDTHH:MM:SS.ffffffZ (operator_tui.clock.iso)
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        dt = value
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.isoformat(timespec="microseconds") + "Z"


def now_key() -> str:
    return utc_key(datetime.now(timezone.utc))


def days_ago_key(days: float) -> str:
    return utc_key(datetime.now(timezone.utc) - timedelta(days=days))


def now_epoch() -> float:
    return time.time()


def phone_e164(value: str) -> str:
    """The stored phone as E.164; tries to normalize text that is not yet."""
    if not value or value.startswith("+"):
        return value or ""
    from operator_tui.protocol import normalize_phone

    try:
        return normalize_phone(value)
    except ValueError:
        return value


_NON_DIGITS = re.compile(r"[^0-9]+")


def digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def case_text(state: dict[str, Any]) -> str:
    return index_text(*(str(state.get(f) or "") for f in TEXT_FIELDS))


def text_of(state: dict[str, Any] | None) -> tuple[str, ...]:
    if not state:
        return ("",) * len(TEXT_FIELDS)
    return tuple(str(state.get(f) or "") for f in TEXT_FIELDS)


def case_columns(
    state: dict[str, Any], fallback_time: str = "", touched_at: str = ""
) -> tuple[Any, ...]:
    """The CASE_COLS values for *state*.

    ``created_at`` is the server time of creation, else the client's, else
    *fallback_time* (local writes pass now); ``updated_at`` likewise falls back
    to created_at; *touched_at* (a local write) overrides updated_at. Both are
    UTC keys (see :func:`utc_key`).
    """
    case_no = state["case_no"]
    phone = phone_e164(str(state.get("phone") or ""))
    created = utc_key(state.get("created_at") or state.get("client_created_at")) or fallback_time
    updated = touched_at or utc_key(state.get("updated_at")) or fallback_time or created
    return (
        case_no,
        phone,
        digits(phone)[::-1],  # for "ends with" searches
        str(state.get("status") or ""),
        str(state.get("category_code") or ""),
        str(state.get("district") or ""),
        str(state.get("address") or ""),
        str(state.get("lead_department") or ""),
        created,
        updated,
        int(state.get("version") or 0),
    )
