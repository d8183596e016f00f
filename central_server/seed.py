"""Loading the demo hotline into a central server database.

Reference data and operators are written directly; historic cases go through
the same state machine and change feed as a push (``CaseStore.import_history``),
so seeded data is indistinguishable from data entered at a seat.
"""

from __future__ import annotations

import time

from operator_tui import clock
from operator_tui.protocol import EventIn

from .accounts import Accounts
from .cases import CaseStore
from .db import Database
from .demo_data import build_demo
from .migrations import migrate
from .reference import ReferenceStore

BATCH = 2000


def is_seeded(db: Database) -> bool:
    """True when the database already holds operators (seeding is one-off)."""
    with db.transaction(write=False) as tx:
        return bool(tx.scalar("SELECT COUNT(*) AS n FROM operators"))


def seed_demo(database_url: str, *, seed: int = 12345, n_cases: int = 3000) -> str:
    """Seed an empty database with the demo hotline; return a one-line summary."""
    started = time.perf_counter()
    db = Database(database_url)
    try:
        migrate(db)
        if is_seeded(db):
            raise ValueError("the database already has operators; seed an empty database")
        data = build_demo(seed=seed, n_cases=n_cases)
        reference = ReferenceStore(db)
        for kind, items in (
            ("holidays", data.holidays),  # first: dispatch deadlines count working days
            ("departments", data.departments),
            ("categories", data.categories),
            ("routing", data.routing),
            ("kb", data.kb),
        ):
            reference.put(kind, items)
        Accounts(db).add_operators_bulk(
            [(o["operator_id"], o["name"], o["role"], o["password"], o["department"]) for o in data.operators]
        )
        # In server-time order, so the change feed reads like the centre's day.
        ordered = sorted((e for case in data.cases for e in case), key=lambda e: e.server_time)
        history = [(e.actor, EventIn.model_validate(e.event), clock.iso(e.server_time)) for e in ordered]
        store = CaseStore(db)
        rejected = []
        for start in range(0, len(history), BATCH):
            results = store.import_history(history[start:start + BATCH])
            rejected += [r for r in results if r.status not in ("applied", "duplicate")]
        if rejected:
            first = rejected[0]
            raise ValueError(f"{len(rejected)} demo events refused, first: {first.event_id}: {first.reason}")
    finally:
        db.close()
    return (
        f"seeded {len(data.holidays)} calendar days, {len(data.categories)} categories, {len(data.departments)} departments, "
        f"{len(data.kb)} KB articles, {len(data.operators)} operators, {len(data.cases)} cases "
        f"({len(history)} events) in {time.perf_counter() - started:.1f}s"
    )

