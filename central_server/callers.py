"""The callers of a master case: its own and those of every case merged into it.

A burst of calls about one incident becomes one master case; the callback
has to reach everyone who called. Merges may chain (a case merged into a
case that was later merged itself), so the group is followed both ways.
"""

from __future__ import annotations

import json
from typing import Any

from operator_tui.domain import Actor, CaseState, may_see

from .db import Database, Tx

MAX_DEPTH = 20  # merges chained deeper than this are not followed


def master_of(tx: Tx, case_no: str) -> CaseState | None:
    """The case at the top of *case_no*'s merge chain (the case itself if not merged)."""
    seen: set[str] = set()
    state = _load(tx, case_no)
    while state is not None and state.merged_into and state.merged_into not in seen and len(seen) < MAX_DEPTH:
        seen.add(state.case_no)
        above = _load(tx, state.merged_into)
        if above is None:
            break
        state = above
    return state


def callers(db: Database, actor: Actor, case_no: str) -> dict[str, Any] | None:
    """The master of *case_no* and the callers of its whole group, or None
    when there is no such case or *actor* may not see its master."""
    with db.transaction(write=False) as tx:
        master = master_of(tx, case_no)
        if master is None or not may_see(master, actor):
            return None
        group = [master]
        frontier, seen = [master.case_no], {master.case_no}
        for _ in range(MAX_DEPTH):
            if not frontier:
                break
            marks = ", ".join("?" for _ in frontier)
            rows = tx.all(
                f"SELECT state FROM cases WHERE merged_into IN ({marks}) ORDER BY created_at, case_no", frontier
            )
            found = [CaseState.from_dict(json.loads(r["state"])) for r in rows]
            found = [s for s in found if s.case_no not in seen]
            seen.update(s.case_no for s in found)
            group += found
            frontier = [s.case_no for s in found]
    phones: list[str] = []
    for state in group:
        if state.phone and state.phone not in phones:
            phones.append(state.phone)
    return {
        "master": master.case_no,
        "status": str(master.status),
        "callers": [
            {
                "case_no": s.case_no,
                "phone": s.phone,
                "name": s.name,
                "language": s.language,
                "interpreter": s.interpreter,
                "channel": str(s.channel),
                "created_at": s.created_at,
                "merged_into": s.merged_into,
            }
            for s in group
        ],
        "phones": phones,
    }


def _load(tx: Tx, case_no: str) -> CaseState | None:
    row = tx.one("SELECT state FROM cases WHERE case_no = ?", (case_no,))
    return CaseState.from_dict(json.loads(row["state"])) if row else None
