"""LocalCache: the seat's SQLite store.

Threads: one :class:`LocalCache` object may be shared by every thread of the
app. Each thread gets its own sqlite3 connection on first use (thread-local);
connections of threads that have ended are closed when a new one is made and
all are closed by :meth:`LocalCache.close`, which must only be called when no
other thread is still using the cache. Opening the same file several times
(several objects, several processes) is fine too. Writes take SQLite's write
lock up front (``BEGIN IMMEDIATE``, waiting up to 10 s); in WAL mode readers
never wait for a writer.

Durability: WAL with ``synchronous=FULL``, so a committed write (a draft
keystroke, a local change and its outbox row) survives a power cut.
"""

from __future__ import annotations

import contextlib
import json
import threading
import weakref
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import schema
from ._db import connect, prepare_path, tighten_files, transaction
from ._rows import OPEN_STATES, dumps, now_key, utc_key
from .cases import CasesMixin
from .errors import (
    CacheClosedError,
    CacheError,
    CaseNumbersExhaustedError,
    PendingChangesError,
    SeatUnknownError,
)
from .outbox import OutboxMixin
from .reference import ReferenceMixin
from .search import SearchMixin

# Well-known sync-state keys (any other key may be used too).
STATE_KEYS = (
    "cursor", "last_contact", "last_success", "seat_no", "seat_key", "operator_id", "role",
)


