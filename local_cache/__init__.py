"""local_cache: the seat's SQLite store (sqlite-utils/sqlite3, no Textual, no HTTP).

Schema + migrations, cached cases with a local overlay, the outbox of local
changes, drafts, reference data, sync state, per-day case numbers and the
search indexes (caller history, KB full text with CJK bigrams, case lookup).

Importing this package loads only the standard library and this package;
pydantic/phonenumbers (via operator_tui.protocol) and sqlite_utils are
imported on first use.
"""

from __future__ import annotations

from .errors import (
    CacheClosedError,
    CacheError,
    CaseNumbersExhaustedError,
    DuplicateEventError,
    NotACacheError,
    NotAProblemError,
    PendingChangesError,
    SchemaTooNewError,
    SeatUnknownError,
)
from .search import KbHit
from .store import LocalCache

__all__ = [
    "CacheClosedError",
    "CacheError",
    "CaseNumbersExhaustedError",
    "DuplicateEventError",
    "KbHit",
    "LocalCache",
    "NotACacheError",
    "NotAProblemError",
    "PendingChangesError",
    "SchemaTooNewError",
    "SeatUnknownError",
]
