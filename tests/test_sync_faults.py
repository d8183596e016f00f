"""Faults between the seat and the server: crashes, lost answers, bad answers.

A FaultProxy (tests/faultproxy.py) sits between the seat and a real server
process. Whatever happens on the way, every change arrives exactly once and
the status says what is going on.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from operator_tui.sync import SyncEngine
from tests.faultproxy import FaultProxy
from tests.server_helpers import BACKEND_PARAMS, prepare_database, prepared
from tests.servers import ServerProcess, sqlite_url
from tests.sync_support import (
    SeatSim,
    assert_delivered_exactly_once,
    assert_same_view,
    server_events,
    wait_for,
)


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """One server for the tests that do not stop it (each uses new seats)."""
    url = prepare_database(sqlite_url(tmp_path_factory.mktemp("central") / "central.db"))
    srv = ServerProcess(url, workdir=tmp_path_factory.mktemp("server"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def proxy(sqlite_server):
    with FaultProxy(sqlite_server.url) as p:
        yield p


def fresh_seat(tmp_path, srv) -> SeatSim:
    """A new seat; the events of earlier tests on the shared server are
    filtered out of the checks by case number (seat numbers never repeat)."""
    return SeatSim(tmp_path / "seat.db").login(srv.url, "op1")


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_server_sigkilled_in_the_middle_of_pushes(server_factory, tmp_path, backend) -> None:
    """SIGKILL the server while a push is in flight, three times, restarting it
    on the same database: no change lost, none applied twice, order kept."""
    srv = prepared(server_factory, backend)
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    n = 600
    numbers = [seat.create(description=f"bulk {i}") for i in range(n)]
    kills: list[str] = []
    # kill right after the request reached the server, and a little later (mid-transaction
    # or just after the commit): the seat cannot know which
    kill_at = {2: 0.0, 5: 0.02, 8: 0.08}
    pushes = iter(range(1, 10_000))

    with FaultProxy(srv.url) as proxy:
        def on_forwarded(request_line: str) -> None:
            if not request_line.startswith("POST /v1/events"):
                return
            k = next(pushes)
            if k in kill_at:
                time.sleep(kill_at[k])
                srv.kill()
                kills.append(f"push #{k} +{kill_at[k]}s")

        proxy.on_forwarded = on_forwarded
        engine = seat.engine(proxy.url, push_batch=50)
        engine.start()
        try:
            def drained() -> bool:
                if not srv.running:
                    srv.start()
                return engine.status.outbox_depth == 0 and engine.status.online
            wait_for(drained, 90, "the outbox to drain through three server crashes", interval=0.05)
        finally:
            engine.stop()
    assert len(kills) == 3, kills
    events = server_events(srv.database_url)
    assert len(events) == n
    assert [e["case_no"] for e in events] == numbers  # in outbox order, each once
    counts = assert_delivered_exactly_once([seat], srv.database_url)
    assert counts["delivered"] == n
    resent = sum(1 for r in seat.outbox() if r["attempts"] > 1)
    assert resent >= 50, "a crashed push should have been sent again"


@pytest.mark.parametrize("mode", ["drop", "delay", "reset", "truncate", "garbage", "wrong_json"])
def test_answers_lost_after_the_server_committed(sqlite_server, proxy, tmp_path, mode) -> None:
    """The server applies the push, the seat never gets a usable answer (nor
    the change feed that would tell it): the seat resends, the server answers
    duplicate, nothing doubles."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url, timeout=1.0)
    numbers = [seat.create(description=f"lost answer {i}") for i in range(5)]
    proxy.set_mode(mode, paths=("/v1/events", "/v1/changes"), delay=2.5)

    first = engine.sync_once()
    assert not first.online and first.last_error, first
    assert first.outbox_depth == 5  # still queued: the seat does not know...
    assert len(server_events(sqlite_server.database_url, seat)) == 5  # ...that the server has them

    seat.edit(numbers[0], description="edited after the lost answer")
    second = engine.sync_once()  # all six sent; the five again, the edit for the first time
    assert second.outbox_depth == 6 and not second.online
    assert len(server_events(sqlite_server.database_url, seat)) == 6

    proxy.set_mode("pass")
    final = engine.sync_once()
    assert (final.online, final.outbox_depth, final.problems, final.last_error) == (True, 0, 0, "")
    assert proxy.faults == 4  # two pushes, two pulls
    events = server_events(sqlite_server.database_url, seat)
    assert [e["type"] for e in events] == ["created"] * 5 + ["edited"]
    assert assert_delivered_exactly_once([seat], sqlite_server.database_url)["delivered"] == 6
    assert sorted(r["attempts"] for r in seat.outbox()) == [2, 3, 3, 3, 3, 3]  # resent, applied once
    assert_same_view(seat, sqlite_server.database_url)


