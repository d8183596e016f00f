"""Settling a rejected or conflicting change: "keep mine" or "take theirs".

The sync engine never resends a change the server rejected or found in
conflict; it stays in ``cache.problems()`` until a person decides. Both
decisions are local writes (the engine sends them; call ``engine.wake()``)
and both leave a trace in the case's log on the server:

* :func:`keep_mine` sends the operator's change again as a NEW event (new
  id) on top of the server's current version, so it is applied over the
  other edit; the log shows both edits in order.
* :func:`take_theirs` drops the operator's change and records a ``note``
  event saying that the operator took the other version (and what their own
  change was), so the decision is visible to the next person.

    from operator_tui import conflicts
    for problem in seat.cache.problems():
        conflicts.keep_mine(seat.cache, problem["event_id"], seat.actor)
    seat.engine.wake()
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from . import clock
from .domain import Actor, CaseState, Event, EventType, Rejected, apply_event
from .text import clean_field

NOTE_MAX = 2000


def find_problem(cache: Any, event_id: str) -> dict[str, Any]:
    """The problem item for *event_id*, or NotAProblemError."""
    from local_cache import NotAProblemError

    for problem in cache.problems():
        if problem["event_id"] == event_id:
            return problem
    raise NotAProblemError(f"event {event_id} is not a rejected or conflicting change")


def _server_state(cache: Any, problem: dict[str, Any]) -> dict[str, Any] | None:
    """The newest server state we know for the problem's case."""
    known = [s for s in (problem.get("server_case"), cache.server_case(problem["case_no"])) if s]
    return max(known, key=lambda s: int(s.get("version") or 0)) if known else None


def keep_mine(cache: Any, event_id: str, actor: Actor) -> dict[str, Any]:
    """Resend the operator's change on top of the server's version.

    Returns the new event (wire form). Raises domain.Rejected if the change
    no longer fits the case as the server has it (e.g. the case was closed
    meanwhile): the problem then stays for a person.
    """
    problem = find_problem(cache, event_id)
    old = problem["event"]
    server = _server_state(cache, problem)
    base = int(server["version"]) if server else 0
    new = {
        "event_id": uuid.uuid4().hex,
        "case_no": old["case_no"],
        "type": old["type"],
        "base_version": base,
        "client_time": clock.now_iso(),
        "payload": old["payload"],
    }
    state = CaseState.from_dict(server) if server else None
    apply_event(state, Event(EventType(old["type"]), old["case_no"], base, old["payload"], actor, clock.now_iso()))
    cache.resolve_problem(event_id, "requeue", new_event=new)
    return new


def take_theirs(cache: Any, event_id: str, actor: Actor, *, text: str | None = None) -> dict[str, Any] | None:
    """Drop the operator's change and note the decision in the case's log.

    Returns the note event, or None when no note can be made (the case does
    not exist on the server, e.g. a rejected ``created``; or the operator may
    not write to it). The note is written before the change is dropped, so a
    crash in between leaves the problem (and a note) rather than no trace.
    """
    problem = find_problem(cache, event_id)
    case_no = problem["case_no"]
    server = _server_state(cache, problem)
    note = None
    if server is not None:
        note = {
            "event_id": uuid.uuid4().hex,
            "case_no": case_no,
            "type": EventType.NOTE.value,
            "base_version": int(server.get("version") or 0),
            "client_time": clock.now_iso(),
            "payload": {"text": text or _note_text(problem)},
        }
        shown = cache.case(case_no)
        current = CaseState.from_dict(shown) if shown else CaseState.from_dict(server)
        try:
            after = apply_event(current, Event(EventType.NOTE, case_no, note["base_version"],
                                               note["payload"], actor, clock.now_iso()))
        except Rejected:
            note = None
        else:
            cache.record_local_event(note, after.to_dict())
    cache.resolve_problem(event_id, "discard")
    return note


def _note_text(problem: dict[str, Any]) -> str:
    event = problem["event"]
    what = event["type"]
    fields = problem.get("conflict_fields") or []
    if event["type"] == EventType.EDITED and isinstance(event["payload"].get("fields"), dict):
        mine = json.dumps(event["payload"]["fields"], ensure_ascii=False)
    else:
        mine = json.dumps(event["payload"], ensure_ascii=False)
    kind = "冲突" if problem["state"] == "conflict" else "被拒绝的修改"
    text = (
        f"{kind}已处理：采用另一方的版本。Operator took the other version; "
        f"own {what}{' of ' + ', '.join(fields) if fields else ''} discarded "
        f"(event {event['event_id']}): {mine}"
    )
    text = clean_field(text)
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"
