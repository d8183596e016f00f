"""One function per fault kind: start seat processes, inject the fault at
random moments, leave the world for :func:`tests.faults.suite.run_once` to
heal and check. Each returns nothing; faults are counted in ``tally.faults``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import httpx

from operator_tui.sync import SyncEngine
from tests.faults.checks import after_kill
from tests.faults.tally import Tally
from tests.faults.world import DISK_SEAT, Env, SeatHandle, WorkerProc

Scenario = Callable[[Env, random.Random, Tally], None]


def _seed(rng: random.Random) -> int:
    return rng.randrange(2**31)


def _pause(env: Env, rng: random.Random, lo: float, hi: float) -> None:
    """Let the seats work for a random while (scaled by env.pace)."""
    time.sleep(rng.uniform(lo, hi) * env.pace)


def _times(env: Env, rng: random.Random, lo: int, hi: int) -> int:
    """How many faults this run injects (fewer when env.pace < 1)."""
    return rng.randint(lo, max(lo, round(hi * min(1.0, env.pace))))


def _start(seat: SeatHandle, rng: random.Random, **kw) -> WorkerProc:
    worker = seat.spawn(_seed(rng), **kw)
    if not worker.wait_ready():
        raise RuntimeError(f"{seat.name}: the seat process did not start (see {worker.log})")
    return worker


def _start_many(seats: list[SeatHandle], rng: random.Random, **kw) -> list[WorkerProc]:
    """Start a process per seat, all at once (they take ~1 s to import)."""
    workers = [seat.spawn(_seed(rng), **kw) for seat in seats]
    for seat, worker in zip(seats, workers):
        if not worker.wait_ready():
            raise RuntimeError(f"{seat.name}: the seat process did not start (see {worker.log})")
    return workers


def _kill_seat(seat: SeatHandle, worker: WorkerProc, tally: Tally, kind: str) -> None:
    seat.kill(worker)
    tally.faults[kind] += 1
    after_kill(seat, tally)


# --- the seat dies ---------------------------------------------------------------------


def seat_kill_entry(env: Env, rng: random.Random, tally: Tally) -> None:
    """SIGKILL a seat while the operator types (drafts saved per key, cases
    saved, the engine sending) at random moments, 1-3 times; each restart
    restores the drafts first."""
    seat = rng.choice(env.seats)
    for _ in range(_times(env, rng, 1, 3)):
        worker = _start(seat, rng, typing=rng.choice([0.0, 0.002, 0.01]))
        _pause(env, rng, 0.05, 2.0)
        _kill_seat(seat, worker, tally, "seat_kill_entry")


def _backlog(seat: SeatHandle, rng: random.Random, n: int) -> None:
    """*n* cases typed with the engine off (an outage), then the app closed."""
    worker = _start(seat, rng, cases=n, typing=0.0, pause=0.0, engine=False, whole=True)
    worker.done.wait(120)
    worker.quit()


def _kill_on_request(env: Env, seat: SeatHandle, worker: WorkerProc, rng: random.Random,
                     tally: Tally, prefixes: tuple[str, ...], kind: str, k: int) -> None:
    """SIGKILL *worker* a random moment after its *k*-th matching request reached the server."""
    delay = rng.choice([0.0, rng.uniform(0, 0.03), rng.uniform(0, 0.2)])
    seen = {"n": 0}
    fired = threading.Event()
    assert env.proxy is not None

    def hook(request_line: str) -> None:
        path = request_line.split(" ")[1] if " " in request_line else ""
        if fired.is_set() or not path.startswith(prefixes):
            return
        seen["n"] += 1
        if seen["n"] >= k:
            fired.set()
            time.sleep(delay)
            worker.killed = True
            worker.proc.kill()

    env.proxy.on_forwarded = hook
    fired.wait(8)  # else it is killed now, wherever it is
    env.proxy.on_forwarded = None
    _kill_seat(seat, worker, tally, kind)


def seat_kill_push(env: Env, rng: random.Random, tally: Tally) -> None:
    """A backlog typed offline; SIGKILL the seat while its engine pushes it."""
    seat = rng.choice(env.seats)
    n, batch = rng.randint(10, 120), rng.choice([5, 20, 50])
    _backlog(seat, rng, n)
    worker = _start(seat, rng, cases=0, drain=True, stay=True, push_batch=batch)
    pushes = -(-n // batch)
    _kill_on_request(env, seat, worker, rng, tally, ("/v1/events",), "seat_kill_push",
                     rng.randint(1, min(3, pushes)))


def seat_kill_pull(env: Env, rng: random.Random, tally: Tally) -> None:
    """Another seat's cases reach the server; SIGKILL this seat while it pulls them."""
    seat, other = rng.sample(env.seats, 2)
    _backlog(other, rng, rng.randint(20, 200))
    assert env.server is not None
    SyncEngine(other.cache, env.server.url, other.token, timeout=10.0).sync_once()  # pushed
    worker = _start(seat, rng, cases=0, stay=True)
    _kill_on_request(env, seat, worker, rng, tally, ("/v1/changes", "/v1/snapshot"), "seat_kill_pull", 1)