def test_lost_push_answers_are_settled_by_the_change_feed(sqlite_server, proxy, tmp_path) -> None:
    """Only the push answers are lost: the feed shows the seat its own changes
    and that alone marks them delivered; no resend is needed."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url)
    engine.sync_once()  # the first contact's snapshot is behind us: now the feed
    for i in range(5):
        seat.create(description=f"answer lost {i}")
    proxy.set_mode("drop", paths=("/v1/events",))
    status = engine.sync_once()
    assert status.outbox_depth == 0 and not status.online and "cannot reach" in status.last_error
    assert {r["attempts"] for r in seat.outbox()} == {1}
    proxy.set_mode("pass")
    status = engine.sync_once()  # nothing left to push: the push problem is over
    assert (status.online, status.last_error) == (True, "")
    assert assert_delivered_exactly_once([seat], sqlite_server.database_url)["delivered"] == 5


FAULTS = ["refuse", "close", "reset", "truncate", "garbage", "wrong_json", "error500", "delay", "hang"]


@pytest.mark.parametrize("mode", FAULTS)
def test_a_bad_or_missing_answer_is_offline_not_data(sqlite_server, proxy, tmp_path, mode) -> None:
    """Every kind of bad answer, on every endpoint: offline with a reason, the
    outbox intact, the cache untouched; later everything is delivered."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url, timeout=1.0)
    assert engine.sync_once().online
    cursor = seat.cache.get_state("cursor")
    numbers = [seat.create(description=f"fault {mode} {i}") for i in range(3)]
    proxy.set_mode(mode, delay=2.0)

    status = engine.sync_once()
    assert not status.online and status.offline_since
    assert status.last_error and "\n" not in status.last_error
    assert status.outbox_depth == 3 and status.problems == 0
    assert seat.cache.get_state("cursor") == cursor  # nothing from a bad answer was applied
    assert all(r["state"] == "pending" for r in seat.outbox())

    proxy.set_mode("pass")
    status = engine.sync_once()
    assert (status.online, status.outbox_depth, status.last_error) == (True, 0, "")
    assert [e["case_no"] for e in server_events(sqlite_server.database_url, seat)] == numbers
    assert_delivered_exactly_once([seat], sqlite_server.database_url)
    assert_same_view(seat, sqlite_server.database_url)


def test_the_running_engine_survives_every_fault(sqlite_server, proxy, tmp_path) -> None:
    """The background threads go through every fault mode in turn: they stay
    alive, the status follows (offline with a reason, then online), and every
    change typed meanwhile is delivered once."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url, timeout=1.0, long_poll_seconds=1.0)
    seen: list[str] = []
    engine._on_status = lambda s: seen.append(s.last_error) if s.last_error else None
    engine.start()
    try:
        wait_for(lambda: engine.status.online, 10, "first contact")
        for mode in FAULTS:
            proxy.set_mode(mode, delay=1.5)
            seat.create(description=f"during {mode}")
            engine.wake()
            wait_for(lambda: not engine.status.online, 15, f"offline under {mode}")
            assert engine.status.last_error
            proxy.set_mode("pass")
            wait_for(lambda: engine.status.online and engine.status.outbox_depth == 0, 15,
                     f"recovery after {mode}")
            assert engine.running
    finally:
        engine.stop()
    assert not engine.running
    assert any("cannot reach" in e for e in seen) and any("unusable answer" in e for e in seen)
    assert any("500" in e for e in seen)
    counts = assert_delivered_exactly_once([seat], sqlite_server.database_url)
    assert counts["delivered"] == len(FAULTS)


def test_an_unexpected_error_is_shown_and_retried(sqlite_server, tmp_path, monkeypatch) -> None:
    """A bug or a broken cache write (made here by patching, as it cannot be
    provoked from outside) does not kill the threads: it shows up in
    last_error, is backed off, and sync resumes."""
    from local_cache import LocalCache

    seat = fresh_seat(tmp_path, sqlite_server)
    real = LocalCache.mark_results
    failures = {"left": 3}

    def flaky(self, results):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("disk on fire")
        return real(self, results)

    monkeypatch.setattr(LocalCache, "mark_results", flaky)
    seat.create(description="survives a bug")
    engine = seat.engine(sqlite_server.url)
    errors: list[str] = []
    engine._on_status = lambda s: errors.append(s.last_error)
    engine.start()
    try:
        wait_for(lambda: engine.status.outbox_depth == 0 and not failures["left"], 15, "delivery")
        assert engine.running
    finally:
        engine.stop()
    assert any("internal error (push): RuntimeError: disk on fire" in e for e in errors)
    assert engine.status.last_error == ""
    assert_delivered_exactly_once([seat], sqlite_server.database_url)


def test_stop_is_prompt_during_a_long_poll(sqlite_server, tmp_path) -> None:
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(sqlite_server.url, long_poll_seconds=25.0, timeout=10.0)
    for _ in range(2):  # a second start() after stop() must work the same
        engine.start()
        wait_for(lambda: engine.status.online, 10, "online")
        time.sleep(0.5)  # the puller is now inside a 25 s long poll
        started = time.monotonic()
        engine.stop()
        assert time.monotonic() - started < 2.0  # not the 25 s of the poll
        assert not engine.running
        assert not [t for t in threading.enumerate() if t.name.startswith("sync-")]
    assert engine.status.online  # stopping is not an outage


def test_sync_once_and_the_threads_do_not_push_twice(sqlite_server, tmp_path) -> None:
    """`sync now` while the app's engine runs: one pusher at a time, each change once."""
    seat = fresh_seat(tmp_path, sqlite_server)
    for i in range(300):
        seat.create(description=f"race {i}")
    engine = seat.engine(sqlite_server.url, push_batch=20)
    other = SyncEngine(seat.path, sqlite_server.url, seat.token, push_batch=20)
    engine.start()
    try:
        other.sync_once()
        wait_for(lambda: engine.status.outbox_depth == 0, 20, "delivery")
    finally:
        engine.stop()
    assert assert_delivered_exactly_once([seat], sqlite_server.database_url)["delivered"] == 300


