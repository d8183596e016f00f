"""The change feed: cursor paging in commit order, long polls, malformed
cursors, and completeness with concurrent writers (several server processes
on one PostgreSQL; one process on SQLite)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from datetime import timedelta

import pytest

from operator_tui import clock
from operator_tui.protocol import decode_cursor, encode_cursor, event_mark
pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import (
    BACKEND_PARAMS,
    callback,
    client,
    created,
    dispatched,
    error_of,
    feed_head,
    login,
    note,
    open_db,
    prepared,
    resolved,
)
from tests.sync_support import SeatSim, fast_engine

# shared_server (one server per backend for the whole session) lives there
pytest_plugins = ["tests.server_helpers"]


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# --- paging -------------------------------------------------------------------


def test_cursor_paging_in_order(shared_server) -> None:
    op = login(shared_server.url, "op1")
    start = feed_head(op.http)
    pushed = []
    for _ in range(5):
        case_no = op.next_case_no()
        batch = [created(case_no)] + [note(case_no, f"note {i}") for i in range(4)]
        pushed += op.apply(*batch)
    assert len(pushed) == 25

    cursor, pages, seen = start, [], []
    while True:
        body = op.http.get("/v1/changes", params={"cursor": cursor, "limit": 10}).json()
        pages.append((len(body["events"]), body["has_more"]))
        seen += body["events"]
        named = {e["case_no"] for e in body["events"]}
        assert {c["case_no"] for c in body["cases"]} == named
        for case in body["cases"]:  # the current state, not the state at the event
            assert case["version"] == 5
        assert decode_cursor(body["cursor"]) == (body["events"][-1]["seq"] if body["events"]
                                                 else decode_cursor(cursor))
        cursor = body["cursor"]
        if not body["has_more"]:
            break
    assert pages == [(10, True), (10, True), (5, False)]
    assert [e["event_id"] for e in seen] == [r["event_id"] for r in pushed]
    assert [e["seq"] for e in seen] == [r["seq"] for r in pushed]
    first = decode_cursor(start) + 1
    assert [e["seq"] for e in seen] == list(range(first, first + 25))
    assert all(e["actor_id"] == "op1" and e["actor_role"] == "operator" for e in seen)

    again = op.http.get("/v1/changes", params={"cursor": cursor}).json()
    assert again["events"] == [] and not again["has_more"] and again["cursor"] == cursor


def test_the_feed_from_the_beginning(shared_server) -> None:
    op = login(shared_server.url, "op1")
    op.new_case()
    body = op.http.get("/v1/changes", params={"limit": 1}).json()
    first = body["events"][0]
    assert first["seq"] == 1 and body["has_more"]
    assert body["cursor"] == encode_cursor(1, event_mark(first["event_id"]))


def test_a_cursor_from_another_history_is_refused(shared_server) -> None:
    """Ahead of the head, or naming another event at its number (a restored
    backup): 400, so the seat takes a new snapshot instead of skipping."""
    op = login(shared_server.url, "op1")
    op.new_case()
    head = decode_cursor(op.http.get("/v1/changes", params={"limit": 1}).json()["cursor"])
    for cursor in (encode_cursor(10**9), encode_cursor(1, event_mark("not-the-event-at-1"))):
        answer = op.http.get("/v1/changes", params={"cursor": cursor})
        assert answer.status_code == 400 and "snapshot" in answer.json()["error"]
    assert op.http.get("/v1/changes", params={"cursor": encode_cursor(head)}).status_code == 200


def test_a_snapshot_hands_over_to_the_feed(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    snapshot = op.http.get("/v1/snapshot", params={"days": 1}).json()
    assert case_no in {c["case_no"] for c in snapshot["cases"]}
    later = op.new_case()
    body = op.http.get("/v1/changes", params={"cursor": snapshot["cursor"]}).json()
    assert [e["case_no"] for e in body["events"]] == [later]


def test_snapshot_paging(shared_server) -> None:
    op = login(shared_server.url, "op1")
    for _ in range(3):
        op.new_case()
    after, numbers = "", []
    while True:
        page = op.http.get("/v1/snapshot", params={"after": after, "limit": 2}).json()
        numbers += [c["case_no"] for c in page["cases"]]
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers)) >= 3


def _age_on_server(database_url: str, days: int, *case_nos: str) -> None:
    """Make cases look created and last touched *days* days ago on the server."""
    then = clock.iso(clock.now() - timedelta(days=days))
    with open_db(database_url) as db, db.transaction() as tx:
        for case_no in case_nos:
            state = json.loads(tx.scalar("SELECT state FROM cases WHERE case_no = ?", (case_no,)))
            state.update(created_at=then, updated_at=then)
            tx.execute("UPDATE cases SET created_at = ?, updated_at = ?, state = ? WHERE case_no = ?",
                       (then, then, json.dumps(state), case_no))


def test_a_snapshot_has_every_unfinished_case_and_only_recent_finished_ones(
        shared_server, tmp_path) -> None:
    """A repeat caller's case dispatched two months ago and still open is the
    one the operator must see: it reaches a fresh seat's cache (and its caller
    history) whatever its age; a closed case that old does not. Still paged."""
    op = login(shared_server.url, "op1")
    phone = f"138{secrets.randbelow(10**8):08d}"
    old_open = op.next_case_no()
    op.apply(created(old_open, phone=phone, category_code="utilities.water"),
             dispatched(old_open, "water"))
    old_closed, recent_closed = (op.new_case(phone=phone) for _ in range(2))
    for case_no in (old_closed, recent_closed):
        op.apply(resolved(case_no), callback(case_no))
    assert op.case(old_closed)["status"] == "closed"
    _age_on_server(shared_server.database_url, 60, old_open, old_closed)

    after, pages = old_open[:-1], []  # just before this seat's cases
    while len(pages) < 2:
        page = op.http.get("/v1/snapshot", params={"days": 30, "after": after, "limit": 1}).json()
        pages.append([c["case_no"] for c in page["cases"]])
        after = page["next_after"]
    assert pages == [[old_open], [recent_closed]]

    seat = SeatSim(tmp_path / "fresh.db").login(shared_server.url, "op1")
    try:
        status = fast_engine(seat, shared_server.url, window_days=30).sync_once()
        assert status.online and not status.last_error, status
        history = {c["case_no"]: c["status"] for c in seat.cache.caller_history(phone)}
        assert history == {old_open: "dispatched", recent_closed: "closed"}
    finally:
        seat.close()


# --- long poll ------------------------------------------------------------------


def test_long_poll_returns_early_when_a_change_arrives(shared_server) -> None:
    op = login(shared_server.url, "op1")
    reader = login(shared_server.url, "sup", seat=False)
    cursor = feed_head(reader.http)
    case_no = op.next_case_no()
    pusher = threading.Timer(0.5, lambda: op.apply(created(case_no)))
    started = time.monotonic()
    pusher.start()
    try:
        body = reader.http.get("/v1/changes", params={"cursor": cursor, "wait": 20}).json()
    finally:
        pusher.join()
    elapsed = time.monotonic() - started
    assert [e["case_no"] for e in body["events"]] == [case_no]
    assert 0.4 < elapsed < 10, elapsed


def test_long_poll_returns_empty_after_the_wait(shared_server) -> None:
    reader = login(shared_server.url, "sup", seat=False)
    cursor = feed_head(reader.http)
    started = time.monotonic()
    body = reader.http.get("/v1/changes", params={"cursor": cursor, "wait": 1}).json()
    elapsed = time.monotonic() - started
    assert body["events"] == [] and body["cursor"] == cursor and not body["has_more"]
    assert 0.9 < elapsed < 10, elapsed


def test_department_long_poll_ignores_other_cases(shared_server) -> None:
    op = login(shared_server.url, "op1")
    dept = login(shared_server.url, "dept.water", seat=False)
    cursor = feed_head(dept.http)
    pusher = threading.Timer(0.2, lambda: op.dispatched_case("power", "utilities.power"))
    pusher.start()
    try:
        body = dept.http.get("/v1/changes", params={"cursor": cursor, "wait": 1}).json()
    finally:
        pusher.join()
    assert body["events"] == []
    assert decode_cursor(body["cursor"]) > decode_cursor(cursor)  # moved past them


# --- bad cursors ------------------------------------------------------------------


@pytest.mark.parametrize("cursor", [
    "zzz", "!!!!", "%%%", _raw_cursor("c2:5"), _raw_cursor("c1:-3"), _raw_cursor("c1:abc"),
    _raw_cursor("5"), _raw_cursor("c1:"), "Yzk6\u00e9",
])
def test_malformed_cursor(shared_server, cursor) -> None:
    reader = login(shared_server.url, "sup", seat=False)
    message = error_of(reader.http.get("/v1/changes", params={"cursor": cursor}), 400)
    assert "cursor" in message


@pytest.mark.parametrize("params", [
    {"cursor": "a" * 65}, {"limit": 0}, {"limit": 1001}, {"wait": 31}, {"wait": -1},
    {"limit": "ten"}, {"wait": "nan"},
])
def test_bad_feed_parameters(shared_server, params) -> None:
    reader = login(shared_server.url, "sup", seat=False)
    error_of(reader.http.get("/v1/changes", params=params), 422)


# --- completeness with concurrent writers -------------------------------------------

WRITERS = 8
EVENTS_PER_WRITER = 50


def _follow_while_writing(urls: list[str]) -> None:
    """WRITERS threads push EVENTS_PER_WRITER events each, one a request, spread
    over *urls*, while a reader follows the feed with short polls (each poll to
    the next URL, as behind a load balancer). The reader must see every applied
    event exactly once, as seq 1, 2, 3, ... with no gap and nothing out of order."""
    writers = [login(urls[i % len(urls)], f"op{1 + i % 3}") for i in range(WRITERS)]
    token = login(urls[0], "sup", seat=False).token
    readers = [client(url, token) for url in urls]
    applied: dict[str, int] = {}
    failures: list[BaseException] = []
    go = threading.Barrier(WRITERS + 1)

    def write(session) -> None:
        try:
            case_no = session.next_case_no()
            events = [created(case_no)] + [note(case_no, f"n{i}") for i in range(EVENTS_PER_WRITER - 1)]
            go.wait(timeout=30)
            for ev in events:
                [result] = session.apply(ev)
                applied[ev["event_id"]] = result["seq"]
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    go.wait(timeout=30)
    seen: list[dict] = []
    cursor, polls = "", 0
    while True:
        finished = not any(t.is_alive() for t in threads)  # before the poll
        http = readers[polls % len(readers)]
        params = {"cursor": cursor, "limit": 37, "wait": 0.05 if polls % 3 == 0 else 0}
        response = http.get("/v1/changes", params=params)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        seen += body["events"]
        cursor, polls = body["cursor"], polls + 1
        if finished and not body["events"] and not body["has_more"]:
            break
    for thread in threads:
        thread.join(60)
    for http in readers:
        http.close()
    assert not failures, failures[:3]

    total = WRITERS * EVENTS_PER_WRITER
    assert len(applied) == total
    seqs = [e["seq"] for e in seen]
    missing = sorted(set(range(1, total + 1)) - set(seqs))
    backwards = [(a, b) for a, b in zip(seqs, seqs[1:]) if b <= a]
    assert not missing and not backwards, f"skipped {missing[:10]}, out of order {backwards[:10]}"
    assert seqs == list(range(1, total + 1))
    assert {e["event_id"]: e["seq"] for e in seen} == applied
    assert polls > 5  # the reader really followed along


def test_feed_is_complete_with_concurrent_writers_sqlite(server_factory) -> None:
    srv = prepared(server_factory, "sqlite")
    _follow_while_writing([srv.url])


@pytest.mark.postgres
def test_feed_is_complete_with_concurrent_writers_postgresql(server_factory) -> None:
    """Three uvicorn workers plus a second server process, all on one database."""
    workers = prepared(server_factory, "postgresql", extra_args=["--workers", "3"])
    single = server_factory("postgresql", database_url=workers.database_url)
    _follow_while_writing([workers.url, single.url])


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_batches_from_many_seats_keep_seq_dense(server_factory, backend) -> None:
    """Rejected events in concurrent batches use no change number."""
    srv = prepared(server_factory, backend)
    sessions = [login(srv.url, "op1") for _ in range(4)]

    def work(session) -> None:
        for _ in range(5):
            case_no = session.next_case_no()
            session.push(created(case_no), note(session.next_case_no()), note(case_no))

    threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    body = sessions[0].http.get("/v1/changes", params={"limit": 1000}).json()
    assert [e["seq"] for e in body["events"]] == list(range(1, 41))
