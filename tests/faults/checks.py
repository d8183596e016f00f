"""The invariants, checked after every fault.

* after a seat is killed (:func:`after_kill`): every case and note whose local
  commit had returned is in the cache's outbox, and every draft is there with
  at least the text whose save had returned (or its case was saved);
* after recovery (:func:`converge`, :func:`check_all`): every committed case
  and note is on the server exactly once, no change is pending or refused,
  each seat's cached cases equal the server's, and every cache (and a SQLite
  server database) passes ``PRAGMA integrity_check``, ``foreign_key_check``
  and the FTS5 index checks.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from typing import Any

from operator_tui.protocol import decode_cursor
from operator_tui.sync import SyncEngine
from tests.faults.tally import CLEAR_ERROR, Tally
from tests.faults.world import Env, SeatHandle
from tests.server_helpers import query

SERVER_ONLY_KEYS = ("local", "server_version")


def _ro(path: Any) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def integrity(path: Any, *, fts: tuple[str, ...] = ("cases_fts", "kb_fts")) -> list[str]:
    """What is wrong with the SQLite file at *path* (empty: nothing)."""
    problems: list[str] = []
    conn = _ro(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            problems.append(f"integrity_check: {rows[:3]}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:3]}")
        for table in fts:
            try:
                conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{table} integrity-check: {exc}")
    finally:
        conn.close()
    return problems


def after_kill(seat: SeatHandle, tally: Tally) -> None:
    """The cache of a seat that was just SIGKILLed holds everything that returned."""
    from local_cache import LocalCache

    seat.killed = False
    for problem in integrity(seat.cache):
        tally.fail("integrity_failures", f"{seat.name} after a kill: {problem}")
    cache = LocalCache.open(seat.cache)
    try:
        rows = cache.db.execute("SELECT case_no, type, event FROM outbox").fetchall()
        created = {r[0] for r in rows if r[1] == "created"}
        notes = {(r[0], json.loads(r[2])["payload"].get("text", "")) for r in rows if r[1] == "note"}
        with seat.lock:
            for case_no in sorted(seat.ledger.cases - created):
                tally.fail("lost", f"{seat.name}: case {case_no} committed, not in the cache after a kill")
            for note in sorted(seat.ledger.notes - notes):
                tally.fail("lost", f"{seat.name}: note {note} committed, not in the cache after a kill")
            for draft_id, (case_no, text) in list(seat.ledger.drafts.items()):
                draft = cache.draft(draft_id)
                if draft is not None:
                    have = str(draft["fields"].get("description", ""))
                    if not have.startswith(text) or draft["case_no"] != case_no:
                        tally.fail("drafts_lost", f"{seat.name}: draft {case_no} has {have!r}, "
                                                  f"saved was {text!r}")
                elif case_no in created:  # saved as a case just before the kill
                    seat.ledger.cases.add(case_no)
                    seat.ledger.drafts.pop(draft_id)
                    tally.counts["unacked_commits"] += 1
                else:  # new_draft() had returned: the draft row was committed
                    tally.fail("drafts_lost", f"{seat.name}: draft {case_no} ({text!r}) gone after a kill")
                    seat.ledger.drafts.pop(draft_id)
    finally:
        cache.close()


def server_head(env: Env) -> int:
    return int(query(env.database_url, "SELECT value FROM counters WHERE name = 'change_seq'")[0]["value"])


def converge(env: Env, tally: Tally, timeout: float = 120.0) -> bool:
    """Sync every seat (as the app would when it starts again) until all are
    caught up: nothing to send, cursor at the server's head."""
    assert env.server is not None
    deadline = time.monotonic() + timeout
    last: list[str] = []
    while time.monotonic() < deadline:
        done = True
        last = []
        for seat in env.seats:
            status = SyncEngine(seat.cache, env.server.url, seat.token, timeout=10.0).sync_once()
            if not status.online or status.outbox_depth:
                done = False
                last.append(f"{seat.name}: online={status.online} depth={status.outbox_depth} "
                            f"error={status.last_error!r}")
        if done:
            head = server_head(env)
            behind = [s.name for s in env.seats if _cursor(s) != head]
            if not behind:
                return True
            last = [f"behind the head {head}: {behind}"]
        time.sleep(0.1)
    tally.fail("not_converged", f"no convergence in {timeout:.0f} s: {'; '.join(last)}")
    return False


def _cursor(seat: SeatHandle) -> int:
    conn = _ro(seat.cache)
    try:
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
    finally:
        conn.close()
    return decode_cursor(json.loads(row[0])) if row else -1


class Seen:
    """What the suite has already counted (the checks look at the whole history)."""

    def __init__(self) -> None:
        self.lost: set[Any] = set()
        self.duplicated: set[Any] = set()
        self.delivered: set[str] = set()
        self.errors = 0


