"""The case store: applying pushed events exactly once, and the change feed.

A push batch runs in one transaction that first takes the ``change_seq``
counter lock. Every applied event gets the next change number under that
lock, so change numbers are handed out in commit order and a reader never
sees number N+1 committed while N is still in flight: the feed cannot skip a
change, on SQLite or on PostgreSQL with many server processes. Event ids are
unique in the ``events`` table and kept for good, so a resent event is
answered ``duplicate`` however late it comes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from operator_tui import clock, workdays
from operator_tui.case_numbers import MAX_DAILY, make_case_no, parse_case_no
from operator_tui.domain import (
    DISPATCH_HOURS,
    HOTLINE_ROLES,
    UNFINISHED_STATUSES,
    Actor,
    CaseState,
    CaseStatus,
    Event,
    EventType,
    ExtensionAction,
    Rejected,
    ResolveMode,
    Urgency,
    apply_event,
    conflicting_fields,
    may_see,
)
from operator_tui.protocol import EventIn, EventOut, PushResult, encode_cursor, event_mark

from operator_tui.privacy import mask_phone

from .accounts import _seat_for, audit
from .db import Database, Tx
from .reference import ReferenceCheck


class CaseStore:
    """Cases and their events in *db*."""

    def __init__(self, db: Database):
        self.db = db
        # The centre's timezone (working days are its dates) and the share of
        # a deadline's time after which a case is flagged as near.
        self.tz = workdays.centre_timezone()
        self.near = workdays.near_fraction()

    # --- push --------------------------------------------------------------

    def push(self, actor: Actor, events: list[EventIn], ip: str = "") -> list[PushResult]:
        """Apply a batch of events from one seat (at address *ip*, for the
        audit log); one answer per event, in order."""
        return self._apply_batch([(actor, ev, None) for ev in events], check_seat=True, ip=ip)

    def import_history(self, items: list[tuple[Actor, EventIn, str]]) -> list[PushResult]:
        """Apply historic events with the server times given (demo seeding).

        The same rules apply as for a push, except the seat-number check.
        """
        return self._apply_batch(items, check_seat=False)

    def create_from_channel(
        self,
        actor: Actor,
        seat_key: str,
        day: date,
        event_id: str,
        payload: dict[str, Any],
        record: Callable[[Tx, str], None] | None = None,
    ) -> tuple[str, PushResult]:
        """Create a case that came in through another channel (e.g. Open311).

        The server makes the case number, in the seats' format, for the seat
        registered under *seat_key* (``seat_key-2``, ``-3``... once a seat's
        9,999 numbers of *day* are used up), with the daily sequence read
        from the cases table under the ``change_seq`` lock, so concurrent
        requests on any number of server processes never share a number. The
        ``created`` event then takes the same path as a push. *record* runs
        in the same transaction once the case exists (for channel extras).
        Returns (case number, result); a resent *event_id* answers
        ``duplicate`` with the case it made the first time.
        """
        with self.db.transaction() as tx:
            seq = tx.lock_counter("change_seq")
            old = tx.one("SELECT case_no, seq, version FROM events WHERE event_id = ?", (event_id,))
            if old:
                return old["case_no"], PushResult(
                    event_id=event_id, status="duplicate", seq=old["seq"], version=old["version"]
                )
            case_no, seat_no = _next_channel_case_no(tx, seat_key, day)
            now = clock.now()
            ev = EventIn(
                event_id=event_id, case_no=case_no, type=EventType.CREATED,
                client_time=now, payload=payload,
            )
            result = self._apply_one(
                tx, replace(actor, seat_no=seat_no), ev, seq + 1, clock.iso(now), {},
                ReferenceCheck(tx), True,
            )
            if result.status == "applied":
                tx.set_counter("change_seq", seq + 1)
                if record is not None:
                    record(tx, case_no)
        return case_no, result

    def _apply_batch(
        self, items: list[tuple[Actor, EventIn, str | None]], *, check_seat: bool, ip: str = ""
    ) -> list[PushResult]:
        with self.db.transaction() as tx:
            seq = tx.lock_counter("change_seq")
            refs = ReferenceCheck(tx)
            states: dict[str, CaseState | None] = {}
            seen: dict[str, PushResult] = {}
            results: list[PushResult] = []
            for actor, ev, at in items:
                if ev.event_id in seen:
                    results.append(_as_duplicate(seen[ev.event_id]))
                    continue
                result = self._apply_one(
                    tx, actor, ev, seq + 1, at or clock.now_iso(), states, refs, check_seat, ip
                )
                if result.status == "applied":
                    seq += 1
                seen[ev.event_id] = result
                results.append(result)
            tx.set_counter("change_seq", seq)
        return results

    def _apply_one(
        self,
        tx: Tx,
        actor: Actor,
        ev: EventIn,
        seq: int,
        server_time: str,
        states: dict[str, CaseState | None],
        refs: ReferenceCheck,
        check_seat: bool,
        ip: str = "",
    ) -> PushResult:
        old = tx.one("SELECT seq, version FROM events WHERE event_id = ?", (ev.event_id,))
        if old:
            return PushResult(event_id=ev.event_id, status="duplicate", seq=old["seq"], version=old["version"])
        if ev.case_no not in states:
            states[ev.case_no] = _load_state(tx, ev.case_no)
        state = states[ev.case_no]
        if actor.role not in HOTLINE_ROLES and state is not None and not may_see(state, actor):
            return _rejected(ev, f"case {ev.case_no} is not dispatched to your department")
        if check_seat and ev.type == EventType.CREATED and actor.seat_no:
            seat = parse_case_no(ev.case_no)[1]
            if seat != actor.seat_no:
                return _rejected(ev, f"case number belongs to seat {seat}, you are seat {actor.seat_no}")
        payload = dict(ev.payload)
        try:
            refs.check(ev.type, payload, state, tx)
        except Rejected as exc:
            return _rejected(ev, exc.reason)
        if state is not None:
            self._fill_deadlines(ev, payload, state, server_time, refs)
        domain_event = Event(ev.type, ev.case_no, ev.base_version, payload, actor, server_time)
        if state is not None:
            clashes = conflicting_fields(state, domain_event)
            if clashes:
                return PushResult(
                    event_id=ev.event_id,
                    status="conflict",
                    reason=f"changed by someone else since version {ev.base_version}: {', '.join(clashes)}",
                    version=state.version,
                    conflict_fields=clashes,
                    server_case=state.to_dict(),
                )
        try:
            new = apply_event(state, domain_event)
        except Rejected as exc:
            return _rejected(ev, exc.reason, state)
        tx.execute(
            "INSERT INTO events (seq, event_id, case_no, type, version, actor_id, actor_role,"
            " client_time, server_time, payload, seat_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq, ev.event_id, ev.case_no, str(ev.type), new.version, actor.operator_id,
                str(actor.role), clock.iso(ev.client_time), server_time,
                json.dumps(payload, ensure_ascii=False), actor.seat_no,
            ),
        )
        calendar = refs.calendar(self.tz) if new.status in _WITH_DEADLINES else None
        _save_state(tx, new, created=state is None, columns=case_columns(new, calendar, self.near))
        if ev.type == EventType.PHONE_REVEALED:  # in the same transaction: one audit row per reveal
            audit(tx, actor.operator_id, "phone_reveal", ev.case_no, ip, phone=mask_phone(new.phone),
                  event_id=ev.event_id, seat_no=actor.seat_no, role=str(actor.role),
                  client_time=clock.iso(ev.client_time))
        if ev.type == EventType.CALLBACK:
            tx.execute(
                "INSERT INTO callback_outcomes (seq, case_no, at, outcome) VALUES (?, ?, ?, ?)",
                (seq, ev.case_no, server_time, payload["satisfaction"]),
            )
        states[ev.case_no] = new
        return PushResult(event_id=ev.event_id, status="applied", seq=seq, version=new.version)

    def _fill_deadlines(
        self, ev: EventIn, payload: dict[str, Any], state: CaseState, server_time: str, refs: ReferenceCheck
    ) -> None:
        """Deadlines the seat did not send, by the centre's rules (workdays.py).

        A dispatch or rework gets its sign, feedback and resolution deadlines;
        an approved extension moves the resolution deadline by the hours that
        were asked for, in the case's own time (working time for normal cases).
        """
        if ev.type == EventType.DISPATCHED or (ev.type == EventType.REOPENED and payload.get("mode") == "rework"):
            at = clock.parse(server_time)
            computed = refs.deadlines(state, at, refs.calendar(self.tz))
            if payload.get("deadline"):  # the seat's own: the others may not fall after it
                sent = _parse_or_none(payload["deadline"])
                for name in ("sign_deadline", "feedback_deadline"):
                    if sent is not None and clock.parse(computed[name]) > sent:
                        computed[name] = clock.iso(max(sent, at))
            for name, value in computed.items():
                if not payload.get(name):
                    payload[name] = value
        elif (
            ev.type == EventType.EXTENDED
            and payload.get("action") != ExtensionAction.REQUEST
            and state.extension_pending_hours
        ):
            payload["hours"] = state.extension_pending_hours  # the decision is on what was asked
            current = _parse_or_none(state.deadline)
            if payload["action"] == ExtensionAction.APPROVE and not payload.get("new_deadline") and current:
                moved = workdays.extend(current, state.extension_pending_hours, state.urgency, refs.calendar(self.tz))
                payload["new_deadline"] = clock.iso(moved)

    # --- reading -----------------------------------------------------------

    def head(self) -> int:
        """The newest change number."""
        with self.db.transaction(write=False) as tx:
            return int(tx.scalar("SELECT value FROM counters WHERE name = 'change_seq'"))

    def head_cursor(self) -> str:
        """The cursor for 'from the newest change on'."""
        with self.db.transaction(write=False) as tx:
            head = int(tx.scalar("SELECT value FROM counters WHERE name = 'change_seq'"))
            return encode_cursor(head, _mark_at(tx, head))

    def check_cursor(self, after: int, mark: str) -> None:
        """Raise ValueError unless the cursor belongs to this server's history.

        A cursor beyond the newest change, or naming a different event than
        the one this server has at that number, means the database went back
        to an older backup: following it would skip changes, so the seat must
        take a new snapshot instead.
        """
        if after == 0:
            return
        with self.db.transaction(write=False) as tx:
            head = int(tx.scalar("SELECT value FROM counters WHERE name = 'change_seq'"))
            here = _mark_at(tx, after) if after <= head else None
        if after > head or (mark and here != mark):
            raise ValueError(
                "cursor does not match this server's change history (was the database "
                "restored from a backup?); take a new snapshot"
            )

    def changes(self, actor: Actor, after: int, limit: int) -> tuple[list[EventOut], list[dict], int, str, bool]:
        """Events after change number *after* that *actor* may see.

        Returns (events, current states of their cases, new cursor seq, the
        cursor itself, has_more). The cursor moves past changes the actor may
        not see too.
        """
        with self.db.transaction(write=False) as tx:
            head = int(tx.scalar("SELECT value FROM counters WHERE name = 'change_seq'"))
            if actor.role in HOTLINE_ROLES:
                rows = tx.all(
                    "SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                    (after, head, limit + 1),
                )
            else:
                rows = tx.all(
                    "SELECT e.* FROM events e JOIN case_access a"
                    " ON a.case_no = e.case_no AND a.department = ?"
                    " WHERE e.seq > ? AND e.seq <= ? ORDER BY e.seq LIMIT ?",
                    (actor.department or "", after, head, limit + 1),
                )
            has_more = len(rows) > limit
            rows = rows[:limit]
            cursor = rows[-1]["seq"] if has_more else max(head, after)
            mark = rows[-1]["event_id"] if rows and rows[-1]["seq"] == cursor else None
            token = encode_cursor(cursor, event_mark(mark) if mark else _mark_at(tx, cursor))
            case_nos = sorted({r["case_no"] for r in rows})
            cases = _load_states(tx, case_nos)
        events = [_event_out(r) for r in rows]
        return events, [cases[n] for n in case_nos if n in cases], cursor, token, has_more

    def case(self, actor: Actor, case_no: str) -> tuple[dict, list[EventOut]] | None:
        """A case and its whole event log, if it exists and *actor* may see it."""
        with self.db.transaction(write=False) as tx:
            state = _load_state(tx, case_no)
            if state is None or not may_see(state, actor):
                return None
            rows = tx.all("SELECT * FROM events WHERE case_no = ? ORDER BY seq", (case_no,))
        return state.to_dict(), [_event_out(r) for r in rows]

    def cases_by_phone(self, phone: str, days: int, limit: int) -> list[dict]:
        """A caller's cases in the last *days* days, newest first (hotline use)."""
        since = clock.iso(clock.now() - timedelta(days=days))
        with self.db.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT state FROM cases WHERE phone = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?",
                (phone, since, limit),
            )
        return [json.loads(r["state"]) for r in rows]

    def snapshot(self, actor: Actor, days: int, after: str, limit: int) -> tuple[list[dict], bool]:
        """Case summaries for a seat's first sync, paged by case number.

        Hotline staff get every unfinished case (whatever its age: an overdue
        one is what a repeat caller rings about) and the others updated in the
        last *days* days; a department gets every case currently dispatched to
        it.
        """
        with self.db.transaction(write=False) as tx:
            if actor.role in HOTLINE_ROLES:
                since = clock.iso(clock.now() - timedelta(days=days))
                marks = ", ".join("?" * len(UNFINISHED_STATUSES))
                rows = tx.all(
                    f"SELECT state FROM cases WHERE (updated_at >= ? OR status IN ({marks}))"
                    " AND case_no > ? ORDER BY case_no LIMIT ?",
                    (since, *map(str, UNFINISHED_STATUSES), after, limit + 1),
                )
            else:
                rows = tx.all(
                    "SELECT c.state FROM cases c JOIN case_access a ON a.case_no = c.case_no"
                    " AND a.department = ? WHERE c.case_no > ? ORDER BY c.case_no LIMIT ?",
                    (actor.department or "", after, limit + 1),
                )
        return [json.loads(r["state"]) for r in rows[:limit]], len(rows) > limit


