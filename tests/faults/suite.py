"""The fault suite's loop: pick a fault kind at random (seeded), run it, heal
the world, recover the seats as a restarted app would, and check.

A run: scenario (faults at random moments while seat processes type and
sync) -> heal (proxy passes, server and database up, disk has room and is
writable) -> stop the seat processes -> check the caches of killed seats
(committed changes and drafts are there) -> restart each seat that left
drafts behind (they are restored and finished) -> sync every seat until it
is caught up -> check server and caches (nothing lost, nothing doubled, same
view, integrity).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.faults.checks import Seen, after_kill, check_all, converge, judge_errors
from tests.faults.scenarios import DISK_KINDS, POSTGRES_ONLY, SCENARIOS
from tests.faults.tally import Tally
from tests.faults.world import DISK_SEAT, Env

Log = Callable[[str], None]


def kinds_for(backend: str, wanted: Sequence[str] | None = None) -> list[str]:
    kinds = list(wanted or SCENARIOS)
    unknown = [k for k in kinds if k not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(SCENARIOS)}")
    return [k for k in kinds if backend == "postgresql" or k not in POSTGRES_ONLY]


def run_once(env: Env, kind: str, rng: random.Random, tally: Tally, seen: Seen) -> None:
    tally.runs[kind] += 1
    mark = _Marks(tally)
    try:
        SCENARIOS[kind](env, rng, tally)
    finally:
        env.heal()
        for seat in env.seats:
            _stop(seat, tally, kind)
    mark("fault")
    disk_fault = kind in DISK_KINDS
    for seat in env.seats:
        if seat.killed:
            after_kill(seat, tally)
        judge_errors(seat, tally, disk_fault and seat.index == DISK_SEAT, seen)
    # The app starts again on every seat that has drafts: they are restored and finished.
    for seat in env.seats:
        if seat.ledger.drafts or _has_drafts(seat):
            worker = seat.spawn(rng.randrange(2**31), cases=0, engine=False)
            worker.done.wait(60)
            _stop(seat, tally, "restoring drafts")
            for draft_id, (case_no, text) in list(seat.ledger.drafts.items()):
                tally.fail("drafts_lost", f"{seat.name}: draft {case_no} ({text!r}) was not restored")
                seat.ledger.drafts.pop(draft_id)
            judge_errors(seat, tally, False, seen)
    mark("restore")
    if converge(env, tally):
        mark("converge")
        check_all(env, tally, seen)
        mark("check")
    tally.counts["cases_written"] = sum(len(s.ledger.cases) for s in env.seats)
    tally.counts["notes_written"] = sum(len(s.ledger.notes) for s in env.seats)
    tally.counts["drafts_restored"] = sum(s.ledger.restored for s in env.seats)


def _stop(seat: Any, tally: Tally, when: str) -> None:
    hung, crashed = seat.stop_all()
    if hung:
        tally.fail("hung", f"{seat.name}: {hung} seat process(es) did not quit ({when})")
    if crashed:
        tally.fail("crashed", f"{seat.name}: {crashed} seat process(es) died of an error ({when}); "
                              f"see {seat.folder / 'workers.log'}")


class _Marks:
    """Seconds spent per phase of a run (tally.phases)."""

    def __init__(self, tally: Tally):
        self.tally, self.t = tally, time.monotonic()

    def __call__(self, phase: str) -> None:
        now = time.monotonic()
        self.tally.phases[phase] += now - self.t
        self.t = now


def _has_drafts(seat: Any) -> bool:
    import sqlite3

    conn = sqlite3.connect(str(seat.cache), timeout=30)
    try:
        return bool(conn.execute("SELECT count(*) FROM drafts").fetchone()[0])
    finally:
        conn.close()


def run_suite(*, backends: Sequence[str] = ("sqlite",), runs: int | None = 20, seed: int | None = None,
              minutes: float | None = None, kinds: Sequence[str] | None = None, disk: str = "auto",
              workdir: Path | None = None, keep: bool = False, cluster: Any = None,
              pace: float = 1.0, log: Log = print) -> tuple[list[Tally], int]:
    """Run the suite; returns the tallies (one per backend) and the seed.

    *runs* per backend (None: until *minutes* are over); *minutes* bounds
    the whole suite. Backends take turns, run by run; each backend runs every
    fault kind once per round, in a random order. *pace* scales how long the
    seats work between faults (and how many faults a run injects).
    """
    seed = random.randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="fault-suite-"))
    base.mkdir(parents=True, exist_ok=True)
    log(f"fault suite: seed {seed}, backends {', '.join(backends)}, work in {base}")
    deadline = time.monotonic() + minutes * 60 if minutes else None
    envs: list[Env] = []
    tallies: list[Tally] = []
    seens: list[Seen] = []
    ok = False
    try:
        for backend in backends:
            started = time.monotonic()
            env = Env(backend, base / backend, cluster=cluster if backend == "postgresql" else None,
                      disk_mode=disk, pace=pace, log=log).start()
            envs.append(env)
            tallies.append(Tally(backend))
            seens.append(Seen())
            log(f"  {backend}: server {env.server.url if env.server else ''}, disk seat on "
                f"{env.disk_mode}, ready in {time.monotonic() - started:.1f} s")
        n = 0
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                break
            if runs is not None and n >= runs:
                break
            n += 1
            for env, tally, seen in zip(envs, tallies, seens):
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if not env.queue:  # every kind once per round, in a random order
                    env.queue = kinds_for(env.backend, kinds)
                    rng.shuffle(env.queue)
                kind = env.queue.pop()
                started = time.monotonic()
                try:
                    run_once(env, kind, random.Random(rng.randrange(2**63)), tally, seen)
                except Exception as exc:  # the harness itself: report, heal, go on
                    tally.fail("harness_errors", f"run {n} ({kind}): {exc!r}")
                    log(traceback.format_exc())
                    try:
                        env.heal()
                        for seat in env.seats:
                            seat.stop_all()
                    except Exception:
                        log(traceback.format_exc())
                spent = time.monotonic() - started
                tally.seconds += spent
                bad = [f"{c}={tally.counts[c]}" for c in ("lost", "duplicated", "integrity_failures",
                                                          "drafts_lost", "not_converged") if tally.counts[c]]
                log(f"  run {n:4d} {env.backend:10s} {kind:17s} {spent:5.1f} s  faults "
                    f"{sum(tally.faults.values()):5d}  cases {tally.counts['cases_written']:6d}"
                    + (f"  FAIL {' '.join(bad)}" if bad else ""))
        ok = not any(t.failed for t in tallies)
    finally:
        for env in envs:
            try:
                env.close()
            except Exception:
                log(traceback.format_exc())
        if ok and not keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            log(f"work files kept in {base}")
    return tallies, seed
