"""What the sync engine's two threads run on: one run's stop flag and
wake-ups (:class:`SyncRun`), and exponential backoff with full jitter."""

from __future__ import annotations

import random
import threading
import time

from .client import ServerClient

BACKOFF_START, BACKOFF_MAX = 0.5, 30.0


class Backoff:
    """Exponential backoff with full jitter."""

    def __init__(self, start: float = BACKOFF_START, cap: float = BACKOFF_MAX, rng: random.Random | None = None):
        self.start, self.cap, self.failures = start, cap, 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        self.failures += 1
        return self._rng.uniform(0, min(self.cap, self.start * 2 ** min(self.failures - 1, 30)))

    def reset(self) -> None:
        self.failures = 0


class SyncRun:
    """One start()..stop() of the engine: its stop flag, wake-ups and clients.

    Flags per thread ("push", "pull"): ``write`` (a local change) and
    ``kick`` (try now: new token, contact regained, retry asked for).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._flags: dict[str, set[str]] = {"push": set(), "pull": set()}
        self._clients: list[ServerClient] = []
        self.stopped = False

    def signal(self, who: str, flag: str) -> None:
        with self._cond:
            self._flags[who].add(flag)
            self._cond.notify_all()

    def wait(self, who: str, timeout: float | None, wake_on: set[str]) -> set[str]:
        """Wait until one of *wake_on* is raised for *who*, the run stops or
        *timeout* passes; returns (and clears) the flags that woke it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self.stopped and not self._flags[who] & wake_on:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cond.wait(left)
            got = self._flags[who] & wake_on
            self._flags[who] -= got
            return got

    def add_client(self, client: ServerClient) -> None:
        with self._cond:
            self._clients.append(client)
            stopped = self.stopped
        if stopped:
            client.abort()

    def stop(self) -> None:
        with self._cond:
            self.stopped = True
            clients = list(self._clients)
            self._cond.notify_all()
        for client in clients:
            client.abort()
