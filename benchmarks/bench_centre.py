"""The central server under a centre's load: 700 seats long-polling, pushes at peak.

Per server stack (SQLite with one process; PostgreSQL with --workers 2 and 4):

* 700 operator accounts (Accounts.add_operators_bulk) each with a seat and a
  bearer token of its own — written straight into the seats/tokens tables
  with hash_token (see common.make_seats), not by 700 argon2 logins;
* one process holds 700 long polls (GET /v1/changes?wait=20, each with its
  own token and cursor; asyncio + httpx), re-polling as a seat does;
* another pushes single-case `created` events from random seats at Poisson
  arrivals: the peak rate (65,000 appeals/day, ~10 % in the peak hour ≈ 2
  cases/s) and 10× that. Push latency p50/p99 and errors; baseline: the same
  pushes with no seat connected. The pollers note when each change reached
  each seat: every change must reach all 700 (no skipped changes).
* throughput of case creation: 20 back-to-back pushers (no seats connected),
  against 20 back-to-back GET /health on the same stack as the baseline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import (Context, Row, cpu_seconds, make_seats, median, not_measured, pct, sched_seconds, server,
                     sqlite_url)

TITLE = "central server, 700 seats"
PEAK_RATE = 65_000 * 0.10 / 3600  # ≈ 1.8 cases/s; rounded up below
GOAL_P99_MS = 100


class LoadProcess:
    """benchmarks.loadgen in a subprocess."""

    def __init__(self, ctx: Context, name: str, cfg: dict[str, Any]):
        self.out = ctx.path(f"centre/{name}.out.json")
        self.ready = ctx.path(f"centre/{name}.ready")
        self.ready.unlink(missing_ok=True)
        cfg = {**cfg, "out": str(self.out), "ready": str(self.ready)}
        path = ctx.path(f"centre/{name}.cfg.json")
        path.write_text(json.dumps(cfg))
        self.log = open(ctx.path(f"centre/{name}.log"), "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.loadgen", str(path)],
                                     cwd=Path(__file__).resolve().parents[1], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"load generator exited: {self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"load generator not ready after {timeout:.0f} s: {self.tail()}")
            time.sleep(0.2)

    def result(self, timeout: float = 600) -> dict[str, Any]:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise RuntimeError("load generator did not finish") from None
        self.log.close()
        if self.proc.returncode != 0 or not self.out.exists():
            raise RuntimeError(f"load generator failed ({self.proc.returncode}): {self.tail()}")
        return json.loads(self.out.read_text())

    def stop(self) -> dict[str, Any]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.result(60)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")[-1500:]
        except OSError:
            return ""


def _push(ctx: Context, url: str, seats: list[dict], name: str, first_seq: int, **cfg: Any) -> dict[str, Any]:
    lp = LoadProcess(ctx, name, {"mode": "pushers", "url": url, "seats": seats, "first_seq": first_seq, **cfg})
    return lp.result()


def _lat(res: dict[str, Any]) -> tuple[float, float, int, int]:
    lat = res["latencies_ms"]
    return median(lat), pct(lat, 99), len(lat), sum(res["errors"].values())


def scenario(ctx: Context, backend: str, workers: int, n_seats: int, times: dict[str, float]) -> list[Row]:
    label = f"[{'SQLite, 1 process' if backend == 'sqlite' else f'PostgreSQL, {workers} processes'}]"
    if backend == "sqlite":
        db_url = sqlite_url(ctx.path(f"centre/sqlite-{workers}/central.db"))
    else:
        try:
            db_url = ctx.pg_database()
        except Exception as exc:  # no PostgreSQL on this machine
            return [not_measured(f"centre {label}", f"PostgreSQL unavailable: {exc}"[:200])]
    ctx.log(f"{label}: {n_seats} seats with tokens")
    seats = make_seats(db_url, n_seats, prefix="op")
    rows: list[Row] = []
    peak = max(2.0, round(PEAK_RATE))
    with server(ctx, backend, workers=workers, database_url=db_url, name=f"centre-{backend}-{workers}") as srv:
        url = srv.url
        # Throughput first, with no seat connected.
        ctx.log(f"{label}: throughput, 20 concurrent clients")
        health = LoadProcess(ctx, "health", {"mode": "health", "url": url, "seconds": times["throughput"],
                                             "concurrency": 20}).result()
        thr = _push(ctx, url, seats, "throughput", 5001, seconds=times["throughput"], concurrency=20)
        thr_rate, health_rate = thr["count"] / thr["seconds"], health["count"] / health["seconds"]
        ctx.log(f"{label}: baseline pushes at {peak:.0f}/s, no seats connected")
        alone = _push(ctx, url, seats, "alone", 1, seconds=times["alone"], rate=peak)

        ctx.log(f"{label}: connecting {n_seats} long-polling seats")
        from operator_tui.protocol import encode_cursor

        head = _head(url, seats[0]["token"])
        poll_t0 = time.perf_counter()
        pollers = LoadProcess(ctx, "pollers", {"mode": "pollers", "url": url, "tokens": [s["token"] for s in seats],
                                               "wait": times["poll_wait"], "cursor": encode_cursor(head),
                                               "ramp_seconds": times["ramp"]})
        try:
            pollers.wait_ready(timeout=180)
            cpu0, t0 = cpu_seconds(srv.proc.pid), time.perf_counter()
            time.sleep(times["idle"])
            idle_cpu = (cpu_seconds(srv.proc.pid) - cpu0) / (time.perf_counter() - t0) * 100
            ctx.log(f"{label}: pushes at {peak:.0f}/s with {n_seats} seats connected")
            run0, wait0, t0 = *sched_seconds(srv.proc.pid), time.perf_counter()
            at_peak = _push(ctx, url, seats, "peak", 1001, seconds=times["peak"], rate=peak)
            run1, wait1, wall = *sched_seconds(srv.proc.pid), time.perf_counter() - t0
            starved = (f"server at peak: {(run1 - run0) / wall * 100:.0f} % of a core used, runnable but "
                       f"waiting for a CPU {(wait1 - wait0) / wall * 100:.0f} % (summed over threads)")
            ctx.log(f"{label}: pushes at {peak * 10:.0f}/s (10×)")
            cpu0, t0 = cpu_seconds(srv.proc.pid), time.perf_counter()
            at_10x = _push(ctx, url, seats, "ten", 2001, seconds=times["ten"], rate=peak * 10)
            busy_cpu = (cpu_seconds(srv.proc.pid) - cpu0) / (time.perf_counter() - t0) * 100
            time.sleep(3)  # let the last changes reach the seats
            polled = pollers.stop()
            poll_wall = time.perf_counter() - poll_t0
        finally:
            pollers.kill()

    poll_errors = polled["errors"]
    a50, a99, an, aerr = _lat(alone)
    for name, res, rate in (("peak", at_peak, peak), ("10× peak", at_10x, peak * 10)):
        p50, p99, n, err = _lat(res)
        rows.append(Row(
            f"push p99 at {name} ({rate:.0f}/s), {n_seats} seats {label}", p99, "ms",
            baseline=a99, baseline_name=f"the same pushes with no seat connected (p50 {a50:.1f} ms)",
            goal=f"< {GOAL_P99_MS} ms, no errors",
            passed=p99 < GOAL_P99_MS and err == 0 and poll_errors == 0,
            note=f"p50 {p50:.1f} ms, {n} pushes, {err} push errors {res['errors'] or ''}".rstrip()
                 + f", {poll_errors} seat poll errors {polled['error_kinds'] or ''}".rstrip()
                 + (f"; {starved}" if res is at_peak else ""),
        ))
    sent = {**at_peak["sent"], **at_10x["sent"]}
    seen = polled["seen"]
    lags = [seen[e][1] - t for e, t in sent.items() if e in seen]
    complete = sum(1 for e in sent if e in seen and seen[e][2] >= n_seats)
    missing = len(sent) - complete
    rows.append(Row(
        f"change reaches all {n_seats} seats, p99 {label}", pct(lags, 99) if lags else None, "s",
        goal="every change, every seat", passed=missing == 0 and bool(lags),
        note=f"{len(sent)} changes, {complete} seen by every seat, median {median(lags):.2f} s; "
             f"{polled['polls']:,} polls ({polled['reconnects']} after a keep-alive close); "
             f"server CPU {idle_cpu:.0f} % idle with {n_seats} seats, "
             f"{busy_cpu:.0f} % at 10× peak (100 % = one core); the {n_seats} seats' load generator "
             f"(one asyncio process) used {polled.get('client_cpu_s', 0) / poll_wall * 100:.0f} % of a core",
    ))
    t50, t99, tn, terr = _lat(thr)
    rows.append(Row(
        f"case creation throughput, 20 pushers {label}", thr_rate, "cases/s",
        baseline=health_rate, baseline_name="GET /health, 20 concurrent clients, same stack",
        goal="", passed=None, higher_is_better=True,
        note=f"push p50 {t50:.0f} ms p99 {t99:.0f} ms, {terr} errors; one case per request",
    ))
    return rows


def _head(url: str, token: str) -> int:
    """The change feed's head (the snapshot answers it with its cursor)."""
    import httpx

    from operator_tui.protocol import decode_cursor

    answer = httpx.get(f"{url}/v1/snapshot", params={"days": 1, "limit": 1},
                       headers={"Authorization": f"Bearer {token}"}, timeout=60)
    answer.raise_for_status()
    return decode_cursor(answer.json()["cursor"])


def run(ctx: Context) -> list[Row]:
    if ctx.quick:
        n_seats = 20
        # short long polls: stopping the pollers waits for the open ones to answer
        times = {"throughput": 1, "alone": 1, "ramp": 0.2, "idle": 0.5, "peak": 2, "ten": 1, "poll_wait": 2}
        stacks = [("sqlite", 1), ("postgresql", 2)]
    else:
        n_seats = 700
        times = {"throughput": 10, "alone": 15, "ramp": 5, "idle": 5, "peak": 60, "ten": 30, "poll_wait": 20}
        stacks = [("sqlite", 1), ("postgresql", 2), ("postgresql", 4)]
    if os.environ.get("BENCH_CENTRE_STACKS"):  # e.g. "sqlite:1,postgresql:3"
        stacks = [(s.split(":")[0], int(s.split(":")[1])) for s in os.environ["BENCH_CENTRE_STACKS"].split(",")]
    rows: list[Row] = []
    for backend, workers in stacks:
        rows += scenario(ctx, backend, workers, n_seats, times)
    return rows
