"""The seat works with the server down and catches up when it is back.

Real server processes over loopback; the seat is a real LocalCache and the
real SyncEngine (background threads or sync_once).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from operator_tui.sync import SyncEngine
from tests.faultproxy import FaultProxy
from tests.server_helpers import client, mint_token, prepared
from tests.servers import REPO_ROOT
from tests.sync_support import (
    SeatSim,
    assert_delivered_exactly_once,
    assert_same_view,
    server_cases,
    server_events,
    wait_for,
)

N_OFFLINE = 500


def test_500_cases_entered_offline_arrive_once_in_order(server_factory, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    srv.stop()

    case_nos = [seat.create(description=f"offline case {i}") for i in range(N_OFFLINE)]
    assert len(set(case_nos)) == N_OFFLINE
    engine = seat.engine(srv.url)
    engine.start()
    try:
        offline = wait_for(lambda: (s := engine.status).last_error and not s.online and s.offline_since and s,
                           10, "the engine to report offline")
        wait_for(lambda: engine.status.outbox_depth == N_OFFLINE, 5, "the outbox depth in the status")
        assert "cannot reach" in offline.last_error
        assert engine.status.oldest_pending_seconds is not None

        srv.start()
        wait_for(lambda: engine.status.outbox_depth == 0 and engine.status.online, 60,
                 "the outbox to drain after the server came back")
        status = engine.status
        assert (status.problems, status.last_error, status.offline_since) == (0, "", "")
    finally:
        engine.stop()

    events = server_events(srv.database_url)
    outbox = seat.outbox()
    assert [e["event_id"] for e in events] == [r["event_id"] for r in outbox]  # server order == outbox order
    assert [e["case_no"] for e in events] == case_nos
    assert {e["type"] for e in events} == {"created"}
    assert len(server_cases(srv.database_url)) == N_OFFLINE
    counts = assert_delivered_exactly_once([seat], srv.database_url)
    assert counts["delivered"] == N_OFFLINE
    engine.sync_once()  # the feed brings the server's states (created_at...)
    assert assert_same_view(seat, srv.database_url) == N_OFFLINE


SEAT_PROCESS = textwrap.dedent("""
    import os, signal, sys, time
    from tests.sync_support import SeatSim, fast_engine
    path, url, token, seat_no, operator_id, mode, n = sys.argv[1:8]
    seat = SeatSim(path)
    seat.token, seat.seat_no, seat.operator_id = token, int(seat_no), operator_id
    numbers = [seat.create(description=f"typed before the crash {i}") for i in range(int(n))]
    if mode == "engine":  # the engine is sending when the seat dies
        engine = fast_engine(seat, url, timeout=60)  # waits for the (held) answer
        engine.start()
    print(" ".join(numbers), flush=True)
    sys.stdin.readline()  # the test says when
    os.kill(os.getpid(), signal.SIGKILL)