def _next_channel_case_no(tx: Tx, seat_key: str, day: date) -> tuple[str, int]:
    """The next free case number of *day* for the channel seat *seat_key*.

    Call under the ``change_seq`` lock: the daily sequence is the highest
    number the seat has for the day, plus one.
    """
    for n in range(1, 1000):
        seat_no = _seat_for(tx, seat_key if n == 1 else f"{seat_key}-{n}")
        prefix = f"{day:%y%m%d}-{seat_no:03d}-"
        last = tx.scalar(
            "SELECT MAX(case_no) AS m FROM cases WHERE seat_no = ? AND case_no LIKE ?",
            (seat_no, prefix + "%"),
        )
        daily = int(last.split("-")[2]) + 1 if last else 1
        if daily <= MAX_DAILY:
            return make_case_no(day, seat_no, daily), seat_no
    raise RuntimeError(f"no case numbers left on {day} for channel {seat_key!r}")  # pragma: no cover


def _as_duplicate(first: PushResult) -> PushResult:
    if first.status == "applied":
        return first.model_copy(update={"status": "duplicate"})
    return first


def _rejected(ev: EventIn, reason: str, state: CaseState | None = None) -> PushResult:
    return PushResult(
        event_id=ev.event_id,
        status="rejected",
        reason=reason,
        version=state.version if state else None,
        server_case=state.to_dict() if state else None,
    )


