"""Helpers for the sync tests: a seat made of a real LocalCache, fast sync
engines, and checks against the server's own database.

    seat = SeatSim(tmp_path / "a.db").login(server.url, "op1")
    no = seat.create(description="burst pipe")       # local write + outbox row
    seat.edit(no, description="burst main")
    engine = fast_engine(seat, proxy.url)           # short timeouts and backoff
    engine.sync_once()
    assert_delivered_exactly_once([seat], server.database_url)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from local_cache import LocalCache
from operator_tui import clock
from operator_tui.case_numbers import parse_case_no
from operator_tui.domain import Actor, CaseState, Event, EventType, Role, apply_event
from operator_tui.protocol import EventIn
from operator_tui.sync import SyncEngine
from tests.server_helpers import PHONE, login, query

FAST = {"long_poll_seconds": 2.0, "timeout": 2.0, "backoff": (0.05, 0.4)}
SERVER_ONLY_KEYS = ("local", "server_version")


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition",
             interval: float = 0.02) -> Any:
    """Poll *predicate* until truthy; AssertionError naming *what* after *timeout*."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class SeatSim:
    """One seat: its cache file, its login, and the UI's local writes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.cache = LocalCache.open(self.path)
        self.token = ""
        self.seat_no: int | None = None
        self.operator_id = ""
        self.role = Role.OPERATOR
        self.seat_key = "seat-" + uuid.uuid4().hex[:12]

    def login(self, base_url: str, operator_id: str) -> "SeatSim":
        session = login(base_url, operator_id, seat_key=self.seat_key)
        session.close()
        self.token, self.seat_no = session.token, session.seat_no
        self.operator_id = operator_id
        self.role = Role(session.operator["role"])
        if session.seat_no:
            self.cache.set_seat(session.seat_no, session.last_case_no)
        self.cache.set_state("operator_id", operator_id)
        self.cache.set_state("role", str(self.role))
        self.cache.set_state("seat_key", self.seat_key)
        return self

    def adopt(self, database_url: str, operator_id: str, seat_no: int) -> "SeatSim":
        """Like login, but with a token written straight into the server's
        database (no password hashing: fast, for tests that make many seats).
        *seat_no* must be unused on that server."""
        from tests.server_helpers import USERS, mint_token

        self.token = mint_token(database_url, operator_id, seat_no=seat_no)
        self.seat_no, self.operator_id = seat_no, operator_id
        self.role = USERS[operator_id][0]
        self.cache.set_seat(seat_no)
        self.cache.set_state("operator_id", operator_id)
        self.cache.set_state("role", str(self.role))
        return self

    @property
    def actor(self) -> Actor:
        return Actor(self.operator_id, self.role, None, self.seat_no)

    def engine(self, url: str, **kw: Any) -> SyncEngine:
        return fast_engine(self, url, **kw)

    # --- local writes, as the Seat facade makes them ------------------------

    def record(self, case_no: str, kind: EventType | str, payload: dict[str, Any]) -> dict[str, Any]:
        """Check with the domain rules and write locally; returns the event.

        Raises domain.Rejected (nothing written) like the UI would show.
        """
        kind = EventType(kind)
        shown = self.cache.case(case_no)
        state = CaseState.from_dict(shown) if shown else None
        server = self.cache.server_case(case_no)
        event = EventIn.model_validate({
            "event_id": uuid.uuid4().hex,
            "case_no": case_no,
            "type": kind,
            "base_version": int(server["version"]) if server else 0,
            "client_time": clock.now_iso(),
            "payload": payload,
        }).model_dump(mode="json")
        new = apply_event(state, Event(kind, case_no, event["base_version"], event["payload"],
                                       self.actor, clock.now_iso()))
        return self.cache.record_local_event(event, new.to_dict())

    def create(self, **fields: Any) -> str:
        case_no = self.cache.next_case_no(date.today())
        payload = {"phone": PHONE, "description": "水管爆裂 burst pipe", "district": "chaoyang",
                   **fields}
        self.record(case_no, EventType.CREATED, payload)
        return case_no

    def edit(self, case_no: str, **fields: Any) -> dict[str, Any]:
        return self.record(case_no, EventType.EDITED, {"fields": fields})

    def note(self, case_no: str, text: str) -> dict[str, Any]:
        return self.record(case_no, EventType.NOTE, {"text": text})

    def close_case(self, case_no: str) -> None:
        """Answer directly and record a satisfied callback: the case is closed."""
        self.record(case_no, EventType.RESOLVED, {"mode": "direct", "result": "answered from KB"})
        self.record(case_no, EventType.CALLBACK, {"satisfaction": "satisfied", "resolved": True})

    # --- inspection -----------------------------------------------------------

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row in queue order: id, event_id, case_no, type, state,
        attempts, replaced (earlier ids of a requeued row), event."""
        rows = self.cache.db.execute(
            "SELECT id, event_id, case_no, type, state, attempts, replaced_event_ids, event "
            "FROM outbox ORDER BY id"
        ).fetchall()
        return [
            {"id": r[0], "event_id": r[1], "case_no": r[2], "type": r[3], "state": r[4],
             "attempts": r[5], "replaced": json.loads(r[6] or "[]"), "event": json.loads(r[7])}
            for r in rows
        ]

    def close(self) -> None:
        self.cache.close()


