"""The fault suite's world: one central server (SQLite or PostgreSQL) behind a
FaultProxy, three seats with their own cache files, and the seat processes
(tests/faults/worker.py) that type into them.

Each seat keeps a ledger of what its processes said had returned: committed
cases, notes, and the last draft text per open draft. The checks
(tests/faults/checks.py) hold the caches and the server to that ledger.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faultproxy import FaultProxy
from tests.pg import PostgresCluster, dbname_of
from tests.server_helpers import PASSWORD, prepare_database
from tests.servers import REPO_ROOT, ServerProcess, sqlite_url

OPERATORS = ("op1", "op2", "op3")
DISK_SEAT = 2  # the seat whose cache lives on the small disk (disk full, read-only)


@dataclass
class Ledger:
    """What the seat's processes announced (everything here had returned)."""

    cases: set[str] = field(default_factory=set)
    notes: set[tuple[str, str]] = field(default_factory=set)
    drafts: dict[str, tuple[str, str]] = field(default_factory=dict)  # draft_id -> (case_no, text)
    restored: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # write errors
    engine_errors: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)


class WorkerProc:
    """A running seat process and the thread reading what it says."""

    def __init__(self, seat: "SeatHandle", args: list[str], log: Path):
        self.seat = seat
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPERATOR_TUI_")}
        env.update(PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1",
                   OPERATOR_TUI_CONFIG=str(seat.folder / "no-config.toml"),
                   OPERATOR_TUI_DATA_DIR=str(seat.folder / "data"))
        self._stderr = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.worker", *args], cwd=REPO_ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, encoding="utf-8", bufsize=1)
        self.ready = threading.Event()
        self.done = threading.Event()
        self.ended = threading.Event()  # stdout closed: every line was read
        self.lines = 0
        self.killed = False  # by us
        self._reader = threading.Thread(target=self._read, name=f"worker-{seat.name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        ledger = self.seat.ledger
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            self.lines += 1
            ev = msg.get("ev")
            with self.seat.lock:
                if ev in ("new", "draft", "restored"):
                    ledger.drafts[msg["d"]] = (msg["c"], msg.get("t", ""))
                    if ev == "restored":
                        ledger.restored += 1
                elif ev == "committed":
                    ledger.cases.add(msg["c"])
                    ledger.drafts.pop(msg["d"], None)
                elif ev == "note":
                    ledger.notes.add((msg["c"], msg["t"]))
                elif ev == "error":
                    ledger.errors.append(msg)
                elif ev == "engine" and msg.get("error"):
                    ledger.engine_errors.append(msg["error"])
                elif ev == "fatal":
                    ledger.fatal.append(msg["error"])
            if ev == "ready":
                self.ready.set()
            elif ev in ("done", "fatal"):
                self.done.set()
        self.ended.set()

    def send(self, command: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready.wait(0.05) or self.done.is_set() or not self.alive:
                return self.ready.is_set()
        return False

    @property
    def crashed(self) -> bool:
        """It ended by an error of its own (not our SIGKILL, not a reported
        failure to open the cache): a traceback is in the log."""
        code = self.proc.poll()
        return code is not None and code not in (0, 3) and not self.killed

    def kill(self) -> None:
        """SIGKILL, like a power cut; then read what it said before dying."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self._finish()

    def quit(self, timeout: float = 20.0) -> bool:
        """Ask it to stop; False (and SIGKILL) if it does not."""
        self.send("quit")
        try:
            self.proc.wait(timeout)
            ok = True
        except subprocess.TimeoutExpired:
            ok = False
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
        self._finish()
        return ok

    def _finish(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.ended.wait(10)
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        self._stderr.close()


class SeatHandle:
    """One seat: its files, its ledger, its processes."""

    def __init__(self, env: "Env", index: int, folder: Path, cache_dir: Path):
        self.env = env
        self.index = index
        self.operator = OPERATORS[index]
        self.name = f"seat{index + 1}"
        self.folder = folder
        self.cache = cache_dir / "cache.db"
        self.tokens = folder / "tokens.json"
        self.ledger = Ledger()
        self.lock = threading.Lock()
        self.token = ""
        self.killed = False  # SIGKILLed since the last check
        self.workers: list[WorkerProc] = []
        self._spawned = 0

    def login(self) -> None:
        from operator_tui.seat import Seat, SeatPaths

        seat = Seat(self.env.proxy.url, SeatPaths(self.cache, self.tokens), use_keyring=False)
        try:
            seat.login(self.operator, PASSWORD)
            self.token = (seat.tokens.load() or {})["token"]
        finally:
            seat.close()

    def spawn(self, seed: int, *, cases: int = 1_000_000, typing: float = 0.004,
              pause: float = 0.05, notes: float = 0.2, engine: bool = True, drain: bool = False,
              stay: bool = False, push_batch: int = 50, whole: bool = False) -> WorkerProc:
        self._spawned += 1
        args = ["--cache", str(self.cache), "--tokens", str(self.tokens),
                "--server", self.env.proxy.url, "--seed", str(seed), "--cases", str(cases),
                "--typing", str(typing), "--pause", str(pause), "--notes", str(notes),
                "--push-batch", str(push_batch), "--engine" if engine else "--no-engine"]
        args += ["--drain"] * drain + ["--stay"] * stay + ["--whole"] * whole
        if self.env.disk_mode == "pages" and self.index == DISK_SEAT:
            args.append("--page-limit")
        worker = WorkerProc(self, args, self.folder / "workers.log")
        self.workers.append(worker)
        return worker

    def kill(self, worker: WorkerProc) -> None:
        worker.kill()
        self.killed = True

    def stop_all(self) -> tuple[int, int]:
        """Quit every live process of this seat; returns how many hung and
        how many had died of an error of their own."""
        hung = crashed = 0
        for worker in self.workers:
            if worker.alive:
                hung += not worker.quit()
            else:
                worker._finish()
            crashed += worker.crashed
        self.workers = []
        return hung, crashed


class Env:
    """Server, proxy and seats for one backend."""

    def __init__(self, backend: str, workdir: Path, *, cluster: PostgresCluster | None = None,
                 disk_mode: str = "auto", pace: float = 1.0, log: Any = print):
        self.backend = backend
        self.workdir = workdir
        self.log = log
        self._own_cluster = cluster is None and backend == "postgresql"
        self.cluster = cluster
        self.disk_mode = disk_mode
        self.pace = pace  # scales how long seats work between faults (CI: < 1)
        self.disk_dir = workdir / "disk"
        self.mounted = False
        self.server: ServerProcess | None = None
        self.proxy: FaultProxy | None = None
        self.seats: list[SeatHandle] = []
        self.server_lock = threading.RLock()
        self.database_url = ""
        self.queue: list[str] = []  # fault kinds still to run in this round

    # --- setting up ----------------------------------------------------------------

    def start(self) -> "Env":
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.backend == "sqlite":
            url = sqlite_url(self.workdir / "central.db")
        else:
            if self.cluster is None:
                self.cluster = PostgresCluster()
                self.cluster.start()
            elif not self.cluster.running:
                self.cluster.start()
            url = self.cluster.create_database()
            # The test clusters run with synchronous_commit=off, which may lose the
            # last commits in a crash: a seat would then be told "applied" for a
            # change that is gone. A real centre commits synchronously.
            with self.cluster.connect(autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{dbname_of(url)}" SET synchronous_commit = on')
        self.database_url = prepare_database(url)
        args = ["--workers", "2"] if self.backend == "postgresql" else []
        self.server = ServerProcess(self.database_url, workdir=self.workdir / "server", extra_args=args)
        self.server.start()
        self.proxy = FaultProxy(self.server.url)
        self._prepare_disk()
        for i in range(len(OPERATORS)):
            folder = self.workdir / f"seat{i + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            cache_dir = (self.disk_dir / "seat") if i == DISK_SEAT else folder / "cache"
            seat = SeatHandle(self, i, folder, cache_dir)
            seat.login()
            self.seats.append(seat)
        return self

    def _prepare_disk(self) -> None:
        """A small disk of its own for one seat: a tmpfs when we may mount one
        (root), else the page-count stand-in (PRAGMA max_page_count)."""
        self.disk_dir.mkdir(parents=True, exist_ok=True)
        if self.disk_mode in ("auto", "tmpfs"):
            ok = os.geteuid() == 0 and shutil.which("mount") is not None and subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=256m,mode=0700", "fault-suite", str(self.disk_dir)],
                capture_output=True).returncode == 0
            if ok:
                self.mounted, self.disk_mode = True, "tmpfs"
                return
            if self.disk_mode == "tmpfs":
                raise RuntimeError("cannot mount a tmpfs (not root?): use --disk pages")
        self.disk_mode = "pages"

    def close(self) -> None:
        for seat in self.seats:
            for worker in seat.workers:
                if worker.alive:
                    worker.kill()
        if self.proxy is not None:
            self.proxy.close()
        if self.server is not None:
            self.server.stop()
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.disk_dir)], capture_output=True)
            subprocess.run(["umount", "-l", str(self.disk_dir)], capture_output=True)
            self.mounted = False
        if self.backend == "postgresql" and self.cluster is not None:
            if self._own_cluster:
                self.cluster.destroy()
            elif self.cluster.running:
                with contextlib.suppress(Exception):
                    self.cluster.drop_database(dbname_of(self.database_url))

    # --- faults the scenarios need ----------------------------------------------------

    def ensure_server(self) -> None:
        with self.server_lock:
            assert self.server is not None
            if not self.server.running:
                self.server.start()

    def kill_server(self) -> bool:
        with self.server_lock:
            assert self.server is not None
            if not self.server.running:
                return False
            self.server.kill()
            return True

    def fill_disk(self, keep_bytes: int) -> None:
        """Leave *keep_bytes* free on the disk seat's tmpfs."""
        filler = self.disk_dir / "filler"
        st = os.statvfs(self.disk_dir)
        free = st.f_bavail * st.f_frsize
        have = filler.stat().st_size if filler.exists() else 0
        size = max(0, have + free - keep_bytes)
        with open(filler, "ab") as handle:
            handle.truncate(0)
            if size:
                try:
                    os.posix_fallocate(handle.fileno(), 0, size)
                except OSError:  # fill what fits
                    pass

    @staticmethod
    def truncate_wal(seat: SeatHandle) -> None:
        """Checkpoint the seat's WAL and cut it to nothing (best effort)."""
        import sqlite3

        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(str(seat.cache), timeout=5)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()

    def free_disk(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.disk_dir / "filler").unlink()

    def set_readonly(self, on: bool) -> str:
        """Make the disk seat's cache read-only (or writable again); returns how."""
        seat_dir = self.seats[DISK_SEAT].cache.parent
        if self.mounted:
            opt = "remount,ro" if on else "remount,rw"
            result = subprocess.run(["mount", "-o", opt, str(self.disk_dir)], capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"mount -o {opt} failed: {result.stderr.strip()}")
            return "read-only file system"
        files = [p for p in seat_dir.iterdir() if p.name.startswith("cache.db")]
        for p in files:
            os.chmod(p, 0o400 if on else 0o600)
        os.chmod(seat_dir, 0o500 if on else 0o700)
        return "chmod 0400 file, 0500 folder"

    def heal(self) -> None:
        """Every fault off: proxy passes, server up, disk has room and is writable."""
        assert self.proxy is not None
        self.proxy.on_forwarded = None
        self.proxy.set_mode("pass")
        if self.backend == "postgresql" and self.cluster is not None and not self.cluster.running:
            self.cluster.start()
        self.ensure_server()
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.disk_dir)], capture_output=True)
            self.free_disk()
        else:
            with contextlib.suppress(OSError):
                self.set_readonly(False)