def check_all(env: Env, tally: Tally, seen: Seen) -> None:
    """Server and caches against the ledgers, after converge()."""
    events = query(env.database_url, "SELECT event_id, case_no, type, payload FROM events")
    by_id = Counter(e["event_id"] for e in events)
    created = Counter(e["case_no"] for e in events if e["type"] == "created")
    notes = Counter((e["case_no"], json.loads(e["payload"]).get("text", ""))
                    for e in events if e["type"] == "note")
    for key, n in [*by_id.items(), *created.items(), *notes.items()]:
        if n > 1 and key not in seen.duplicated:
            seen.duplicated.add(key)
            tally.fail("duplicated", f"{key} is on the server {n} times")
    server = {r["case_no"]: json.loads(r["state"]) for r in query(env.database_url, "SELECT case_no, state FROM cases")}
    for seat in env.seats:
        with seat.lock:
            cases, seat_notes = set(seat.ledger.cases), set(seat.ledger.notes)
        for case_no in cases:
            if case_no in created:
                seen.delivered.add(case_no)
            elif case_no not in seen.lost:
                seen.lost.add(case_no)
                tally.fail("lost", f"{seat.name}: committed case {case_no} is not on the server")
        for note in seat_notes:
            if note not in notes and note not in seen.lost:
                seen.lost.add(note)
                tally.fail("lost", f"{seat.name}: committed note {note} is not on the server")
        _check_cache(seat, server, by_id, tally, seen)
    tally.counts["delivered"] = len(seen.delivered)
    if env.backend == "sqlite":
        for problem in integrity(env.database_url.removeprefix("sqlite:///"), fts=()):
            tally.fail("integrity_failures", f"server database: {problem}")


def _check_cache(seat: SeatHandle, server: dict[str, dict], by_id: Counter, tally: Tally,
                 seen: Seen) -> None:
    for problem in integrity(seat.cache):
        tally.fail("integrity_failures", f"{seat.name}: {problem}")
    conn = _ro(seat.cache)
    try:
        outbox = conn.execute("SELECT event_id, case_no, type, state, reason FROM outbox").fetchall()
        rows = conn.execute("SELECT case_no, state, server_state, local FROM cases").fetchall()
    finally:
        conn.close()
    per_case = Counter(r[1] for r in outbox if r[2] == "created")
    for case_no, n in per_case.items():
        if n > 1 and (seat.name, case_no) not in seen.duplicated:
            seen.duplicated.add((seat.name, case_no))
            tally.fail("duplicated", f"{seat.name}: {n} created changes for {case_no} in the outbox")
    for event_id, case_no, kind, state, reason in outbox:
        key = (seat.name, event_id)
        if key in seen.lost:
            continue
        if state == "delivered" and by_id[event_id] != 1:
            seen.lost.add(key)
            tally.fail("lost", f"{seat.name}: {kind} {event_id} of {case_no} delivered, not on the server")
        elif state == "pending":
            seen.lost.add(key)
            tally.fail("stuck", f"{seat.name}: {kind} of {case_no} still pending after recovery")
        elif state in ("rejected", "conflict"):
            seen.lost.add(key)
            tally.fail("problems", f"{seat.name}: {kind} of {case_no} {state}: {reason}")
    mine = {}
    for case_no, state, server_state, local in rows:
        mine[case_no] = json.loads(state)
        if local:
            tally.fail("not_converged", f"{seat.name}: {case_no} still has a local overlay")
    missing = set(server) - set(mine)
    extra = set(mine) - set(server)
    differ = [c for c in set(server) & set(mine)
              if {k: v for k, v in mine[c].items() if k not in SERVER_ONLY_KEYS} != server[c]]
    if missing or extra or differ:
        tally.fail("not_converged", f"{seat.name}: {len(missing)} cases missing, {len(extra)} extra, "
                                    f"{len(differ)} differ (e.g. {sorted(missing | extra | set(differ))[:3]})")


def judge_errors(seat: SeatHandle, tally: Tally, disk_fault: bool, seen: Seen) -> None:
    """Write errors are expected only while the disk is full or read-only, and
    then must say so; a 'not saved' for a case that was saved is wrong."""
    with seat.lock:
        errors = seat.ledger.errors[:]
        fatal = seat.ledger.fatal[:]
        engine = seat.ledger.engine_errors[:]
        seat.ledger.errors.clear()
        seat.ledger.fatal.clear()
        seat.ledger.engine_errors.clear()
    for text in engine:  # the status bar: a bug, or a local fault it does not explain
        if "internal error" in text or ("local cache" in text and not disk_fault):
            tally.fail("unexpected_errors", f"{seat.name}: sync status said {text!r}")
        elif disk_fault and CLEAR_ERROR.search(text):
            tally.samples.setdefault("sync engine status", text)
    for msg in errors:
        text = msg.get("error", "")
        tally.samples.setdefault(f"{msg.get('op')} error", text)
        if msg.get("saved"):
            tally.fail("misleading_errors", f"{seat.name}: {msg.get('op')} said {text!r}, yet the case was saved")
        if not disk_fault:
            tally.fail("unexpected_errors", f"{seat.name}: {msg.get('op')}: {text}")
        elif not CLEAR_ERROR.search(text):
            tally.fail("unclear_errors", f"{seat.name}: {msg.get('op')}: {text!r}")
        else:
            tally.counts["write_errors"] += 1
    for text in fatal:
        tally.samples.setdefault("seat cannot start", text)
        if not disk_fault:
            tally.fail("unexpected_errors", f"{seat.name}: cannot start: {text}")
        elif not CLEAR_ERROR.search(text):
            tally.fail("unclear_errors", f"{seat.name}: at start: {text!r}")
        else:
            tally.counts["write_errors"] += 1