def fast_engine(seat: SeatSim, url: str, **kw: Any) -> SyncEngine:
    """A SyncEngine on the seat's cache with test-sized timeouts and backoff."""
    return SyncEngine(seat.path, url, seat.token, **{**FAST, **kw})


# --- the server's side, read from its database --------------------------------


def seat_of(case_no: str) -> int:
    return parse_case_no(case_no)[1]


def server_events(database_url: str, *seats: SeatSim) -> list[dict[str, Any]]:
    """Every event on the server in change-number order; with *seats*, only
    those on cases those seats made (for a server that other tests share)."""
    rows = query(database_url, "SELECT seq, event_id, case_no, type, version, actor_id, payload "
                               "FROM events ORDER BY seq")
    if seats:
        mine = {s.seat_no for s in seats}
        rows = [r for r in rows if seat_of(r["case_no"]) in mine]
    for r in rows:
        r["payload"] = json.loads(r["payload"])
    return rows


def server_cases(database_url: str) -> dict[str, dict[str, Any]]:
    """case_no -> the server's current state of the case."""
    return {r["case_no"]: json.loads(r["state"])
            for r in query(database_url, "SELECT case_no, state FROM cases")}


def shown(seat: SeatSim, case_no: str) -> dict[str, Any] | None:
    """The case as the seat shows it, without the cache's extra keys."""
    case = seat.cache.case(case_no)
    if case is None:
        return None
    return {k: v for k, v in case.items() if k not in SERVER_ONLY_KEYS}


def assert_delivered_exactly_once(seats: list[SeatSim], database_url: str, *,
                                  allow_pending: bool = False) -> dict[str, int]:
    """Every local change is on the server exactly once, or visibly a problem.

    delivered -> exactly one server event with that id, with the same type
    and payload; rejected / conflict / discarded (and replaced ids of a
    requeued row) -> no server event; pending -> not allowed unless
    *allow_pending* or held behind a problem of the same case. Every server
    event on a case that one of *seats* made comes from one of them.
    Returns counts by outcome.
    """
    events = server_events(database_url, *seats)
    by_id: dict[str, list[dict]] = {}
    for e in events:
        by_id.setdefault(e["event_id"], []).append(e)
    dupes = {k: len(v) for k, v in by_id.items() if len(v) > 1}
    assert not dupes, f"events applied more than once: {dupes}"
    counts = {"delivered": 0, "rejected": 0, "conflict": 0, "discarded": 0, "pending": 0, "replaced": 0}
    recorded: set[str] = set()
    for seat in seats:
        rows = seat.outbox()
        problem_cases = {r["case_no"] for r in rows if r["state"] in ("rejected", "conflict")}
        for row in rows:
            eid = row["event_id"]
            recorded.add(eid)
            counts[row["state"]] += 1
            for old in row["replaced"]:
                counts["replaced"] += 1
                recorded.add(old)
                assert old not in by_id, f"replaced event {old} reached the server"
            if row["state"] == "delivered":
                assert eid in by_id, f"seat {seat.seat_no}: {eid} ({row['type']}) marked delivered, not on the server"
                server = by_id[eid][0]
                assert server["type"] == row["type"] and server["case_no"] == row["case_no"]
                assert server["payload"] == row["event"]["payload"], (server, row)
            elif row["state"] == "pending":
                assert allow_pending or row["case_no"] in problem_cases, \
                    f"seat {seat.seat_no}: {eid} still pending and not held: {row}"
                assert eid not in by_id or allow_pending, f"{eid} is on the server but pending"
            else:
                assert eid not in by_id, f"{eid} is {row['state']} locally but on the server"
    strangers = set(by_id) - recorded
    assert not strangers, f"server events no seat recorded: {sorted(strangers)[:5]}"
    return counts


def assert_same_view(seat: SeatSim, database_url: str) -> int:
    """The seat's cache agrees with the server about every case; returns how many.

    Cases with an open (pending/problem) change must hold the server's state
    as their server state; every other case must show exactly the server's
    state. A case only the seat has must be one whose creation is not (yet)
    on the server.
    """
    server = server_cases(database_url)
    open_cases = {r["case_no"] for r in seat.outbox() if r["state"] in ("pending", "rejected", "conflict")}
    local = {r[0] for r in seat.cache.db.execute("SELECT case_no FROM cases").fetchall()}
    for case_no, state in server.items():
        assert seat.cache.server_case(case_no) == state, f"seat {seat.seat_no}: server state of {case_no} differs"
        if case_no not in open_cases:
            assert shown(seat, case_no) == state, f"seat {seat.seat_no}: {case_no} shown differs from the server"
    for case_no in local - set(server):
        assert case_no in open_cases, f"seat {seat.seat_no}: {case_no} exists only on the seat, nothing open"
    return len(server)
