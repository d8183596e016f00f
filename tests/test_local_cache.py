"""The seat's SQLite store: schema, outbox, drafts, sync bookkeeping, search."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest

from local_cache import (
    DuplicateEventError,
    LocalCache,
    NotACacheError,
    NotAProblemError,
    PendingChangesError,
    SchemaTooNewError,
    SeatUnknownError,
)
from local_cache import _db, schema
from local_cache._rows import UNFINISHED_STATUSES
from local_cache.textindex import build_query, index_text
from operator_tui import domain
from operator_tui.case_numbers import make_case_no
from operator_tui.domain import Actor, CaseState, Event, EventType, Role, apply_event

DAY = date(2025, 11, 29)
ACTOR = Actor("op1", Role.OPERATOR)
_ids = count(1)


def new_id() -> str:
    return f"evt-{next(_ids):08d}"


def case_no(seq: int, seat: int = 12, day: date = DAY) -> str:
    return make_case_no(day, seat, seq)


def now_iso(delta_days: float = 0) -> str:
    moment = datetime.now(timezone.utc) - timedelta(days=delta_days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_in(no: str, kind: str, payload: dict, base_version: int = 0) -> dict:
    return {
        "event_id": new_id(),
        "case_no": no,
        "type": kind,
        "base_version": base_version,
        "client_time": now_iso(),
        "payload": payload,
    }


def fold(state: dict | None, ev: dict) -> dict:
    before = CaseState.from_dict(state) if state else None
    after = apply_event(
        before,
        Event(EventType(ev["type"]), ev["case_no"], ev["base_version"], ev["payload"], ACTOR, now_iso()),
    )
    return after.to_dict()


def create(cache: LocalCache, no: str, **fields) -> tuple[dict, dict]:
    """Record a local `created` event; returns (event, state_after)."""
    payload = {"phone": "13800138000", "description": "小区停水三天了", "district": "chaoyang"}
    payload.update(fields)
    ev = event_in(no, "created", payload)
    state = fold(None, ev)
    cache.record_local_event(ev, state)
    return ev, state


def server_state(no: str, version: int, **fields) -> dict:
    base = CaseState(case_no=no, version=version, created_at=now_iso(1), updated_at=now_iso(0.5))
    state = base.to_dict()
    state.update(fields)
    return state


def event_out(ev: dict, seq: int, version: int) -> dict:
    return {
        "seq": seq, "event_id": ev["event_id"], "case_no": ev["case_no"], "type": ev["type"],
        "version": version, "actor_id": "op1", "actor_role": "operator",
        "client_time": ev["client_time"], "server_time": now_iso(), "payload": ev["payload"],
    }


@pytest.fixture
def cache(tmp_path: Path):
    c = LocalCache.open(tmp_path / "seat" / "cache.db")
    c.set_seat(12)
    yield c
    c.close()


# --- schema and files -----------------------------------------------------------


def test_new_file_gets_latest_schema_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with LocalCache.open(path) as c:
        assert c.schema_version == schema.LATEST
        c.set_state("cursor", "abc")
        assert c.db["cases"].exists()  # sqlite-utils view of the same connection
    with LocalCache.open(path) as c:
        assert c.schema_version == schema.LATEST
        assert c.get_state("cursor") == "abc"


def test_old_schema_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = _db.prepare_path(tmp_path / "old.db")
    conn = _db.connect(path)
    assert schema.migrate(conn, path, target=1) == 1
    no = case_no(1)
    state = server_state(no, 3, phone="+861065123456", address="朝阳区建国路88号",
                         description="楼道堆放杂物")
    import json

    conn.execute(
        "INSERT INTO cases (case_no, phone, created_at, updated_at, version, server_version, state) "
        "VALUES (?, ?, ?, ?, 3, 3, ?)",
        (no, "+861065123456", state["created_at"], state["updated_at"], json.dumps(state)),
    )
    conn.execute(
        "INSERT INTO reference (kind, key, version, data) VALUES ('kb', 'kb1', 1, ?)",
        (json.dumps({"id": "kb1", "title": "停水通知", "body": "b", "language": "zh"}),),
    )
    conn.close()

    with LocalCache.open(path) as c:
        assert c.schema_version == schema.LATEST
        assert c.case(no)["address"] == "朝阳区建国路88号"
        assert [x["case_no"] for x in c.search_cases("建国路")] == [no]
        assert [x["case_no"] for x in c.search_cases("010-6512")] == [no]  # backfilled digits
        assert [h.article["id"] for h in c.search_kb("停水")] == ["kb1"]
        assert c.category_usage() == {}


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    LocalCache.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match=f"schema version {schema.LATEST + 1}.*up to {schema.LATEST}"):
        LocalCache.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST + 1
    conn.close()


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotACacheError):
        LocalCache.open(path)


def test_segmenter_change_rebuilds_the_index(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with LocalCache.open(path) as c:
        c.set_seat(12)
        create(c, case_no(1), address="海淀区中关村大街1号")
        c._conn().execute("UPDATE meta SET value = '0' WHERE key = 'segmenter_version'")
        c._conn().execute("INSERT INTO cases_fts(cases_fts) VALUES ('delete-all')")
    with LocalCache.open(path) as c:
        assert [x["case_no"] for x in c.search_cases("中关村")] == [case_no(1)]


def test_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with LocalCache.open(tmp_path / "a" / "b" / "cache.db") as c:
            c.set_state("x", 1)  # makes sure -wal/-shm exist
            directory = tmp_path / "a" / "b"
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700
            names = sorted(p.name for p in directory.iterdir())
            assert names == ["cache.db", "cache.db-shm", "cache.db-wal"]
            for p in directory.iterdir():
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
            assert c._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert c._conn().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        os.umask(old)


def test_existing_loose_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "d" / "cache.db"
    LocalCache.open(path).close()
    os.chmod(path, 0o644)
    os.chmod(path.parent, 0o755)
    LocalCache.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_import_pulls_in_no_ui_or_http(tmp_path: Path) -> None:
    code = (
        "import sys, local_cache\n"
        "c = local_cache.LocalCache.open(sys.argv[1]); c.search_kb('停水'); c.caller_history('13800138000')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'fastapi', 'httpx', 'starlette', 'rich'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.db")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- local writes and the outbox ------------------------------------------------


def test_local_write_is_one_transaction(cache: LocalCache, monkeypatch: pytest.MonkeyPatch) -> None:
    no = case_no(1)
    cache.save_draft("d1", {"phone": "138"})
    ev = event_in(no, "created", {"phone": "13800138000"})

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cache, "_insert_local_event", boom)
    with pytest.raises(RuntimeError):
        cache.record_local_event(ev, fold(None, ev), draft_id="d1")
    assert cache.outbox_depth() == 0
    assert cache.case(no) is None
    assert cache.draft("d1") is not None
    monkeypatch.undo()

    cache.record_local_event(ev, fold(None, ev), draft_id="d1")
    assert cache.outbox_depth() == 1
    assert cache.case(no)["local"] is True
    assert cache.draft("d1") is None
    assert [e["event_id"] for e in cache.case_events(no)] == [ev["event_id"]]
    with pytest.raises(DuplicateEventError):
        cache.record_local_event(ev, fold(None, ev))


def test_invalid_events_are_refused_before_writing(cache: LocalCache) -> None:
    no = case_no(1)
    with pytest.raises(ValueError, match="not a valid event"):
        cache.record_local_event(event_in(no, "created", {"phone": "12"}), {"case_no": no})
    with pytest.raises(ValueError, match="state_after"):
        ev = event_in(no, "created", {})
        cache.record_local_event(ev, {"case_no": case_no(2)})
    assert cache.outbox_depth() == 0


def test_outbox_order_results_and_problems(cache: LocalCache) -> None:
    a, b = case_no(1), case_no(2)
    ev1, st_a = create(cache, a)
    ev2, st_b = create(cache, b, phone="13900139000")
    ev3 = event_in(b, "edited", {"fields": {"address": "我的地址"}}, base_version=0)
    cache.record_local_event(ev3, fold(st_b, ev3))
    ev4 = event_in(a, "note", {"text": "回访"})
    cache.record_local_event(ev4, fold(st_a, ev4))
    ids = [e["event_id"] for e in cache.pending_events(10)]
    assert ids == [ev1["event_id"], ev2["event_id"], ev3["event_id"], ev4["event_id"]]
    assert cache.oldest_pending_age_seconds() >= 0

    theirs = server_state(b, 2, phone="+8613900139000", address="他们的地址")
    counts = cache.mark_results([
        {"event_id": ev1["event_id"], "status": "applied", "seq": 10, "version": 1},
        {"event_id": ev2["event_id"], "status": "duplicate", "seq": 11, "version": 1},
        {"event_id": ev3["event_id"], "status": "conflict", "reason": "address changed",
         "conflict_fields": ["address"], "server_case": theirs},
        {"event_id": "evt-unknown1", "status": "applied"},
    ])
    assert counts == {"delivered": 2, "problems": 1, "ignored": 1}
    assert [e["event_id"] for e in cache.pending_events(10)] == [ev4["event_id"]]
    assert cache.outbox_depth() == 1
    [problem] = cache.problems()
    assert problem["event_id"] == ev3["event_id"] and problem["state"] == "conflict"
    assert problem["conflict_fields"] == ["address"]
    assert problem["server_case"]["address"] == "他们的地址"
    assert cache.case(b)["address"] == "我的地址"  # mine is shown until a person decides
    assert cache.server_case(b)["address"] == "他们的地址"

    # a later change to the conflicted case waits behind the problem
    ev5 = event_in(b, "note", {"text": "补充"}, base_version=2)
    cache.record_local_event(ev5, fold(cache.case(b), ev5))
    assert ev5["event_id"] not in [e["event_id"] for e in cache.pending_events(10)]
    assert cache.outbox_counts()["held"] == 1

    # keep mine: a new event takes the failed one's place in the queue
    again = event_in(b, "edited", {"fields": {"address": "我的地址"}}, base_version=2)
    cache.resolve_problem(ev3["event_id"], "requeue", new_event=again)
    assert cache.problems() == []
    assert [e["event_id"] for e in cache.pending_events(10)] == [
        again["event_id"], ev4["event_id"], ev5["event_id"]]
    assert cache.case(b)["address"] == "我的地址"
    with pytest.raises(NotAProblemError):
        cache.resolve_problem(ev3["event_id"], "discard")


def test_discard_takes_theirs(cache: LocalCache) -> None:
    no = case_no(1)
    ev1, st = create(cache, no)
    cache.mark_results([{"event_id": ev1["event_id"], "status": "applied", "seq": 1, "version": 1}])
    cache.apply_pulled([event_out(ev1, 1, 1)], [dict(st, created_at=now_iso(), updated_at=now_iso())], "c1")
    assert cache.case(no)["local"] is False
    ev2 = event_in(no, "edited", {"fields": {"address": "mine"}}, base_version=1)
    cache.record_local_event(ev2, fold(cache.case(no), ev2))
    theirs = dict(cache.server_case(no), version=2, address="theirs")
    cache.mark_results([{"event_id": ev2["event_id"], "status": "conflict", "server_case": theirs}])
    cache.resolve_problem(ev2["event_id"], "discard")
    shown = cache.case(no)
    assert shown["address"] == "theirs" and shown["local"] is False
    assert [e["event_id"] for e in cache.case_events(no)] == [ev1["event_id"]]
    assert cache.outbox_counts()["discarded"] == 1


def test_discarding_a_rejected_local_only_case_removes_it(cache: LocalCache) -> None:
    no = case_no(1)
    ev, _ = create(cache, no)
    cache.mark_results([{"event_id": ev["event_id"], "status": "rejected", "reason": "bad"}])
    assert cache.case(no)["local"] is True
    cache.resolve_problem(ev["event_id"], "discard")
    assert cache.case(no) is None


# --- pulling ---------------------------------------------------------------------


def test_apply_pulled_is_idempotent_and_stores_cursor(cache: LocalCache) -> None:
    no = case_no(1, seat=99)
    created = {"event_id": "srv-00000001", "case_no": no, "type": "created", "base_version": 0,
               "client_time": now_iso(), "payload": {"phone": "+8613800138000"}}
    page = ([event_out(created, 5, 1)], [server_state(no, 1, phone="+8613800138000")], "cur-5")
    cache.apply_pulled(*page)
    cache.apply_pulled(*page)
    assert cache.get_state("cursor") == "cur-5"
    assert len(cache.case_events(no)) == 1
    assert cache.case(no)["version"] == 1

    cache.apply_pulled([], [server_state(no, 3, status="dispatched")], "cur-7")
    cache.apply_pulled([], [server_state(no, 2, status="open")], "cur-8")  # stale: ignored
    assert cache.case(no)["status"] == "dispatched"
    assert cache.get_state("cursor") == "cur-8"


def test_pending_local_changes_keep_the_optimistic_state(cache: LocalCache) -> None:
    no = case_no(1)
    ev1, st = create(cache, no, address="旧地址")
    cache.mark_results([{"event_id": ev1["event_id"], "status": "applied", "seq": 1, "version": 1}])
    cache.apply_pulled([event_out(ev1, 1, 1)], [dict(st, created_at=now_iso(), updated_at=now_iso())], "c1")
    ev2 = event_in(no, "edited", {"fields": {"address": "新地址"}}, base_version=1)
    cache.record_local_event(ev2, fold(cache.case(no), ev2))

    other = dict(cache.server_case(no), version=2, urgency="urgent")
    cache.apply_pulled([], [other], "c2")
    assert cache.case(no)["address"] == "新地址"  # still mine while pending
    assert cache.server_case(no)["urgency"] == "urgent"

    # the server applies mine (version 3); the pull carrying it settles the case
    mine = dict(other, version=3, address="新地址")
    cache.apply_pulled([event_out(ev2, 3, 3)], [mine], "c3")
    shown = cache.case(no)
    assert shown["local"] is False and shown["urgency"] == "urgent" and shown["version"] == 3
    assert cache.outbox_depth() == 0  # delivered by the pull, not resent


def test_snapshot_bulk_upsert(cache: LocalCache) -> None:
    cases = [server_state(case_no(i, seat=5), 1, phone="+8613800138000", address=f"地址{i}")
             for i in range(1, 2001)]
    assert cache.apply_snapshot(cases) == 2000
    assert cache.case_count() == 2000
    cases[0] = dict(cases[0], version=2, address="新的地址")
    cache.apply_snapshot(cases)
    assert cache.case(case_no(1, seat=5))["address"] == "新的地址"
    assert [x["case_no"] for x in cache.search_cases("新的地址")] == [case_no(1, seat=5)]


# --- drafts, case numbers, state -------------------------------------------------


def test_drafts_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with LocalCache.open(path) as c:
        for i in range(1, 30):
            c.save_draft("d1", {"description": "停水"[: i % 3]}, started_at="2025-11-29T08:00:00.000000Z")
        c.save_draft("d1", {"description": "停水了"}, case_no=case_no(1))
        c.save_draft("d2", {"phone": "010"})
    with LocalCache.open(path) as c:
        drafts = {d["draft_id"]: d for d in c.drafts()}
        assert drafts["d1"]["fields"] == {"description": "停水了"}
        assert drafts["d1"]["started_at"] == "2025-11-29T08:00:00.000000Z"
        assert drafts["d1"]["case_no"] == case_no(1)
        assert c.delete_draft("d2") and not c.delete_draft("d2")
        assert [d["draft_id"] for d in c.drafts()] == ["d1"]


def test_case_numbers_unique_and_monotonic_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with LocalCache.open(path) as c:
        with pytest.raises(SeatUnknownError, match="seat number"):
            c.next_case_no(DAY)
        c.set_seat(12, 5, day=DAY)
        first = [c.next_case_no(DAY) for _ in range(3)]
    with LocalCache.open(path) as c:
        c.set_seat(12, 2, day=DAY)  # the server knows less: never go back
        later = [c.next_case_no(DAY) for _ in range(2)]
        other_day = c.next_case_no(DAY + timedelta(days=1))
    numbers = first + later
    assert numbers == [case_no(s) for s in range(6, 11)]
    assert other_day == case_no(1, day=DAY + timedelta(days=1))


def test_set_seat_accepts_the_last_case_number(cache: LocalCache) -> None:
    cache.set_seat(12, case_no(41))
    assert cache.next_case_no(DAY) == case_no(42)
    cache.set_seat(12, case_no(99, seat=13))  # another seat's number: ignored
    assert cache.next_case_no(DAY) == case_no(43)


def test_case_numbers_skip_numbers_already_cached(cache: LocalCache) -> None:
    cache.apply_snapshot([server_state(case_no(1), 1), server_state(case_no(2), 1)])
    assert cache.next_case_no(DAY) == case_no(3)


def test_case_numbers_from_several_threads_are_unique(tmp_path: Path) -> None:
    c = LocalCache.open(tmp_path / "c.db")
    c.set_seat(3)
    got: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(25):
            no = c.next_case_no(DAY)
            with lock:
                got.append(no)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.close()
    assert len(set(got)) == 100
    assert sorted(got) == [make_case_no(DAY, 3, s) for s in range(1, 101)]


def test_state_and_category_usage(cache: LocalCache) -> None:
    assert cache.get_state("last_success", "never") == "never"
    cache.set_state("last_success", {"at": "x"})
    assert cache.get_state("last_success") == {"at": "x"}
    cache.note_category_use("env.noise")
    cache.note_category_use("env.noise")
    assert cache.category_usage()["env.noise"][0] == 2


def test_reference_upsert_delete_and_versions(cache: LocalCache) -> None:
    items = [{"key": c, "version": 1, "data": {"code": c, "name_zh": c}} for c in ("b", "a", "c")]
    cache.replace_reference("categories", items, 3)
    assert [c["code"] for c in cache.categories()] == ["a", "b", "c"]
    assert cache.reference_version("categories") == 3
    cache.replace_reference("categories", [{"key": "b", "version": 4, "deleted": True, "data": {}}], 4)
    assert [c["code"] for c in cache.categories()] == ["a", "c"]
    cache.replace_reference("categories", [items[1]], 5, full=True)
    assert [c["code"] for c in cache.categories()] == ["a"]
    rules = [{"key": r, "version": 1, "data": {"id": r, "priority": p}} for r, p in (("x", 1), ("y", 9))]
    cache.replace_reference("routing", rules, 1)
    assert [r["id"] for r in cache.routing_rules()] == ["y", "x"]
    with pytest.raises(ValueError):
        cache.replace_reference("nonsense", [], 1)


# --- prune and wipe --------------------------------------------------------------


def test_prune_keeps_unsent_recent_and_unfinished(cache: LocalCache) -> None:
    """Only finished cases age out: an open case untouched for months is the
    overdue one a repeat caller rings about (caller history, duplicates)."""
    old, recent = case_no(1, seat=5), case_no(2, seat=5)
    old_open = case_no(4, seat=5)
    long_ago = {"created_at": now_iso(100), "updated_at": now_iso(90)}
    cache.apply_snapshot([
        dict(server_state(old, 1), status="closed", **long_ago),
        server_state(recent, 1, status="closed"),
        *(dict(server_state(case_no(10 + i, seat=5), 1), status=status, **long_ago)
          for i, status in enumerate(UNFINISHED_STATUSES)),
        dict(server_state(old_open, 1), status="dispatched", **long_ago),
    ])
    mine = case_no(3)
    create(cache, mine)
    cache._conn().execute("UPDATE cases SET updated_at = ? WHERE case_no = ?", (now_iso(200), mine))
    assert cache.prune(30) == 1
    assert cache.case(old) is None and cache.case(recent) and cache.case(mine)
    assert cache.case(old_open)["status"] == "dispatched"
    assert cache.case_count() == 3 + len(UNFINISHED_STATUSES)


def test_the_cache_and_the_domain_agree_on_unfinished_statuses() -> None:
    assert UNFINISHED_STATUSES == tuple(str(s) for s in domain.UNFINISHED_STATUSES)


def test_wipe_refuses_while_changes_are_pending(cache: LocalCache) -> None:
    no = cache.next_case_no(DAY)
    ev, _ = create(cache, no)
    cache.replace_reference("departments", [{"key": "d", "version": 1, "data": {"code": "d"}}], 1)
    with pytest.raises(PendingChangesError, match="1 change"):
        cache.wipe_personal_data()
    cache.mark_results([{"event_id": ev["event_id"], "status": "applied", "seq": 1, "version": 1}])
    cache.save_draft("d", {"phone": "138"})
    with pytest.raises(PendingChangesError, match="draft"):
        cache.wipe_personal_data()
    cache.wipe_personal_data(discard_drafts=True)
    assert cache.case(no) is None and cache.case_count() == 0 and cache.drafts() == []
    assert cache.search_cases("停水") == []
    assert cache.departments() == [{"code": "d"}]
    assert cache.next_case_no(DAY) == case_no(2)  # numbers are never reused


# --- search ----------------------------------------------------------------------


def test_caller_history_accepts_any_phone_format(cache: LocalCache) -> None:
    mobile, fixed = "+8613800138000", "+861065123456"
    cache.apply_snapshot([
        dict(server_state(case_no(1, 5), 1, phone=mobile), created_at=now_iso(3)),
        dict(server_state(case_no(2, 5), 1, phone=mobile), created_at=now_iso(1)),
        dict(server_state(case_no(3, 5), 1, phone=mobile), created_at=now_iso(400)),
        dict(server_state(case_no(4, 5), 1, phone=fixed), created_at=now_iso(2)),
    ])
    create(cache, case_no(9), phone="138 0013 8000")
    for typed in ("13800138000", "+86 138 0013 8000", "138-0013-8000", "+8613800138000"):
        found = [c["case_no"] for c in cache.caller_history(typed)]
        assert found == [case_no(9), case_no(2, 5), case_no(1, 5)], typed
    assert [c["case_no"] for c in cache.caller_history("010-6512 3456")] == [case_no(4, 5)]
    assert [c["case_no"] for c in cache.caller_history("(010) 65123456")] == [case_no(4, 5)]
    assert len(cache.caller_history("13800138000", days=1000)) == 4
    assert cache.caller_history("1380013") == []  # incomplete: no error, no result
    assert cache.caller_history("") == []


KB = [
    ("kb-water-1", "zh", "小区停水怎么办", "如遇小区停水，请先联系物业或自来水公司。", ["供水"]),
    ("kb-water-2", "zh", "供水管网维修公告", "维修期间可能临时停水，请提前储水。", []),
    ("kb-prop-1", "zh", "物业费收费标准", "住宅物业服务收费实行政府指导价。", ["物业"]),
    ("kb-prop-2", "zh", "业主大会", "业主大会可以选聘物业服务企业。", []),
    ("kb-heat-1", "zh", "供暖不热", "室温低于18度可以投诉供热单位。", ["供暖"]),
    ("kb-en-1", "en", "Water outage", "If the water supply stops, call the water company.", ["water"]),
    ("kb-en-2", "en", "Parking permits", "Residents may apply for a parking permit online.", []),
    ("kb-en-3", "en", "Heating complaints", "Report heating problems; waterproofing is separate.", []),
]


def load_kb(cache: LocalCache, extra: int = 30) -> None:
    items = [
        {"key": i, "version": 1, "data": {"id": i, "title": t, "body": b, "language": lang,
                                           "tags": tags, "updated_at": "2025-01-01T00:00:00.000000Z"}}
        for i, lang, t, b, tags in KB
    ]
    for n in range(extra):  # filler so that bm25's idf is meaningful
        items.append({"key": f"fill-{n}", "version": 1, "data": {
            "id": f"fill-{n}", "title": f"办事指南{n}", "body": "办理身份证需要带户口本。Bring your ID card.",
            "language": "zh", "tags": [], "updated_at": "2025-01-01T00:00:00.000000Z"}})
    cache.replace_reference("kb", items, 1)


def kb_ids(cache: LocalCache, query: str, **kw) -> list[str]:
    return [h.article["id"] for h in cache.search_kb(query, **kw)]


def test_kb_search_chinese_two_characters(cache: LocalCache) -> None:
    load_kb(cache)
    assert kb_ids(cache, "停水") == ["kb-water-1", "kb-water-2"]  # title hit ranks first
    assert kb_ids(cache, "物业")[0] == "kb-prop-1"
    assert set(kb_ids(cache, "物业")) == {"kb-prop-1", "kb-prop-2", "kb-water-1"}
    assert kb_ids(cache, "小区停水") == ["kb-water-1"]
    assert kb_ids(cache, "停水 物业") == ["kb-water-1"]
    assert kb_ids(cache, "水停") == []  # a substring, not a bag of characters
    assert "kb-heat-1" in kb_ids(cache, "暖")  # one character
    hit = cache.search_kb("停水")[0]
    assert "停水" in hit.snippet and hit.terms == ("停水",) and hit.score > 0
    scores = [h.score for h in cache.search_kb("停水")]
    assert scores == sorted(scores, reverse=True)


def test_kb_search_english_words_and_prefixes(cache: LocalCache) -> None:
    load_kb(cache)
    assert kb_ids(cache, "water")[0] == "kb-en-1"
    assert "kb-en-3" not in kb_ids(cache, "water ")  # a whole word: not 'waterproofing'
    assert "kb-en-3" in kb_ids(cache, "water")  # still typing: prefix
    assert kb_ids(cache, "Parking PERMIT") == ["kb-en-2"]
    assert kb_ids(cache, "heat", language="en") == ["kb-en-3"]
    assert kb_ids(cache, "供暖", language="en") == []
    assert kb_ids(cache, "'\"*()") == [] and kb_ids(cache, "") == []


def test_kb_updates_and_deletes_reindex(cache: LocalCache) -> None:
    load_kb(cache, extra=0)
    cache.replace_reference("kb", [
        {"key": "kb-water-1", "version": 2, "data": {"id": "kb-water-1", "title": "燃气安全",
                                                      "body": "闻到燃气味请开窗。", "language": "zh"}},
        {"key": "kb-water-2", "version": 2, "deleted": True, "data": {}},
    ], 2)
    assert kb_ids(cache, "停水") == []
    assert kb_ids(cache, "燃气") == ["kb-water-1"]
    assert cache.kb_article("kb-water-2") is None
    assert cache.kb_article("kb-water-1")["title"] == "燃气安全"


def test_segmenter_indexes_cjk_bigrams_and_words() -> None:
    assert index_text("停水通知 Water-Supply 12号") == "停水 水通 通知 知 water supply 12 号"
    q = build_query("停水通知 wat")
    assert q.match == '"停水 水通 通知" AND "wat"*'
    assert q.terms == ("停水通知", "wat")


def test_case_search_by_number_phone_and_text(cache: LocalCache) -> None:
    a, b = case_no(1), case_no(2)
    create(cache, a, phone="13800138000", address="朝阳区建国路88号", description="楼下餐馆噪音扰民")
    create(cache, b, phone="010 6512 3456", address="海淀区中关村大街", description="小区停水三天")
    found = lambda q: [c["case_no"] for c in cache.search_cases(q)]  # noqa: E731
    assert found(a) == [a]
    assert found(a.replace("-", "")) == [a]
    assert found(a[:10]) == [b, a]  # prefix "251129-012": newest number first
    big_seat = case_no(7, seat=1234)
    cache.apply_snapshot([server_state(big_seat, 1)])
    assert found(big_seat.replace("-", "")[:12]) == [big_seat]
    assert found("1380013") == [a]
    assert found("+86 138 0013") == [a]
    assert found("010-6512") == [b]
    assert found("3456") == [b]  # last digits
    assert found("建国路") == [a]
    assert found("停水") == [b]
    assert found("噪音 朝阳") == [a]
    assert found("国路88") == [a]
    assert found("建路") == []
    assert found("餐馆扰民") == []  # bigrams present, not adjacent


def test_case_search_accepts_full_width_digits(cache: LocalCache) -> None:
    no = case_no(1)
    create(cache, no, phone="13800138000")
    assert [c["case_no"] for c in cache.search_cases("１３８００１３")] == [no]


def test_kb_rank_cap_keeps_title_matches_first(cache: LocalCache, monkeypatch: pytest.MonkeyPatch) -> None:
    from local_cache import search

    load_kb(cache, extra=0)
    body_only = [{"key": f"b{n}", "version": 1, "data": {
        "id": f"b{n}", "title": f"公告{n}", "body": "近期可能停水。", "language": "zh"}} for n in range(20)]
    cache.replace_reference("kb", body_only, 2)
    monkeypatch.setattr(search, "KB_RANK_CAP", 3)
    found = kb_ids(cache, "停水", limit=5)
    # the title match first; of the body-only matches only the newest 3 were ranked
    assert found[0] == "kb-water-1"
    assert set(found[1:]) == {"b17", "b18", "b19"}


def test_snapshot_keeps_the_overlay_of_pending_cases(cache: LocalCache) -> None:
    no = case_no(1)
    create(cache, no, address="我的")
    cache.apply_snapshot([server_state(no, 4, address="服务器的")])
    assert cache.case(no)["address"] == "我的"
    assert cache.server_case(no)["address"] == "服务器的"


def test_threads_get_their_own_connection(tmp_path: Path) -> None:
    c = LocalCache.open(tmp_path / "c.db")
    c.set_seat(1)
    conns, errors = [], []

    def work(n: int) -> None:
        try:
            conns.append(c._conn())
            for i in range(10):
                no = c.next_case_no(DAY)
                ev = event_in(no, "created", {"description": f"线程{n}第{i}件"})
                c.record_local_event(ev, fold(None, ev))
                c.search_cases("线程")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({id(x) for x in conns}) == 4
    assert c.outbox_depth() == 40 and c.case_count() == 40
    c.close()
    from local_cache import CacheClosedError

    with pytest.raises(CacheClosedError):
        c.outbox_depth()


def test_big_reference_sets_are_applied_in_chunks(cache: LocalCache, monkeypatch: pytest.MonkeyPatch) -> None:
    from local_cache import reference

    monkeypatch.setattr(reference, "REFERENCE_TX_ITEMS", 2)
    load_kb(cache, extra=0)
    keep = [{"key": f"k{n}", "version": 2, "data": {"id": f"k{n}", "title": f"停水{n}", "body": "",
                                                    "language": "zh"}} for n in range(5)]
    assert cache.replace_reference("kb", keep, 9, full=True) == 5 + len(KB)
    assert sorted(kb_ids(cache, "停水")) == [f"k{n}" for n in range(5)]
    assert cache.reference_version("kb") == 9 and cache.kb_count() == 5
    cache.replace_reference("kb", [], 10)
    assert cache.reference_version("kb") == 10
