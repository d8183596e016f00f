"""Shared pieces of the benchmarks: rows, statistics, the machine, servers.

A benchmark module ``bench_<name>.py`` has ``run(ctx: Context) -> list[Row]``
(and may set ``TITLE``). Every row carries the measured value and a baseline
measured in the same run, so a noisy machine moves both.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python benchmarks/bench_x.py` as well as `-m benchmarks`
    sys.path.insert(0, str(REPO))


# --- rows --------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table.

    *value* and *baseline* are numbers in *unit*; *higher_is_better* says how
    to read the ratio (value / baseline). *passed* is None when the row has
    no goal of its own (context rows) or was not measured.
    """

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    passed: bool | None = None
    note: str = ""
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


def not_measured(name: str, note: str, goal: str = "") -> Row:
    return Row(name, None, "", goal=goal, note=note)


def fmt(value: float | None, unit: str = "") -> str:
    """*value* with as many digits as it is worth; a count (an int) as it is."""
    if value is None:
        return "—"
    if isinstance(value, int):
        text = f"{value:,}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".rstrip()


def pct(values: list[float], p: float) -> float:
    """The *p*-th percentile (nearest rank on the sorted values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed_ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def prefixes(query: str) -> list[str]:
    """What the search box holds after each keystroke of *query*."""
    return [query[:i] for i in range(1, len(query) + 1)]


# --- the run -----------------------------------------------------------------


@dataclass
class Context:
    """What every benchmark gets: size, a scratch dir, shared services."""

    quick: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="operator-tui-bench-")))
    keep: bool = False
    verbose: bool = True
    _pg: Any = None
    _shared: dict[str, Any] = field(default_factory=dict)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def path(self, name: str) -> Path:
        p = self.workdir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    # PostgreSQL: one throwaway cluster for the whole run, started on first use.
    def pg(self) -> Any:
        if self._pg is None:
            from tests.pg import PostgresCluster

            cluster = PostgresCluster(max_connections=400)
            cluster.start()
            self._pg = cluster
        return self._pg

    def pg_database(self) -> str:
        from tests.pg import database_name

        return self.pg().create_database(database_name("bench"))

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        """A value built once per run (e.g. a big cache file two benchmarks use)."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.destroy()
            except Exception:
                pass
            self._pg = None
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- the machine -------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pg_version() -> str:
    try:
        from tests.pg import find_pg_bin

        bin_dir = find_pg_bin()
        if bin_dir is None:
            return "not found"
        out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, timeout=10)
        import re

        m = re.search(r"\)\s+(\S+)", out.stdout)
        return m.group(1) if m else out.stdout.strip()
    except Exception as exc:  # pragma: no cover - informational only
        return f"unknown ({type(exc).__name__})"


def machine() -> dict[str, str]:
    import textual

    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": pg_version(),
        "Textual": getattr(textual, "__version__", "?"),
        "load average at start": load,
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


# --- the central server ------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time of *pid* and its descendants (uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry.name)
        children.setdefault(int(fields[1]), []).append(p)
        stats[p] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0.0)
        todo += children.get(p, [])
    return total


