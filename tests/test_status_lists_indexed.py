"""The lists read by status (department inbox, callback list, extension
requests, dispatch queue) use an index: a hotline seat may cache a whole
centre's month (~2M cases), and these lists refresh every few seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local_cache import LocalCache
from screens import desk_lists
from screens.dispatch_queue import dispatch_queue

DAY = "2026-11-2{}T09:00:00+08:00"


def state(n: int, status: str, **extra: Any) -> dict[str, Any]:
    return {"case_no": f"261120-012-{n:04d}-0", "version": 2, "status": status, "phone": "+8613800138000",
            "category_code": "0101", "district": "chaoyang", "created_at": DAY.format(n % 9),
            "updated_at": DAY.format(n % 9), "language": "zh", "channel": "web", "lead_department": "WATERCO",
            **extra}


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = LocalCache.open(tmp_path / "cache.db")
    statuses = ["open", "dispatched", "signed", "resolved", "returned", "closed"]
    c.apply_snapshot([state(n, statuses[n % len(statuses)], extension_pending_hours=24 * (n % 2))
                      for n in range(1, 61)])
    yield c
    c.close()


def test_the_status_lists_never_scan_the_cases_table(cache: Any) -> None:
    conn, ran = cache._conn(), []
    conn.set_trace_callback(ran.append)  # the statements with their values
    try:
        found = {
            "inbox": desk_lists.inbox(cache, "WATERCO"),
            "callbacks": desk_lists.callbacks(cache),
            "extensions": desk_lists.extension_requests(cache),
            "queue": dispatch_queue(cache),
        }
    finally:
        conn.set_trace_callback(None)
    assert all(found.values()), {k: len(v) for k, v in found.items()}  # each list read real rows
    plans = {sql: [r[-1] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
             for sql in ran if "FROM cases" in sql}
    assert len(plans) >= 4, plans
    for sql, plan in plans.items():
        assert not any(step.startswith("SCAN cases") for step in plan), (sql, plan)
    assert any("cases_status" in step for plan in plans.values() for step in plan)