# --- the server dies -------------------------------------------------------------------


def _server_kills(env: Env, rng: random.Random, tally: Tally, prefixes: tuple[str, ...],
                  kind: str) -> None:
    """Seats type and sync; the server is SIGKILLed right after a matching
    request reached it (plus a random few ms), 1-3 times, and restarted
    after a random down time."""
    seats = rng.sample(env.seats, rng.randint(1, 3))
    workers = _start_many(seats, rng, typing=0.002, pause=0.02)
    armed = threading.Event()
    assert env.proxy is not None

    def hook(request_line: str) -> None:
        path = request_line.split(" ")[1] if " " in request_line else ""
        if armed.is_set() and path.startswith(prefixes):
            armed.clear()
            time.sleep(rng.choice([0.0, rng.uniform(0, 0.02), rng.uniform(0, 0.1)]))
            if env.kill_server():
                tally.faults[kind] += 1

    env.proxy.on_forwarded = hook
    try:
        for _ in range(_times(env, rng, 1, 3)):
            _pause(env, rng, 0.2, 1.2)
            armed.set()
            deadline = time.monotonic() + 10
            while armed.is_set() and time.monotonic() < deadline:
                time.sleep(0.01)
            armed.clear()
            _pause(env, rng, 0.0, 1.0)  # down for a while
            env.ensure_server()
        _pause(env, rng, 0.3, 1.0)
    finally:
        env.proxy.on_forwarded = None
        for w in workers:
            w.send("quit")


def server_kill_push(env: Env, rng: random.Random, tally: Tally) -> None:
    _server_kills(env, rng, tally, ("/v1/events",), "server_kill_push")


def server_kill_pull(env: Env, rng: random.Random, tally: Tally) -> None:
    _server_kills(env, rng, tally, ("/v1/changes", "/v1/snapshot", "/v1/reference"), "server_kill_pull")


# --- the network between -----------------------------------------------------------------

NET_MODES = {
    "net_loss": ("refuse", "close", "hang"),
    "net_delay": ("delay",),
    "net_reset": ("reset", "drop"),
    "net_truncate": ("truncate",),
    "net_bad_answer": ("garbage", "wrong_json", "error500"),
}
PATHS = (None, ("/v1/events",), ("/v1/changes",))


def _network(kind: str) -> Scenario:
    def scenario(env: Env, rng: random.Random, tally: Tally) -> None:
        seats = rng.sample(env.seats, rng.randint(1, 3))
        workers = _start_many(seats, rng, typing=0.002, pause=0.02)
        assert env.proxy is not None
        try:
            for _ in range(_times(env, rng, 2, 5)):
                _pause(env, rng, 0.1, 0.8)
                mode = rng.choice(NET_MODES[kind])
                env.proxy.set_mode(mode, paths=rng.choice(PATHS), delay=rng.uniform(0.1, 3.0))
                if mode in ("refuse", "hang", "close"):
                    env.proxy.cut()  # the link goes: connections in flight die too
                tally.faults[kind] += 1
                _pause(env, rng, 0.2, 1.5)
                env.proxy.set_mode("pass")
            _pause(env, rng, 0.3, 1.0)
        finally:
            env.proxy.set_mode("pass")
            for w in workers:
                w.send("quit")

    scenario.__name__ = kind
    scenario.__doc__ = f"Seats type and sync through {', '.join(NET_MODES[kind])} episodes."
    return scenario


# --- the disk -------------------------------------------------------------------------------


