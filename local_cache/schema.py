"""The cache schema and its migrations, run on open.

The version lives in ``PRAGMA user_version`` and the file is marked as ours
with ``PRAGMA application_id``. Each migration runs in its own
``BEGIN IMMEDIATE`` transaction together with the version bump (SQLite DDL is
transactional), so a failed upgrade leaves the file at the old version with
its data; an old cache file is upgraded, never deleted. A file with a version
above :data:`LATEST` is refused with :class:`SchemaTooNewError` and not touched.

To change the schema append a function to :data:`MIGRATIONS`; never edit one
that has shipped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ._db import transaction
from ._rows import CASE_COLS, case_columns, case_text, dumps
from .errors import NotACacheError, SchemaTooNewError
from .textindex import SEGMENTER_VERSION, index_text

APPLICATION_ID = 0x4F505443  # "OPTC"
FTS_TOKENIZER = "unicode61 remove_diacritics 2"
_PHONE, _PHONE_REV = CASE_COLS.index("phone"), CASE_COLS.index("phone_rev")
MERGED_INTO = "json_extract(state, '$.merged_into')"  # indexed for merged cases (v4)


def _v1_core(conn: sqlite3.Connection) -> None:
    """Cases, events, outbox, drafts, reference data, sync state, case numbers."""
    _script(
        conn,
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            case_no TEXT NOT NULL UNIQUE,
            phone TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '',
            category_code TEXT NOT NULL DEFAULT '',
            district TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            lead_department TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0,        -- version of `state`
            server_version INTEGER NOT NULL DEFAULT 0, -- highest version the server confirmed
            local INTEGER NOT NULL DEFAULT 0,          -- 1: `state` is a local overlay
            state TEXT NOT NULL,                       -- what the seat shows (JSON)
            server_state TEXT                          -- server's state while local = 1
        );
        CREATE INDEX cases_phone ON cases(phone, created_at);
        CREATE INDEX cases_updated ON cases(updated_at);
        CREATE INDEX cases_local ON cases(local) WHERE local = 1;

        CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            case_no TEXT NOT NULL,
            seq INTEGER,                    -- server change number; NULL until known
            version INTEGER NOT NULL DEFAULT 0,
            type TEXT NOT NULL,
            actor_id TEXT NOT NULL DEFAULT '',
            actor_role TEXT NOT NULL DEFAULT '',
            client_time TEXT NOT NULL DEFAULT '',
            server_time TEXT NOT NULL DEFAULT '',
            payload TEXT NOT NULL DEFAULT '{}',
            local INTEGER NOT NULL DEFAULT 0 -- 1: made here, not yet confirmed
        );
        CREATE INDEX events_case ON events(case_no, seq);

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            case_no TEXT NOT NULL,
            type TEXT NOT NULL,
            event TEXT NOT NULL,            -- protocol.EventIn as JSON
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                ('pending', 'delivered', 'rejected', 'conflict', 'discarded')),
            reason TEXT NOT NULL DEFAULT '',
            conflict_fields TEXT NOT NULL DEFAULT '[]',
            server_case TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,       -- epoch seconds
            updated_at REAL NOT NULL,
            last_attempt_at REAL,
            result_seq INTEGER,
            result_version INTEGER,
            actor_id TEXT NOT NULL DEFAULT '',
            actor_role TEXT NOT NULL DEFAULT '',
            replaced_event_ids TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX outbox_state ON outbox(state, id);
        CREATE INDEX outbox_case ON outbox(case_no, state);

        CREATE TABLE drafts (
            draft_id TEXT PRIMARY KEY,
            fields TEXT NOT NULL,
            started_at TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            case_no TEXT
        );

        CREATE TABLE reference (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL,
            UNIQUE (kind, key)
        );
        CREATE TABLE reference_versions (kind TEXT PRIMARY KEY, version INTEGER NOT NULL);

        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE case_seq (
            day TEXT NOT NULL,
            seat_no INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (day, seat_no)
        );
        """
    )


