"""A program in a real pseudo-terminal, for timing what the user sees.

    term = PtyProgram([sys.executable, "-m", "benchmarks.bare_app", "login"], env=...)
    t = term.wait_for(b"operator login", timeout=30)   # seconds since start
    lat = term.key_latency("字")                        # key written -> its bytes on screen
    term.close()

A reader thread timestamps every chunk the program writes; ``wait_for``
answers the arrival time of the chunk that completed the pattern.
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Sequence


class PtyProgram:
    def __init__(self, argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
                 cols: int = 120, rows: int = 40):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "COLUMNS": str(cols),
                         "LINES": str(rows)})
        full_env.update(env or {})
        self.master = master
        self._buf = bytearray()
        self._times: list[tuple[int, float]] = []  # (end offset, arrival time)
        self._cond = threading.Condition()
        self._closed = False
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=cwd,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                data = b""
            now = time.perf_counter()
            with self._cond:
                if not data:
                    self._closed = True
                    self._cond.notify_all()
                    return
                self._buf += data
                self._times.append((len(self._buf), now))
                self._cond.notify_all()

    @property
    def mark(self) -> int:
        with self._cond:
            return len(self._buf)

    def text(self, start: int = 0) -> bytes:
        with self._cond:
            return bytes(self._buf[start:])

    def wait_for(self, pattern: bytes | Sequence[bytes], timeout: float = 30.0, start: int = 0) -> float:
        """perf_counter time at which *pattern* (or the first of several) had
        arrived after offset *start*."""
        patterns = [pattern] if isinstance(pattern, bytes) else list(pattern)
        deadline = time.perf_counter() + timeout
        with self._cond:
            while True:
                ends = [pos + len(p) for p in patterns if (pos := self._buf.find(p, start)) != -1]
                if ends:
                    end = min(ends)
                    for offset, at in self._times:
                        if offset >= end:
                            return at
                left = deadline - time.perf_counter()
                if left <= 0 or self._closed:
                    tail = bytes(self._buf[-600:]).decode(errors="replace")
                    state = "exited" if self._closed else f"no {pattern!r} after {timeout:.0f} s"
                    raise TimeoutError(f"{state}; screen tail: {tail!r}")
                self._cond.wait(left)

    def write(self, data: bytes) -> float:
        now = time.perf_counter()
        os.write(self.master, data)
        return now

    def key_latency(self, char: str, timeout: float = 10.0) -> float:
        """Seconds from writing *char* until its bytes were on the screen."""
        start = self.mark
        sent = self.write(char.encode())
        return self.wait_for(char.encode(), timeout, start) - sent

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the program wrote nothing for *quiet* seconds."""
        deadline = time.perf_counter() + timeout
        last = self.mark
        while time.perf_counter() < deadline:
            time.sleep(quiet)
            now = self.mark
            if now == last:
                return
            last = now

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        try:
            os.close(self.master)
        except OSError:
            pass
        self._reader.join(2)