class LocalCache(CasesMixin, OutboxMixin, SearchMixin, ReferenceMixin):
    """The seat's local store. Open with :meth:`open` (or the constructor)."""

    def __init__(self, path: str | Path):
        self._path = prepare_path(path)
        self._closed = False
        self._lock = threading.Lock()
        self._tls = threading.local()
        self._conns: dict[int, tuple[weakref.ref[threading.Thread], Any]] = {}
        try:
            self._schema_version = schema.migrate(self._conn(), self._path)
        except BaseException:
            self.close()
            raise
        tighten_files(self._path)

    @classmethod
    def open(cls, path: str | Path) -> "LocalCache":
        """Open (creating or upgrading) the cache file at *path*.

        Raises SchemaTooNewError for a file of a newer program and
        NotACacheError for an SQLite file that is not a cache.
        """
        return cls(path)

    # --- connections -------------------------------------------------------------

    def _conn(self) -> Any:
        if self._closed:
            raise CacheClosedError(f"the cache {self._path} is closed")
        conn = getattr(self._tls, "conn", None)
        if conn is None:
            conn = connect(self._path)
            with self._lock:
                for key, (thread_ref, old) in list(self._conns.items()):
                    thread = thread_ref()
                    if thread is None or not thread.is_alive():
                        old.close()
                        del self._conns[key]
                self._conns[id(conn)] = (weakref.ref(threading.current_thread()), conn)
            self._tls.conn = conn
        return conn

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Any]:
        with transaction(self._conn()) as c:
            yield c

    def close(self) -> None:
        """Close every connection (of all threads). Further use raises CacheClosedError."""
        self._closed = True
        with self._lock:
            for _, conn in self._conns.values():
                with contextlib.suppress(Exception):
                    conn.close()
            self._conns.clear()
        self._tls = threading.local()

    def __enter__(self) -> "LocalCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def schema_version(self) -> int:
        return self._schema_version

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read query on this thread's connection (the list
        screens' own queries; without sqlite_utils, whose click and pluggy
        imports held up the first frame)."""
        return self._conn().execute(sql, params).fetchall()

    @property
    def db(self) -> Any:
        """This thread's connection as a ``sqlite_utils.Database`` (for inspection)."""
        import sqlite_utils

        conn = self._conn()
        db = getattr(self._tls, "db", None)
        if db is None or db.conn is not conn:
            db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
            self._tls.db = db
        return db

    def checkpoint(self) -> None:
        """Copy the WAL into the main file and truncate it."""
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- sync state --------------------------------------------------------------

    @staticmethod
    def _state_value(c: Any, key: str, default: Any = None) -> Any:
        row = c.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    @staticmethod
    def _set_state_value(c: Any, key: str, value: Any) -> None:
        c.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, dumps(value)),
        )

    def get_state(self, key: str, default: Any = None) -> Any:
        """A sync-state value (any JSON value); *default* when unset."""
        return self._state_value(self._conn(), key, default)

    def set_state(self, key: str, value: Any) -> None:
        """Store a sync-state value (cursor, last_contact, operator_id, ...)."""
        self._set_state_value(self._conn(), key, value)

    # --- seat and case numbers ---------------------------------------------------

    @property
    def seat_no(self) -> int | None:
        return self.get_state("seat_no")

    def set_seat(
        self, seat_no: int, last_used: int | str = 0, day: date | None = None
    ) -> None:
        """Store the seat number from login and raise the case counter so it
        never goes below what the server says this seat used.

        *last_used* is either the highest daily sequence used on *day*
        (default the centre's today: the date in the numbers made now) or the
        newest case number this seat made (protocol.LoginResponse.last_case_no;
        its own date counts, and a number of another seat is ignored). '' or
        0: nothing known.
        """
        from operator_tui.case_numbers import MAX_SEAT, parse_case_no
        from operator_tui.clock import centre_today

        if not 1 <= int(seat_no) <= MAX_SEAT:
            raise ValueError(f"seat number must be 1..{MAX_SEAT}, got {seat_no}")
        seat_no = int(seat_no)
        floor: tuple[date, int] | None = None
        if isinstance(last_used, str):
            if last_used:
                used_day, used_seat, seq = parse_case_no(last_used)  # ValueError if malformed
                if used_seat == seat_no:
                    floor = (used_day, seq)
        elif last_used:
            floor = (day or centre_today(), int(last_used))
        with self._tx() as c:
            self._set_state_value(c, "seat_no", seat_no)
            if floor is not None:
                c.execute(
                    "INSERT INTO case_seq (day, seat_no, seq) VALUES (?, ?, ?) "
                    "ON CONFLICT(day, seat_no) DO UPDATE SET seq = max(seq, excluded.seq)",
                    (floor[0].isoformat(), seat_no, floor[1]),
                )

    def next_case_no(self, day: date) -> str:
        """The next case number of this seat for *day* (its local date); durable.

        Skips numbers already present in the cache or in a draft. Raises
        SeatUnknownError before the first login, CaseNumbersExhaustedError
        after 9999 cases in a day.
        """
        from operator_tui.case_numbers import MAX_DAILY, make_case_no

        with self._tx() as c:
            seat = self._state_value(c, "seat_no")
            if not seat:
                raise SeatUnknownError(
                    "this seat has no seat number yet: log in to the central server once "
                    "before taking cases offline"
                )
            row = c.execute(
                "SELECT seq FROM case_seq WHERE day = ? AND seat_no = ?", (day.isoformat(), seat)
            ).fetchone()
            seq = (row[0] if row else 0) + 1
            while True:
                if seq > MAX_DAILY:
                    raise CaseNumbersExhaustedError(
                        f"seat {seat} has used all {MAX_DAILY} case numbers for {day}"
                    )
                case_no = make_case_no(day, seat, seq)
                used = c.execute(
                    "SELECT 1 FROM cases WHERE case_no = ? UNION ALL "
                    "SELECT 1 FROM drafts WHERE case_no = ?",
                    (case_no, case_no),
                ).fetchone()
                if not used:
                    break
                seq += 1
            c.execute(
                "INSERT INTO case_seq (day, seat_no, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(day, seat_no) DO UPDATE SET seq = excluded.seq",
                (day.isoformat(), seat, seq),
            )
        return case_no

    # --- drafts ------------------------------------------------------------------

    def save_draft(
        self,
        draft_id: str,
        fields: dict[str, Any],
        started_at: str | datetime | None = None,
        case_no: str | None = None,
    ) -> None:
        """Create or update a draft: one statement, cheap enough per keystroke.

        ``started_at`` (handle time) is kept from the first save (default: now);
        ``case_no`` once given is kept when later saves pass None.
        """
        now = now_key()
        if isinstance(started_at, datetime):
            started_at = utc_key(started_at)
        self._conn().execute(
            "INSERT INTO drafts (draft_id, fields, started_at, updated_at, case_no) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(draft_id) DO UPDATE SET "
            "fields = excluded.fields, updated_at = excluded.updated_at, "
            "case_no = coalesce(excluded.case_no, drafts.case_no), "
            "started_at = CASE WHEN drafts.started_at = '' THEN excluded.started_at "
            "ELSE drafts.started_at END",
            (draft_id, dumps(fields), started_at or now, now, case_no),
        )

    def _draft_rows(self, where: str = "", args: tuple = ()) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT draft_id, fields, started_at, updated_at, case_no FROM drafts "
            f"{where} ORDER BY updated_at DESC",
            args,
        ).fetchall()
        return [
            {"draft_id": r[0], "fields": json.loads(r[1]), "started_at": r[2],
             "updated_at": r[3], "case_no": r[4]}
            for r in rows
        ]

    def drafts(self) -> list[dict[str, Any]]:
        """All drafts, most recently saved first: draft_id, fields, started_at,
        updated_at (ISO, UTC), case_no (None until assigned)."""
        return self._draft_rows()

    def draft(self, draft_id: str) -> dict[str, Any] | None:
        found = self._draft_rows("WHERE draft_id = ?", (draft_id,))
        return found[0] if found else None

    def delete_draft(self, draft_id: str) -> bool:
        """Delete a draft; True if it existed."""
        cur = self._conn().execute("DELETE FROM drafts WHERE draft_id = ?", (draft_id,))
        return cur.rowcount > 0

    # --- personal data -----------------------------------------------------------

    def wipe_personal_data(self, *, discard_drafts: bool = False) -> None:
        """Delete every case, event, outbox row, draft and the case search index.

        Refuses with PendingChangesError while changes are unsent or unresolved
        (pending, rejected, conflict), and while drafts exist unless
        *discard_drafts*. Keeps reference data (categories, KB...), the seat
        number and the case number counters (numbers are never reused);
        forgets the pull cursor (the next login fetches again) and which
        operator was logged in.

        Nothing of the deleted data is left on disk: deleted pages are zeroed
        (secure_delete), the file is rebuilt without free pages (VACUUM) and
        the WAL is truncated to zero bytes. Raises CacheError if another
        connection's open read keeps the WAL from being emptied (then call
        again when it is done; the rows are gone already).
        """
        with self._tx() as c:
            open_items = c.execute(
                "SELECT count(*) FROM outbox WHERE state IN (?, ?, ?)", OPEN_STATES
            ).fetchone()[0]
            if open_items:
                raise PendingChangesError(
                    f"{open_items} change(s) are not yet on the central server (unsent, "
                    "rejected or in conflict); sync and resolve them before wiping personal data"
                )
            drafts = c.execute("SELECT count(*) FROM drafts").fetchone()[0]
            if drafts and not discard_drafts:
                raise PendingChangesError(
                    f"{drafts} draft case(s) are open; finish or discard them before wiping "
                    "personal data (or pass discard_drafts=True)"
                )
            c.execute("INSERT INTO cases_fts(cases_fts) VALUES ('delete-all')")
            for table in ("cases", "events", "outbox", "drafts"):
                c.execute(f"DELETE FROM {table}")
            self._set_state_value(c, "cursor", "")
            c.execute("DELETE FROM sync_state WHERE key IN ('operator_id', 'role')")
        self.scrub_free_space()

    def scrub_free_space(self) -> None:
        """Rebuild the file without free pages (VACUUM) and empty the WAL."""
        conn = self._conn()
        conn.execute("VACUUM")
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise CacheError(
                f"the cache {self._path} is in use by another program, so its journal still holds "
                "deleted data; close it and try again"
            )
