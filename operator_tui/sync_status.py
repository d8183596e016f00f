"""What the sync engine tells the UI (a frozen snapshot), and what it keeps
of it in the cache for ``operator-tui sync status``; cheap to import.

Kept apart from :mod:`operator_tui.sync` so that the status bar and the app
shell can name it without loading httpx and the wire models before the
first frame.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STATUS_KEY = "sync_status"  # the cache state the engine records the connection in


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows about the connection and the outbox."""

    online: bool = False
    offline_since: str = ""
    syncing: bool = False
    outbox_depth: int = 0
    oldest_pending_seconds: float | None = None
    last_success: str = ""
    problems: int = 0  # rejected or conflicting changes awaiting a person
    login_required: bool = False
    last_error: str = ""


def cache_status(cache: Any) -> dict[str, Any]:
    """The seat's sync state as kept in its cache, for `sync status` (no network).

    Keys: online, offline_since, last_success, login_required, last_error,
    recorded_at, server_url (as the engine last recorded them), outbox
    (counts per state, plus ``held``), outbox_depth, oldest_pending_seconds,
    problems (list, see LocalCache.problems), cursor, change_seq (the change
    number behind the cursor, or None), seat_no, operator_id.
    """
    from .protocol import decode_cursor

    saved = cache.get_state(STATUS_KEY) or {}
    if not isinstance(saved, dict):
        saved = {}
    base = asdict(SyncStatus())
    cursor = cache.get_state("cursor", "") or ""
    try:
        seq: int | None = decode_cursor(cursor) if cursor else None
    except ValueError:
        seq = None
    return {
        "online": bool(saved.get("online", base["online"])),
        "offline_since": str(saved.get("offline_since") or ""),
        "last_success": str(saved.get("last_success") or cache.get_state("last_success", "") or ""),
        "login_required": bool(saved.get("login_required", False)),
        "last_error": str(saved.get("last_error") or ""),
        "recorded_at": str(saved.get("recorded_at") or ""),
        "server_url": str(saved.get("server_url") or ""),
        "outbox": cache.outbox_counts(),
        "outbox_depth": cache.outbox_depth(),
        "oldest_pending_seconds": cache.oldest_pending_age_seconds(),
        "problems": cache.problems(),
        "cursor": cursor,
        "change_seq": seq,
        "seat_no": cache.get_state("seat_no"),
        "operator_id": cache.get_state("operator_id", ""),
    }