def sched_seconds(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of *pid*'s
    process tree, all threads (from /proc/*/task/*/schedstat): the second
    says how much a busy shared machine held the process back."""
    tree, todo = set(), [pid]
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += parents.get(p, [])
    run = wait = 0.0
    for p in tree:
        for stat in Path(f"/proc/{p}/task").glob("*/schedstat"):
            try:
                fields = stat.read_text().split()
            except OSError:
                continue
            run += int(fields[0]) / 1e9
            wait += int(fields[1]) / 1e9
    return run, wait


def own_cpu_seconds() -> float:
    """CPU time of this process (all its threads) so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime



def sqlite_url(path: Path) -> str:
    return "sqlite:///" + str(Path(path).resolve())


@contextmanager
def server(ctx: Context, backend: str = "sqlite", *, workers: int = 1,
           database_url: str | None = None, name: str = "server",
           extra_env: dict[str, str] | None = None) -> Iterator[Any]:
    """A real ``python -m operator_tui serve`` process on a fresh database."""
    from tests.servers import ServerProcess

    if database_url is None:
        if backend == "sqlite":
            database_url = sqlite_url(ctx.path(f"{name}-{uuid.uuid4().hex[:6]}/central.db"))
        else:
            database_url = ctx.pg_database()
    args = ["--workers", str(workers)] if workers > 1 else []
    env = dict(extra_env or {})
    if os.environ.get("BENCH_SERVER_PYTHONPATH"):  # e.g. a profiler's sitecustomize
        env.setdefault("PYTHONPATH", os.environ["BENCH_SERVER_PYTHONPATH"])
    srv = ServerProcess(database_url, extra_args=args, workdir=ctx.path(f"{name}-{uuid.uuid4().hex[:6]}"),
                        start_timeout=60, extra_env=env)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def migrate(database_url: str) -> None:
    from central_server.db import Database
    from central_server.migrations import migrate as run

    db = Database(database_url)
    try:
        run(db)
    finally:
        db.close()


def make_seats(database_url: str, n: int, prefix: str = "bench") -> list[dict[str, Any]]:
    """*n* operators, each logged in at a seat of their own.

    Operators come from ``Accounts.add_operators_bulk`` (one argon2 hash for
    all). Seats and bearer tokens are written straight into the ``seats`` and
    ``tokens`` tables (token stored as ``hash_token``), as a login would:
    a real login is argon2 (~50 ms of CPU each) and 700 of them would only
    measure argon2. Returns dicts with operator_id, seat_no, token.
    """
    import secrets

    from central_server.accounts import Accounts, hash_token
    from central_server.db import Database
    from central_server.migrations import migrate as run
    from operator_tui import clock
    from operator_tui.domain import Role

    db = Database(database_url)
    try:
        run(db)
        accounts = Accounts(db)
        ids = [f"{prefix}{i:04d}" for i in range(1, n + 1)]
        accounts.add_operators_bulk([(oid, f"Operator {oid}", Role.OPERATOR, "bench-password", None) for oid in ids])
        now = clock.now_iso()
        expires = clock.iso(clock.now() + timedelta(days=2))
        out = []
        with db.transaction() as tx:
            first = tx.lock_counter("seat_no") + 1
            seats, tokens = [], []
            for k, oid in enumerate(ids):
                seat_no = first + k
                token = secrets.token_urlsafe(32)
                seats.append((seat_no, f"{prefix}-seat-{seat_no}", now))
                tokens.append((hash_token(token), oid, seat_no, now, expires))
                out.append({"operator_id": oid, "seat_no": seat_no, "token": token})
            tx.executemany("INSERT INTO seats (seat_no, seat_key, registered_at) VALUES (?, ?, ?)", seats)
            tx.executemany(
                "INSERT INTO tokens (token_hash, operator_id, seat_no, created_at, expires_at, revoked)"
                " VALUES (?, ?, ?, ?, ?, 0)", tokens)
            tx.set_counter("seat_no", first + n - 1)
        return out
    finally:
        db.close()


# --- events ------------------------------------------------------------------

def phone(i: int) -> str:
    """A distinct valid mobile number per *i* (no cache helps the server)."""
    return f"+86139{(10_000_000 + i * 7919) % 100_000_000:08d}"


DESCRIPTIONS = [
    "小区楼道灯坏了一个多星期，晚上出入很不方便，希望物业尽快维修。",
    "The bus stop sign at the corner has been missing for two weeks.",
    "楼上装修噪音很大，周末早上七点就开始施工，多次沟通无果。",
    "路边井盖松动，车辆经过时响声很大，担心有安全隐患。",
]


def case_numbers(seat_no: int, n: int, start_day: date | None = None) -> list[str]:
    """*n* distinct case numbers of *seat_no* (9,999 a day, so over several days)."""
    from operator_tui.case_numbers import MAX_DAILY, make_case_no

    day = start_day or (datetime.now(UTC).date() - timedelta(days=n // MAX_DAILY + 1))
    return [make_case_no(day + timedelta(days=i // MAX_DAILY), seat_no, 1 + i % MAX_DAILY) for i in range(n)]


def created_event(case_no: str, i: int = 0) -> dict[str, Any]:
    """A wire `created` event (protocol.EventIn shape) for a new case."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "event_id": uuid.uuid4().hex,
        "case_no": case_no,
        "type": "created",
        "base_version": 0,
        "client_time": now,
        "payload": {
            "phone": phone(i),
            "name": "张先生",
            "channel": "phone",
            "language": "zh",
            "appeal_type": "complaint",
            "district": "chaoyang",
            "address": f"建国路{i % 300 + 1}号",
            "description": DESCRIPTIONS[i % len(DESCRIPTIONS)],
            "urgency": "normal",
            "client_created_at": now,
        },
    }