""")


def _seat_process(seat: SeatSim, url: str, mode: str, n: int) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SEAT_PROCESS, str(seat.path), url, seat.token, str(seat.seat_no),
         seat.operator_id, mode, str(n)],
        cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    numbers = proc.stdout.readline().split()
    assert len(numbers) == n, "the seat process did not record its cases"
    return proc, numbers


def _kill(proc: subprocess.Popen) -> None:
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.wait(10) == -signal.SIGKILL


def test_changes_committed_locally_are_sent_after_the_seat_is_killed(server_factory, tmp_path) -> None:
    """SIGKILL between the local commit and the send: the next start sends them."""
    srv = prepared(server_factory, "sqlite")
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    proc, numbers = _seat_process(seat, srv.url, "record", 5)
    _kill(proc)
    assert server_events(srv.database_url) == []

    status = SyncEngine(seat.path, srv.url, seat.token).sync_once()  # the app starting again
    assert (status.online, status.outbox_depth, status.problems) == (True, 0, 0)
    assert [e["case_no"] for e in server_events(srv.database_url)] == numbers
    assert assert_delivered_exactly_once([seat], srv.database_url)["delivered"] == 5


def test_seat_killed_while_its_push_is_in_flight(server_factory, tmp_path) -> None:
    """The server committed the push but the seat died before the answer came:
    the next start resends, the server answers duplicate, nothing doubles."""
    srv = prepared(server_factory, "sqlite")
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    with FaultProxy(srv.url) as proxy:
        proxy.set_mode("delay", paths=("/v1/events",), delay=30)
        proc, numbers = _seat_process(seat, proxy.url, "engine", 20)
        wait_for(lambda: len(server_events(srv.database_url)) == 20, 20, "the server to commit the push")
        _kill(proc)
    assert seat.cache.outbox_depth() == 20  # the seat never heard back
    status = SyncEngine(seat.path, srv.url, seat.token).sync_once()
    assert (status.outbox_depth, status.problems) == (0, 0)
    events = server_events(srv.database_url)
    assert [e["case_no"] for e in events] == numbers
    assert assert_delivered_exactly_once([seat], srv.database_url)["delivered"] == 20
    assert all(r["attempts"] >= 2 for r in seat.outbox())  # sent again, applied once


def test_token_expired_or_revoked_while_offline(server_factory, tmp_path) -> None:
    """login_required, the outbox untouched; a new token sends it as it was."""
    srv = prepared(server_factory, "sqlite")
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    with FaultProxy(srv.url) as proxy:
        engine = seat.engine(proxy.url)
        engine.start()
        try:
            wait_for(lambda: engine.status.online, 10, "first contact")
            proxy.set_mode("refuse")
            wait_for(lambda: not engine.status.online, 10, "offline")
            numbers = [seat.create(description=f"while offline {i}") for i in range(3)]
            engine.wake()
            with client(srv.url, seat.token) as http:  # the session ends while the seat is offline
                assert http.post("/v1/auth/logout").status_code == 204
            proxy.set_mode("pass")
            wait_for(lambda: engine.status.login_required, 10, "login_required")
            status = engine.status
            assert "revoked" in status.last_error
            assert status.outbox_depth == 3 and seat.cache.outbox_counts()["pending"] == 3
            assert server_events(srv.database_url) == []

            # an expired token is no better
            expired = mint_token(srv.database_url, "op1", expires_in=-timedelta(seconds=1),
                                 seat_no=seat.seat_no)
            engine.set_token(expired)
            wait_for(lambda: engine.status.login_required, 10, "login_required again")
            assert "expired" in engine.status.last_error
            assert seat.cache.outbox_counts()["pending"] == 3

            seat.login(srv.url, "op1")  # same seat key: same seat number
            engine.set_token(seat.token)
            wait_for(lambda: engine.status.outbox_depth == 0 and not engine.status.login_required, 10,
                     "delivery with the new token")
        finally:
            engine.stop()
    assert [e["case_no"] for e in server_events(srv.database_url)] == numbers
    assert_delivered_exactly_once([seat], srv.database_url)


def test_the_status_follows_local_writes_while_backing_off(server_factory, tmp_path) -> None:
    """Offline with a long backoff: a local write still shows in the status at
    once, and when the server is back the first contact (here: a retry asked
    for) ends the backoff instead of waiting it out."""
    srv = prepared(server_factory, "sqlite")
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    srv.stop()
    engine = seat.engine(srv.url, backoff=(20.0, 20.0))  # every retry waits up to 20 s
    engine.start()
    try:
        wait_for(lambda: engine.status.offline_since, 10, "offline")
        for n in (1, 2, 3):
            seat.create(description=f"typed offline {n}")
            engine.wake()
            wait_for(lambda: engine.status.outbox_depth == n, 2, f"outbox depth {n} in the status")
        srv.start()
        engine.retry_now()
        wait_for(lambda: engine.status.online and engine.status.outbox_depth == 0, 5,
                 "delivery without waiting out the backoff")
    finally:
        engine.stop()
    assert assert_delivered_exactly_once([seat], srv.database_url)["delivered"] == 3


def test_a_server_restored_from_an_older_backup_is_noticed(server_factory, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    a = SeatSim(tmp_path / "a.db").login(srv.url, "op1")
    b = SeatSim(tmp_path / "b.db").login(srv.url, "op2")
    a.create(description="before the backup")
    a.engine(srv.url).sync_once()
    srv.stop()
    db = Path(srv.database_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup"
    backup.mkdir()
    for f in db.parent.glob(db.name + "*"):
        shutil.copy(f, backup / f.name)
    srv.start()
    a.create(description="lost with the restore")
    a.engine(srv.url).sync_once()
    b.engine(srv.url).sync_once()  # b's cursor: change 2
    srv.stop()
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    for f in backup.iterdir():
        shutil.copy(f, db.parent / f.name)
    srv.start()  # back at change 1
    c = SeatSim(tmp_path / "c.db").login(srv.url, "op3")
    new = c.create(description="after the restore")  # gets change number 2 again
    c.engine(srv.url).sync_once()
    b.engine(srv.url).sync_once()
    assert b.cache.case(new) is not None, "seat b never hears of the new case"
