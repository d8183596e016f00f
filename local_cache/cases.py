"""Cached cases: local writes, pulled server state, snapshots, reading, pruning.

Local overlay vs server state
-----------------------------
A ``cases`` row holds ``state``, what the seat shows, and, while the case has
local changes the server has not confirmed (``local = 1``), ``server_state``,
the newest state the server sent. ``server_version`` is the highest version
the server confirmed (from a pulled state or a push result).

* A local write (:meth:`record_local_event`) stores the UI's folded
  ``state_after`` as ``state``; on the first local write the previous
  server-derived state moves to ``server_state``.
* A pulled or snapshot state with ``version >= server_version`` replaces
  ``state`` when the case has no open outbox items, and only ``server_state``
  when it has (the operator keeps seeing their optimistic state). Older ones
  are ignored, so pages applied twice or out of order do no harm.
* When the last open outbox item of a case is delivered or discarded the case
  settles: ``state`` becomes ``server_state`` if that is at least as new as
  every confirmed version, else the local state stays (with ``local = 0``)
  until the next pull brings the server's newer state. A case that only ever
  existed locally and whose every change was discarded is deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ._db import DEFAULT_CACHE_KB
from ._rows import (
    CASE_COLS,
    OPEN_STATES,
    UNFINISHED_STATUSES,
    as_dict,
    case_columns,
    case_text,
    days_ago_key,
    dumps,
    now_epoch,
    now_key,
    text_of,
)

_SET_COLS = ", ".join(f"{c} = ?" for c in CASE_COLS[1:])
_INSERT_COLS = ", ".join(CASE_COLS)
_CASE_SELECT = "SELECT id, state, server_state, server_version, local FROM cases"
BULK_CACHE_KB = 256_000  # page cache while applying a snapshot
SNAPSHOT_TX_ROWS = 2_000  # cases per snapshot transaction (~0.1-0.3 s of write lock)


class CasesMixin:
    """Case rows and their events (mixed into :class:`LocalCache`)."""

    _conn: Any
    _tx: Any

    # --- internal row writers (all run inside a transaction) -----------------

    @staticmethod
    def _fts_replace(c: sqlite3.Connection, rid: int, old: dict | None, new: dict | None) -> None:
        if old is not None and new is not None and text_of(old) == text_of(new):
            return
        if old is not None:
            c.execute(
                "INSERT INTO cases_fts(cases_fts, rowid, text) VALUES ('delete', ?, ?)",
                (rid, case_text(old)),
            )
        if new is not None:
            c.execute("INSERT INTO cases_fts(rowid, text) VALUES (?, ?)", (rid, case_text(new)))

    def _put_state(
        self,
        c: sqlite3.Connection,
        row: tuple | None,
        state: dict[str, Any],
        *,
        local: int,
        server_state: str | None,
        server_version: int,
        touched_at: str = "",
    ) -> int:
        """Insert or update one case row (with its FTS entry); returns its id."""
        cols = case_columns(state, fallback_time=touched_at or now_key(), touched_at=touched_at)
        blob = dumps(state)
        if row is None:
            cur = c.execute(
                f"INSERT INTO cases ({_INSERT_COLS}, local, state, server_state, server_version) "
                f"VALUES ({', '.join('?' * len(CASE_COLS))}, ?, ?, ?, ?)",
                (*cols, local, blob, server_state, server_version),
            )
            rid = int(cur.lastrowid)
            self._fts_replace(c, rid, None, state)
            return rid
        rid = row[0]
        c.execute(
            f"UPDATE cases SET {_SET_COLS}, local = ?, state = ?, server_state = ?, "
            "server_version = ? WHERE id = ?",
            (*cols[1:], local, blob, server_state, server_version, rid),
        )
        self._fts_replace(c, rid, json.loads(row[1]), state)
        return rid

    def _delete_cases(self, c: sqlite3.Connection, rows: Iterable[tuple]) -> int:
        """Delete case rows given (id, case_no, state JSON), with events and FTS."""
        n = 0
        for rid, case_no, state_json in rows:
            self._fts_replace(c, rid, json.loads(state_json), None)
            c.execute("DELETE FROM cases WHERE id = ?", (rid,))
            c.execute("DELETE FROM events WHERE case_no = ?", (case_no,))
            n += 1
        return n

    def _merge_server_cases(self, c: sqlite3.Connection, cases: Iterable[Any]) -> int:
        """Apply server case states (the newest per case wins); returns rows changed."""
        newest: dict[str, dict[str, Any]] = {}
        for case in cases:
            d = as_dict(case)
            prev = newest.get(d["case_no"])
            if prev is None or int(d.get("version") or 0) >= int(prev.get("version") or 0):
                newest[d["case_no"]] = d
        items = list(newest.values())
        changed = 0
        fallback = now_key()
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            existing = {
                r[0]: r[1:]
                for r in c.execute(
                    "SELECT case_no, id, state, server_state, server_version, local "
                    f"FROM cases WHERE case_no IN ({marks})",
                    [d["case_no"] for d in chunk],
                )
            }
            next_id = int(c.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0])
            inserts, updates, overlays, fts_del, fts_ins = [], [], [], [], []
            for d in chunk:
                version = int(d.get("version") or 0)
                row = existing.get(d["case_no"])
                if row is None:
                    next_id += 1
                    cols = case_columns(d, fallback_time=fallback)
                    inserts.append((next_id, *cols, dumps(d), version))
                    fts_ins.append((next_id, case_text(d)))
                    continue
                rid, old_json, _server_json, server_version, local = row
                if version < server_version:
                    continue
                if local:
                    overlays.append((dumps(d), version, rid))
                    continue
                cols = case_columns(d, fallback_time=fallback)
                updates.append((*cols[1:], dumps(d), version, rid))
                old = json.loads(old_json)
                if text_of(old) != text_of(d):
                    fts_del.append((rid, case_text(old)))
                    fts_ins.append((rid, case_text(d)))
            c.executemany(
                f"INSERT INTO cases (id, {_INSERT_COLS}, local, state, server_version) "
                f"VALUES (?, {', '.join('?' * len(CASE_COLS))}, 0, ?, ?)",
                inserts,
            )
            c.executemany(
                f"UPDATE cases SET {_SET_COLS}, local = 0, state = ?, server_state = NULL, "
                "server_version = ? WHERE id = ?",
                updates,
            )
            c.executemany(
                "UPDATE cases SET server_state = ?, server_version = ? WHERE id = ?", overlays
            )
            c.executemany(
                "INSERT INTO cases_fts(cases_fts, rowid, text) VALUES ('delete', ?, ?)", fts_del
            )
            c.executemany("INSERT INTO cases_fts(rowid, text) VALUES (?, ?)", fts_ins)
            changed += len(inserts) + len(updates) + len(overlays)
        return changed

    def _settle(self, c: sqlite3.Connection, case_nos: Iterable[str]) -> None:
        """Drop the local overlay of cases that have no open outbox items left."""
        for case_no in set(case_nos):
            row = c.execute(
                "SELECT id, state, server_state, server_version, local FROM cases WHERE case_no = ?",
                (case_no,),
            ).fetchone()
            if row is None or not row[4]:
                continue
            open_items = c.execute(
                "SELECT count(*) FROM outbox WHERE case_no = ? AND state IN (?, ?, ?)",
                (case_no, *OPEN_STATES),
            ).fetchone()[0]
            if open_items:
                continue
            rid, state_json, server_json, server_version, _ = row
            if server_json is not None:
                server = json.loads(server_json)
                server_v = int(server.get("version") or 0)
                if server_v >= server_version:
                    self._put_state(
                        c, row, server, local=0, server_state=None, server_version=server_v
                    )
                    continue
            delivered = c.execute(
                "SELECT count(*) FROM outbox WHERE case_no = ? AND state = 'delivered'", (case_no,)
            ).fetchone()[0]
            if server_version == 0 and server_json is None and not delivered:
                self._delete_cases(c, [(rid, case_no, state_json)])
                continue
            c.execute("UPDATE cases SET local = 0, server_state = NULL WHERE id = ?", (rid,))

    def _write_local_state(
        self, c: sqlite3.Connection, state_after: dict[str, Any], touched_at: str
    ) -> None:
        row = c.execute(f"{_CASE_SELECT} WHERE case_no = ?", (state_after["case_no"],)).fetchone()
        if row is None:
            self._put_state(
                c, None, state_after, local=1, server_state=None, server_version=0,
                touched_at=touched_at,
            )
            return
        _, state_json, server_json, server_version, local = row
        if not local and server_version > 0:
            server_json = state_json  # the server-derived state becomes the base
        self._put_state(
            c, row, state_after, local=1, server_state=server_json,
            server_version=server_version, touched_at=touched_at,
        )

    # --- public API ------------------------------------------------------------

    def apply_snapshot(self, cases: Iterable[Any]) -> int:
        """Bulk-upsert server case states (e.g. the recent window).

        Same rules per case as :meth:`apply_pulled`. Committed in transactions
        of SNAPSHOT_TX_ROWS cases so that a big page never holds the write lock
        (and the UI's draft saves) for long; safe because applying a state is
        idempotent and the snapshot stores no cursor. Returns the number of
        rows inserted or updated.
        """
        items = list(cases)
        changed = 0
        c = self._conn()
        c.execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")  # random-order index inserts
        try:
            for start in range(0, len(items), SNAPSHOT_TX_ROWS):
                with self._tx():
                    changed += self._merge_server_cases(c, items[start : start + SNAPSHOT_TX_ROWS])
        finally:
            c.execute(f"PRAGMA cache_size = -{DEFAULT_CACHE_KB}")
        return changed

    def case(self, case_no: str) -> dict[str, Any] | None:
        """The case as the seat shows it (local overlay if any), or None.

        Extra keys: ``local`` (unconfirmed local changes) and ``server_version``.
        """
        row = self._conn().execute(
            "SELECT state, local, server_version FROM cases WHERE case_no = ?", (case_no,)
        ).fetchone()
        if row is None:
            return None
        return {**json.loads(row[0]), "local": bool(row[1]), "server_version": row[2]}

    def server_case(self, case_no: str) -> dict[str, Any] | None:
        """The newest state the server sent for the case (None if never seen)."""
        row = self._conn().execute(
            "SELECT state, server_state, local, server_version FROM cases WHERE case_no = ?",
            (case_no,),
        ).fetchone()
        if row is None:
            return None
        if row[2]:
            return json.loads(row[1]) if row[1] else None
        return json.loads(row[0]) if row[3] else None

    def case_events(self, case_no: str) -> list[dict[str, Any]]:
        """The case's events: server-confirmed by seq, then local ones in order.

        Each is EventOut-shaped plus ``local`` (not yet confirmed by the
        server) and ``outbox_state`` (None for events made elsewhere).
        """
        rows = self._conn().execute(
            "SELECT e.seq, e.event_id, e.case_no, e.type, e.version, e.actor_id, e.actor_role, "
            "e.client_time, e.server_time, e.payload, e.local, o.state "
            "FROM events e LEFT JOIN outbox o ON o.event_id = e.event_id "
            "WHERE e.case_no = ? ORDER BY e.seq IS NULL, e.seq, o.id, e.rowid",
            (case_no,),
        ).fetchall()
        keys = ("seq", "event_id", "case_no", "type", "version", "actor_id", "actor_role",
                "client_time", "server_time", "payload", "local", "outbox_state")
        out = []
        for r in rows:
            d = dict(zip(keys, r))
            d["payload"] = json.loads(d["payload"])
            d["local"] = bool(d["local"])
            out.append(d)
        return out

    def recent_cases(self, limit: int = 50) -> list[dict[str, Any]]:
        """Cases by last activity (server updated_at, or local write time), newest first."""
        rows = self._conn().execute(
            "SELECT state, local, server_version FROM cases ORDER BY updated_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [{**json.loads(s), "local": bool(lo), "server_version": sv} for s, lo, sv in rows]

    def case_count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM cases").fetchone()[0])

    def prune(self, days: int) -> int:
        """Forget finished cases with no activity for *days* and nothing unsent;
        returns how many.

        Keeps unfinished cases (UNFINISHED_STATUSES) whatever their age, and
        cases with a local overlay, open outbox items or a draft naming them.
        Also drops delivered/discarded outbox rows older than *days*.
        """
        cutoff = days_ago_key(days)
        marks = ", ".join("?" * len(UNFINISHED_STATUSES))
        with self._tx() as c:
            rows = c.execute(
                "SELECT id, case_no, state FROM cases WHERE local = 0 AND updated_at < ? "
                f"AND status NOT IN ({marks}) "
                "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_no = cases.case_no "
                "                AND o.state IN (?, ?, ?)) "
                "AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.case_no = cases.case_no)",
                (cutoff, *UNFINISHED_STATUSES, *OPEN_STATES),
            ).fetchall()
            n = self._delete_cases(c, rows)
            c.execute(
                "DELETE FROM outbox WHERE state IN ('delivered', 'discarded') AND updated_at < ?",
                (now_epoch() - days * 86400.0,),
            )
        return n