NOT_ABOUT_THE_EVENTS = [
    pytest.param(404, b"<html><body>404 Not Found</body></html>", "text/html", id="404-html-page"),
    pytest.param(429, b'{"error": "slow down"}', "application/json", id="429-json"),
    pytest.param(403, b"Forbidden by policy", "text/plain", id="403-text"),
    pytest.param(404, b'{"detail": [1, 2]}', "application/json", id="404-foreign-json"),
]


@pytest.mark.parametrize(("status", "body", "content_type"), NOT_ABOUT_THE_EVENTS)
def test_a_4xx_that_is_not_about_the_changes_keeps_them_queued(
        sqlite_server, proxy, tmp_path, status, body, content_type) -> None:
    """A load balancer's 404 page, a 429, a proxy's 403: the changes are fine,
    the way to the server is not. Nothing may become a 'rejected' problem."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url)
    numbers = [seat.create(description=f"{status} {i}") for i in range(3)]
    proxy.set_mode("status", status=status, body=body, content_type=content_type)
    state = engine.sync_once()
    assert (state.problems, state.outbox_depth) == (0, 3)
    assert not state.online and str(status) in state.last_error
    proxy.set_mode("pass")
    assert engine.sync_once().outbox_depth == 0
    assert [e["case_no"] for e in server_events(sqlite_server.database_url, seat)] == numbers


def test_a_422_for_the_batch_is_narrowed_down_to_the_bad_change(sqlite_server, proxy, tmp_path) -> None:
    """The server refuses a batch as invalid (422): the seat sends the changes
    one by one; only the one the server refuses on its own becomes a problem."""
    seat = fresh_seat(tmp_path, sqlite_server)
    engine = seat.engine(proxy.url)
    numbers = [seat.create(description=f"batch {i}") for i in range(4)]
    refusal = b'{"error": "invalid request: events.0.payload: not allowed here", "detail": null}'
    proxy.set_mode("status", paths=("/v1/events",), times=2, status=422, body=refusal)
    state = engine.sync_once()  # 422 for the batch, then for the first change alone
    assert (state.problems, state.outbox_depth, state.online) == (1, 0, True)
    [problem] = seat.cache.problems()
    assert problem["case_no"] == numbers[0] and problem["state"] == "rejected"
    assert "not allowed here" in problem["reason"]
    assert [e["case_no"] for e in server_events(sqlite_server.database_url, seat)] == numbers[1:]


def test_a_change_that_cannot_be_sent_is_set_aside(sqlite_server, tmp_path) -> None:
    """An outbox row the wire model refuses (an older seat version wrote it,
    a disk error...) is kept as rejected with the reason; the rest flows."""
    seat = fresh_seat(tmp_path, sqlite_server)
    numbers = [seat.create(description=f"row {i}") for i in range(3)]
    bad = seat.outbox()[1]
    broken = {**bad["event"], "payload": {**bad["event"]["payload"], "district": "atlantis"}}
    with seat.cache._tx() as c:  # what a broken writer could have left
        c.execute("UPDATE outbox SET event = ? WHERE event_id = ?",
                  (json.dumps(broken), bad["event_id"]))
    engine = seat.engine(sqlite_server.url)
    engine.start()
    try:
        wait_for(lambda: engine.status.problems == 1 and engine.status.outbox_depth == 0, 10,
                 "the bad row set aside, the others sent")
        assert engine.running
    finally:
        engine.stop()
    [problem] = seat.cache.problems()
    assert problem["event_id"] == bad["event_id"] and "district" in problem["reason"]
    assert [e["case_no"] for e in server_events(sqlite_server.database_url, seat)] == [numbers[0], numbers[2]]
