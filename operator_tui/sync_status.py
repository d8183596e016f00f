"""What the sync engine tells the UI: a frozen snapshot, cheap to import.

Kept apart from :mod:`operator_tui.sync` so that the status bar and the app
shell can name it without loading httpx and the wire models before the
first frame.
"""

from __future__ import annotations

from dataclasses import dataclass


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
