"""The seat's sync engine: outbox out, change feed in, in the background.

Two daemon threads, each with its own cache connection and HTTP client:

* the pusher sends the outbox in order, in batches; applied and duplicate
  answers mark items delivered, rejected and conflict answers keep them for a
  person (never dropped, never retried automatically);
* the puller takes a snapshot of recent cases on first contact, then follows
  the change feed by cursor with long polls, applying each page and its cursor
  in one local transaction, and refreshes reference data by version.

Failures back off exponentially with full jitter. A 401 stops both threads
until :meth:`SyncEngine.set_token` gives them a new token; the outbox is not
touched. The UI reads :meth:`SyncEngine.status` and never waits on the network.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import clock
from .client import LoginRequired, RequestRefused, ServerClient, ServerUnavailable

PUSH_BATCH = 200
REFERENCE_KINDS = ("departments", "categories", "routing", "kb")
REFERENCE_REFRESH_SECONDS = 300.0
BACKOFF_START, BACKOFF_MAX = 0.5, 30.0


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows about the connection and the outbox."""

    online: bool = False
    offline_since: str = ""
    syncing: bool = False
    outbox_depth: int = 0
    oldest_pending_seconds: float | None = None
    last_success: str = ""
    problems: int = 0  # rejected or conflicting changes awaiting a person
    login_required: bool = False
    last_error: str = ""


class Backoff:
    """Exponential backoff with full jitter."""

    def __init__(self, start: float = BACKOFF_START, cap: float = BACKOFF_MAX, rng: random.Random | None = None):
        self.start, self.cap, self.failures = start, cap, 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        self.failures += 1
        return self._rng.uniform(0, min(self.cap, self.start * 2 ** (self.failures - 1)))

    def reset(self) -> None:
        self.failures = 0


