"""The seat's sync engine: outbox out, change feed in, in the background.

Two daemon threads, each with its own cache connection and HTTP client:

* the pusher sends the outbox in order, in batches; applied and duplicate
  answers mark items delivered, rejected and conflict answers keep them for a
  person (never dropped, never retried automatically);
* the puller takes a snapshot of recent cases on first contact, then follows
  the change feed by cursor with long polls, applying each page and its cursor
  in one local transaction, and refreshes reference data by version.

Failures back off exponentially with full jitter; a local write, a new token
or regained contact (seen by the other thread) ends a backoff early. A 401
stops both threads until :meth:`SyncEngine.set_token` gives them a new token;
the outbox is not touched. Nothing kills a thread: an unexpected error is
logged, shown in ``status.last_error`` and backed off like a network error.
:meth:`SyncEngine.stop` is prompt: it shuts down the sockets of requests in
flight (a long poll) and each start() gets a fresh stop flag, so a thread
left over from an earlier run can never keep running.

The pushing is in :mod:`operator_tui.sync_push`, the pulling in
:mod:`operator_tui.sync_pull` (mixins); this module runs them, with the stop
flag, wake-ups and backoff of :mod:`operator_tui.sync_run`.

The UI reads :meth:`SyncEngine.status` and never waits on the network. The
connection state is also kept in the cache (``sync_status``) so that
``operator-tui sync status`` can show it without the app.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import clock
from .client import LoginRequired, RequestRefused, ServerClient, ServerUnavailable
from .sync_pull import PullMixin
from .sync_push import PushMixin
from .sync_run import BACKOFF_MAX, BACKOFF_START, Backoff, SyncRun
from .sync_status import STATUS_KEY, SyncStatus

log = logging.getLogger(__name__)

PUSH_BATCH = 200
PUSH_IDLE_SECONDS = 5.0  # look at the outbox this often even without a wake()
MIN_POLL_SECONDS = 1.0  # a long poll that comes back empty sooner waits this long
PERSIST_EVERY_SECONDS = 30.0  # last_success is written to the cache at most this often


class SyncEngine(PushMixin, PullMixin):
    """Keeps one seat's cache in step with the central server."""

    def __init__(
        self,
        cache_path: str | Path,
        server_url: str,
        token: str = "",
        *,
        window_days: int = 30,
        long_poll_seconds: float = 20.0,
        timeout: float = 10.0,
        backoff: tuple[float, float] = (BACKOFF_START, BACKOFF_MAX),
        push_batch: int = PUSH_BATCH,
        transport: Any = None,
        on_status: Callable[[SyncStatus], None] | None = None,
    ):
        self.cache_path = Path(cache_path)
        self.server_url = server_url
        self.window_days = window_days
        self.long_poll_seconds = long_poll_seconds
        self.timeout = timeout
        self.backoff = backoff
        self.push_batch = push_batch
        self._transport = transport
        self._on_status = on_status
        self._token = token
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()  # one pusher at a time (threads, sync_once)
        self._status = SyncStatus(login_required=not token)
        # Per direction: did the last attempt reach the server (None: nothing
        # to say, e.g. nothing to push), and its error; "auth" for a 401.
        self._reached: dict[str, bool | None] = {"push": None, "pull": None}
        self._errors: dict[str, str] = {"push": "", "pull": "", "auth": "", "local": ""}
        self._persisted: dict[str, Any] = {}
        self._persisted_at = 0.0
        self._run = SyncRun()
        self._run.stop()  # not started yet
        self._threads: list[threading.Thread] = []
        self._reference_due = 0.0

    # --- control -----------------------------------------------------------

    def start(self) -> None:
        """Start the background threads (a no-op if they run)."""
        if not self._run.stopped:
            return
        run = self._run = SyncRun()
        self._threads = []
        for name, loop in (("sync-push", self._push_loop), ("sync-pull", self._pull_loop)):
            thread = threading.Thread(target=self._thread_main, args=(loop, run), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads; requests in flight (a long poll) are cut off."""
        self._run.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():  # pragma: no cover - would be a bug
                log.warning("sync thread %s did not stop within %.1f s", thread.name, timeout)
        self._threads = []
        self._update(syncing=False)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads) and not self._run.stopped

    def wake(self) -> None:
        """A local change was written: push now rather than at the next tick."""
        self._run.signal("push", "write")

    def retry_now(self) -> None:
        """End any backoff and try the server now (a "retry" key in the UI)."""
        self._run.signal("push", "kick")
        self._run.signal("pull", "kick")

    def set_token(self, token: str) -> None:
        """A new token after (re-)login ('' after logout); the outbox is sent as it was."""
        self._token = token
        with self._lock:
            self._errors["auth"] = "" if token else "logged out: log in to send and receive"
        self._show_channels(login_required=not token)
        self.retry_now()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # --- one round, for the CLI and tests ----------------------------------

    def sync_once(self) -> SyncStatus:
        """Push everything, pull until caught up, refresh reference data.

        Runs in the calling thread; network errors end up in the returned
        status (a broken cache file raises).
        """
        run = SyncRun()
        cache, client = self._open()
        try:
            self._refresh_counts(cache)
            pushed = self._guard(run, "push", cache, client, lambda: self._push_all(cache, client, run))
            if not self.status.login_required:
                pulled = self._guard(run, "pull", cache, client,
                                     lambda: self._pull_round(cache, client, run, wait=0))
                if pushed and pulled and cache.pending_events(1):
                    # the pull delivered or released something (e.g. a held item)
                    self._guard(run, "push", cache, client, lambda: self._push_all(cache, client, run))
            self._refresh_counts(cache)
            self._persist(cache, force=True)
        finally:
            cache.close()
            client.close()
        return self.status

    # --- threads -----------------------------------------------------------

    def _thread_main(self, loop: Callable[[SyncRun, Any, ServerClient], None], run: SyncRun) -> None:
        opened = self._open_until_stopped(run, "push" if loop == self._push_loop else "pull")
        if opened is None:
            return
        cache, client = opened
        try:
            loop(run, cache, client)
        except BaseException:  # pragma: no cover - the loops catch everything
            log.exception("sync thread %s ended by an error", threading.current_thread().name)
            raise
        finally:
            client.close()
            cache.close()

    def _open_until_stopped(self, run: SyncRun, who: str) -> tuple[Any, ServerClient] | None:
        backoff = Backoff(*self.backoff)
        while not run.stopped:
            try:
                cache, client = self._open()
            except Exception as exc:
                log.exception("sync: cannot open the local cache %s", self.cache_path)
                self._set_error("local", f"cannot open the local cache: {type(exc).__name__}: {exc}")
                run.wait(who, backoff.next_delay(), {"kick"})
                continue
            run.add_client(client)
            return cache, client
        return None

    def _push_loop(self, run: SyncRun, cache: Any, client: ServerClient) -> None:
        backoff = Backoff(*self.backoff)
        self._safely(lambda: self._load_persisted(cache))
        while not run.stopped:
            try:
                self._refresh_counts(cache)
                if self.status.login_required:
                    run.wait("push", None, {"kick"})
                    continue
                was_online = self.status.online
                if self._guard(run, "push", cache, client, lambda: self._push_all(cache, client, run)):
                    backoff.reset()
                    self._refresh_counts(cache)
                    if not was_online and self.status.online:
                        run.signal("pull", "kick")
                    run.wait("push", PUSH_IDLE_SECONDS, {"write", "kick"})
                    continue
                self._refresh_counts(cache)
                self._back_off(run, "push", backoff.next_delay(), cache)
            except Exception as exc:  # only a bug gets here; never let the thread die
                self._unexpected(run, "push", exc)
                run.wait("push", backoff.next_delay(), {"kick"})

    def _pull_loop(self, run: SyncRun, cache: Any, client: ServerClient) -> None:
        backoff = Backoff(*self.backoff)
        while not run.stopped:
            try:
                if self.status.login_required:
                    run.wait("pull", None, {"kick"})
                    continue
                was_online = self.status.online
                wait = self.long_poll_seconds if was_online else 0
                started = time.monotonic()
                got: list[int] = []
                if self._guard(run, "pull", cache, client,
                               lambda: got.append(self._pull_round(cache, client, run, wait=wait))):
                    backoff.reset()
                    self._refresh_counts(cache)
                    if not was_online:
                        run.signal("push", "kick")
                    if wait and not got[0] and time.monotonic() - started < MIN_POLL_SECONDS:
                        run.wait("pull", MIN_POLL_SECONDS, {"kick"})  # a server that does not long-poll
                    continue
                run.wait("pull", backoff.next_delay(), {"kick"})
            except Exception as exc:
                self._unexpected(run, "pull", exc)
                run.wait("pull", backoff.next_delay(), {"kick"})

    def _back_off(self, run: SyncRun, who: str, delay: float, cache: Any) -> None:
        """Wait *delay* (or until kicked); local writes meanwhile only update the counts."""
        deadline = time.monotonic() + delay
        while not run.stopped:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            got = run.wait(who, left, {"write", "kick"})
            if "kick" in got:
                return
            if "write" in got:
                self._refresh_counts(cache)

    # --- the work: PushMixin (sync_push.py) and PullMixin (sync_pull.py) ------

    def _open(self) -> tuple[Any, ServerClient]:
        from local_cache import LocalCache

        cache = LocalCache.open(self.cache_path)
        client = ServerClient(self.server_url, self._token, timeout=self.timeout, transport=self._transport)
        return cache, client

    def _guard(self, run: SyncRun, channel: str, cache: Any, client: ServerClient,
               work: Callable[[], Any]) -> bool:
        """Run *work* (a push or a pull); turn trouble into status. True on success."""
        try:
            work()
            self._set_error("local", "")
            return True
        except LoginRequired as exc:
            if run.stopped or client.token != self._token:
                return False  # stopping, or a new token came meanwhile: just try again
            with self._lock:
                self._errors["auth"] = f"login required: {exc}"
            self._show_channels(login_required=True)
            self._safely(lambda: self._persist(cache, force=True))
        except ServerUnavailable as exc:
            if not run.stopped:
                self._channel(channel, False, str(exc))
                self._safely(lambda: self._persist(cache))
        except RequestRefused as exc:  # the server answered, but not with what we need
            if not run.stopped:
                self._channel(channel, True, f"server refused: {exc}")
        except Exception as exc:  # a bug, a locked or broken cache file...
            self._unexpected(run, channel, exc)
        return False

    def _unexpected(self, run: SyncRun, channel: str, exc: Exception) -> None:
        if run.stopped:
            return
        log.error("sync: unexpected error in %s", threading.current_thread().name, exc_info=exc)
        self._update(syncing=False)
        if isinstance(exc, sqlite3.Error):  # a full or read-only disk, a broken file: not a bug
            message = f"cannot write the local cache ({channel}): {exc} ({self.cache_path})"
        else:
            message = f"internal error ({channel}): {type(exc).__name__}: {exc}"
        self._set_error("local", message[:500])

    def _safely(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except Exception:
            log.exception("sync: could not record the sync state")

    def _contact(self, cache: Any, channel: str) -> None:
        self._channel(channel, True, "")
        self._safely(lambda: self._persist(cache))

    def _set_error(self, kind: str, error: str) -> None:
        with self._lock:
            if self._errors[kind] == error:
                return
            self._errors[kind] = error
        self._show_channels()

    def _channel(self, channel: str, reached: bool | None, error: str) -> None:
        """Record how the last push or pull went, and show the result."""
        with self._lock:
            self._reached[channel] = reached
            self._errors[channel] = error
        self._show_channels(success=bool(reached) and not error)

    def _show_channels(self, *, success: bool = False, **also: Any) -> None:
        """Derive online / offline_since / last_error from both directions.

        Online: the server was reached and neither direction is failing.
        The error shown: login first, then push, pull, then a local one.
        """
        with self._lock:
            reached = self._reached.values()
            online = True in reached and False not in reached
            since = "" if online else self._status.offline_since
            if not online and not since and False in reached:
                since = clock.now_iso()
            error = next((e for k in ("auth", "push", "pull", "local") if (e := self._errors[k])), "")
        error = " ".join(error.split())  # one line for the status bar
        changes: dict[str, Any] = {"online": online, "offline_since": since, "last_error": error, **also}
        if success:
            changes["last_success"] = clock.now_iso()
        if not online:
            changes["syncing"] = False
        self._update(**changes)

    def _refresh_counts(self, cache: Any) -> None:
        self._update(
            outbox_depth=cache.outbox_depth(),
            oldest_pending_seconds=cache.oldest_pending_age_seconds(),
            problems=len(cache.problems()),
        )

    def _persist(self, cache: Any, *, force: bool = False) -> None:
        """Keep the connection state in the cache (for `sync status`), sparingly."""
        status = self.status
        record = {
            "server_url": self.server_url,
            "online": status.online,
            "offline_since": status.offline_since,
            "last_success": status.last_success,
            "login_required": status.login_required,
            "last_error": status.last_error,
        }
        key = {k: v for k, v in record.items() if k != "last_success"}
        now = time.monotonic()
        with self._lock:
            due = force or key != self._persisted or now - self._persisted_at >= PERSIST_EVERY_SECONDS
            if due:
                self._persisted, self._persisted_at = key, now
        if due:
            cache.set_state(STATUS_KEY, {**record, "recorded_at": clock.now_iso()})
            if status.last_success:
                cache.set_state("last_success", status.last_success)

    def _load_persisted(self, cache: Any) -> None:
        """Show when we last reached the server before this start."""
        saved = cache.get_state(STATUS_KEY) or {}
        if isinstance(saved, dict) and saved.get("server_url", self.server_url) == self.server_url:
            with self._lock:
                last = self._status.last_success
            if not last and saved.get("last_success"):
                self._update(last_success=str(saved["last_success"]))

    def _update(self, **changes: Any) -> None:
        with self._lock:
            new = replace(self._status, **changes)
            if new == self._status:
                return
            self._status = new
        if self._on_status is not None:
            try:
                self._on_status(new)
            except Exception:
                log.exception("sync: the status callback failed")