def _v2_search(conn: sqlite3.Connection) -> None:
    """Search: reversed phone digits ("ends with"), FTS5 for cases and the KB."""
    conn.execute("ALTER TABLE cases ADD COLUMN phone_rev TEXT NOT NULL DEFAULT ''")
    _script(
        conn,
        f"""
        CREATE INDEX cases_phone_rev ON cases(phone_rev);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE VIRTUAL TABLE cases_fts USING fts5(
            text, content='', detail=none, tokenize='{FTS_TOKENIZER}'
        );
        CREATE VIRTUAL TABLE kb_fts USING fts5(
            title, tags, body, lang, content='', prefix='1', tokenize='{FTS_TOKENIZER}'
        );
        """
    )
    rebuild_search(conn)


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the current transaction.

    (``executescript`` would COMMIT the open transaction first.)
    """
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            conn.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement: {buf.strip()[:60]}")


def _v3_category_usage(conn: sqlite3.Connection) -> None:
    """How often and when this seat used each category (for the picker's order)."""
    conn.execute(
        "CREATE TABLE category_usage ("
        " code TEXT PRIMARY KEY, uses INTEGER NOT NULL DEFAULT 0, last_used TEXT NOT NULL DEFAULT '')"
    )


def _v4_duplicates(conn: sqlite3.Connection) -> None:
    """Duplicates at intake: open cases of one category by time, and the
    cases merged into a master (operator_tui.duplicates)."""
    conn.execute("CREATE INDEX cases_category ON cases(category_code, created_at)")
    conn.execute(
        f"CREATE INDEX cases_merged_into ON cases({MERGED_INTO}) WHERE status = 'merged'"
    )


def _v5_status_lists(conn: sqlite3.Connection) -> None:
    """The lists read by status (department inbox, callback list, extension
    requests, dispatch queue) without scanning a centre-sized cache."""
    conn.execute("CREATE INDEX cases_status ON cases(status, updated_at)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_core,
    _v2_search,
    _v3_category_usage,
    _v4_duplicates,
    _v5_status_lists,
]
LATEST = len(MIGRATIONS)


def kb_index_values(data: dict) -> tuple[str, str, str, str]:
    """The kb_fts column values (title, tags, body, lang) of one article."""
    return (
        index_text(str(data.get("title") or "")),
        index_text(*(str(t) for t in data.get("tags") or [])),
        index_text(str(data.get("body") or "")),
        index_text(str(data.get("language") or "")),
    )


def rebuild_search(conn: sqlite3.Connection) -> None:
    """Recompute the derived case columns and both FTS indexes from the rows.

    Runs inside the caller's transaction (a migration, or an open that finds
    the index made by another segmenter version).
    """
    conn.execute("INSERT INTO cases_fts(cases_fts) VALUES ('delete-all')")
    conn.execute("INSERT INTO kb_fts(kb_fts) VALUES ('delete-all')")
    batch: list[tuple] = []
    fts: list[tuple] = []
    rows = conn.execute("SELECT id, state FROM cases ORDER BY id").fetchall()
    for rid, state_json in rows:
        state = json.loads(state_json)
        cols = case_columns(state)
        batch.append((cols[_PHONE], cols[_PHONE_REV], rid))
        fts.append((rid, case_text(state)))
    conn.executemany(
        "UPDATE cases SET phone = ?, phone_rev = ? WHERE id = ?", batch
    )
    conn.executemany("INSERT INTO cases_fts(rowid, text) VALUES (?, ?)", fts)
    kb = conn.execute("SELECT id, data FROM reference WHERE kind = 'kb'").fetchall()
    conn.executemany(
        "INSERT INTO kb_fts(rowid, title, tags, body, lang) VALUES (?, ?, ?, ?, ?)",
        [(rid, *kb_index_values(json.loads(data))) for rid, data in kb],
    )
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('segmenter_version', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (dumps(SEGMENTER_VERSION),),
    )


def version_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _check_identity(conn: sqlite3.Connection, path: Path) -> int:
    version = version_of(conn)
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id not in (0, APPLICATION_ID):
        raise NotACacheError(f"{path} is an SQLite file of another program, not an operator-tui cache")
    if version > LATEST:
        raise SchemaTooNewError(
            f"the cache file {path} has schema version {version}, but this operator-tui "
            f"only knows versions up to {LATEST}: it was written by a newer program. "
            "Run the newer operator-tui, or move the file away to start a new cache "
            "(unsent changes in it would be lost)."
        )
    if version == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise NotACacheError(f"{path} holds tables but is not an operator-tui cache")
    return version


def migrate(conn: sqlite3.Connection, path: Path, target: int = LATEST) -> int:
    """Bring the file up to *target* (default: the latest) and return the version.

    Each step re-reads the version inside its write transaction, so two
    processes opening an old file at once upgrade it exactly once.
    """
    version = _check_identity(conn, path)
    while version < target:
        with transaction(conn):
            version = _check_identity(conn, path)
            if version >= target:
                break
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    if version >= 2:
        _check_segmenter(conn)
    return version


def _check_segmenter(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'segmenter_version'").fetchone()
    if row is not None and json.loads(row[0]) == SEGMENTER_VERSION:
        return
    with transaction(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = 'segmenter_version'").fetchone()
        if row is None or json.loads(row[0]) != SEGMENTER_VERSION:
            rebuild_search(conn)