def disk_full(env: Env, rng: random.Random, tally: Tally) -> None:
    """The disk seat's disk fills up while the operator types and the engine
    syncs (tmpfs with a filler file, else PRAGMA max_page_count), then room
    comes back; 1-2 times. Sometimes the disk is already full when the seat
    starts. SQLite reuses the space of its WAL, so a full disk only bites
    when the WAL must grow: the WAL is emptied first (as a checkpoint would)."""
    seat = env.seats[DISK_SEAT]
    full_at_start = env.disk_mode == "tmpfs" and rng.random() < 0.3
    if full_at_start:
        env.truncate_wal(seat)
        env.fill_disk(rng.choice([0, 0, 8192]))
        tally.faults["disk_full"] += 1
    worker = seat.spawn(_seed(rng), typing=0.002, pause=0.02)
    if not worker.wait_ready():  # it could not even open the cache: said so (checked later)
        worker.quit()
        env.free_disk()
        full_at_start = False
        worker = _start(seat, rng, typing=0.002, pause=0.02)
    try:
        for i in range(_times(env, rng, 1, 2)):
            if not (full_at_start and i == 0):
                _pause(env, rng, 0.2, 1.5)
                if env.disk_mode == "tmpfs":
                    if rng.random() < 0.7:
                        env.truncate_wal(seat)
                    env.fill_disk(rng.choice([0, 0, 4096, 65536]))
                else:
                    worker.send(f"full {rng.choice([0, 0, 1, 4])}")
                tally.faults["disk_full"] += 1
            _pause(env, rng, 0.5, 2.5)
            if env.disk_mode == "tmpfs":
                env.free_disk()
            else:
                worker.send("free")
        _pause(env, rng, 0.3, 1.0)
    finally:
        env.free_disk()
        worker.send("free")
        worker.send("quit")


def cache_readonly(env: Env, rng: random.Random, tally: Tally) -> None:
    """The seat starts on a read-only cache (a disk remounted read-only, or
    the file and folder chmodded); it must say so, then work once writable."""
    seat = env.seats[DISK_SEAT]
    seat.stop_all()
    how = env.set_readonly(True)
    tally.samples.setdefault("read-only by", how)
    tally.faults["cache_readonly"] += 1
    try:
        worker = seat.spawn(_seed(rng), typing=0.002, pause=0.02)
        worker.wait_ready(20)
        _pause(env, rng, 0.3, 1.5)
        worker.quit()
    finally:
        env.set_readonly(False)


# --- the database behind the server -------------------------------------------------------


def pg_restart(env: Env, rng: random.Random, tally: Tally) -> None:
    """PostgreSQL restarted (fast or immediate = crash) while every seat types
    and pushes; afterwards the server must work again at once: every 5xx
    after the database answers again is counted."""
    assert env.cluster is not None and env.server is not None
    workers = _start_many(env.seats, rng, typing=0.002, pause=0.01, push_batch=rng.choice([5, 20]))
    try:
        for _ in range(_times(env, rng, 1, 3)):
            _pause(env, rng, 0.3, 1.5)
            mode = rng.choice(["fast", "immediate"])
            env.cluster.restart(mode, down_seconds=rng.choice([0.0, rng.uniform(0, 1.5)]))
            tally.faults["pg_restart"] += 1
            _recovery(env, tally)
        _pause(env, rng, 0.3, 1.0)
    finally:
        for w in workers:
            w.send("quit")


def _recovery(env: Env, tally: Tally) -> None:
    """Right after PostgreSQL is back (restart() returns when it accepts
    connections): ask the server for database work until it answers 200,
    then 40 more times (more than a pool's connections). Any 5xx now is the
    server not recovering, e.g. a pool handing out dead connections."""
    assert env.server is not None
    seat = env.seats[0]
    started = time.monotonic()
    errors, ok_at = 0, None
    with httpx.Client(base_url=env.server.url, timeout=10,
                      headers={"Authorization": f"Bearer {seat.token}"}) as client:
        while time.monotonic() - started < 30:
            try:
                status = client.get("/v1/changes", params={"cursor": "", "limit": 1}).status_code
            except httpx.HTTPError:
                status = 599
            errors += status >= 500
            if ok_at is None:
                if status == 200:
                    ok_at, n = time.monotonic(), 0
                continue
            n += 1
            if n >= 40:
                break
    if ok_at is None:
        tally.fail("server_errors_after_recovery", "the server did not answer 200 within 30 s "
                                                   "after PostgreSQL came back")
        return
    tally.max_recovery = max(tally.max_recovery, ok_at - started)
    if errors:
        tally.fail("server_errors_after_recovery", f"{errors} requests failed with 5xx after "
                                                   "PostgreSQL was back")


SCENARIOS: dict[str, Scenario] = {
    "seat_kill_entry": seat_kill_entry,
    "seat_kill_push": seat_kill_push,
    "seat_kill_pull": seat_kill_pull,
    "server_kill_push": server_kill_push,
    "server_kill_pull": server_kill_pull,
    **{kind: _network(kind) for kind in NET_MODES},
    "disk_full": disk_full,
    "cache_readonly": cache_readonly,
    "pg_restart": pg_restart,
}
POSTGRES_ONLY = ("pg_restart",)
DISK_KINDS = ("disk_full", "cache_readonly")
