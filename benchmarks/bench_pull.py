"""Pull of N changes into an empty cache, vs just downloading the same pages.

The server's database gets N events (half `created`, half `note` on those
cases, in the order a centre makes them) through CaseStore.import_history,
the same path as a push. A new seat with an empty cache and a cursor at the
start of the feed runs SyncEngine.sync_once(): it pages through the change
feed (500 a page), validates each page and applies it with its cursor in one
local transaction.

Baseline: a bare httpx loop GETting the same pages (and reading the cursor
out of each), applying nothing — the cost of the server and the wire.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from .common import (Context, Row, case_numbers, cpu_seconds, created_event, make_seats, own_cpu_seconds,
                     server, sqlite_url)

TITLE = "pull into an empty cache"
PAGE = 500


def fill_server(database_url: str, seat: dict, n_events: int, log) -> None:
    """N events in the server's feed: a created and a note per case."""
    from central_server.cases import CaseStore
    from central_server.db import Database
    from operator_tui.domain import Actor, Role
    from operator_tui.protocol import EventIn

    actor = Actor(seat["operator_id"], Role.OPERATOR, None, seat["seat_no"])
    n_cases = n_events // 2
    numbers = case_numbers(seat["seat_no"], n_cases)
    db = Database(database_url)
    store = CaseStore(db)
    try:
        batch: list = []
        done = 0
        for i, case_no in enumerate(numbers):
            created = created_event(case_no, i)
            note = {"event_id": uuid.uuid4().hex, "case_no": case_no, "type": "note", "base_version": 1,
                    "client_time": created["client_time"],
                    "payload": {"text": "来电人补充：问题仍未解决，希望尽快处理。"}}
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            batch += [(actor, EventIn.model_validate(created), now), (actor, EventIn.model_validate(note), now)]
            if len(batch) >= 2000 or i == n_cases - 1:
                results = store.import_history(batch)
                bad = [r for r in results if r.status != "applied"]
                if bad:
                    raise RuntimeError(f"seeding refused: {bad[0]}")
                done += len(batch)
                batch = []
                if done % 20_000 == 0:
                    log(f"  {done:,} events in the server")
    finally:
        db.close()


def pull_with_engine(cache_path, url: str, token: str) -> tuple[float, int]:
    from local_cache import LocalCache
    from operator_tui.protocol import encode_cursor
    from operator_tui.sync import SyncEngine

    cache = LocalCache.open(cache_path)
    cache.set_state("cursor", encode_cursor(0))  # follow the feed from its start (no snapshot)
    cache.close()
    engine = SyncEngine(cache_path, url, token)
    start = time.perf_counter()
    status = engine.sync_once()
    took = time.perf_counter() - start
    if status.last_error:
        raise RuntimeError(f"sync_once: {status.last_error}")
    cache = LocalCache.open(cache_path)
    try:
        got = cache._conn().execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        cache.close()
    return took, got


def bare_download(url: str, token: str) -> tuple[float, int, int]:
    """Seconds, events and bytes for paging the feed with bare httpx."""
    import httpx

    from operator_tui.protocol import encode_cursor

    cursor, events, size = encode_cursor(0), 0, 0
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        start = time.perf_counter()
        while True:
            answer = client.get("/v1/changes", params={"cursor": cursor, "limit": PAGE, "wait": 0})
            answer.raise_for_status()
            size += len(answer.content)
            page = json.loads(answer.content)
            events += len(page["events"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        took = time.perf_counter() - start
    return took, events, size


def run(ctx: Context) -> list[Row]:
    n = ctx.size(100_000, 2_000)
    url = sqlite_url(ctx.path("pull/central.db"))
    seat, reader = make_seats(url, 2, prefix="pull")
    ctx.log(f"putting {n:,} events into the server's feed")
    fill_server(url, seat, n, ctx.log)
    with server(ctx, database_url=url, name="pull") as srv:
        ctx.log("baseline: downloading the pages with bare httpx")
        bare_s, bare_events, size = bare_download(srv.url, reader["token"])
        ctx.log("sync engine: pulling into an empty cache")
        srv0, own0 = cpu_seconds(srv.proc.pid), own_cpu_seconds()
        took, got = pull_with_engine(ctx.path("pull/seat/cache.db"), srv.url, reader["token"])
        srv_cpu, own_cpu = cpu_seconds(srv.proc.pid) - srv0, own_cpu_seconds() - own0
    note = (f"{n:,} events ({n // 2:,} cases), pages of {PAGE}, {size / 1e6:,.0f} MB JSON, SQLite server; "
            f"CPU per change: seat {own_cpu * 1e6 / n:.0f} µs, server {srv_cpu * 1e6 / n:.0f} µs"
            + ("" if got == n else f"; cache holds {got:,} events, expected {n:,}"))
    return [Row(
        "pull into an empty cache (sync_once)", got / took, "changes/s",
        baseline=bare_events / bare_s, baseline_name="bare httpx download of the same pages, nothing applied",
        goal="", passed=None, note=note, higher_is_better=True,
    )]
