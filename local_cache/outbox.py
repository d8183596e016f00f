"""The outbox of local changes, push results, pulled pages and problem items.

Outbox rows move ``pending`` -> ``delivered`` (server said applied/duplicate,
or the event showed up in a pulled page) or -> ``rejected`` / ``conflict``
(kept with the reason and the server's case; never resent automatically).
A person resolves a problem with :meth:`resolve_problem`: ``discard`` (take
theirs; the row becomes ``discarded``) or ``requeue`` (keep mine: the same
row, at the same place in the queue, carries a new event with a new id and
state ``pending``; the old id is kept in ``replaced_event_ids``).

Pending events of a case that has an unresolved problem *before* them are
held back (not returned by :meth:`pending_events`): they were made on top of
the failed change and would most likely fail the same way.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ._rows import OPEN_STATES, PROBLEM_STATES, as_dict, dumps, now_epoch, now_key
from .errors import DuplicateEventError, NotAProblemError

_HELD = (
    "EXISTS (SELECT 1 FROM outbox p WHERE p.case_no = o.case_no "
    "AND p.state IN ('rejected', 'conflict') AND p.id < o.id)"
)


def normalize_event(event: Any) -> dict[str, Any]:
    """Validate an EventIn-shaped dict (or model); return its wire JSON form."""
    from pydantic import ValidationError

    from operator_tui.protocol import EventIn, describe_validation_error

    try:
        model = EventIn.model_validate(as_dict(event))
    except ValidationError as exc:
        raise ValueError(f"not a valid event: {describe_validation_error(exc)}") from None
    return model.model_dump(mode="json")


class OutboxMixin:
    """Outbox and sync bookkeeping (mixed into :class:`LocalCache`)."""

    _conn: Any
    _tx: Any

    # --- local writes ----------------------------------------------------------

    def record_local_event(
        self, event: Any, state_after: Any, *, draft_id: str | None = None
    ) -> dict[str, Any]:
        """The UI's local write, in ONE transaction: outbox row + case state + event.

        *event* is protocol.EventIn-shaped (validated here; ValueError if not),
        *state_after* the case state after it (domain.apply_event on the shown
        state). With *draft_id* the draft is deleted in the same transaction.
        Returns the stored event (wire JSON form).
        """
        ev = normalize_event(event)
        state = dict(as_dict(state_after))
        if state.get("case_no") != ev["case_no"]:
            raise ValueError(
                f"state_after is for case {state.get('case_no')!r}, the event for {ev['case_no']!r}"
            )
        now, touched = now_epoch(), now_key()
        with self._tx() as c:
            actor_id = self._state_value(c, "operator_id", "")
            actor_role = self._state_value(c, "role", "operator")
            try:
                c.execute(
                    "INSERT INTO outbox (event_id, case_no, type, event, created_at, updated_at, "
                    "actor_id, actor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (ev["event_id"], ev["case_no"], ev["type"], dumps(ev), now, now,
                     actor_id, actor_role),
                )
            except sqlite3.IntegrityError:
                raise DuplicateEventError(
                    f"event {ev['event_id']} is already in the outbox"
                ) from None
            self._write_local_state(c, state, touched)
            self._insert_local_event(c, ev, int(state.get("version") or 0), actor_id, actor_role)
            if draft_id is not None:
                c.execute("DELETE FROM drafts WHERE draft_id = ?", (draft_id,))
        return ev

    @staticmethod
    def _insert_local_event(
        c: sqlite3.Connection, ev: dict, version: int, actor_id: str, actor_role: str
    ) -> None:
        c.execute(
            "INSERT INTO events (event_id, case_no, seq, version, type, actor_id, actor_role, "
            "client_time, payload, local) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, 1)",
            (ev["event_id"], ev["case_no"], version, ev["type"], actor_id, actor_role,
             ev["client_time"], dumps(ev["payload"])),
        )

    # --- sending ---------------------------------------------------------------

    def pending_events(self, limit: int = 500) -> list[dict[str, Any]]:
        """Pending events to push, oldest first (EventIn dicts), minus held ones."""
        rows = self._conn().execute(
            f"SELECT event FROM outbox o WHERE state = 'pending' AND NOT {_HELD} "
            "ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def pending_wire(self, limit: int = 500) -> list[tuple[str, str]]:
        """Like :meth:`pending_events`, as (event_id, stored wire JSON text)
        pairs: the pusher sends the text as is, without parsing it again."""
        return self._conn().execute(
            f"SELECT event_id, event FROM outbox o WHERE state = 'pending' AND NOT {_HELD} "
            "ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()

    def mark_attempt(self, event_ids: list[str]) -> None:
        """Count a send attempt (call just before pushing these events)."""
        now = now_epoch()
        with self._tx() as c:
            c.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? "
                "WHERE event_id = ? AND state = 'pending'",
                [(now, e) for e in event_ids],
            )

    def mark_results(self, results: list[Any]) -> dict[str, int]:
        """Apply protocol.PushResult dicts in one transaction.

        applied/duplicate -> delivered; rejected/conflict -> kept with reason,
        conflict fields and server_case (the server case also becomes the
        cached server state if newer). Results for unknown or no longer
        pending events are ignored. Returns counts: delivered, problems, ignored.
        """
        counts = {"delivered": 0, "problems": 0, "ignored": 0}
        now = now_epoch()
        with self._tx() as c:
            touched: set[str] = set()
            for result in results:
                r = as_dict(result)
                status = r.get("status")
                if status not in ("applied", "duplicate", "rejected", "conflict"):
                    raise ValueError(f"unknown push result status {status!r}")
                row = c.execute(
                    "SELECT case_no FROM outbox WHERE event_id = ? AND state = 'pending'",
                    (r.get("event_id"),),
                ).fetchone()
                if row is None:
                    counts["ignored"] += 1
                    continue
                case_no = row[0]
                touched.add(case_no)
                if status in ("applied", "duplicate"):
                    self._deliver(c, r["event_id"], case_no, r.get("seq"), r.get("version"), now)
                    counts["delivered"] += 1
                    continue
                server_case = r.get("server_case")
                c.execute(
                    "UPDATE outbox SET state = ?, reason = ?, conflict_fields = ?, server_case = ?, "
                    "updated_at = ? WHERE event_id = ?",
                    (status, str(r.get("reason") or ""), dumps(list(r.get("conflict_fields") or [])),
                     dumps(server_case) if server_case else None, now, r["event_id"]),
                )
                if server_case:
                    self._merge_server_cases(c, [server_case])
                counts["problems"] += 1
            self._settle(c, touched)
        return counts

    @staticmethod
    def _deliver(
        c: sqlite3.Connection, event_id: str, case_no: str, seq: Any, version: Any, now: float
    ) -> None:
        c.execute(
            "UPDATE outbox SET state = 'delivered', reason = '', result_seq = ?, "
            "result_version = ?, updated_at = ? WHERE event_id = ?",
            (seq, version, now, event_id),
        )
        c.execute(
            "UPDATE events SET seq = coalesce(?, seq), version = coalesce(?, version), local = 0 "
            "WHERE event_id = ?",
            (seq, version, event_id),
        )
        if version:
            c.execute(
                "UPDATE cases SET server_version = max(server_version, ?) WHERE case_no = ?",
                (int(version), case_no),
            )

    # --- receiving ---------------------------------------------------------------

    def apply_pulled(self, events: list[Any], cases: list[Any], cursor: str) -> None:
        """Apply one protocol.ChangesResponse page and store its cursor, atomically.

        Events (EventOut) are upserted by event_id (idempotent); an outbox item
        whose event shows up here is delivered (the server has it). Case states
        are merged as described in :mod:`local_cache.cases`.
        """
        now = now_epoch()
        with self._tx() as c:
            touched: set[str] = set()
            for event in events:
                e = as_dict(event)
                c.execute(
                    "INSERT INTO events (event_id, case_no, seq, version, type, actor_id, "
                    "actor_role, client_time, server_time, payload, local) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(event_id) DO UPDATE SET "
                    "case_no = excluded.case_no, seq = excluded.seq, version = excluded.version, "
                    "type = excluded.type, actor_id = excluded.actor_id, "
                    "actor_role = excluded.actor_role, client_time = excluded.client_time, "
                    "server_time = excluded.server_time, payload = excluded.payload, local = 0",
                    (e["event_id"], e["case_no"], e.get("seq"), int(e.get("version") or 0),
                     e["type"], e.get("actor_id", ""), e.get("actor_role", ""),
                     str(e.get("client_time") or ""), str(e.get("server_time") or ""),
                     dumps(e.get("payload") or {})),
                )
                row = c.execute(
                    "SELECT case_no FROM outbox WHERE event_id = ? AND state IN (?, ?, ?)",
                    (e["event_id"], *OPEN_STATES),
                ).fetchone()
                if row is not None:
                    self._deliver(c, e["event_id"], row[0], e.get("seq"), e.get("version"), now)
                    touched.add(row[0])
            self._merge_server_cases(c, cases)
            self._settle(c, touched)
            self._set_state_value(c, "cursor", cursor)

    # --- health ------------------------------------------------------------------

    def outbox_depth(self) -> int:
        """Events waiting to be sent (pending, including held ones)."""
        return int(
            self._conn().execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        )

    def outbox_counts(self) -> dict[str, int]:
        """Rows per state, plus ``held``: pending rows waiting behind a problem."""
        c = self._conn()
        counts = dict.fromkeys(("pending", "delivered", "rejected", "conflict", "discarded"), 0)
        counts.update(dict(c.execute("SELECT state, count(*) FROM outbox GROUP BY state")))
        counts["held"] = c.execute(
            f"SELECT count(*) FROM outbox o WHERE state = 'pending' AND {_HELD}"
        ).fetchone()[0]
        return counts

    def oldest_pending_age_seconds(self) -> float | None:
        """Seconds since the oldest pending event was recorded; None if none."""
        oldest = self._conn().execute(
            "SELECT min(created_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()[0]
        return None if oldest is None else max(0.0, now_epoch() - oldest)

    # --- problems ----------------------------------------------------------------

    def problems(self) -> list[dict[str, Any]]:
        """Rejected and conflicting items, oldest first, for a person to look at.

        Each: event_id, case_no, type, state, reason, conflict_fields, event
        (what was sent), server_case (the server's state, may be None),
        local_case (what the seat shows now), attempts, created_at (epoch).
        """
        rows = self._conn().execute(
            "SELECT o.event_id, o.case_no, o.type, o.state, o.reason, o.conflict_fields, o.event, "
            "o.server_case, o.attempts, o.created_at, c.state FROM outbox o "
            "LEFT JOIN cases c ON c.case_no = o.case_no "
            "WHERE o.state IN (?, ?) ORDER BY o.id",
            PROBLEM_STATES,
        ).fetchall()
        return [
            {
                "event_id": r[0], "case_no": r[1], "type": r[2], "state": r[3], "reason": r[4],
                "conflict_fields": json.loads(r[5]), "event": json.loads(r[6]),
                "server_case": json.loads(r[7]) if r[7] else None, "attempts": r[8],
                "created_at": r[9], "local_case": json.loads(r[10]) if r[10] else None,
            }
            for r in rows
        ]

    def resolve_problem(
        self,
        event_id: str,
        action: str,
        *,
        new_event: Any = None,
        state_after: Any = None,
    ) -> None:
        """Settle a rejected/conflicting item; one transaction.

        ``"discard"`` (take theirs): the change is dropped; the case shows the
        server's state again, or (if other local changes remain) *state_after*
        or the server state with the remaining local events re-applied.
        ``"requeue"`` (keep mine): *new_event* (same case, NEW event_id, usually
        base_version = the server's version) replaces the failed one in place
        and is pending again; *state_after* as for discard.
        Raises NotAProblemError if *event_id* is not a current problem.
        """
        if action not in ("discard", "requeue"):
            raise ValueError(f"unknown action {action!r}: use 'discard' or 'requeue'")
        ev = normalize_event(new_event) if action == "requeue" else None
        if action == "requeue" and ev is None:
            raise ValueError("requeue needs the new event")
        state = dict(as_dict(state_after)) if state_after is not None else None
        now = now_epoch()
        with self._tx() as c:
            row = c.execute(
                "SELECT id, case_no, state, replaced_event_ids, actor_id, actor_role "
                "FROM outbox WHERE event_id = ?",
                (event_id,),
            ).fetchone()
            if row is None or row[2] not in PROBLEM_STATES:
                raise NotAProblemError(f"event {event_id} is not a rejected or conflicting change")
            oid, case_no = row[0], row[1]
            c.execute("DELETE FROM events WHERE event_id = ? AND local = 1", (event_id,))
            if ev is not None:
                if ev["case_no"] != case_no:
                    raise ValueError(f"the new event is for {ev['case_no']}, not {case_no}")
                replaced = json.loads(row[3]) + [event_id]
                try:
                    c.execute(
                        "UPDATE outbox SET event_id = ?, type = ?, event = ?, state = 'pending', "
                        "reason = '', conflict_fields = '[]', server_case = NULL, attempts = 0, "
                        "result_seq = NULL, result_version = NULL, replaced_event_ids = ?, "
                        "updated_at = ? WHERE id = ?",
                        (ev["event_id"], ev["type"], dumps(ev), dumps(replaced), now, oid),
                    )
                except sqlite3.IntegrityError:
                    raise ValueError(f"event id {ev['event_id']} was used before") from None
                self._insert_local_event(c, ev, 0, row[4], row[5])
            else:
                c.execute(
                    "UPDATE outbox SET state = 'discarded', updated_at = ? WHERE id = ?", (now, oid)
                )
            self._rebase_overlay(c, case_no, state)
            if ev is not None:  # the new local event's version: the overlay's
                c.execute(
                    "UPDATE events SET version = coalesce("
                    "(SELECT version FROM cases WHERE case_no = ?), 0) WHERE event_id = ?",
                    (case_no, ev["event_id"]),
                )

    def _rebase_overlay(self, c: sqlite3.Connection, case_no: str, state: dict | None) -> None:
        open_items = c.execute(
            "SELECT count(*) FROM outbox WHERE case_no = ? AND state IN (?, ?, ?)",
            (case_no, *OPEN_STATES),
        ).fetchone()[0]
        if not open_items:
            self._settle(c, [case_no])
            return
        if state is None:
            state = self._refold(c, case_no)
        if state is not None:
            self._write_local_state(c, state, now_key())

    @staticmethod
    def _refold(c: sqlite3.Connection, case_no: str) -> dict[str, Any] | None:
        """Server state + the case's open local events, folded with the domain rules.

        Events the rules refuse are skipped. None if nothing can be folded.
        """
        from operator_tui.domain import (
            Actor,
            CaseState,
            Event,
            EventType,
            Rejected,
            Role,
            apply_event,
        )

        row = c.execute(
            "SELECT server_state, local, state, server_version FROM cases WHERE case_no = ?",
            (case_no,),
        ).fetchone()
        if row is None:
            return None
        base = row[0] if row[1] else (row[2] if row[3] else None)
        folded = CaseState.from_dict(json.loads(base)) if base else None
        seat_row = c.execute("SELECT value FROM sync_state WHERE key = 'seat_no'").fetchone()
        seat_no = json.loads(seat_row[0]) if seat_row else None
        items = c.execute(
            "SELECT event, actor_id, actor_role FROM outbox WHERE case_no = ? "
            "AND state IN (?, ?, ?) ORDER BY id",
            (case_no, *OPEN_STATES),
        ).fetchall()
        for event_json, actor_id, actor_role in items:
            ev = json.loads(event_json)
            try:
                actor = Actor(actor_id, Role(actor_role or "operator"), None, seat_no)
                event = Event(EventType(ev["type"]), case_no, ev["base_version"], ev["payload"], actor)
                folded = apply_event(folded, event)
            except (Rejected, ValueError, KeyError):
                continue
        return folded.to_dict() if folded is not None else None