class SyncEngine:
    """Keeps one seat's cache in step with the central server."""

    def __init__(
        self,
        cache_path: str | Path,
        server_url: str,
        token: str = "",
        *,
        window_days: int = 30,
        long_poll_seconds: float = 20.0,
        transport: Any = None,
        on_status: Callable[[SyncStatus], None] | None = None,
    ):
        self.cache_path = Path(cache_path)
        self.server_url = server_url
        self.window_days = window_days
        self.long_poll_seconds = long_poll_seconds
        self._transport = transport
        self._on_status = on_status
        self._token = token
        self._lock = threading.Lock()
        self._status = SyncStatus(login_required=not token)
        self._stop = threading.Event()
        self._push_wake = threading.Event()
        self._pull_wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._reference_due = 0.0

    # --- control -----------------------------------------------------------

    def start(self) -> None:
        """Start the background threads."""
        self._stop.clear()
        for name, target in (("sync-push", self._push_loop), ("sync-pull", self._pull_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads (a long poll in flight is abandoned)."""
        self._stop.set()
        self._push_wake.set()
        self._pull_wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        """A local change was written: push now rather than at the next tick."""
        self._push_wake.set()

    def set_token(self, token: str) -> None:
        """A new token after (re-)login; the outbox is sent as it was."""
        self._token = token
        self._update(login_required=False, last_error="")
        self._push_wake.set()
        self._pull_wake.set()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # --- one round, for the CLI and tests ----------------------------------

    def sync_once(self) -> SyncStatus:
        """Push everything, pull until caught up, refresh reference data.

        Runs in the calling thread; errors end up in the returned status.
        """
        cache, client = self._open()
        try:
            self._guard(lambda: self._push_all(cache, client))
            self._guard(lambda: self._pull_round(cache, client, wait=0))
            self._refresh_counts(cache)
        finally:
            cache.close()
            client.close()
        return self.status

    # --- loops -------------------------------------------------------------

    def _push_loop(self) -> None:
        cache, client = self._open()
        backoff = Backoff()
        try:
            while not self._stop.is_set():
                if self.status.login_required:
                    self._wait(self._push_wake, None)
                    continue
                if self._guard(lambda: self._push_all(cache, client)):
                    backoff.reset()
                    self._refresh_counts(cache)
                    self._wait(self._push_wake, 5.0)
                else:
                    self._refresh_counts(cache)
                    self._wait(self._push_wake if self.status.login_required else None, backoff.next_delay())
        finally:
            cache.close()
            client.close()

    def _pull_loop(self) -> None:
        cache, client = self._open()
        backoff = Backoff()
        try:
            while not self._stop.is_set():
                if self.status.login_required:
                    self._wait(self._pull_wake, None)
                    continue
                wait = self.long_poll_seconds if self.status.online else 0
                if self._guard(lambda: self._pull_round(cache, client, wait=wait)):
                    backoff.reset()
                    self._refresh_counts(cache)
                else:
                    self._wait(None, backoff.next_delay())
        finally:
            cache.close()
            client.close()

    # --- the work ----------------------------------------------------------

    def _push_all(self, cache: Any, client: ServerClient) -> None:
        client.token = self._token
        while not self._stop.is_set():
            batch = cache.pending_events(PUSH_BATCH)
            if not batch:
                return
            self._update(syncing=True)
            try:
                answer = client.push(batch)
            except RequestRefused:
                # The server refused the batch as a whole: find the bad event(s)
                # one by one, and keep them as rejected with the server's reason.
                self._push_singly(cache, client, batch)
                continue
            finally:
                self._update(syncing=False)
            cache.mark_results([r.model_dump() for r in answer.results])
            self._contact()

    def _push_singly(self, cache: Any, client: ServerClient, batch: list[dict]) -> None:
        for event in batch:
            try:
                answer = client.push([event])
            except RequestRefused as exc:
                cache.mark_results([{"event_id": event["event_id"], "status": "rejected", "reason": exc.message}])
            else:
                cache.mark_results([r.model_dump() for r in answer.results])
        self._contact()

    def _pull_round(self, cache: Any, client: ServerClient, *, wait: float) -> None:
        """Pull pages until the feed has no more (the first may long-poll)."""
        client.token = self._token
        if time.monotonic() >= self._reference_due:
            self._refresh_reference(cache, client)
            self._reference_due = time.monotonic() + REFERENCE_REFRESH_SECONDS
        cursor = cache.get_state("cursor", "")
        if not cursor:
            cursor = self._take_snapshot(cache, client)
        while not self._stop.is_set():
            page = client.changes(cursor, wait=wait)
            cache.apply_pulled(
                [e.model_dump(mode="json") for e in page.events], page.cases, page.cursor
            )
            cursor = page.cursor
            self._contact()
            if not page.has_more:
                return
            wait = 0

    def _take_snapshot(self, cache: Any, client: ServerClient) -> str:
        """First contact: recent case summaries, then the feed from that point."""
        after, cursor = "", ""
        while True:
            page = client.snapshot(self.window_days, after)
            cursor = cursor or page.cursor
            cache.apply_snapshot(page.cases)
            if not page.has_more:
                break
            after = page.next_after
        cache.set_state("cursor", cursor)
        return cursor

    def _refresh_reference(self, cache: Any, client: ServerClient) -> None:
        for kind in REFERENCE_KINDS:
            have = cache.reference_version(kind)
            answer = client.reference(kind, have)
            items = list(answer.items)
            while answer.has_more:
                answer = client.reference(kind, items[-1].version)
                items += answer.items
            if items or answer.version != have:
                cache.replace_reference(kind, [i.model_dump() for i in items], answer.version)

    # --- helpers -----------------------------------------------------------

    def _open(self) -> tuple[Any, ServerClient]:
        from local_cache import LocalCache

        return LocalCache.open(self.cache_path), ServerClient(
            self.server_url, self._token, transport=self._transport
        )

    def _guard(self, work: Callable[[], None]) -> bool:
        """Run *work*; turn network trouble into status. True on success."""
        try:
            work()
            return True
        except LoginRequired as exc:
            self._update(login_required=True, last_error=f"login required: {exc}")
        except ServerUnavailable as exc:
            self._offline(str(exc))
        except RequestRefused as exc:
            self._update(last_error=f"server refused: {exc}")
        return False

    def _contact(self) -> None:
        self._update(online=True, offline_since="", last_success=clock.now_iso(), last_error="")

    def _offline(self, error: str) -> None:
        with self._lock:
            since = self._status.offline_since or clock.now_iso()
        self._update(online=False, offline_since=since, syncing=False, last_error=error)

    def _refresh_counts(self, cache: Any) -> None:
        self._update(
            outbox_depth=cache.outbox_depth(),
            oldest_pending_seconds=cache.oldest_pending_age_seconds(),
            problems=len(cache.problems()),
        )

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            self._on_status(status)

    def _wait(self, event: threading.Event | None, timeout: float | None) -> None:
        if event is None:
            self._stop.wait(timeout)
            return
        event.wait(timeout)
        event.clear()