def _mark_at(tx: Tx, seq: int) -> str:
    """The mark of the event with change number *seq* ('' when there is none)."""
    row = tx.one("SELECT event_id FROM events WHERE seq = ?", (seq,)) if seq else None
    return event_mark(row["event_id"]) if row else ""


def _load_state(tx: Tx, case_no: str) -> CaseState | None:
    row = tx.one("SELECT state FROM cases WHERE case_no = ?", (case_no,))
    return CaseState.from_dict(json.loads(row["state"])) if row else None


def _load_states(tx: Tx, case_nos: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(case_nos), 500):
        chunk = case_nos[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in tx.all(f"SELECT case_no, state FROM cases WHERE case_no IN ({marks})", chunk):
            found[row["case_no"]] = json.loads(row["state"])
    return found


_WITH_DEADLINES = (CaseStatus.DISPATCHED, CaseStatus.SIGNED)
# Columns of the cases table kept for the supervisor's board (migration 3).
BOARD_COLUMNS = (
    "urgency", "dispatched_at", "respond_by", "resolve_mode", "satisfaction", "merged_into",
    "due_at", "warn_at", "due_kind",
)


def _parse_or_none(text: str) -> Any:
    try:
        return clock.parse(text) if text else None
    except ValueError:
        return None


def case_columns(state: CaseState, calendar: workdays.Calendar | None, near: float) -> dict[str, str]:
    """The board's columns for a case state (all text; '' when not applicable).

    ``responded_at``: when the hotline first dispatched or answered it (kept
    once set); ``respond_by``: its dispatch target (1/2/24 h from creation by
    urgency); ``due_at`` / ``warn_at`` / ``due_kind``: when the case becomes
    overdue and near (workdays.due_marks), for dispatched/signed cases only.
    """
    created = _parse_or_none(state.created_at)
    try:
        target = DISPATCH_HOURS[Urgency(state.urgency)]
    except ValueError:
        target = DISPATCH_HOURS[Urgency.NORMAL]
    responded = state.dispatched_at or (state.resolved_at if state.resolve_mode == ResolveMode.DIRECT else "")
    marks = workdays.due_marks(state, calendar, near) if calendar is not None else None
    return {
        "urgency": str(state.urgency),
        "dispatched_at": state.dispatched_at,
        "responded_at": clock.iso(clock.parse(responded)) if _parse_or_none(responded) else "",
        "respond_by": clock.iso(created + timedelta(hours=target)) if created else "",
        "resolve_mode": str(state.resolve_mode),
        "satisfaction": str(state.satisfaction),
        "merged_into": state.merged_into,
        "due_at": clock.iso(marks.due_at) if marks else "",
        "warn_at": clock.iso(marks.warn_at) if marks else "",
        "due_kind": str(marks.kind) if marks else "",
    }


def _save_state(tx: Tx, state: CaseState, *, created: bool, columns: dict[str, str]) -> None:
    values = (
        state.version, str(state.status), state.phone, state.category_code, state.district,
        str(state.channel), state.lead_department, state.updated_at, state.deadline,
        json.dumps(state.to_dict(), ensure_ascii=False),
    ) + tuple(columns[name] for name in BOARD_COLUMNS)
    board = ", ".join(BOARD_COLUMNS)
    if created:
        tx.execute(
            "INSERT INTO cases (version, status, phone, category_code, district, channel,"
            f" lead_department, updated_at, deadline, state, {board}, responded_at, case_no,"
            " seat_no, created_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {', '.join('?' for _ in BOARD_COLUMNS)}, ?, ?, ?, ?)",
            values + (columns["responded_at"], state.case_no, parse_case_no(state.case_no)[1], state.created_at),
        )
    else:
        tx.execute(
            "UPDATE cases SET version = ?, status = ?, phone = ?, category_code = ?, district = ?,"
            " channel = ?, lead_department = ?, updated_at = ?, deadline = ?, state = ?, "
            + ", ".join(f"{name} = ?" for name in BOARD_COLUMNS)
            + ", responded_at = CASE WHEN responded_at = '' THEN ? ELSE responded_at END"
            " WHERE case_no = ?",
            values + (columns["responded_at"], state.case_no),
        )
    wanted = {d for d in [state.lead_department, *state.co_departments] if d}
    have = {r["department"] for r in tx.all("SELECT department FROM case_access WHERE case_no = ?", (state.case_no,))}
    for gone in have - wanted:
        tx.execute("DELETE FROM case_access WHERE case_no = ? AND department = ?", (state.case_no, gone))
    for new in wanted - have:
        tx.execute("INSERT INTO case_access (case_no, department) VALUES (?, ?)", (state.case_no, new))


def backfill_board_columns(tx: Tx) -> None:
    """Fill migration 3's columns and callback outcomes from existing data."""
    calendar = workdays.Calendar.from_items(
        [json.loads(r["data"]) for r in tx.all("SELECT data FROM reference WHERE kind = 'holidays' AND deleted = 0")],
        workdays.centre_timezone(),
    )
    near = workdays.near_fraction()
    after = ""
    while True:
        rows = tx.all("SELECT case_no, state FROM cases WHERE case_no > ? ORDER BY case_no LIMIT 1000", (after,))
        if not rows:
            break
        for row in rows:
            state = CaseState.from_dict(json.loads(row["state"]))
            if not state.resolved_at and state.resolve_mode:
                state.resolved_at = state.updated_at  # close enough for cases from before
            columns = case_columns(state, calendar, near)
            tx.execute(
                "UPDATE cases SET " + ", ".join(f"{name} = ?" for name in (*BOARD_COLUMNS, "responded_at"))
                + " WHERE case_no = ?",
                tuple(columns[name] for name in (*BOARD_COLUMNS, "responded_at")) + (row["case_no"],),
            )
        after = rows[-1]["case_no"]
    for row in tx.all("SELECT seq, case_no, server_time, payload FROM events WHERE type = 'callback'"):
        outcome = json.loads(row["payload"]).get("satisfaction", "")
        tx.execute(
            "INSERT INTO callback_outcomes (seq, case_no, at, outcome) VALUES (?, ?, ?, ?)",
            (row["seq"], row["case_no"], row["server_time"], outcome),
        )


def _event_out(row: dict[str, Any]) -> EventOut:
    return EventOut(
        seq=row["seq"],
        event_id=row["event_id"],
        case_no=row["case_no"],
        type=row["type"],
        version=row["version"],
        actor_id=row["actor_id"],
        actor_role=row["actor_role"],
        client_time=row["client_time"],
        server_time=row["server_time"],
        payload=json.loads(row["payload"]),
    )
