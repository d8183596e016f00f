"""Outbox drain after an outage: N queued `created` events to the server.

The seat was offline and took N cases; the outbox holds N created events
(written by LocalCache.record_local_event, as the UI does). The sync engine
is started (its pusher and puller threads, as in the app) and the clock runs
until the outbox is empty. The server is a real ``operator-tui serve``
process on SQLite, over loopback.

Baseline: the same number of events, pre-serialized into push bodies of the
engine's batch size, POSTed by a bare httpx loop to a fresh server — the
floor set by the transport and the server.
"""

from __future__ import annotations

import json
import time

from .common import (Context, Row, case_numbers, cpu_seconds, created_event, make_seats, own_cpu_seconds,
                     server, sqlite_url)

TITLE = "outbox drain"
GOAL_CASES_PER_S = 2000


def fill_outbox(cache_path, seat: dict, events: list[dict]) -> None:
    """Queue *events* in a new cache at *cache_path*, as the app would."""
    from local_cache import LocalCache
    from operator_tui.domain import Actor, Event, EventType, Role, apply_event

    cache = LocalCache.open(cache_path)
    try:
        cache.set_seat(seat["seat_no"])
        cache.set_state("operator_id", seat["operator_id"])
        cache.set_state("role", "operator")
        actor = Actor(seat["operator_id"], Role.OPERATOR, None, seat["seat_no"])
        conn = cache._conn()
        conn.execute("PRAGMA synchronous=OFF")  # setup only: the engine's own connections use FULL
        for ev in events:
            state = apply_event(None, Event(EventType.CREATED, ev["case_no"], 0, ev["payload"], actor, ev["client_time"]))
            cache.record_local_event(ev, state.to_dict())
        conn.execute("PRAGMA synchronous=FULL")
        cache.checkpoint()
    finally:
        cache.close()


def drain_with_engine(cache_path, url: str, token: str, timeout: float = 600) -> tuple[float, dict]:
    """Start the engine; seconds until the outbox is empty, and the outbox counts."""
    from local_cache import LocalCache
    from operator_tui.sync import SyncEngine

    watch = LocalCache.open(cache_path)
    engine = SyncEngine(cache_path, url, token, long_poll_seconds=20)
    try:
        start = time.perf_counter()
        engine.start()
        deadline = start + timeout
        while watch.outbox_depth() and time.perf_counter() < deadline:
            time.sleep(0.05)
        took = time.perf_counter() - start
        counts = watch.outbox_counts()
    finally:
        engine.stop()
        watch.close()
    return took, counts


def bare_push(url: str, token: str, events: list[dict], batch: int) -> float:
    """POST pre-serialized batches with a bare httpx client; seconds."""
    import httpx

    bodies = [json.dumps({"protocol": 1, "events": events[i:i + batch]}).encode()
              for i in range(0, len(events), batch)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=60) as client:
        start = time.perf_counter()
        for body in bodies:
            answer = client.post("/v1/events", content=body, headers=headers)
            answer.raise_for_status()
        took = time.perf_counter() - start
        statuses = {r["status"] for r in answer.json()["results"]}
    if statuses != {"applied"}:
        raise RuntimeError(f"bare push answered {statuses}")
    return took


def run(ctx: Context) -> list[Row]:
    from operator_tui.sync import PUSH_BATCH

    n = ctx.size(10_000, 500)
    # Baseline first: a fresh server, bare httpx.
    base_url = sqlite_url(ctx.path("outbox-bare/central.db"))
    seat = make_seats(base_url, 1, prefix="bare")[0]
    events = [created_event(no, i) for i, no in enumerate(case_numbers(seat["seat_no"], n))]
    with server(ctx, database_url=base_url, name="outbox-bare") as srv:
        ctx.log(f"bare httpx: {n:,} events in batches of {PUSH_BATCH}")
        srv0 = cpu_seconds(srv.proc.pid)
        bare_s = bare_push(srv.url, seat["token"], events, PUSH_BATCH)
        bare_srv_cpu = cpu_seconds(srv.proc.pid) - srv0

    eng_url = sqlite_url(ctx.path("outbox-engine/central.db"))
    seat = make_seats(eng_url, 1, prefix="seat")[0]
    cache_path = ctx.path("outbox-engine/seat/cache.db")
    events = [created_event(no, i) for i, no in enumerate(case_numbers(seat["seat_no"], n))]
    ctx.log(f"queueing {n:,} created events in a local cache")
    fill_outbox(cache_path, seat, events)
    with server(ctx, database_url=eng_url, name="outbox-engine") as srv:
        ctx.log("draining with the sync engine")
        srv0, own0 = cpu_seconds(srv.proc.pid), own_cpu_seconds()
        took, counts = drain_with_engine(cache_path, srv.url, seat["token"])
        srv_cpu, own_cpu = cpu_seconds(srv.proc.pid) - srv0, own_cpu_seconds() - own0
    delivered = counts.get("delivered", 0)
    per = 1e6 / n  # CPU µs per case
    note = (f"{n:,} cases, batches of {PUSH_BATCH}, SQLite server; CPU per case: seat {own_cpu * per:.0f} µs "
            f"(pusher and puller threads), server {srv_cpu * per:.0f} µs (bare: {bare_srv_cpu * per:.0f} µs)")
    if delivered != n:
        note += f"; ONLY {delivered:,} delivered: {counts}"
    rate, bare_rate = delivered / took, n / bare_s
    return [Row(
        "outbox drain (sync engine → server)", rate, "cases/s",
        baseline=bare_rate, baseline_name="bare httpx, pre-serialized",
        goal=f"≥ {GOAL_CASES_PER_S:,} cases/s", passed=delivered == n and rate >= GOAL_CASES_PER_S,
        note=note, higher_is_better=True,
    )]
